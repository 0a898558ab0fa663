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
returns the 25 gradients; autograd saves the inputs and parameters, and the
backward op runs the whole forward again before the gradients. On CUDA, a
forward that autograd records runs `torch.ops.sas.layer_train` instead,
which also returns the attention's output and log-sum-exp; its backward,
`torch.ops.sas.layer_backward_saved`, takes them rather than recomputing the
attention (the cost model's training plan, docs/spec.md "Saved or
recomputed"; the CPU's compiled layer has no such pair). float32, float16
and bfloat16 tensors run in that storage type (16-bit: f32 accumulation).

On CUDA tensors the ops run layer libraries built ahead of time with
`sas-run --target cuda --emit-lib L.so ... --backward` (the GPU machine
needs PyTorch only): register them with `use_cuda_library(path)` or list
their folders in $SAS_CUDA_LIBRARIES. A call with no matching library
raises, naming the sas-run command that builds one; nothing is copied to
the host. A 16-bit library's backward runs every step's gradient on
tensor cores where its sizes allow; loading it warns where one does not.
"""

import functools
import os
import warnings
from typing import List, Optional, Tuple

import numpy as np
import torch

from . import LayerConfig, PARAMETER_NAMES, compile as _compile
from .torch_module import SASAttention

_STORAGE = {torch.float32: "f32", torch.float16: "f16",
            torch.bfloat16: "bf16"}


def _config(q: torch.Tensor, heads, sim_heads, head_dim, sim_head_dim,
            kernel, causal, scale) -> LayerConfig:
    if q.dtype not in _STORAGE:
        raise TypeError(f"sas.layer runs float32, float16 or bfloat16 "
                        f"tensors, got {q.dtype}")
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


# A training step on CUDA: the forward also returns the attention's output
# and log-sum-exp, which the backward takes instead of recomputing the
# attention (the cost model's plan, docs/spec.md "Saved or recomputed"). The
# CPU's compiled layer has no such pair; there SASLayer keeps sas::layer.
@torch.library.custom_op("sas::layer_train", mutates_args=(),
                         device_types="cuda")
def layer_train(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                params: List[torch.Tensor], heads: int, sim_heads: int,
                head_dim: int, sim_head_dim: int, kernel: int, causal: bool,
                scale: Optional[float]
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    raise NotImplementedError  # the CUDA kernel is registered below


@layer_train.register_fake
def _(q, k, v, params, heads, sim_heads, head_dim, sim_head_dim, kernel,
      causal, scale):
    b, t = q.shape[0], q.shape[1]
    return (q.new_empty(b, t, heads * head_dim),
            q.new_empty(b, t, sim_heads, head_dim),
            q.new_empty(b, t, sim_heads, dtype=torch.float32))


@torch.library.custom_op("sas::layer_backward_saved", mutates_args=(),
                         device_types="cuda")
def layer_backward_saved(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                         params: List[torch.Tensor],
                         attention_out: torch.Tensor, lse: torch.Tensor,
                         d_out: torch.Tensor, heads: int, sim_heads: int,
                         head_dim: int, sim_head_dim: int, kernel: int,
                         causal: bool, scale: Optional[float]
                         ) -> List[torch.Tensor]:
    raise NotImplementedError  # the CUDA kernel is registered below


@layer_backward_saved.register_fake
def _(q, k, v, params, attention_out, lse, d_out, heads, sim_heads,
      head_dim, sim_head_dim, kernel, causal, scale):
    return [torch.empty_like(x) for x in [q, k, v] + list(params)]


def _setup_train_context(ctx, inputs, output):
    q, k, v, params, *sizes = inputs
    _, attention_out, lse = output
    ctx.save_for_backward(q, k, v, attention_out, lse, *params)
    ctx.sizes = sizes
    ctx.mark_non_differentiable(attention_out, lse)


def _train_backward(ctx, d_out, _d_attention_out, _d_lse):
    q, k, v, attention_out, lse, *params = ctx.saved_tensors
    grads = torch.ops.sas.layer_backward_saved(
        q, k, v, params, attention_out, lse, d_out.contiguous(), *ctx.sizes)
    return (grads[0], grads[1], grads[2], list(grads[3:]),
            *([None] * len(ctx.sizes)))


layer_train.register_autograd(_train_backward,
                              setup_context=_setup_train_context)

# Under torch.autocast on the CPU (bfloat16, its default), the layer runs
# in bfloat16: its inputs and parameters cast, as a matmul's are.
torch.library.register_autocast("sas::layer", "cpu", torch.bfloat16)


def _flops(q, heads, sim_heads, head_dim, sim_head_dim, kernel, causal,
           backward, saved=False):
    """FLOPs by the cost model's formulas (docs/compute.md, docs/spec.md):
    the forward, or the compiled backward (the forward but PEAA's dense
    layer, recomputed inside it, then the gradients; with `saved`, the
    attention's forward is not recomputed). `q` is q's shape."""
    b, t = q[0], q[1]
    tokens = b * t
    e, f = sim_head_dim, head_dim
    pairs = b * sim_heads * (t * (t + 1) // 2 if causal else t * t)
    head = 2 * sim_heads * kernel * head_dim * (heads + sim_heads)
    feature = 2 * sim_heads * e * (head_dim + e)
    dense = 2 * (heads * head_dim) ** 2
    attention = 2 * pairs * (e + f)
    forward = tokens * (3 * head + 2 * feature) + attention
    if not backward:
        return forward + tokens * dense
    if saved:
        forward -= attention
    head_grad = 2 * kernel * head_dim * sim_heads * (3 * heads + 2 * sim_heads)
    feature_grad = 2 * sim_heads * e * (3 * head_dim + 2 * e)
    return (forward + tokens * (3 * head_grad + 2 * feature_grad + 2 * dense)
            + 2 * pairs * (3 * e + 2 * f))


try:
    from torch.utils.flop_counter import register_flop_formula

    def _register_flops(op, backward, saved=False):
        # The sizes are each op's last seven arguments.
        @register_flop_formula(op)
        def _(q, *args, out_shape=None, **kwargs):
            heads, sim_heads, head_dim, sim_head_dim, kernel, causal, _ = \
                args[-7:]
            return _flops(q, heads, sim_heads, head_dim, sim_head_dim,
                          kernel, causal, backward, saved)

    _register_flops(torch.ops.sas.layer, backward=False)
    _register_flops(torch.ops.sas.layer_train, backward=False)
    _register_flops(torch.ops.sas.layer_backward, backward=True)
    _register_flops(torch.ops.sas.layer_backward_saved, backward=True,
                    saved=True)
except ImportError:  # PyTorch before custom FLOP formulas
    pass


# CUDA: layer libraries written ahead of time by `sas-run --target cuda
# --emit-lib L.so --backward` (the GPU machine needs no MLIR), registered
# with use_cuda_library or found in the folders of $SAS_CUDA_LIBRARIES.
_cuda_libraries = []
_cuda_paths_read = False


def use_cuda_library(path):
    """Registers the layer library at `path` (a file, or every *.so of a
    folder) for the CUDA kernels of torch.ops.sas.layer and
    layer_backward; returns the loaded libraries. A call on CUDA tensors
    runs the first registered library whose configuration matches: sizes,
    causal, scale, dtype, and B and T where the library was built for
    them."""
    from . import cuda
    paths = ([os.path.join(path, n) for n in sorted(os.listdir(path))
              if n.endswith(".so")] if os.path.isdir(path) else [path])
    loaded = [cuda.load(p) for p in paths]
    _cuda_libraries.extend(loaded)
    return loaded


def _cuda_library(q, heads, sim_heads, head_dim, sim_head_dim, kernel,
                  causal, scale, backward=False, saves=False):
    """The registered library for this call (with the layer backward, and
    the training step's pair, where asked), or an error saying how to
    build one."""
    global _cuda_paths_read
    if not _cuda_paths_read:
        _cuda_paths_read = True
        for path in filter(None, os.environ.get("SAS_CUDA_LIBRARIES",
                                                "").split(os.pathsep)):
            use_cuda_library(path)
    dtype = _STORAGE.get(q.dtype)
    expected_scale = scale if scale is not None else sim_head_dim ** -0.5
    for library in _cuda_libraries:
        c = library.config
        if ((c["heads"], c["sim_heads"], c["head_dim"], c["sim_head_dim"],
             c["kernel"], c["causal"], c["dtype"])
                != (heads, sim_heads, head_dim, sim_head_dim, kernel, causal,
                    dtype)
                or abs(c["scale"] - expected_scale) > 1e-6 * expected_scale
                or c["batch"] not in (None, q.shape[0])
                or c["seq_len"] not in (None, q.shape[1])
                or (backward and not library.has_layer_backward)
                or (saves and not library.saves_attention)):
            continue
        return library
    flags = (f"--heads {heads} --sim-heads {sim_heads} --head-dim "
             f"{head_dim} --sim-head-dim {sim_head_dim} --kernel {kernel} "
             f"--dtype {dtype}" + ("" if causal else " --no-causal")
             + ("" if scale is None else f" --scale {scale}"))
    kind = ("with the training step's pair (sas_layer_forward_save; a "
            "library of any T has it) " if saves else
            "with the backward " if backward else "")
    raise RuntimeError(
        f"sas.layer{'_backward' if backward else ''} on CUDA: no registered "
        f"layer library {kind}for "
        f"{flags} (B = {q.shape[0]}, T = {q.shape[1]}). Build one on a "
        f"machine with SAS-MLIR: sas-run --target cuda --emit-lib L.so "
        f"{flags} --backward, then sas_mlir.torch_ops.use_cuda_library("
        f"'L.so') or list its folder in SAS_CUDA_LIBRARIES")


def _on_cuda_library(q, k, v, params, sizes, call, **wanted):
    """`call(library, q, k, v, state)` on the registered library for the
    layer's `sizes` (_cuda_library's `wanted`), with contiguous tensors and
    autograd off."""
    _check(q, k, v, params)
    library = _cuda_library(q, *sizes, **wanted)
    state = {n: p.contiguous() for n, p in zip(PARAMETER_NAMES, params)}
    with torch.no_grad():
        return call(library, q.contiguous(), k.contiguous(), v.contiguous(),
                    state)


@layer.register_kernel("cuda")
def _(q, k, v, params, *sizes):
    return _on_cuda_library(q, k, v, params, sizes, lambda lib, *args:
                            lib(*args))


@layer_backward.register_kernel("cuda")
def _(q, k, v, params, d_out, *sizes):
    def call(library, *args):
        d_q, d_k, d_v, d_params = library.layer_backward(
            *args, d_out.contiguous())
        return [d_q, d_k, d_v] + [d_params[n] for n in PARAMETER_NAMES]
    return _on_cuda_library(q, k, v, params, sizes, call, backward=True)


@layer_train.register_kernel("cuda")
def _(q, k, v, params, *sizes):
    def call(library, *args):
        out, (attention_out, lse) = library.forward_save(*args)
        return out, attention_out, lse
    return _on_cuda_library(q, k, v, params, sizes, call, backward=True,
                            saves=True)


@layer_backward_saved.register_kernel("cuda")
def _(q, k, v, params, attention_out, lse, d_out, *sizes):
    def call(library, *args):
        d_q, d_k, d_v, d_params = library.layer_backward(
            *args, d_out.contiguous(), saved=(attention_out, lse))
        return [d_q, d_k, d_v] + [d_params[n] for n in PARAMETER_NAMES]
    return _on_cuda_library(q, k, v, params, sizes, call, backward=True,
                            saves=True)


class SASLayer(SASAttention):
    """The SAS layer computed by torch.ops.sas.layer: a SASAttention (the
    same constructor, submodules, parameters and initialization, so the
    same state-dict keys, also inside a larger model) whose forward runs
    the compiled layer instead of PyTorch's ops."""

    def __init__(self, heads, sim_heads, head_dim, sim_head_dim, kernel,
                 causal=True, scale=None):
        super().__init__(heads, sim_heads, head_dim, sim_head_dim, kernel,
                         causal=causal, scale=scale)
        self.sizes = (heads, sim_heads, head_dim, sim_head_dim, kernel,
                      causal, scale)

    def forward(self, q, k, v):
        named = dict(self.named_parameters())
        params = [named[n] for n in PARAMETER_NAMES]
        if q.is_cuda and torch.is_grad_enabled() and any(
                x.requires_grad for x in [q, k, v] + params):
            # A training step: the forward keeps what the backward takes.
            return torch.ops.sas.layer_train(q, k, v, params, *self.sizes)[0]
        return torch.ops.sas.layer(q, k, v, params, *self.sizes)
