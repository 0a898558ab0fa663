"""A float64 NumPy reference of the SAS layer, written from docs/spec.md.

Independent of the compiler: plain loops over the convolution taps, einsum
for the contractions, a full (masked) score matrix for attention, and PEAA in
its literal per-group form.
"""

import numpy as np

PARAMETER_NAMES = [
    f"sas_{s}.{part}"
    for s in "qk"
    for part in ("0.weight", "0.bias", "1.process.weight", "1.process.bias",
                 "2.weight", "2.bias", "3.process.weight", "3.process.bias")
] + [f"sas_v.{part}" for part in ("0.weight", "0.bias", "1.process.weight",
                                  "1.process.bias")] + [
    "output_dense.weight", "output_dense.bias"]


def parameter_shapes(heads, sim_heads, head_dim, sim_head_dim, kernel):
    h, hs, d, ds, k = heads, sim_heads, head_dim, sim_head_dim, kernel
    stream = [(hs, h, k), (hs,), (hs, hs, k), (hs,),
              (ds, d), (ds,), (ds, ds), (ds,)]
    return dict(zip(PARAMETER_NAMES,
                    stream + stream + stream[:4] + [(h * d, h * d), (h * d,)]))


def conv_heads(x, w, b):
    """y[..., o, j] = b[o] + sum_{c, i} w[o, c, i] x[..., c, j + i - p]."""
    kernel = w.shape[2]
    p = (kernel - 1) // 2
    d = x.shape[-1]
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(p, p)])
    y = np.zeros(x.shape[:-2] + (w.shape[0], d)) + b[:, None]
    for i in range(kernel):
        y += np.einsum("oc,...cj->...oj", w[:, :, i], xp[..., i:i + d])
    return y


def head_sim(x, w, b, res_w, res_b):
    y = conv_heads(x, w, b)
    return y + conv_heads(np.maximum(y, 0), res_w, res_b)


def feature_sim(s, w, b, res_w, res_b):
    f = s @ w.T + b
    return f + np.maximum(f, 0) @ res_w.T + res_b


def attention(q, k, v, causal, scale, chunk=1024):
    """Softmax attention with the full (masked) score matrix of each block of
    `chunk` queries, so long sequences fit in memory."""
    t, n = q.shape[1], k.shape[1]
    out = np.empty(q.shape[:3] + (v.shape[3],))
    for start in range(0, t, chunk):
        stop = min(start + chunk, t)
        s = np.einsum("btne,bsne->bnts", q[:, start:stop], k) * scale
        if causal:
            future = np.arange(n)[None, :] > np.arange(start, stop)[:, None]
            s = np.where(future, -np.inf, s)
        s = s - s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=-1, keepdims=True)
        out[:, start:stop] = np.einsum("bnts,bsnf->btnf", p, v)
    return out


def peaa(o, w, b):
    """Literal form: the dense layer on each head group, then the mean."""
    bsz, t, hs, f = o.shape
    h = w.shape[0] // f
    groups = [o[:, :, g * h:(g + 1) * h, :].reshape(bsz, t, h * f) @ w.T + b
              for g in range(hs // h)]
    return np.mean(groups, axis=0)


def sas_layer(q, k, v, params, causal=True, scale=None):
    """params: dict from PyTorch state-dict key to array."""
    p = {name: np.asarray(a, np.float64) for name, a in params.items()}
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))

    def stream(name, x, feature):
        s = head_sim(x, p[f"sas_{name}.0.weight"], p[f"sas_{name}.0.bias"],
                     p[f"sas_{name}.1.process.weight"],
                     p[f"sas_{name}.1.process.bias"])
        if not feature:
            return s
        return feature_sim(s, p[f"sas_{name}.2.weight"],
                           p[f"sas_{name}.2.bias"],
                           p[f"sas_{name}.3.process.weight"],
                           p[f"sas_{name}.3.process.bias"])

    zq, zk, sv = stream("q", q, True), stream("k", k, True), stream("v", v, False)
    if scale is None:
        scale = 1.0 / np.sqrt(zq.shape[-1])
    o = attention(zq, zk, sv, causal, scale)
    return peaa(o, p["output_dense.weight"], p["output_dense.bias"])
