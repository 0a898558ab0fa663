#!/usr/bin/env python3
"""Counts what sas-gpu-pipeline makes of one layer's backward, without a GPU:
the launches and the temporaries' allocations and frees of its host code,
its kernels by kind (tensor-core kernel ops, loops with a reduction, flat
fills, roundings and other flat loops) and, in the PTX of the kernels that
multiply-add, how many loads are 16-byte vectors and how many scalar.

    backward_census.py [--sas-opt build/bin/sas-opt] [--batch B --seq-len T]

The layer is config 1's (H = 12, D = 64 -> H' = 24, D' = 128, K = 3, bf16,
causal), with the forward's output and log-sum-exp saved, dynamic B and T
unless given (as layer libraries build it). docs/perf-log/gpu-backward.md
cites its counts."""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "test", "Utils"))
from extract_ptx import gpu_binary, gpu_object_field  # noqa: E402

H, D, HS, DS, K = 12, 64, 24, 128, 3


def layer_grad_module(b, t, dtype="bf16"):
    def ty(*shape):
        return "tensor<" + "x".join(str(s) for s in shape) + f"x{dtype}>"
    act = ty(b, t, H, D)
    head = [ty(HS, H, K), ty(HS), ty(HS, HS, K), ty(HS)]
    feat = [ty(DS, D), ty(DS), ty(DS, DS), ty(DS)]
    params = head + feat + head + feat + head + [ty(H * D, H * D), ty(H * D)]
    extra = [ty(b, t, H * D), ty(b, t, HS, D), f"tensor<{b}x{t}x{HS}xf32>"]
    names = [f"%p{i}" for i in range(22)]
    args = ([f"%q: {act}", f"%k: {act}", f"%v: {act}"] +
            [f"{n}: {p}" for n, p in zip(names, params)] +
            [f"%dy: {extra[0]}", f"%o: {extra[1]}", f"%lse: {extra[2]}"])
    results = [act] * 3 + params
    groups = [names[0:4], names[4:8], names[8:12], names[12:16],
              names[16:20], names[20:22]]
    g = [", ".join(x) for x in groups]
    return (f"func.func @sas_layer_backward({', '.join(args)}) -> "
            f"({', '.join(results)}) {{\n"
            f"  %g:25 = sas.layer_grad %q, %k, %v q_head({g[0]}) "
            f"q_feat({g[1]}) k_head({g[2]}) k_feat({g[3]}) v_head({g[4]}) "
            f"out({g[5]}) grad(%dy) saved(%o, %lse) causal\n"
            f"    : ({', '.join([act] * 3 + params + extra)}) -> "
            f"({', '.join(results)})\n"
            f"  return {', '.join(f'%g#{i}' for i in range(25))} : "
            f"{', '.join(results)}\n}}\n")


def has_loop(ptx):
    """Whether some branch of `ptx` jumps back to a label above it."""
    labels = {m.group(1): m.start()
              for m in re.finditer(r"^(\$L__BB\w+):", ptx, re.M)}
    return any(labels.get(m.group(1), len(ptx)) < m.start()
               for m in re.finditer(r"\bbra(?:\.uni)?\s+(\$L__BB\w+);", ptx))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sas-opt", default="build/bin/sas-opt")
    parser.add_argument("--batch", default="?")
    parser.add_argument("--seq-len", default="?")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "grad.mlir")
        out = os.path.join(tmp, "grad.out.mlir")
        with open(src, "w") as f:
            f.write(layer_grad_module(args.batch, args.seq_len))
        subprocess.run([args.sas_opt, src, "--sas-gpu-pipeline=chip=sm_90a "
                        "format=isa toolkit=", "-o", out], check=True,
                       stderr=subprocess.DEVNULL)
        text = open(out, "rb").read()
    kinds, loads = collections.Counter(), collections.Counter()
    for name in re.findall(rb"gpu\.binary @(\w+) ", text):
        ptx = gpu_object_field(gpu_binary(text, name), b"assembly").decode()
        name = name.decode()
        fmas = len(re.findall(r"\bfma\.rn\.f(?:32|64)", ptx))
        global_loads = len(re.findall(r"\bld\.global", ptx))
        if "_loop_" not in name:
            kinds["tensor-core kernel op"] += 1
        elif has_loop(ptx):
            kinds["loop (a reduction or a product)"] += 1
        elif not global_loads:
            kinds["flat fill (stores only)"] += 1
        elif re.search(r"\bcvt\.rn\.(?:bf16|f16)", ptx) and not re.search(
                r"\b(?:add|sub|mul|fma|max)\.(?:rn\.)?f(?:16|32|64)\b", ptx):
            kinds["flat rounding (loads, conversions, stores)"] += 1
        else:
            kinds["flat (copy, cast, mask, broadcast)"] += 1
        if "_loop_" in name:
            loads["glue vector"] += len(re.findall(
                r"\b(?:ld\.global(?:\.nc)?|st\.global)\.v[248]\.", ptx))
            loads["glue scalar"] += len(re.findall(
                r"\b(?:ld\.global(?:\.nc)?|st\.global)\."
                r"(?:b|f|u|s)(?:16|32|64)\b", ptx))
        if "_loop_" in name and fmas:
            loads["vector"] += len(re.findall(
                r"\bld\.global(?:\.nc)?\.v[24]\.", ptx))
            loads["scalar"] += len(re.findall(
                r"\bld\.global(?:\.nc)?\.(?:b|f)(?:16|32|64)\b", ptx))
            loads["kernels"] += 1
    host = re.sub(rb"gpu\.binary @\w+ [^\n]*", b"", text)
    calls = {name: len(re.findall(rb"llvm\.call @" + name.encode() + rb"\(",
                                  host))
             for name in ("mgpuMemAlloc", "mgpuMemFree")}
    print(f"backward_census.py: B={args.batch} T={args.seq_len} "
          f"H={H} D={D} H'={HS} D'={DS} K={K} bf16: "
          f"{sum(kinds.values())} kernels; the host code launches "
          f"{len(re.findall(rb'gpu.launch_func', host))}, allocates "
          f"{calls['mgpuMemAlloc']} and frees {calls['mgpuMemFree']} "
          f"buffers a call")
    for kind, n in kinds.most_common():
        print(f"  {n:4d}  {kind}")
    print(f"  global loads and stores in the PTX of the loops: "
          f"{loads['glue vector']} vectors, {loads['glue scalar']} scalar")
    print(f"  loads in the PTX of the {loads['kernels']} multiply-adding loop "
          f"kernels: {loads['vector']} 16-byte or 8-byte vectors, "
          f"{loads['scalar']} scalar")


if __name__ == "__main__":
    main()
