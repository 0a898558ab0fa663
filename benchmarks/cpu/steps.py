"""The CPU layer's steps, each timed on its own, against the machine's sgemm
rate measured in the same run (issue 24: the GEMM-shaped steps at >= 60%
of it).

Each step of docs/spec.md is one `sas` op in a function of its own
(head simulation, feature simulation, attention at the simulated size,
PEAA) and the whole `sas.layer` in another, at the GPT-2-small SAS layer
of peers.py (B = 1, H = 12, D = 64 -> H' = 24, D' = 128, K = 3, causal,
f32). `sas-opt --sas-cpu-pipeline` lowers the module, the same passes and
register tile as sas-run and the Python bindings, and `mlir-runner -O3` runs it on this
machine's CPU (its features detected as sas-run's JIT does), OpenMP with
--threads threads: each function called --repeat times on inputs filled
with a fixed pseudo-random pattern, every call timed by rtclock, the
median kept. The FLOPs of each step are the cost model's
(`sas-opt --sas-cost-report`, docs/spec.md's formulas). The sgemm rate is
PyTorch's f32 matmul of 2048^3 on the same threads, timed before and
after the steps (the larger of the two medians).

The GEMM-shaped steps (issue 24: "the simulations and PEAA") are those
whose work is matrix products with a weight matrix, token by token: the
head simulation (per token and tap, [H', H] x [H, D], then [H', H'] x
[H', D]), the feature simulation (B·T·H' rows times D -> D', then D' ->
D') and PEAA (B·T rows times H·D -> H·D). The attention's products are
fused with its softmax; it is printed too, with the whole layer.

    PYTHONPATH=build/python_packages .venv/bin/python benchmarks/cpu/steps.py
        [--seq-lens 512 2048]
        [--threads 2] [--repeat 7] [--sas-opt build/bin/sas-opt]
        [--pipeline-options OPTIONS] [--json OUT]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import cpu_info  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LLVM_BIN = "/usr/lib/llvm-22/bin"
LLVM_LIB = "/usr/lib/llvm-22/lib"

H, D, HS, DS, K = 12, 64, 24, 128, 3
GEMM_SHAPED = ("head_sim", "feature_sim", "peaa")


def tensor(shape):
    return "tensor<" + "x".join(str(s) for s in shape) + "xf32>"


def shapes(t):
    """{argument name: shape} of every tensor the steps take."""
    head = {"w": (HS, H, K), "b": (HS,), "rw": (HS, HS, K), "rb": (HS,)}
    feat = {"w": (DS, D), "b": (DS,), "rw": (DS, DS), "rb": (DS,)}
    s = {"q": (1, t, H, D), "k": (1, t, H, D), "v": (1, t, H, D),
         "s": (1, t, HS, D), "z": (1, t, HS, DS), "o": (1, t, HS, D),
         "ow": (H * D, H * D), "ob": (H * D,)}
    for stream in ("q", "k", "v"):
        s.update({f"{stream}h{n}": v for n, v in head.items()})
    for stream in ("q", "k"):
        s.update({f"{stream}f{n}": v for n, v in feat.items()})
    return s


def steps(t):
    """(name, arguments, body, result shape) of each timed function."""
    s = shapes(t)

    def types(names):
        return ", ".join(tensor(s[n]) for n in names)
    head = ["q", "qhw", "qhb", "qhrw", "qhrb"]
    feat = ["s", "qfw", "qfb", "qfrw", "qfrb"]
    attn = ["z", "z", "o"]
    peaa = ["o", "ow", "ob"]
    # The layer's operand order: q, k, v, then q_head, q_feat, k_head,
    # k_feat, v_head (weights, bias, residual weights and bias) and out.
    layer = ["q", "k", "v"] + [f"{group}{n}" for group in
                               ("qh", "qf", "kh", "kf", "vh")
                               for n in ("w", "b", "rw", "rb")] + ["ow", "ob"]
    out = (1, t, H * D)
    return [
        ("head_sim", head,
         "sas.head_sim %a0 weights(%a1, %a2) residual(%a3, %a4) : "
         f"({types(head)}) -> {tensor(s['s'])}", s["s"]),
        ("feature_sim", feat,
         "sas.feature_sim %a0 weights(%a1, %a2) residual(%a3, %a4) : "
         f"({types(feat)}) -> {tensor(s['z'])}", s["z"]),
        ("attention", attn,
         f"sas.attention %a0, %a1, %a2 causal : ({types(attn)}) -> "
         f"{tensor(s['o'])}", s["o"]),
        ("peaa", peaa,
         f"sas.peaa %a0 dense(%a1, %a2) : ({types(peaa)}) -> "
         f"{tensor(out)}", out),
        ("layer", layer,
         "sas.layer %a0, %a1, %a2 q_head(%a3, %a4, %a5, %a6) "
         "q_feat(%a7, %a8, %a9, %a10) k_head(%a11, %a12, %a13, %a14) "
         "k_feat(%a15, %a16, %a17, %a18) v_head(%a19, %a20, %a21, %a22) "
         f"out(%a23, %a24) causal : ({types(layer)}) -> {tensor(out)}", out),
    ]


def fill(name, shape):
    """A tensor of `shape` filled with 0.5·sin(1.7·i + 0.3·j + ...): the
    same values every run, no denormals, ReLUs taking both sides."""
    rank = len(shape)
    dims = ", ".join(f"d{i}" for i in range(rank))
    parallel = ", ".join(['"parallel"'] * rank)
    lines = [f"  %{name}_e = tensor.empty() : {tensor(shape)}",
             f"  %{name} = linalg.generic {{indexing_maps = "
             f"[affine_map<({dims}) -> ({dims})>], iterator_types = "
             f"[{parallel}]}} outs(%{name}_e : "
             f"{tensor(shape)}) {{",
             "  ^bb0(%out: f32):"]
    terms = []
    for i in range(rank):
        lines += [f"    %i{i} = linalg.index {i} : index",
                  f"    %n{i} = arith.index_cast %i{i} : index to i64",
                  f"    %f{i} = arith.sitofp %n{i} : i64 to f32",
                  f"    %c{i} = arith.constant {1.7 / (i + 1):.4f} : f32",
                  f"    %m{i} = arith.mulf %f{i}, %c{i} : f32"]
        terms.append(f"%m{i}")
    acc = terms[0]
    for i, term in enumerate(terms[1:]):
        lines.append(f"    %s{i} = arith.addf {acc}, {term} : f32")
        acc = f"%s{i}"
    lines += [f"    %sin = math.sin {acc} : f32",
              "    %half = arith.constant 0.5 : f32",
              "    %r = arith.mulf %sin, %half : f32",
              "    linalg.yield %r : f32",
              f"  }} -> {tensor(shape)}"]
    return "\n".join(lines)


def module(t, repeat):
    """The steps' functions and a main that times `repeat` calls of each,
    printing one line "<step> <seconds>" a call (and one element of the
    last result, so that nothing is dead)."""
    s = shapes(t)
    parts = []
    for name, args, body, result in steps(t):
        params = ", ".join(f"%a{i}: {tensor(s[a])}"
                           for i, a in enumerate(args))
        parts.append(f"func.func @{name}({params}) -> {tensor(result)} {{\n"
                     f"  %r = {body}\n  return %r : {tensor(result)}\n}}")
    main = ["func.func @main() {"]
    main += [fill(n, shape) for n, shape in s.items()]
    main.append("  %zero = arith.constant 0 : index")
    for index, (name, args, _, result) in enumerate(steps(t)):
        operands = ", ".join(f"%{a}" for a in args)
        arg_types = ", ".join(tensor(s[a]) for a in args)
        for r in range(repeat):
            v = f"%{name}_{r}"
            main += [f"  {v}_t0 = call @rtclock() : () -> f64",
                     f"  {v} = call @{name}({operands}) : ({arg_types}) -> "
                     f"{tensor(result)}",
                     f"  {v}_t1 = call @rtclock() : () -> f64",
                     f"  {v}_dt = arith.subf {v}_t1, {v}_t0 : f64",
                     f"  {v}_id = arith.constant {index} : i64",
                     f"  call @printI64({v}_id) : (i64) -> ()",
                     "  call @printComma() : () -> ()",
                     f"  call @printF64({v}_dt) : (f64) -> ()",
                     "  call @printNewline() : () -> ()"]
        last = f"%{name}_{repeat - 1}"
        idx = ", ".join(["%zero"] * len(result))
        main += [f"  {last}_x = tensor.extract {last}[{idx}] : "
                 f"{tensor(result)}",
                 f"  {last}_y = arith.extf {last}_x : f32 to f64",
                 f"  call @printF64({last}_y) : (f64) -> ()",
                 "  call @printNewline() : () -> ()"]
    main += ["  return", "}"]
    decls = ["func.func private @rtclock() -> f64",
             "func.func private @printF64(f64)",
             "func.func private @printI64(i64)",
             "func.func private @printComma()",
             "func.func private @printNewline()"]
    return "\n".join(parts + ["\n".join(main)] + decls) + "\n"


def cost_report(sas_opt, text):
    """{function: FLOPs} by the cost model (the "total" line of each
    function in sas-opt --sas-cost-report's table, in GFLOP)."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir") as f:
        f.write(text)
        f.flush()
        result = subprocess.run([sas_opt, f.name, "--sas-cost-report",
                                 "-o", os.devnull], capture_output=True,
                                text=True, check=True)
    flops, function = {}, None
    for line in result.stderr.splitlines():
        if m := re.match(r"sas-cost-report: @(\w+)", line):
            function = m.group(1)
        elif (m := re.match(r"\s+total\s+([0-9.]+)", line)) and function:
            flops[function] = float(m.group(1)) * 1e9
    return flops


def sgemm_gflops(threads, n=2048, repeat=7):
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    times = []
    for _ in range(repeat + 2):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / statistics.median(times[2:]) / 1e9


def host_tiles():
    """The register tile sas-run and the Python bindings pick for this CPU
    (sas_mlir.host_register_tile: needs the compiled extension)."""
    import sas_mlir
    rows, columns = sas_mlir.host_register_tile()
    return f"row-tile={rows} column-tile={columns}"


def run_steps(sas_opt, t, threads, repeat, options=""):
    text = module(t, repeat)
    lowered = subprocess.run(
        [sas_opt, f"--sas-cpu-pipeline={host_tiles()} {options}".strip()],
        input=text, capture_output=True, text=True)
    if lowered.returncode != 0:
        sys.exit(f"sas-opt --sas-cpu-pipeline failed:\n{lowered.stderr}")
    libs = ",".join(os.path.join(LLVM_LIB, lib) for lib in
                    ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so",
                     "libomp.so"))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    run = subprocess.run([os.path.join(LLVM_BIN, "mlir-runner"), "-O3",
                          "-e", "main", "-entry-point-result=void",
                          f"-shared-libs={libs}"], input=lowered.stdout,
                         capture_output=True, text=True, env=env)
    if run.returncode != 0:
        sys.exit(f"mlir-runner failed:\n{run.stderr}")
    names = [name for name, *_ in steps(t)]
    times = {name: [] for name in names}
    for line in run.stdout.splitlines():
        m = re.match(r"\s*(\d+),\s*([0-9.e+-]+)\s*$", line)
        if m:
            times[names[int(m.group(1))]].append(float(m.group(2)))
    return {n: statistics.median(v) for n, v in times.items()}, text


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seq-lens", type=int, nargs="+",
                        default=[512, 2048])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sas-opt",
                        default=os.path.join(ROOT, "build", "bin", "sas-opt"))
    parser.add_argument("--pipeline-options", default="",
                        help="more sas-cpu-pipeline options, after the host "
                             "tile (a later row-tile or column-tile wins)")
    parser.add_argument("--json")
    args = parser.parse_args()
    sgemm = [sgemm_gflops(args.threads)]
    rows = []
    for t in args.seq_lens:
        seconds, text = run_steps(args.sas_opt, t, args.threads, args.repeat,
                                  args.pipeline_options)
        rows.append({"t": t, "seconds": seconds,
                     "flops": cost_report(args.sas_opt, text)})
    sgemm.append(sgemm_gflops(args.threads))
    peak = max(sgemm)
    import torch
    cpu = cpu_info()
    print(f"steps.py: {cpu['model']} ({', '.join(cpu['isa'])}), torch "
          f"{torch.__version__}, LLVM/MLIR at {LLVM_BIN}")
    print(f"steps.py: {args.threads} threads, sgemm (PyTorch 2048^3 f32) "
          f"{sgemm[0]:.1f} before, {sgemm[1]:.1f} after: {peak:.1f} GFLOP/s "
          f"taken; medians of {args.repeat} calls")
    for row in rows:
        print(f"T = {row['t']}:")
        rates = {}
        for name, sec in row["seconds"].items():
            flops = row["flops"].get(name)
            rate = flops / sec / 1e9 if flops else None
            rates[name] = rate
            shaped = " (GEMM-shaped)" if name in GEMM_SHAPED else ""
            print(f"  {name:12} {sec * 1e3:9.2f} ms"
                  + (f" {flops / 1e9:7.3f} GFLOP {rate:7.1f} GFLOP/s "
                     f"{rate / peak:5.0%} of sgemm" if rate else "")
                  + shaped)
        row["gflops_per_s"] = rates
    result = {"kind": "cpu_steps", "cpu": cpu, "torch": torch.__version__,
              "threads": args.threads,
              "repeat": args.repeat, "sgemm_gflops": sgemm,
              "config": {"B": 1, "H": H, "D": D, "sim_heads": HS,
                         "sim_head_dim": DS, "K": K, "causal": True,
                         "dtype": "f32"},
              "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
