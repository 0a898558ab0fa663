"""Writes the PTX of every kernel of the layer libraries the GPU scripts
build (the benchmark configurations for sm_90a and sm_80, check.py's and
attention.py's shapes for their chips), one file a kernel, through
sas-opt's sas-gpu-pipeline (format=isa: no CUDA toolkit needed). Run it
before and after a change to the code generators and `diff -r` the two
directories: a refactoring that means to change nothing must leave every
file identical.

    /usr/bin/python3 benchmarks/gpu/ptx_snapshot.py --out DIR
        [--sas-opt build/bin/sas-opt] [--jobs 2]
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Utils"))
import cases  # noqa: E402
from extract_ptx import gpu_binary, gpu_object_field  # noqa: E402


def layer_mlir(b, t, h, d, hs, ds, k, causal, dtype):
    """A sas.layer in PyTorch state-dict order; b, t None: dynamic."""
    def ty(*shape):
        dims = ["?" if s is None else str(s) for s in shape]
        return "tensor<" + "x".join(dims) + f"x{dtype}>"
    x = ty(b, t, h, d)
    head = [ty(hs, h, k), ty(hs), ty(hs, hs, k), ty(hs)]
    feat = [ty(ds, d), ty(ds), ty(ds, ds), ty(ds)]
    types = [x, x, x] + head + feat + head + feat + head + [ty(h * d, h * d),
                                                            ty(h * d)]
    names = ["q", "k", "v"] + [f"p{i}" for i in range(len(types) - 3)]
    args = ", ".join(f"%{n}: {t_}" for n, t_ in zip(names, types))
    p = [f"%p{i}" for i in range(len(types) - 3)]
    result = ty(b, t, h * d)
    return (f"func.func @layer({args}) -> {result} {{\n"
            f"  %r = sas.layer %q, %k, %v q_head({', '.join(p[0:4])}) "
            f"q_feat({', '.join(p[4:8])}) k_head({', '.join(p[8:12])}) "
            f"k_feat({', '.join(p[12:16])}) v_head({', '.join(p[16:20])}) "
            f"out({', '.join(p[20:22])}){' causal' if causal else ''} : "
            f"({', '.join(types)}) -> {result}\n  return %r : {result}\n}}\n")


def libraries():
    """(b, t, h, d, hs, ds, k, causal, dtype, chip) of every library."""
    seen = set()
    groups = [
        [c + (chip,) for c in cases.bench_cases()
         for chip in ("sm_90a", "sm_80")],
        [c + ("sm_90a",) for c in cases.check_libraries()],
        list(cases.attention_libraries()),
    ]
    for group in groups:
        for case in group:
            if case not in seen:
                seen.add(case)
                yield case


def snapshot(sas_opt, out, case):
    b, t, h, d, hs, ds, k, causal, dtype, chip = case
    tag = (f"b{b or 'any'}_t{t or 'any'}_h{h}_d{d}_hs{hs}_ds{ds}_k{k}_"
           f"{'causal' if causal else 'full'}_{dtype}_{chip}")
    text = subprocess.run(
        [sas_opt, "-", f"--sas-gpu-pipeline=chip={chip} format=isa toolkit="],
        input=layer_mlir(b, t, h, d, hs, ds, k, causal, dtype).encode(),
        capture_output=True, check=True).stdout
    kernels = [n.decode() for n in re.findall(rb"gpu\.binary @(\w+) ", text)]
    for kernel in kernels:
        ptx = gpu_object_field(gpu_binary(text, kernel.encode()), b"assembly")
        if ptx is None:
            sys.exit(f"{tag}: no PTX in @{kernel}")
        with open(os.path.join(out, f"{tag}.{kernel}.ptx"), "wb") as f:
            f.write(ptx)
    return tag, len(kernels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sas-opt", default="build/bin/sas-opt")
    parser.add_argument("--out", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    todo = list(libraries())
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda c: snapshot(args.sas_opt, args.out, c),
                             todo))
    print(f"{len(done)} layers, {sum(n for _, n in done)} kernels -> "
          f"{args.out}")


if __name__ == "__main__":
    main()
