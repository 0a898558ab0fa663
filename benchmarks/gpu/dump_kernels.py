"""Writes the kernels of the benchmark configs' layers (all seven: head
and feature simulation, attention, PEAA) as PTX and cubin, one file each
(through sas-opt's sas-gpu-pipeline), for `ptxas -v` here and
`cuobjdump -sass` on the GPU machine (this CUDA install has no cuobjdump).
--backward: the kernels of config 1's layer backward instead (the layer
backward_census.py counts), e.g. the head simulation's gradient kernel
`layer_grad_..._sas_layer_backward_head_sim_grad_0.cubin`.

    /usr/bin/python3 benchmarks/gpu/dump_kernels.py [--sas-opt build/bin/sas-opt]
        [--out gpu-libs/kernels] [--options 'mma-warp-rows=32 ...'] [--backward]
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
from backward_census import layer_grad_module  # noqa: E402
from extract_ptx import gpu_binary, gpu_object_field  # noqa: E402
from ptx_snapshot import layer_mlir  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sas-opt", default="build/bin/sas-opt")
    parser.add_argument("--out", default="gpu-libs/kernels")
    parser.add_argument("--options", default="")
    parser.add_argument("--backward", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.backward:
        layers = [("layer_grad_h12_d64_hs24_ds128", layer_grad_module("?", "?"))]
    else:
        shapes = sorted({(h, d, hs, ds, k) for _, _, h, d, hs, ds, k in
                         cases.BENCH_CONFIGS})
        layers = [(f"layer_h{h}_d{d}_hs{hs}_ds{ds}",
                   layer_mlir(None, None, h, d, hs, ds, k, True, "bf16"))
                  for h, d, hs, ds, k in shapes]
    for tag, text in layers:
        src = os.path.join(args.out, tag + ".mlir")
        with open(src, "w") as f:
            f.write(text)
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
