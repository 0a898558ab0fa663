#!/usr/bin/env python3
"""Compile a SAS layer with sas_mlir and run it on the weights of a PyTorch
module, taken from its state_dict().

    PYTHONPATH=build/python_packages /usr/bin/python3 examples/python/run_state_dict.py

The PyTorch module is sas_mlir.torch_module.SASAttention, a SAS block
written from docs/spec.md whose parameter names are the reference
module's (sas_q.0.weight, sas_q.1.process.weight, ..., output_dense.bias);
any module with those names works the same way.
"""

import time

import numpy as np
import torch

import sas_mlir
from sas_mlir.torch_module import SASAttention


def main():
    torch.manual_seed(0)
    heads, sim_heads, head_dim, sim_head_dim, kernel = 12, 24, 64, 128, 3
    # attention="math": Debian's PyTorch 1.13 has no SDPA.
    block = SASAttention(heads, sim_heads, head_dim, sim_head_dim, kernel,
                         attention="math").eval()
    weights = {name: t.detach().numpy()
               for name, t in block.state_dict().items()}

    config = sas_mlir.LayerConfig(heads, sim_heads, head_dim, sim_head_dim,
                                  kernel, causal=True)
    layer = sas_mlir.compile(config)
    q, k, v = (torch.randn(1, 256, heads, head_dim) for _ in range(3))

    start = time.perf_counter()
    out = layer(q.numpy(), k.numpy(), v.numpy(), weights)  # compiles, runs
    first = time.perf_counter() - start
    start = time.perf_counter()
    out = layer(q.numpy(), k.numpy(), v.numpy(), weights)
    second = time.perf_counter() - start
    with torch.no_grad():
        expected = block(q, k, v).numpy()
    err = np.linalg.norm(out - expected) / np.linalg.norm(expected)
    print(f"output {list(out.shape)}, relative difference to PyTorch "
          f"{err:.2e}; first call (compiles) {first:.2f} s, second "
          f"{second * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
