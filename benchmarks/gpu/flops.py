"""FLOP counts of docs/spec.md for the GPU benchmark."""


def sas_flops(b, t, h, d, sim_heads, sim_head_dim, kernel, causal=True):
    """Forward FLOPs of docs/spec.md, PEAA literal (as docs/baselines.md)."""
    g = sim_heads // h
    keys = visible_keys(t, causal)
    per_token = (3 * 2 * sim_heads * kernel * d * (h + sim_heads)
                 + 2 * 2 * sim_heads * sim_head_dim * (d + sim_head_dim)
                 + 2 * keys * sim_heads * (sim_head_dim + d)
                 + 2 * g * (h * d) ** 2)
    return b * t * per_token


def mha_flops(b, t, h, d, causal=True):
    """Causal attention over H heads of D plus the output dense layer."""
    keys = visible_keys(t, causal)
    return b * t * (2 * keys * h * 2 * d + 2 * (h * d) ** 2)


def visible_keys(t, causal=True):
    """Keys a query sees on average: the causal triangle with its diagonal,
    (T + 1) / 2, or all T."""
    return (t + 1) / 2 if causal else t


def attention_flops(b, t, sim_heads, sim_head_dim, d, causal=True):
    """The attention core at the simulated sizes: q k^T and p v."""
    return 2 * b * t * visible_keys(t, causal) * sim_heads * (sim_head_dim + d)


def attention_backward_flops(b, t, sim_heads, sim_head_dim, d, causal=True):
    """Its backward: q k^T recomputed, d_o v^T, p^T d_o, dA k and dA^T q."""
    return (2 * b * t * visible_keys(t, causal) * sim_heads
            * (3 * sim_head_dim + 2 * d))
