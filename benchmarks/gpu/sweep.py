"""Issue 21's shape sweep: checks and times the layer libraries on shapes
nobody tuned for, and the attention's parity with SDPA at every head size.

Sweep (default): for every shape of cases.SWEEP_CASES, on the library built
for its B and T (build_libs.py --only sweep):
  - the library's kernels and their paths (sas_layer_config(): tensor
    cores, or linalg and why); a 16-bit layer with a linalg kernel is
    reported as such;
  - check.py's check (check.check_case): fresh random inputs and weights
    (seed printed), the float64 reference module, the output poisoned with
    NaN, ||out - ref|| / ||ref|| against the dtype's threshold;
  - for the bf16 causal shapes, same run: the layer against torch.compile
    of the reference module in bf16 (bench.bench_config), and the
    attention entry alone (sas_attention_forward) against
    torch.nn.functional.scaled_dot_product_attention at the simulated size
    (q/k head size D', v head size D, H' heads; attention.time_attention),
    naming the backend SDPA picked. Ratios are PyTorch's median time over
    the library's: above 1 the library is faster.
A library that fails to load or launch is a recorded failure; the sweep
goes on. At the end: the pass count, the worst layer ratio among the
shapes with B * T >= 8192 (issue 21: all above 1, aim 2) and the worst
attention ratio.

Parity (--parity): for every library of cases.parity_libraries() (any B
and T; q/k head size E = 16, 32, ..., 256 with v head size F = 64, and E =
128, 192, 256 with F = 128; H' = 24, bf16, causal): its attention checked
against attention.reference() in float64 at B = 2, T = 257, then timed
against SDPA with the same q, k, v at B = 4, T = 4096 (B * H' = 96);
ratio = SDPA's time over the library's (issue 21: >= 0.8 for every E).

    python3 benchmarks/gpu/sweep.py --libs gpu-libs/libs [--json OUT]
        [--filter PARTS] [--part I/N] [--no-compile]
        [--compile-min-tokens N] [--seed N]
        [--warmup N] [--iters N]
    python3 benchmarks/gpu/sweep.py --parity --libs gpu-libs/libs
        [--json OUT] [--filter PARTS] [--seed N] [--warmup N] [--iters N]

--filter: only libraries whose file name contains each comma-separated
part (e.g. _bf16,causal); --part I/N: only shapes I, I + N, I + 2N, ...
(0 <= I < N) of the sweep, to split it over runs. The JSON is rewritten
after each shape: a run cut short keeps what it measured. Needs PyTorch
and a GPU, not MLIR.
"""

import argparse
import json
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import attention  # noqa: E402
import bench  # noqa: E402
import cases  # noqa: E402
import check  # noqa: E402
import sas_mlir.cuda  # noqa: E402

# The shapes held to issue 21's bar against torch.compile.
LARGE_TOKENS = 8192
# The attention's bar against SDPA (its rate over SDPA's).
PARITY_BAR = 0.8
# The check of each parity library's attention: a tail in T.
PARITY_CHECK_BATCH, PARITY_CHECK_SEQ_LEN = 2, 257


def selected(args, name):
    """Whether --filter (comma-separated parts, all of which must occur in
    the library's file name) selects the library."""
    return all(part in name for part in (args.filter or "").split(","))


def kernel_paths(layer):
    """What the library says of its kernels: names and paths, the linalg
    ones, why they are on that path, tilings other than asked."""
    linalg = [name for name, path in layer.kernels if path == "linalg"]
    return dict(kernels=[[name, path] for name, path in layer.kernels],
                linalg_kernels=linalg,
                linalg_reasons=layer.linalg_reasons,
                tiling_notes=layer.tiling_notes,
                slow_path=bool(linalg) and layer.config["dtype"] != "f32")


def paths_text(row):
    """The kernel paths of a row, in a few words."""
    kernels = row.get("kernels")
    if kernels is None:
        return ""
    if not kernels:
        return " [no kernel list: a library built before it existed]"
    counts = {}
    for _, path in kernels:
        counts[path] = counts.get(path, 0) + 1
    text = ", ".join(f"{n} {p}" for p, n in sorted(counts.items()))
    return f" [{text}]" + (" LINALG IN A 16-BIT LAYER" if row["slow_path"]
                           else "")


def shape_text(row):
    """The shape of a sweep row, as the lines print it."""
    c = row["case"]
    return (f"B={c['batch']} T={c['seq_len']} H={c['heads']} "
            f"D={c['head_dim']} H'={c['sim_heads']} D'={c['sim_head_dim']} "
            f"K={c['kernel']} {'causal' if c['causal'] else 'full'} "
            f"{c['dtype']}")


def write_json(path, data):
    if path:
        with open(path + ".tmp", "w") as f:
            json.dump(data, f, indent=1)
        os.replace(path + ".tmp", path)


def sweep_shape(args, case, seed):
    """One shape: kernel paths, check, and for bf16 causal the timings."""
    b, t, h, d, hs, ds, k, causal, dtype = case
    name = cases.lib_name(*case)
    row = dict(case=dict(batch=b, seq_len=t, heads=h, head_dim=d,
                         sim_heads=hs, sim_head_dim=ds, kernel=k,
                         causal=causal, dtype=dtype),
               library=name, seed=seed)
    try:
        layer = sas_mlir.cuda.load(os.path.join(args.libs, name))
        row.update(kernel_paths(layer))
    except Exception as e:  # a recorded failure, not the end of the sweep
        row.update(error=None, passed=False,
                   failure=f"load: {type(e).__name__}: {e}")
        return row
    error, ok, message = check.check_case(args.libs, case, seed,
                                          any_size=False)
    row.update(error=error, passed=ok, check=message)
    # A library that failed to launch is not timed (it would fail again).
    if not (dtype == "bf16" and causal) or error is None:
        return row
    try:
        # Each shape's torch.compile from scratch: no recompilation limit,
        # no dynamic shapes carried over from the previous shape.
        torch._dynamo.reset()
        compiled = not args.no_compile and b * t >= args.compile_min_tokens
        only = ("sas_mlir", "sas_compiled") if compiled else ("sas_mlir",)
        r = bench.bench_config(args.libs, case, args.iters, compiled,
                               warmup=args.warmup, only=only)
        ms = r["ms"]
        row["layer"] = dict(ms=ms, tflops=r["tflops"],
                            rel_diff_vs_eager=r["agreement_with_eager"])
        if "sas_compiled" in ms:
            row["layer_ratio"] = ms["sas_compiled"] / ms["sas_mlir"]
        a = attention.time_attention(layer, b, t, args.iters,
                                     warmup=args.warmup)
        row["attention"] = a
        row["attention_ratio"] = a["ms"]["sdpa"] / a["ms"]["sas_mlir"]
    except Exception as e:  # recorded apart: the check's verdict stands
        row["timing_failure"] = f"{type(e).__name__}: {e}"
    finally:
        torch._dynamo.reset()
    return row


def print_row(row):
    line = f"{'ok  ' if row['passed'] else 'FAIL'} {shape_text(row)}"
    if "failure" in row:
        print(f"{line}: {row['failure']}", flush=True)
        return
    error = row["error"]
    line += (f": error {error:.2e}" if error is not None
             else f": {row['check']}")
    if "layer" in row:
        ms = row["layer"]["ms"]
        line += f", layer {ms['sas_mlir']:.3f} ms"
        if "layer_ratio" in row:
            line += (f", torch.compile {ms['sas_compiled']:.3f} ms "
                     f"{row['layer_ratio']:.2f}x")
    if "attention" in row:
        a = row["attention"]
        line += (f", attention {a['ms']['sas_mlir']:.3f} ms, SDPA "
                 f"{a['ms']['sdpa']:.3f} ms {row['attention_ratio']:.2f}x "
                 f"({a['sdpa_backend']})")
    print(line + paths_text(row), flush=True)
    if error is not None and not row["passed"]:
        print(f"     check: {row['check']}", flush=True)
    if "timing_failure" in row:
        print(f"     timing: {row['timing_failure']}", flush=True)
    for reason in row.get("linalg_reasons") or []:
        if row["slow_path"]:
            print(f"     linalg: {reason}", flush=True)


def sweep_summary(rows):
    """Pass count, 16-bit layers with linalg kernels, the worst ratios."""
    shape = shape_text
    passed = sum(r["passed"] for r in rows)
    summary = dict(shapes=len(rows), passed=passed,
                   failed=len(rows) - passed,
                   failures=[shape(r) for r in rows if not r["passed"]],
                   timing_failures=[shape(r) for r in rows
                                    if "timing_failure" in r],
                   slow_path=[shape(r) for r in rows if r.get("slow_path")])
    large = [r for r in rows if "layer_ratio" in r
             and r["case"]["batch"] * r["case"]["seq_len"] >= LARGE_TOKENS]
    if large:
        worst = min(large, key=lambda r: r["layer_ratio"])
        summary.update(
            large_shapes=len(large),
            worst_layer_ratio=worst["layer_ratio"],
            worst_layer_shape=shape(worst),
            large_below_1x=sum(r["layer_ratio"] < 1 for r in large),
            large_below_2x=sum(r["layer_ratio"] < 2 for r in large))
    timed = [r for r in rows if "attention_ratio" in r]
    if timed:
        worst = min(timed, key=lambda r: r["attention_ratio"])
        summary.update(
            attention_shapes=len(timed),
            worst_attention_ratio=worst["attention_ratio"],
            worst_attention_shape=shape(worst),
            attention_below_bar=sum(r["attention_ratio"] < PARITY_BAR
                                    for r in timed),
            sdpa_backends=sorted({r["attention"]["sdpa_backend"]
                                  for r in timed}))
        # Short sequences time launches more than the kernel: the worst
        # among the large shapes too.
        large = [r for r in timed if r["case"]["batch"]
                 * r["case"]["seq_len"] >= LARGE_TOKENS]
        if large:
            worst = min(large, key=lambda r: r["attention_ratio"])
            summary.update(
                worst_large_attention_ratio=worst["attention_ratio"],
                worst_large_attention_shape=shape(worst))
    return summary


def print_sweep_summary(s):
    print(f"sweep.py: {s['passed']} of {s['shapes']} shapes passed, "
          f"{s['failed']} failed" + ("".join(f"\n  failed: {x}"
                                             for x in s["failures"])))
    if s["timing_failures"]:
        print(f"sweep.py: shapes whose timing raised: "
              f"{len(s['timing_failures'])}" + "".join(f"\n  not timed: {x}"
                                      for x in s["timing_failures"]))
    print(f"sweep.py: 16-bit layers with a linalg kernel: "
          f"{len(s['slow_path'])}"
          + "".join(f"\n  linalg: {x}" for x in s["slow_path"]))
    if "worst_layer_ratio" in s:
        print(f"sweep.py: layer vs torch.compile, {s['large_shapes']} shapes "
              f"with B*T >= {LARGE_TOKENS}: worst "
              f"{s['worst_layer_ratio']:.2f}x"
              f" ({s['worst_layer_shape']}); {s['large_below_1x']} below 1x, "
              f"{s['large_below_2x']} below 2x")
    if "worst_attention_ratio" in s:
        print(f"sweep.py: attention vs SDPA, {s['attention_shapes']} shapes: "
              f"worst {s['worst_attention_ratio']:.2f}x "
              f"({s['worst_attention_shape']}); {s['attention_below_bar']} "
              f"below {PARITY_BAR}; SDPA backends "
              f"{', '.join(s['sdpa_backends'])}")
    if "worst_large_attention_ratio" in s:
        print(f"sweep.py: attention vs SDPA, B*T >= {LARGE_TOKENS}: worst "
              f"{s['worst_large_attention_ratio']:.2f}x "
              f"({s['worst_large_attention_shape']})")


def run_sweep(args, header):
    todo = [case for case in cases.SWEEP_CASES
            if selected(args, cases.lib_name(*case))]
    if args.part:
        i, n = (int(x) for x in args.part.split("/"))
        todo = todo[i::n]
    print(f"sweep.py: {len(todo)} shapes, seed {args.seed}, {header}, "
          f"median of {args.iters} after {args.warmup} warm-up calls"
          f"{'' if not args.no_compile else ', no torch.compile'}",
          flush=True)
    rows = []
    data = dict(kind="sweep", device=torch.cuda.get_device_name(),
                torch=torch.__version__, seed=args.seed, iters=args.iters,
                warmup=args.warmup, compiled=not args.no_compile,
                part=args.part, filter=args.filter, results=rows)
    for i, case in enumerate(todo):
        # The seed of shape i is the run's seed plus i, as in check.py.
        rows.append(sweep_shape(args, case, args.seed + i))
        # The float64 references of the large shapes take tens of GB.
        torch.cuda.empty_cache()
        print_row(rows[-1])
        data["summary"] = sweep_summary(rows)
        write_json(args.json, data)
    summary = sweep_summary(rows)
    print_sweep_summary(summary)
    return summary["failed"] + len(summary["timing_failures"])


def parity_row(args, lib_case, seed):
    b, t = cases.PARITY_BATCH, cases.PARITY_SEQ_LEN
    _, _, h, d, hs, ds, _, causal, dtype, chip = lib_case
    name = cases.lib_name(*lib_case)
    row = dict(library=name, chip=chip, sim_heads=hs, sim_head_dim=ds,
               head_dim=d, batch=b, seq_len=t, check_batch=PARITY_CHECK_BATCH,
               check_seq_len=PARITY_CHECK_SEQ_LEN, seed=seed)
    try:
        layer = sas_mlir.cuda.load(os.path.join(args.libs, name))
        row.update(kernel_paths(layer))
        row["attention_paths"] = sorted({path for kernel, path in
                                         layer.kernels
                                         if "attention" in kernel})
        error = attention.attention_error(layer, PARITY_CHECK_BATCH,
                                          PARITY_CHECK_SEQ_LEN, seed)
        row.update(error=error, passed=error < attention.THRESHOLD)
        row.update(attention.time_attention(layer, b, t, args.iters,
                                            warmup=args.warmup))
        row["ratio"] = row["ms"]["sdpa"] / row["ms"]["sas_mlir"]
    except Exception as e:  # a recorded failure, not the end of the run
        row.update(passed=False, failure=f"{type(e).__name__}: {e}")
    return row


def print_parity_row(row):
    line = (f"{'ok  ' if row['passed'] else 'FAIL'} E={row['sim_head_dim']:3d}"
            f" F={row['head_dim']:3d}")
    if "error" in row:
        line += f" error {row['error']:.2e}"
    if "ratio" in row:
        ms, tf = row["ms"], row["tflops"]
        line += (f": {ms['sas_mlir']:.3f} ms {tf['sas_mlir']:.0f} TFLOP/s, "
                 f"SDPA {ms['sdpa']:.3f} ms {tf['sdpa']:.0f} TFLOP/s, "
                 f"ratio {row['ratio']:.2f} ({row['sdpa_backend']})")
    if "attention_paths" in row:
        paths = "/".join(row["attention_paths"]) or "no attention kernel named"
        line += (f" [attention: {paths}"
                 f"{'; the layer: ' if row['slow_path'] else ''}"
                 f"{len(row['linalg_kernels']) if row['slow_path'] else ''}"
                 f"{' linalg kernels' if row['slow_path'] else ''}]")
    if "failure" in row:
        line += f": {row['failure']}"
    print(line, flush=True)


def parity_summary(rows):
    passed = sum(r["passed"] for r in rows)
    summary = dict(libraries=len(rows), passed=passed,
                   failed=len(rows) - passed)
    timed = [r for r in rows if "ratio" in r]
    if timed:
        worst = min(timed, key=lambda r: r["ratio"])
        summary.update(
            worst_ratio=worst["ratio"],
            worst_head_sizes=[worst["sim_head_dim"], worst["head_dim"]],
            below_bar=[[r["sim_head_dim"], r["head_dim"]] for r in timed
                       if r["ratio"] < PARITY_BAR],
            sdpa_backends=sorted({r["sdpa_backend"] for r in timed}))
    return summary


def run_parity(args, header):
    todo = [c for c in cases.parity_libraries()
            if selected(args, cases.lib_name(*c))]
    b, t = cases.PARITY_BATCH, cases.PARITY_SEQ_LEN
    print(f"sweep.py --parity: {len(todo)} libraries, seed {args.seed}, "
          f"{header}, check at B={PARITY_CHECK_BATCH} "
          f"T={PARITY_CHECK_SEQ_LEN}, timing at B={b} T={t} H'=24 bf16 "
          f"causal, median of {args.iters}; ratio = SDPA ms / ours "
          f"(bar {PARITY_BAR})", flush=True)
    rows = []
    data = dict(kind="parity", device=torch.cuda.get_device_name(),
                torch=torch.__version__, seed=args.seed, iters=args.iters,
                warmup=args.warmup, filter=args.filter, results=rows)
    for i, lib_case in enumerate(todo):
        rows.append(parity_row(args, lib_case, args.seed + i))
        print_parity_row(rows[-1])
        data["summary"] = parity_summary(rows)
        write_json(args.json, data)
    s = parity_summary(rows)
    print(f"sweep.py --parity: {s['passed']} of {s['libraries']} passed the "
          f"check, {s['failed']} failed")
    if "worst_ratio" in s:
        e, f = s["worst_head_sizes"]
        below = ", ".join(f"E={x} F={y}" for x, y in s["below_bar"])
        print(f"sweep.py --parity: worst ratio {s['worst_ratio']:.2f} (E={e} "
              f"F={f}); below {PARITY_BAR}: {below or 'none'}; SDPA "
              f"backends {', '.join(s['sdpa_backends'])}")
    return s["failed"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--json")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--parity", action="store_true",
                        help="the attention's parity with SDPA at every "
                        "q/k head size (cases.parity_libraries())")
    parser.add_argument("--filter", help="only libraries whose file name "
                        "contains each comma-separated part")
    parser.add_argument("--part", help="I/N: only shapes I, I + N, ... of "
                        "the sweep")
    parser.add_argument("--no-compile", action="store_true",
                        help="skip torch.compile (it compiles for minutes)")
    parser.add_argument("--compile-min-tokens", type=int, default=0,
                        help="time torch.compile only where B * T is at "
                             "least this (8192: the shapes held to the "
                             "bar; each compile takes tens of seconds)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    if args.part:
        try:
            i, n = (int(x) for x in args.part.split("/"))
        except ValueError:
            i, n = 0, 0
        if not 0 <= i < n:
            parser.error("--part takes I/N with 0 <= I < N")
    # The sweep names the linalg kernels of each library in its own lines;
    # the loader's warning about them (one each load) is left out.
    warnings.filterwarnings("ignore", category=RuntimeWarning,
                            message=".*run on the linalg path")
    header = (f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    failed = (run_parity if args.parity else run_sweep)(args, header)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
