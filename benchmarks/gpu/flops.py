"""FLOP counts of docs/spec.md for the GPU benchmark."""


def sas_flops(b, t, h, d, sim_heads, sim_head_dim, kernel, causal=True):
    """Forward FLOPs of docs/spec.md, PEAA literal (as docs/baselines.md)."""
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
