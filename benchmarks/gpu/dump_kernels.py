"""Writes the attention kernels of the benchmark configs as PTX and cubin
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases  # noqa: E402

# MLIR prints a string attribute's bytes as themselves when printable, a
# backslash as \\ and anything else as \XX.
ESCAPE = re.compile(rb"\\(\\|[0-9A-Fa-f]{2})")


def unescape(data):
    return ESCAPE.sub(lambda m: b"\\" if m.group(1) == b"\\"
                      else bytes([int(m.group(1), 16)]), data)


def attribute(text, name):
    match = re.search(rb'\b' + name + rb' = "((?:[^"\\]|\\.)*)"', text, re.S)
    if not match:
        sys.exit(f"no '{name.decode()}' in the gpu.binary")
    return unescape(match.group(1))


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
            with open(os.path.join(args.out, f"{name}.{ext}"), "wb") as f:
                f.write(attribute(out, attr))
        print(os.path.join(args.out, name))


if __name__ == "__main__":
    main()
