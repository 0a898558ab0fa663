"""SAS attention in PyTorch, written from docs/spec.md: the baseline
that benchmarks/cpu/run.py times sas-run against.

It is written the way a PyTorch user would write the layer efficiently:
conv1d over the heads of all tokens at once, matmuls for the feature MLPs,
one batched causal attention, and PEAA in its reassociated form (mean of the
head groups, then one dense layer), which costs G times fewer FLOPs than the
literal per-group form.
"""

import math

import torch
import torch.nn.functional as F


def head_sim(x, w, b, res_w, res_b):
    """x [B, T, H, D] -> [B, T, H', D]."""
    bsz, t, h, d = x.shape
    pad = (w.shape[2] - 1) // 2
    y = F.conv1d(x.reshape(bsz * t, h, d), w, b, padding=pad)
    s = y + F.conv1d(torch.relu(y), res_w, res_b, padding=pad)
    return s.reshape(bsz, t, -1, d)


def feature_sim(s, w, b, res_w, res_b):
    f = F.linear(s, w, b)
    return f + F.linear(torch.relu(f), res_w, res_b)


def attention(q, k, v, causal, scale):
    """q, k [B, T, N, E], v [B, T, N, F] -> [B, T, N, F]."""
    q, k, v = (x.transpose(1, 2) for x in (q, k, v))
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if causal:
        t = scores.shape[-1]
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2)


def peaa(o, w, b):
    bsz, t, hs, f = o.shape
    h = w.shape[0] // f
    mean = o.reshape(bsz, t, hs // h, h * f).mean(dim=2)
    return F.linear(mean, w, b)


def sas_layer(q, k, v, p, causal=True, scale=None):
    """p: dict from PyTorch state-dict key to tensor."""
    def stream(name, x, feature):
        s = head_sim(x, p[f"sas_{name}.0.weight"], p[f"sas_{name}.0.bias"],
                     p[f"sas_{name}.1.process.weight"],
                     p[f"sas_{name}.1.process.bias"])
        if not feature:
            return s
        return feature_sim(s, p[f"sas_{name}.2.weight"], p[f"sas_{name}.2.bias"],
                           p[f"sas_{name}.3.process.weight"],
                           p[f"sas_{name}.3.process.bias"])

    zq, zk, sv = stream("q", q, True), stream("k", k, True), stream("v", v, False)
    if scale is None:
        scale = 1.0 / math.sqrt(zq.shape[-1])
    o = attention(zq, zk, sv, causal, scale)
    return peaa(o, p["output_dense.weight"], p["output_dense.bias"])
