"""sas_mlir.torch_module: the SAS layer as a PyTorch module, written from
docs/spec.md (needs PyTorch, not the compiled extension).

Its state_dict() keys are the layer's parameter names (sas_q.0.weight, ...),
so sas_mlir.compile and CUDA layer libraries take them unchanged. `attention="sdpa"` is what a
PyTorch user runs (the benchmark's baseline); `attention="math"` spells the
masked softmax out (the float64 reference of the GPU check; PyTorch before
2.0 has no SDPA). PEAA is in
its literal form, as the paper defines it: the dense layer on each head
group, then the mean of the G results.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Residual(nn.Module):
    """x + process(relu(x))."""

    def __init__(self, process):
        super().__init__()
        self.process = process

    def forward(self, x):
        return x + self.process(torch.relu(x))


class SASAttention(nn.Module):
    """q, k, v [B, T, H, D] -> [B, T, H*D]."""

    def __init__(self, heads, sim_heads, head_dim, sim_head_dim, kernel,
                 causal=True, scale=None, attention="sdpa"):
        super().__init__()
        pad = (kernel - 1) // 2

        def head_sim():
            return [nn.Conv1d(heads, sim_heads, kernel, padding=pad),
                    Residual(nn.Conv1d(sim_heads, sim_heads, kernel,
                                       padding=pad))]

        def feature_sim():
            return [nn.Linear(head_dim, sim_head_dim),
                    Residual(nn.Linear(sim_head_dim, sim_head_dim))]

        self.sas_q = nn.Sequential(*head_sim(), *feature_sim())
        self.sas_k = nn.Sequential(*head_sim(), *feature_sim())
        self.sas_v = nn.Sequential(*head_sim())
        self.output_dense = nn.Linear(heads * head_dim, heads * head_dim)
        self.heads, self.sim_heads = heads, sim_heads
        self.causal = causal
        self.scale = scale if scale is not None else 1 / math.sqrt(sim_head_dim)
        self.attention = attention

    def forward(self, q, k, v):
        b, t, h, d = q.shape

        def simulate(stream, x):
            y = stream(x.reshape(b * t, h, d))     # conv over heads, per token
            return y.reshape(b, t, self.sim_heads, y.shape[-1]).transpose(1, 2)

        zq, zk, sv = simulate(self.sas_q, q), simulate(self.sas_k, k), \
            simulate(self.sas_v, v)                # [B, H', T, *]
        if self.attention == "sdpa":
            o = F.scaled_dot_product_attention(zq, zk, sv,
                                               is_causal=self.causal,
                                               scale=self.scale)
        else:
            s = zq @ zk.transpose(-1, -2) * self.scale
            if self.causal:
                mask = torch.ones(t, t, dtype=torch.bool,
                                  device=s.device).triu(1)
                s = s.masked_fill(mask, float("-inf"))
            o = torch.softmax(s, dim=-1) @ sv
        groups = self.sim_heads // self.heads
        o = o.transpose(1, 2).reshape(b, t, groups, h * d)
        return self.output_dense(o).mean(dim=2)
