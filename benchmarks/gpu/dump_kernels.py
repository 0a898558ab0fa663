"""Writes the attention kernels of the benchmark configs as PTX and cubin
(through sas-opt's sas-gpu-pipeline), for `ptxas -v` here and
`cuobjdump -sass` on the GPU machine (this CUDA install has no cuobjdump).

    /usr/bin/python3 benchmarks/gpu/dump_kernels.py [--sas-opt build/bin/sas-opt]
        [--out gpu-libs/kernels] [--options 'mma-warp-rows=32 ...']
"""

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Utils"))
import cases  # noqa: E402
from extract_ptx import gpu_object_field  # noqa: E402

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sas-opt", default="build/bin/sas-opt")
    parser.add_argument("--out", default="gpu-libs/kernels")
    parser.add_argument("--options", default="")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    shapes = sorted({(hs, ds, d) for _, _, _, d, hs, ds, _ in
                     cases.BENCH_CONFIGS})
    for hs, ds, d in shapes:
        name = f"attention_hs{hs}_ds{ds}_d{d}"
        src = os.path.join(args.out, name + ".mlir")
        with open(src, "w") as f:
            q = f"tensor<4x4096x{hs}x{ds}xbf16>"
            v = f"tensor<4x4096x{hs}x{d}xbf16>"
            f.write(f"func.func @attn(%q: {q}, %k: {q}, %v: {v}) -> {v} {{\n"
                    f"  %o = sas.attention %q, %k, %v causal : ({q}, {q}, "
                    f"{v}) -> {v}\n  return %o : {v}\n}}\n")
        for fmt, ext, attr in (("isa", "ptx", b"assembly"),
                               ("bin", "cubin", b"bin")):
            out = subprocess.run(
                [args.sas_opt, src,
                 f"--sas-gpu-pipeline=format={fmt} {args.options}"],
                capture_output=True, check=True).stdout
            data = gpu_object_field(out, attr)
            if data is None:
                sys.exit(f"{src}: no '{attr.decode()}' in the gpu.binary")
            with open(os.path.join(args.out, f"{name}.{ext}"), "wb") as f:
                f.write(data)
        print(os.path.join(args.out, name))


if __name__ == "__main__":
    main()
