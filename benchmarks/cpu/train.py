#!/usr/bin/env python3
"""CPU training step: one SAS layer's forward + backward through
sas_mlir.torch_ops.SASLayer (the compiler's JIT), against the reference
module sas_mlir.torch_module.SASAttention (SDPA attention) eager and under
torch.compile, same inputs, same run, same threads, float32.

    PYTHONPATH=build/python_packages .venv/bin/python benchmarks/cpu/train.py
        [--configs small|gpt2] [--repeat 5]

Prints, per configuration, the median time of a step (forward, backward of
a random output gradient) of each and PyTorch's over SASLayer's. SASLayer's
backward runs the forward again (docs: torch_ops), so its step computes the
forward twice.
"""

import argparse
import statistics
import time

import torch

from sas_mlir.torch_module import SASAttention
from sas_mlir.torch_ops import SASLayer

CONFIGS = {
    # (B, T, H, H', D, D', K)
    "small": [(2, 256, 4, 8, 32, 64, 3)],
    "gpt2": [(1, 512, 12, 24, 64, 128, 3)],
}


def step_time(module, xs, d_out, repeat):
    def step():
        for x in xs:
            x.grad = None
        out = module(*xs)
        out.backward(d_out)
    step()  # compile / warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="small", choices=CONFIGS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    for b, t, h, hs, d, ds, k in CONFIGS[args.configs]:
        torch.manual_seed(0)
        reference = SASAttention(h, hs, d, ds, k)
        ours = SASLayer(h, hs, d, ds, k)
        ours.load_state_dict(reference.state_dict())
        xs = [torch.randn(b, t, h, d, requires_grad=True) for _ in range(3)]
        d_out = torch.randn(b, t, h * d)
        ours_s = step_time(ours, xs, d_out, args.repeat)
        eager_s = step_time(reference, xs, d_out, args.repeat)
        compiled_s = step_time(torch.compile(reference), xs, d_out,
                               args.repeat)
        print(f"B={b} T={t} H={h} H'={hs} D={d} D'={ds} K={k}: SASLayer "
              f"{ours_s * 1e3:.1f} ms, PyTorch eager {eager_s * 1e3:.1f} ms "
              f"({eager_s / ours_s:.2f}x), torch.compile "
              f"{compiled_s * 1e3:.1f} ms ({compiled_s / ours_s:.2f}x)")


if __name__ == "__main__":
    main()
