"""Checks and times the attention kernel of SAS layer libraries alone.

Each library exports sas_attention_forward, the layer's attention core at
the simulated sizes (q, k [B, T, H', D'], v [B, T, H', D]). `check`: for
every library of cases.attention_libraries() (kernel compiled for sm_80 and
for sm_90a) and every T of cases.ATTENTION_LENGTHS (1 and lengths that are
no multiple of any tile) and B of cases.ATTENTION_BATCHES: fresh random
inputs (seed printed), the output poisoned with NaN, against a float64
reference with the softmax spelled out; ||out - ref|| / ||ref|| below 2e-2.
`bench`: on the benchmark configs (bf16, causal), the kernel against
torch.nn.functional.scaled_dot_product_attention at the same shapes, same
run, same inputs, median of CUDA-event times; TFLOP/s counting the causal
triangle (with diagonal) as bench.py does.

    python3 benchmarks/gpu/attention.py check|bench --libs gpu-libs/libs
        [--json OUT] [--seed N] [--filter PARTS] [--dir DIR]
"""

import glob
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import cases  # noqa: E402
import sas_mlir.cuda  # noqa: E402
from bench import sdpa_backend, time_ms  # noqa: E402
from flops import attention_flops  # noqa: E402

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16}
THRESHOLD = 2e-2


def reference(q, k, v, causal, scale):
    """float64 attention, [B, T, N, E] layout, softmax spelled out."""
    q, k, v = (x.double().transpose(1, 2) for x in (q, k, v))
    s = q @ k.transpose(-1, -2) * scale
    if causal:
        t, n = s.shape[-2:]
        mask = torch.ones(t, n, dtype=torch.bool, device=s.device).triu(1)
        s = s.masked_fill(mask, float("-inf"))
    p = torch.softmax(s, dim=-1)
    return (p @ v).transpose(1, 2)


def selected(args, lib_case):
    """Whether --filter (comma-separated parts of a library's file name,
    all of which must occur) selects the library."""
    name = cases.lib_name(*lib_case) + "@" + lib_case[9]
    return all(part in name for part in (args.filter or "").split(","))


def attention_error(layer, b, t, seed):
    """The relative error of the library's attention at (b, t) against
    reference(): fresh random inputs from `seed`, the output poisoned with
    NaN first (inf where an element is not finite)."""
    c = layer.config
    storage = DTYPES[c["dtype"]]
    torch.manual_seed(seed)
    hs, ds, d = c["sim_heads"], c["sim_head_dim"], c["head_dim"]
    # Scores of a few units: a softmax that is neither flat nor one-hot.
    q = (torch.randn(b, t, hs, ds, device="cuda") * 2).to(storage)
    k = torch.randn(b, t, hs, ds, device="cuda").to(storage)
    v = torch.randn(b, t, hs, d, device="cuda").to(storage)
    out = torch.full((b, t, hs, d), float("nan"), dtype=storage,
                     device="cuda")
    layer.attention(q, k, v, out=out)
    torch.cuda.synchronize()
    ref = reference(q, k, v, c["causal"], c["scale"])
    out64 = out.double()
    return (float((out64 - ref).norm() / ref.norm())
            if bool(torch.isfinite(out64).all()) else float("inf"))


def check(args):
    print(f"attention.py check: seed {args.seed}, "
          f"{torch.cuda.get_device_name()}, torch {torch.__version__}",
          flush=True)
    results, failures, i = [], 0, 0
    if args.dir:
        # Every library of the directory, at its own B and T where it was
        # built for them, else at the check's lengths.
        libraries = [(os.path.join(args.dir, name), name.removesuffix(".so"))
                     for name in sorted(os.listdir(args.dir))
                     if name.endswith(".so")]
    else:
        libraries = [(os.path.join(args.libs, cases.lib_name(*lib_case)),
                      lib_case[9]) for lib_case in cases.attention_libraries()
                     if selected(args, lib_case)]
    for path, tag in libraries:
        layer = sas_mlir.cuda.load(path)
        c = layer.config
        causal, dtype = c["causal"], c["dtype"]
        shapes = ([(c["batch"], c["seq_len"])] if c.get("batch") else
                  [(b, t) for b in cases.ATTENTION_BATCHES
                   for t in cases.ATTENTION_LENGTHS])
        for b, t in shapes:
            hs, ds, d = c["sim_heads"], c["sim_head_dim"], c["head_dim"]
            error = attention_error(layer, b, t, args.seed + i)
            i += 1
            ok = error < THRESHOLD
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {tag:6s} {dtype:4s} "
                  f"{'causal' if causal else 'full  '} H'={hs} D'={ds} "
                  f"D={d} B={b} T={t:5d} rel. error {error:.2e}",
                  flush=True)
            results.append(dict(chip=tag, dtype=dtype, causal=causal,
                                sim_heads=hs, sim_head_dim=ds,
                                head_dim=d, batch=b, seq_len=t,
                                error=error, passed=ok,
                                seed=args.seed + i - 1))
    print(f"attention.py check: {len(results) - failures} passed, "
          f"{failures} failed")
    return results, failures


def time_attention(layer, b, t, iters, warmup=5):
    """The library's attention (sas_attention_forward) against
    torch.nn.functional.scaled_dot_product_attention on the same inputs
    (the library's dtype) at (b, t), same run: {ms, tflops} of each
    ("sas_mlir", "sdpa"; medians of CUDA-event times, the causal triangle
    with its diagonal counted as bench.py does), their relative
    difference, and the backend SDPA picked."""
    c = layer.config
    hs, ds, d, causal = (c["sim_heads"], c["sim_head_dim"], c["head_dim"],
                         c["causal"])
    torch.manual_seed(0)
    dtype = layer.dtype
    q = torch.randn(b, t, hs, ds, device="cuda", dtype=dtype)
    k = torch.randn(b, t, hs, ds, device="cuda", dtype=dtype)
    v = torch.randn(b, t, hs, d, device="cuda", dtype=dtype)
    out = torch.empty(b, t, hs, d, device="cuda", dtype=dtype)
    # SDPA wants [B, N, T, E]: the transposed views are what it reads
    # (no copies inside the timed call).
    qt, kt, vt = (x.transpose(1, 2) for x in (q, k, v))
    scale = c["scale"]
    runs = {
        "sas_mlir": lambda: layer.attention(q, k, v, out=out),
        "sdpa": lambda: F.scaled_dot_product_attention(
            qt, kt, vt, is_causal=causal, scale=scale),
    }
    with torch.no_grad():
        ours = runs["sas_mlir"]().double()
        theirs = runs["sdpa"]().transpose(1, 2).double()
        torch.cuda.synchronize()
        diff = float((ours - theirs).norm() / theirs.norm())
        ms = {n: time_ms(fn, warmup, iters) for n, fn in runs.items()}
    backend = sdpa_backend(qt, kt, vt, causal, scale)
    flop = attention_flops(b, t, hs, ds, d, causal)
    tflops = {n: flop / (m * 1e-3) / 1e12 for n, m in ms.items()}
    return dict(ms=ms, tflops=tflops, gflop=flop / 1e9,
                rel_diff_vs_sdpa=diff, sdpa_backend=backend)


def bench(args):
    print(f"attention.py bench: {torch.cuda.get_device_name()}, torch "
          f"{torch.__version__}, bf16, causal, median of {args.iters}",
          flush=True)
    results = []
    paths = [os.path.join(args.libs, cases.lib_name(*c))
             for c in cases.bench_libraries() if selected(args, c)]
    if args.dir:  # every library of a directory (tiling variants)
        paths = sorted(glob.glob(os.path.join(args.dir, "*.so")))
    for path in paths:
        layer = sas_mlir.cuda.load(path)
        c = layer.config
        b, t, hs, ds, d = (c["batch"], c["seq_len"], c["sim_heads"],
                           c["sim_head_dim"], c["head_dim"])
        chip = f"{c['chip']} {os.path.basename(path)}"
        r = time_attention(layer, b, t, args.iters)
        ms, tflops = r["ms"], r["tflops"]
        print(f"{chip} B={b} T={t} H'={hs} D'={ds} D={d}: sas_mlir "
              f"{ms['sas_mlir']:.3f} ms {tflops['sas_mlir']:.0f} TFLOP/s, "
              f"sdpa {ms['sdpa']:.3f} ms {tflops['sdpa']:.0f} TFLOP/s, "
              f"ratio {tflops['sas_mlir'] / tflops['sdpa']:.2f} "
              f"(rel. diff {r['rel_diff_vs_sdpa']:.1e}; SDPA backend "
              f"{r['sdpa_backend']})", flush=True)
        results.append(dict(chip=chip, batch=b, seq_len=t, sim_heads=hs,
                            sim_head_dim=ds, head_dim=d, **r))
    return results, 0


def main():
    parser = cases.check_bench_parser(__doc__, iters=30)
    parser.add_argument("--dir", help="every library in this directory "
                        "instead of the benchmark configs' (bench) or the "
                        "check's (check: each at its own B and T where it "
                        "was built for them)")
    parser.add_argument("--filter", help="only libraries whose file name, "
                        "followed by @chip, contains each comma-separated "
                        "part")
    args = parser.parse_args()
    results, failures = (check if args.mode == "check" else bench)(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=torch.cuda.get_device_name(),
                           torch=torch.__version__, seed=args.seed,
                           results=results), f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
