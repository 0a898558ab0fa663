#!/usr/bin/env python3
"""CPU training step: one SAS layer's forward + backward through
sas_mlir.torch_ops.SASLayer (the compiler's JIT), against the reference
module sas_mlir.torch_module.SASAttention (SDPA attention) eager and under
torch.compile, same inputs, same run, same threads, float32.

    PYTHONPATH=build/python_packages .venv/bin/python benchmarks/cpu/train.py
        [--configs small|gpt2] [--repeat 5] [--split T ...]

Prints, per configuration, the median time of a step (forward, backward of
a random output gradient) of each and PyTorch's over SASLayer's. SASLayer's
backward runs the forward again (docs: torch_ops), so its step computes the
forward twice. With --split, instead: the forward op and the backward op
alone at each length T (B = 1, the configuration's sizes), and their
GFLOP/s by the ops' FLOP formulas.
"""

import argparse
import statistics
import time

import torch

from sas_mlir import PARAMETER_NAMES
from sas_mlir.torch_module import SASAttention
from sas_mlir.torch_ops import SASLayer, _flops

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
    return median_time(step, repeat)  # the first call compiles / warms up


def median_time(f, repeat):
    f()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def split(config, lengths, repeat):
    """The forward and backward ops alone at each length."""
    _, _, h, hs, d, ds, k = config
    layer = SASLayer(h, hs, d, ds, k)
    named = dict(layer.named_parameters())
    params = [named[n].detach() for n in PARAMETER_NAMES]
    for t in lengths:
        xs = [torch.randn(1, t, h, d) for _ in range(3)]
        d_out = torch.randn(1, t, h * d)
        forward = median_time(
            lambda: torch.ops.sas.layer(*xs, params, *layer.sizes), repeat)
        backward = median_time(
            lambda: torch.ops.sas.layer_backward(*xs, params, d_out,
                                                 *layer.sizes), repeat)
        flops = [_flops((1, t), h, hs, d, ds, k, True, b) for b in (0, 1)]
        print(f"T={t}: forward {forward * 1e3:.1f} ms "
              f"({flops[0] / forward / 1e9:.1f} GFLOP/s), backward "
              f"{backward * 1e3:.1f} ms ({flops[1] / backward / 1e9:.1f} "
              f"GFLOP/s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="small", choices=CONFIGS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--split", type=int, nargs="+", metavar="T")
    args = parser.parse_args()
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    if args.split:
        for config in CONFIGS[args.configs]:
            split(config, args.split, args.repeat)
        return
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
