"""Times the SAS layer libraries against PyTorch on the GPU, in one run.

For each config of cases.BENCH_CONFIGS (docs/baselines.md, bf16, causal),
on the same inputs: the reference module (sas_mlir.torch_module, SDPA attention)
eager and under torch.compile, plain causal MHA (SDPA over H heads of D plus
the output dense layer), SDPA alone at the simulated size (H' heads, D' for
q/k, D for v), and the project's layer library. Median of CUDA-event times
after warm-up; TFLOP/s from docs/spec.md's counts (SAS with PEAA
literal, as docs/baselines.md); ratios against the library.

    python3 benchmarks/gpu/bench.py --libs gpu-libs/libs [--json OUT]
        [--attention-only]

With --attention-only: the libraries' attention kernel alone against SDPA
at the simulated size (attention.py's bench).
"""

import argparse
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
from flops import attention_flops, mha_flops, sas_flops  # noqa: E402
from sas_mlir.torch_module import SASAttention  # noqa: E402


def sdpa_backend(q, k, v, is_causal, scale=None):
    """The backend torch.nn.functional.scaled_dot_product_attention picks
    for these inputs ([B, N, T, E]; "FLASH_ATTENTION", "EFFICIENT_ATTENTION",
    "CUDNN_ATTENTION", "MATH"), by PyTorch's own choice function
    (torch._fused_sdp_choice, private: "unknown" where it fails)."""
    try:
        from torch.nn.attention import SDPBackend
        choice = torch._fused_sdp_choice(q, k, v, None, 0.0, is_causal,
                                         scale=scale)
        return SDPBackend(choice).name
    except Exception as e:  # another PyTorch: record that it is not known
        return f"unknown ({type(e).__name__})"


def time_ms(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return times[len(times) // 2]


def bench_config(libs, case, iters, compile_module, warmup=3, only=None):
    """Times the case's library (bf16) and PyTorch's runs of it, same
    inputs; `only`: the names of the runs to time (default: all)."""
    b, t, h, d, hs, ds, k, causal, dtype = case
    dev, bf16 = torch.device("cuda"), torch.bfloat16
    torch.manual_seed(0)
    module = SASAttention(h, hs, d, ds, k, causal=causal).to(dev, bf16).eval()
    q, kk, v = (torch.randn(b, t, h, d, device=dev, dtype=bf16)
                for _ in range(3))
    state = {n: p.detach().contiguous() for n, p in module.state_dict().items()}
    layer = sas_mlir.cuda.load(os.path.join(libs, cases.lib_name(*case)))
    dense = torch.nn.Linear(h * d, h * d).to(dev, bf16)
    qs = torch.randn(b, hs, t, ds, device=dev, dtype=bf16)
    ks = torch.randn(b, hs, t, ds, device=dev, dtype=bf16)
    vs = torch.randn(b, hs, t, d, device=dev, dtype=bf16)

    def mha():
        o = F.scaled_dot_product_attention(q.transpose(1, 2), kk.transpose(1, 2),
                                           v.transpose(1, 2), is_causal=causal)
        return dense(o.transpose(1, 2).reshape(b, t, h * d))

    backends = {
        "mha": sdpa_backend(q.transpose(1, 2), kk.transpose(1, 2),
                            v.transpose(1, 2), causal),
        "core_sim_size": sdpa_backend(qs, ks, vs, causal)}
    runs = {}
    with torch.no_grad():
        runs["sas_eager"] = lambda: module(q, kk, v)
        if compile_module:
            compiled = torch.compile(module)
            runs["sas_compiled"] = lambda: compiled(q, kk, v)
        runs["mha"] = mha
        runs["core_sim_size"] = lambda: F.scaled_dot_product_attention(
            qs, ks, vs, is_causal=causal)
        runs["sas_mlir"] = lambda: layer(q, kk, v, state)
        # The parameters checked once (LayerLibrary.bind): the same kernels,
        # 22 checks a call less of host time.
        bound = layer.bind(state)
        runs["sas_mlir_bound"] = lambda: bound(q, kk, v)
        out_lib, out_eager = runs["sas_mlir"](), runs["sas_eager"]()
        out_bound = runs["sas_mlir_bound"]()
        torch.cuda.synchronize()
        agreement = float((out_lib.double() - out_eager.double()).norm()
                          / out_eager.double().norm())
        if not torch.equal(out_bound, out_lib):
            raise RuntimeError("the bound layer's output differs from the "
                               "layer's on the same inputs")
        times = {name: time_ms(fn, warmup, iters)
                 for name, fn in runs.items() if only is None or name in only}
    flops = {"sas_eager": sas_flops(b, t, h, d, hs, ds, k, causal),
             "mha": mha_flops(b, t, h, d, causal)}
    flops["sas_compiled"] = flops["sas_mlir"] = flops["sas_eager"]
    flops["sas_mlir_bound"] = flops["sas_eager"]
    flops["core_sim_size"] = attention_flops(b, t, hs, ds, d, causal)
    return dict(config=dict(batch=b, seq_len=t, heads=h, head_dim=d,
                            sim_heads=hs, sim_head_dim=ds, kernel=k),
                ms=times,
                tflops={n: flops[n] / (times[n] * 1e-3) / 1e12 for n in times},
                gflop={n: flops[n] / 1e9 for n in times},
                agreement_with_eager=agreement, sdpa_backend=backends)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--json")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--no-compile", action="store_true",
                        help="skip torch.compile (it compiles for minutes)")
    parser.add_argument("--attention-only", action="store_true",
                        help="time the attention kernel alone against SDPA")
    args = parser.parse_args()
    if args.attention_only:
        import attention
        args.dir = args.filter = None
        results, _ = attention.bench(args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(dict(device=torch.cuda.get_device_name(),
                               torch=torch.__version__, results=results), f,
                          indent=1)
        return
    device = torch.cuda.get_device_name()
    print(f"bench.py: {device}, torch {torch.__version__}, bf16, median of "
          f"{args.iters}", flush=True)
    results = []
    for case in cases.bench_cases():
        r = bench_config(args.libs, case, args.iters, not args.no_compile)
        results.append(r)
        c, ms = r["config"], r["ms"]
        print(f"B={c['batch']} T={c['seq_len']} H={c['heads']} D="
              f"{c['head_dim']} -> H'={c['sim_heads']} D'={c['sim_head_dim']}"
              f" K={c['kernel']}  (library vs eager: rel. diff "
              f"{r['agreement_with_eager']:.1e})", flush=True)
        for name, t in ms.items():
            print(f"  {name:14s} {t:9.3f} ms {r['tflops'][name]:8.1f} TFLOP/s"
                  f"  library/this {ms['sas_mlir'] / t:7.2f}x", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(device=device, torch=torch.__version__,
                           results=results), f, indent=1)


if __name__ == "__main__":
    main()
