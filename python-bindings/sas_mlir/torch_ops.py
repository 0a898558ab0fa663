"""sas_mlir.torch_ops: the SAS layer as differentiable PyTorch custom ops
(torch.library, namespace `sas`), run on the CPU by the compiler (the
layer's forward and its sas.layer_grad, compiled once per shape and cached),
and SASLayer, a drop-in for sas_mlir.torch_module.SASAttention. Needs
PyTorch >= 2.4 and the compiled extension.

    layer = SASLayer(heads=12, sim_heads=24, head_dim=64, sim_head_dim=128,
                     kernel=3)
    layer.load_state_dict(official.state_dict())   # the same keys
    out = layer(q, k, v)                            # [B, T, H*D]
    out.sum().backward()                            # gradients of q, k, v
                                                    # and every parameter

`torch.ops.sas.layer` takes q, k, v ([B, T, H, D]), the 22 parameters in
state-dict order (sas_mlir.PARAMETER_NAMES) and the layer's sizes;
`torch.ops.sas.layer_backward` the same and the output's gradient, and
returns the 25 gradients. Autograd saves the inputs and parameters only:
the backward op runs the whole forward again (the attention's included)
before the gradients. Handing it the forward's attention output and
log-sum-exp instead, as the cost model's training plan would (docs/spec.md,
"Saved or recomputed"), is not wired yet. float32, float16 and bfloat16
tensors run in that
storage type (16-bit: f32 accumulation). The CUDA half is issue 23's next
step: a CUDA tensor raises, it is not copied to the host behind your back.
"""

import functools
import warnings
from typing import List, Optional

import numpy as np
import torch

from . import LayerConfig, PARAMETER_NAMES, compile as _compile

_STORAGE = {torch.float32: "f32", torch.float16: "f16",
            torch.bfloat16: "bf16"}


def _config(q: torch.Tensor, heads, sim_heads, head_dim, sim_head_dim,
            kernel, causal, scale) -> LayerConfig:
    if q.dtype not in _STORAGE:
        raise TypeError(f"sas.layer runs float32, float16 or bfloat16 "
                        f"tensors, got {q.dtype}")
    if q.device.type != "cpu":
        raise NotImplementedError(
            f"sas.layer runs on the CPU here; q is on {q.device} (the CUDA "
            f"layer libraries are not wired into these ops yet)")
    return LayerConfig(heads, sim_heads, head_dim, sim_head_dim, kernel,
                       causal=causal, scale=scale, dtype=_STORAGE[q.dtype])


def _numpy(x: torch.Tensor) -> np.ndarray:
    """`x` as float32 NumPy (16-bit values are exact in float32)."""
    return x.detach().to(torch.float32).contiguous().numpy()


def _check(q, k, v, params):
    if len(params) != len(PARAMETER_NAMES):
        raise ValueError(f"sas.layer takes {len(PARAMETER_NAMES)} "
                         f"parameters, got {len(params)}")
    for name, x in zip(["k", "v"] + PARAMETER_NAMES, [k, v] + list(params)):
        if x.dtype != q.dtype or x.device != q.device:
            raise TypeError(f"{name} is {x.dtype} on {x.device}; q is "
                            f"{q.dtype} on {q.device}")


@torch.library.custom_op("sas::layer", mutates_args=(), device_types="cpu")
def layer(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
          params: List[torch.Tensor], heads: int, sim_heads: int,
          head_dim: int, sim_head_dim: int, kernel: int, causal: bool,
          scale: Optional[float]) -> torch.Tensor:
    _check(q, k, v, params)
    config = _config(q, heads, sim_heads, head_dim, sim_head_dim, kernel,
                     causal, scale)
    weights = {n: _numpy(p) for n, p in zip(PARAMETER_NAMES, params)}
    out = _compile(config)(_numpy(q), _numpy(k), _numpy(v), weights)
    return torch.from_numpy(out).to(q.dtype)


@layer.register_fake
def _(q, k, v, params, heads, sim_heads, head_dim, sim_head_dim, kernel,
      causal, scale):
    return q.new_empty(q.shape[0], q.shape[1], heads * head_dim)


@functools.lru_cache(maxsize=None)
def _warn_untuned_backward():
    """Says once that the CPU backward is slow, rather than letting a
    training user find out."""
    warnings.warn(
        "sas.layer_backward: the compiler's CPU backward is not tuned yet "
        "(f64 accumulation, the forward run again): a training step through "
        "SASLayer takes about 4 times PyTorch's own on the CPU "
        "(benchmarks/cpu/train.py; docs/perf-log/cpu.md)", RuntimeWarning,
        stacklevel=3)


@torch.library.custom_op("sas::layer_backward", mutates_args=(),
                         device_types="cpu")
def layer_backward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                   params: List[torch.Tensor], d_out: torch.Tensor,
                   heads: int, sim_heads: int, head_dim: int,
                   sim_head_dim: int, kernel: int, causal: bool,
                   scale: Optional[float]) -> List[torch.Tensor]:
    _check(q, k, v, params)
    config = _config(q, heads, sim_heads, head_dim, sim_head_dim, kernel,
                     causal, scale)
    _warn_untuned_backward()
    weights = {n: _numpy(p) for n, p in zip(PARAMETER_NAMES, params)}
    grads = _compile(config, backward=True)(_numpy(q), _numpy(k), _numpy(v),
                                            weights, _numpy(d_out))
    return [torch.from_numpy(grads[n]).to(q.dtype)
            for n in ["q", "k", "v"] + PARAMETER_NAMES]


@layer_backward.register_fake
def _(q, k, v, params, d_out, heads, sim_heads, head_dim, sim_head_dim,
      kernel, causal, scale):
    return [torch.empty_like(x) for x in [q, k, v] + list(params)]


def _setup_context(ctx, inputs, output):
    q, k, v, params, *sizes = inputs
    ctx.save_for_backward(q, k, v, *params)
    ctx.sizes = sizes


def _backward(ctx, d_out):
    q, k, v, *params = ctx.saved_tensors
    grads = torch.ops.sas.layer_backward(q, k, v, params, d_out.contiguous(),
                                         *ctx.sizes)
    # One gradient per input: q, k, v, the parameter list, then none for
    # the sizes.
    return (grads[0], grads[1], grads[2], list(grads[3:]),
            *([None] * len(ctx.sizes)))


layer.register_autograd(_backward, setup_context=_setup_context)

# Under torch.autocast on the CPU (bfloat16, its default), the layer runs
# in bfloat16: its inputs and parameters cast, as a matmul's are.
torch.library.register_autocast("sas::layer", "cpu", torch.bfloat16)


def _flops(q, heads, sim_heads, head_dim, sim_head_dim, kernel, causal,
           backward):
    """FLOPs by the cost model's formulas (docs/compute.md, docs/spec.md):
    the forward, or the compiled backward (the forward but PEAA's dense
    layer, recomputed inside it, then the gradients). `q` is q's shape."""
    b, t = q[0], q[1]
    tokens = b * t
    e, f = sim_head_dim, head_dim
    pairs = b * sim_heads * (t * (t + 1) // 2 if causal else t * t)
    head = 2 * sim_heads * kernel * head_dim * (heads + sim_heads)
    feature = 2 * sim_heads * e * (head_dim + e)
    dense = 2 * (heads * head_dim) ** 2
    forward = tokens * (3 * head + 2 * feature) + 2 * pairs * (e + f)
    if not backward:
        return forward + tokens * dense
    head_grad = 2 * kernel * head_dim * sim_heads * (3 * heads + 2 * sim_heads)
    feature_grad = 2 * sim_heads * e * (3 * head_dim + 2 * e)
    return (forward + tokens * (3 * head_grad + 2 * feature_grad + 2 * dense)
            + 2 * pairs * (3 * e + 2 * f))


try:
    from torch.utils.flop_counter import register_flop_formula

    @register_flop_formula(torch.ops.sas.layer)
    def _(q, k, v, params, heads, sim_heads, head_dim, sim_head_dim, kernel,
          causal, scale, out_shape=None, **kwargs):
        return _flops(q, heads, sim_heads, head_dim, sim_head_dim, kernel,
                      causal, backward=False)

    @register_flop_formula(torch.ops.sas.layer_backward)
    def _(q, k, v, params, d_out, heads, sim_heads, head_dim, sim_head_dim,
          kernel, causal, scale, out_shape=None, **kwargs):
        return _flops(q, heads, sim_heads, head_dim, sim_head_dim, kernel,
                      causal, backward=True)
except ImportError:  # PyTorch before custom FLOP formulas
    pass


class SASLayer(torch.nn.Module):
    """The SAS layer with the parameters (and state-dict keys) of
    sas_mlir.torch_module.SASAttention, computed by torch.ops.sas.layer."""

    def __init__(self, heads, sim_heads, head_dim, sim_head_dim, kernel,
                 causal=True, scale=None):
        super().__init__()
        from .torch_module import SASAttention
        # The reference module owns the parameters (its initialization and
        # names); its forward is never called.
        self.params = SASAttention(heads, sim_heads, head_dim, sim_head_dim,
                                   kernel, causal=causal, scale=scale)
        self.sizes = (heads, sim_heads, head_dim, sim_head_dim, kernel,
                      causal, scale)

    def state_dict(self, *args, **kwargs):
        return self.params.state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict, *args, **kwargs):
        return self.params.load_state_dict(state_dict, *args, **kwargs)

    def forward(self, q, k, v):
        named = dict(self.params.named_parameters())
        return torch.ops.sas.layer(q, k, v, [named[n] for n in PARAMETER_NAMES],
                                   *self.sizes)
