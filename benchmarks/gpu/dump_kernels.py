"""Writes the kernels of the benchmark configs' layers (all seven: head
and feature simulation, attention, PEAA) as PTX and cubin, one file each
(through sas-opt's sas-gpu-pipeline), for `ptxas -v` here and
`cuobjdump -sass` on the GPU machine (this CUDA install has no cuobjdump).

    /usr/bin/python3 benchmarks/gpu/dump_kernels.py [--sas-opt build/bin/sas-opt]
        [--out gpu-libs/kernels] [--options 'mma-warp-rows=32 ...']
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Utils"))
import cases  # noqa: E402
from extract_ptx import gpu_binary, gpu_object_field  # noqa: E402


def layer_mlir(h, d, hs, ds, k):
    """A causal bf16 sas.layer of any B and T, in PyTorch state-dict order."""
    def t(*shape):
        return "tensor<" + "x".join(map(str, shape)) + "xbf16>"
    x = t("?", "?", h, d)
    head = [t(hs, h, k), t(hs), t(hs, hs, k), t(hs)]
    feat = [t(ds, d), t(ds), t(ds, ds), t(ds)]
    types = [x, x, x] + head + feat + head + feat + head + [t(h * d, h * d),
                                                            t(h * d)]
    names = ["q", "k", "v"] + [f"p{i}" for i in range(len(types) - 3)]
    args = ", ".join(f"%{n}: {ty}" for n, ty in zip(names, types))
    p = [f"%p{i}" for i in range(len(types) - 3)]
    result = t("?", "?", h * d)
    return (f"func.func @layer({args}) -> {result} {{\n"
            f"  %r = sas.layer %q, %k, %v q_head({', '.join(p[0:4])}) "
            f"q_feat({', '.join(p[4:8])}) k_head({', '.join(p[8:12])}) "
            f"k_feat({', '.join(p[12:16])}) v_head({', '.join(p[16:20])}) "
            f"out({', '.join(p[20:22])}) causal : ({', '.join(types)}) -> "
            f"{result}\n  return %r : {result}\n}}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sas-opt", default="build/bin/sas-opt")
    parser.add_argument("--out", default="gpu-libs/kernels")
    parser.add_argument("--options", default="")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    shapes = sorted({(h, d, hs, ds, k) for _, _, h, d, hs, ds, k in
                     cases.BENCH_CONFIGS})
    for h, d, hs, ds, k in shapes:
        tag = f"layer_h{h}_d{d}_hs{hs}_ds{ds}"
        src = os.path.join(args.out, tag + ".mlir")
        with open(src, "w") as f:
            f.write(layer_mlir(h, d, hs, ds, k))
        for fmt, ext, attr in (("isa", "ptx", b"assembly"),
                               ("bin", "cubin", b"bin")):
            out = subprocess.run(
                [args.sas_opt, src,
                 f"--sas-gpu-pipeline=format={fmt} {args.options}"],
                capture_output=True, check=True).stdout
            kernels = [name.decode() for name in re.findall(
                rb"gpu\.binary @(\w+) ", out)]
            for kernel in kernels:
                data = gpu_object_field(gpu_binary(out, kernel.encode()), attr)
                if data is None:
                    sys.exit(f"{src}: no '{attr.decode()}' in @{kernel}")
                name = f"{tag}_{kernel.removeprefix('layer_')}.{ext}"
                with open(os.path.join(args.out, name), "wb") as f:
                    f.write(data)
        print(os.path.join(args.out, tag), ", ".join(kernels))

if __name__ == "__main__":
    main()
