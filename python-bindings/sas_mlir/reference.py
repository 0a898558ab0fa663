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


def sas_layer(q, k, v, params, causal=True, scale=None, stored=None):
    """params: dict from PyTorch state-dict key to array. `stored`, where
    given, maps each tensor a 16-bit layer stores between its steps (the
    head simulations' S, the feature simulations' Z, the attention's O) to
    the values it keeps (rounded to its storage type)."""
    p = {name: np.asarray(a, np.float64) for name, a in params.items()}
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    keep = (lambda x: np.asarray(stored(x), np.float64)) if stored else (
        lambda x: x)

    def stream(name, x, feature):
        s = keep(head_sim(x, p[f"sas_{name}.0.weight"],
                          p[f"sas_{name}.0.bias"],
                          p[f"sas_{name}.1.process.weight"],
                          p[f"sas_{name}.1.process.bias"]))
        if not feature:
            return s
        return keep(feature_sim(s, p[f"sas_{name}.2.weight"],
                                p[f"sas_{name}.2.bias"],
                                p[f"sas_{name}.3.process.weight"],
                                p[f"sas_{name}.3.process.bias"]))

    zq, zk, sv = stream("q", q, True), stream("k", k, True), stream("v", v, False)
    if scale is None:
        scale = 1.0 / np.sqrt(zq.shape[-1])
    o = keep(attention(zq, zk, sv, causal, scale))
    return peaa(o, p["output_dense.weight"], p["output_dense.bias"])


# The backward pass, written from docs/spec.md's "Gradients". Each function
# takes the forward's inputs and the gradient of its output and returns the
# gradients of its inputs and parameters, summed over every token.

def conv_heads_backward(x, w, dy):
    """Gradients (dx, dw, db) of conv_heads(x, w, b) given dy."""
    kernel = w.shape[2]
    p = (kernel - 1) // 2
    d = x.shape[-1]
    pad = [(0, 0)] * (x.ndim - 1) + [(p, p)]
    dyp, xp = np.pad(dy, pad), np.pad(x, pad)
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    for i in range(kernel):
        # dx[c, m] = sum_{o, i} w[o, c, i] dy[o, m - i + p]
        dx += np.einsum("oc,...oj->...cj", w[:, :, i],
                        dyp[..., 2 * p - i:2 * p - i + d])
        dw[:, :, i] = np.einsum("noj,ncj->oc", dy.reshape(-1, *dy.shape[-2:]),
                                xp[..., i:i + d].reshape(-1, x.shape[-2], d))
    db = dy.reshape(-1, *dy.shape[-2:]).sum(axis=(0, 2))
    return dx, dw, db


def head_sim_backward(x, w, b, res_w, res_b, ds):
    """(dx, dw, db, d res_w, d res_b) of head_sim given ds."""
    y = conv_heads(x, w, b)
    dr, d_res_w, d_res_b = conv_heads_backward(np.maximum(y, 0), res_w, ds)
    dy = ds + dr * (y > 0)
    dx, dw, db = conv_heads_backward(x, w, dy)
    return dx, dw, db, d_res_w, d_res_b


def feature_sim_backward(s, w, b, res_w, res_b, dz):
    """(ds, dw, db, d res_w, d res_b) of feature_sim given dz."""
    f = s @ w.T + b
    rows = lambda a: a.reshape(-1, a.shape[-1])  # noqa: E731
    d_res_w = rows(dz).T @ rows(np.maximum(f, 0))
    d_res_b = rows(dz).sum(axis=0)
    df = dz + (dz @ res_w) * (f > 0)
    return df @ w, rows(df).T @ rows(s), rows(df).sum(axis=0), d_res_w, d_res_b


def attention_backward(q, k, v, causal, scale, dout, chunk=1024):
    """(dq, dk, dv) of attention given dout, from the probabilities
    recomputed `chunk` queries at a time (the whole score matrix of a chunk
    at once)."""
    o = attention(q, k, v, causal, scale, chunk)
    dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
    t, n = q.shape[1], k.shape[1]
    for start in range(0, t, chunk):
        rows = slice(start, min(start + chunk, t))
        s = np.einsum("btne,bsne->bnts", q[:, rows], k) * scale
        if causal:
            queries = np.arange(rows.start, rows.stop)
            s = np.where(np.arange(n)[None, :] > queries[:, None], -np.inf, s)
        lse = np.log(np.exp(s - s.max(-1, keepdims=True)).sum(-1)) + s.max(-1)
        p = np.exp(s - lse[..., None])
        dv += np.einsum("bnts,btnf->bsnf", p, dout[:, rows])
        dp = np.einsum("btnf,bsnf->bnts", dout[:, rows], v)
        delta = np.einsum("btnf,btnf->bnt", dout[:, rows], o[:, rows])
        da = p * (dp - delta[..., None])
        dq[:, rows] = np.einsum("bnts,bsne->btne", da, k) * scale
        dk += np.einsum("bnts,btne->bsne", da, q[:, rows]) * scale
    return dq, dk, dv


def peaa_backward(o, w, b, dout):
    """(do, dw, db) of peaa given dout: the group mean's gradient is
    broadcast to every group."""
    bsz, t, hs, f = o.shape
    h = w.shape[0] // f
    groups = hs // h
    mean = np.mean([o[:, :, g * h:(g + 1) * h, :].reshape(bsz, t, h * f)
                    for g in range(groups)], axis=0)
    rows = lambda a: a.reshape(-1, a.shape[-1])  # noqa: E731
    du = (dout @ w / groups).reshape(bsz, t, h, f)
    return (np.concatenate([du] * groups, axis=2), rows(dout).T @ rows(mean),
            rows(dout).sum(axis=0))


def sas_layer_backward(q, k, v, params, dout, causal=True, scale=None):
    """(dq, dk, dv, dparams) of sas_layer given dout ([B, T, H*D]); dparams
    maps each state-dict key to its gradient."""
    p = {name: np.asarray(a, np.float64) for name, a in params.items()}
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    dout = np.asarray(dout, np.float64)
    grads = {}

    def weights(name, first, count=4):
        keys = [f"sas_{name}.{i}.{'process.' if i % 2 else ''}{kind}"
                for i in range(first, first + count // 2)
                for kind in ("weight", "bias")]
        return keys, [p[key] for key in keys]

    def forward(name, x, feature):
        hk, hw = weights(name, 0)
        s = head_sim(x, *hw)
        if not feature:
            return s, s
        fk, fw = weights(name, 2)
        return s, feature_sim(s, *fw)

    def backward(name, x, s, dz, feature):
        if feature:
            fk, fw = weights(name, 2)
            dz, *dfw = feature_sim_backward(s, *fw, dz)
            grads.update(zip(fk, dfw))
        hk, hw = weights(name, 0)
        dx, *dhw = head_sim_backward(x, *hw, dz)
        grads.update(zip(hk, dhw))
        return dx

    sq, zq = forward("q", q, True)
    sk, zk = forward("k", k, True)
    _, sv = forward("v", v, False)
    if scale is None:
        scale = 1.0 / np.sqrt(zq.shape[-1])
    o = attention(zq, zk, sv, causal, scale)
    do, grads["output_dense.weight"], grads["output_dense.bias"] = \
        peaa_backward(o, p["output_dense.weight"], p["output_dense.bias"],
                      dout)
    dzq, dzk, dsv = attention_backward(zq, zk, sv, causal, scale, do)
    dq = backward("q", q, sq, dzq, True)
    dk = backward("k", k, sk, dzk, True)
    dv = backward("v", v, None, dsv, False)
    return dq, dk, dv, {name: grads[name] for name in PARAMETER_NAMES}
