"""The SAS layer as a PyTorch module, written from DESIGN.md section 1.

Its state_dict() keys are the layer's parameter names (sas_q.0.weight, ...),
so a layer library takes them unchanged. `attention="sdpa"` is what a
PyTorch user runs (the benchmark's baseline); `attention="math"` spells the
masked softmax out, for the float64 reference of the GPU check. PEAA is in
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


def sas_flops(b, t, h, d, sim_heads, sim_head_dim, kernel, causal=True):
    """Forward FLOPs of DESIGN.md section 1, PEAA literal (as section 5)."""
    g = sim_heads // h
    keys = (t + 1) / 2 if causal else t
    per_token = (3 * 2 * sim_heads * kernel * d * (h + sim_heads)
                 + 2 * 2 * sim_heads * sim_head_dim * (d + sim_head_dim)
                 + 2 * keys * sim_heads * (sim_head_dim + d)
                 + 2 * g * (h * d) ** 2)
    return b * t * per_token


def mha_flops(b, t, h, d, causal=True):
    """Causal attention over H heads of D plus the output dense layer."""
    keys = (t + 1) / 2 if causal else t
    return b * t * (2 * keys * h * 2 * d + 2 * (h * d) ** 2)
