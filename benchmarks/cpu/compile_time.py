"""A cold compile and the per-call time of the GPT-2-small SAS layer
through the Python bindings (the JIT sas-run uses too), at T = 512 and
2048, f32, B = 1: the first call (compile included, the on-disk cache off)
and the median and minimum of --repeat calls after it. docs/perf-log/cpu.md
compares the JIT's LLVM levels with it (kOptLevel and kCodeGenOptLevel in
lib/Runner/LayerRunner.cpp, rebuilt for each).

    SAS_CACHE_DIR= PYTHONPATH=build/python_packages .venv/bin/python \\
        benchmarks/cpu/compile_time.py [--label TEXT] [--repeat 9]
"""

import argparse
import os
import statistics
import time

import numpy as np

import sas_mlir


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--label", default="")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--seq-lens", type=int, nargs="+",
                        default=[512, 2048])
    args = parser.parse_args()
    if os.environ.get("SAS_CACHE_DIR", None) != "":
        print("compile_time.py: set SAS_CACHE_DIR= (empty) for cold compiles")
    config = sas_mlir.LayerConfig(heads=12, sim_heads=24, head_dim=64,
                                  sim_head_dim=128, kernel_size=3)
    rng = np.random.default_rng(3)
    for t in args.seq_lens:
        q, k, v = (rng.standard_normal((1, t, 12, 64)).astype(np.float32)
                   for _ in range(3))
        weights = {n: (rng.standard_normal(shape) * 0.2).astype(np.float32)
                   for n, shape in config.parameter_shapes().items()}
        start = time.perf_counter()
        layer = sas_mlir.compile(config)
        layer(q, k, v, weights)
        first = time.perf_counter() - start
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            layer(q, k, v, weights)
            times.append(time.perf_counter() - start)
        print(f"{args.label} T = {t}: first call (compile) {first:.2f} s, "
              f"median {statistics.median(times) * 1e3:.1f} ms, "
              f"min {min(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
