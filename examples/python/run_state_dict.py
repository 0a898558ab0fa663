#!/usr/bin/env python3
"""Compile a SAS layer with sas_mlir and run it on the weights of a PyTorch
module, taken from its state_dict().

    PYTHONPATH=build/python_packages /usr/bin/python3 examples/python/run_state_dict.py

The PyTorch module below is a SAS block written from DESIGN.md section 1
whose parameter names are the reference module's (sas_q.0.weight,
sas_q.1.process.weight, ..., output_dense.bias); any module with those names
works the same way.
"""

import math
import time

import numpy as np
import torch
from torch import nn

import sas_mlir


class TokenConv(nn.Conv1d):
    """Conv1d over the heads of each token: [B, T, H, D] -> [B, T, H', D]."""

    def forward(self, x):
        b, t, h, d = x.shape
        return super().forward(x.reshape(b * t, h, d)).reshape(b, t, -1, d)


class Residual(nn.Module):
    def __init__(self, process):
        super().__init__()
        self.process = process

    def forward(self, x):
        return x + self.process(torch.relu(x))


class SASBlock(nn.Module):
    def __init__(self, heads, sim_heads, head_dim, sim_head_dim, kernel):
        super().__init__()
        p = (kernel - 1) // 2

        def heads_sim():
            return [TokenConv(heads, sim_heads, kernel, padding=p),
                    Residual(TokenConv(sim_heads, sim_heads, kernel, padding=p))]

        def features_sim():
            return [nn.Linear(head_dim, sim_head_dim),
                    Residual(nn.Linear(sim_head_dim, sim_head_dim))]

        self.sas_q = nn.Sequential(*heads_sim(), *features_sim())
        self.sas_k = nn.Sequential(*heads_sim(), *features_sim())
        self.sas_v = nn.Sequential(*heads_sim())
        self.output_dense = nn.Linear(heads * head_dim, heads * head_dim)
        self.heads = heads

    def forward(self, q, k, v):
        zq, zk, sv = self.sas_q(q), self.sas_k(k), self.sas_v(v)
        scores = torch.einsum("btne,bsne->bnts", zq, zk) / math.sqrt(zq.shape[-1])
        t = scores.shape[-1]
        scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1),
                                    float("-inf"))
        o = torch.einsum("bnts,bsnf->btnf", scores.softmax(-1), sv)
        b, t, hs, f = o.shape
        groups = o.reshape(b, t, hs // self.heads, self.heads * f)
        return self.output_dense(groups).mean(dim=2)  # PEAA, literal form


def main():
    torch.manual_seed(0)
    heads, sim_heads, head_dim, sim_head_dim, kernel = 12, 24, 64, 128, 3
    block = SASBlock(heads, sim_heads, head_dim, sim_head_dim, kernel).eval()
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
