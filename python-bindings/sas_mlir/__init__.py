"""sas_mlir: build, compile and run SAS attention layers from Python.

    import sas_mlir
    config = sas_mlir.LayerConfig(heads=12, sim_heads=24, head_dim=64,
                                  sim_head_dim=128, kernel_size=3)
    layer = sas_mlir.compile(config)
    out = layer(q, k, v, weights)   # q, k, v: [B, T, H, D]; weights: a dict
                                    # keyed by PyTorch state-dict names
"""

import threading
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np

from . import reference as _reference

try:
    from . import _sas_mlir
    from ._sas_mlir import CompileError
    _has_extension = True
except ImportError as _error:
    # Without the compiled extension (a GPU machine with PyTorch only), the
    # package still holds the reference and sas_mlir.cuda, which loads layer
    # libraries built elsewhere; compiling needs the extension.
    _extension_error = _error

    class CompileError(RuntimeError):
        """MLIR diagnostics of a failed compilation."""

    class _MissingExtension:
        def __getattr__(self, name):
            raise ImportError(
                "sas_mlir was imported without its compiled extension "
                f"(_sas_mlir: {_extension_error}); only sas_mlir.reference "
                "and sas_mlir.cuda work")

    _sas_mlir = _MissingExtension()
    _has_extension = False

__all__ = ["LayerConfig", "CompileError", "CompiledLayer", "build_layer",
           "run_pipeline", "layer_config", "compile", "reference",
           "host_register_tile",
           "PARAMETER_NAMES"]

#: The 22 parameters of a layer in sas.layer operand order.
PARAMETER_NAMES = list(_reference.PARAMETER_NAMES)

_DTYPES = ("f32", "f16", "bf16")


@dataclass(frozen=True)
class LayerConfig:
    """The sizes of a SAS layer (docs/spec.md)."""
    heads: int
    sim_heads: int
    head_dim: int
    sim_head_dim: int
    kernel_size: int
    causal: bool = True
    scale: Optional[float] = None
    dtype: str = "f32"

    def __post_init__(self):
        for name in ("heads", "sim_heads", "head_dim", "sim_head_dim",
                     "kernel_size"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name} must be an integer, got {value!r}")
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {_DTYPES}, "
                             f"got {self.dtype!r}")
        if self.scale is not None and not isinstance(
                self.scale, (int, float, np.integer, np.floating)):
            raise ValueError(f"scale must be a number, got {self.scale!r}")
        # The layer rules (odd kernel, sim_heads a multiple of heads, ...)
        # are the sas.layer verifier's, in C++. Without the extension (a GPU
        # machine that only loads libraries) they are checked where the
        # library was built.
        if _has_extension:
            _sas_mlir.verify_layer_config(
                self.heads, self.sim_heads, self.head_dim, self.sim_head_dim,
                self.kernel_size, self.scale, -1, -1)

    def parameter_shapes(self) -> Dict[str, tuple]:
        """Expected shape of each parameter, by state-dict name."""
        return _reference.parameter_shapes(self.heads, self.sim_heads,
                                           self.head_dim, self.sim_head_dim,
                                           self.kernel_size)


def build_layer(config: LayerConfig, batch: Optional[int] = None,
                seq_len: Optional[int] = None, backward: bool = False) -> str:
    """MLIR text of a function holding one sas.layer, or with `backward` its
    gradient (sas.layer_grad: q, k, v, the parameters and the output's
    gradient -> the 25 gradients); dynamic B/T if None."""
    return _sas_mlir.build_layer(
        config.heads, config.sim_heads, config.head_dim, config.sim_head_dim,
        config.kernel_size, config.causal, config.scale, config.dtype,
        -1 if batch is None else batch, -1 if seq_len is None else seq_len,
        backward)


def host_register_tile():
    """The (row_tile, column_tile) compile() uses for this CPU unless given:
    8 x 32 with AVX-512, else 4 x 16."""
    return tuple(_sas_mlir.host_register_tile())


def run_pipeline(mlir_text: str, pipeline: str) -> str:
    """Runs a textual pass pipeline, e.g. 'builtin.module(sas-expand)'."""
    return _sas_mlir.run_pipeline(mlir_text, pipeline)


def _to_storage(array: np.ndarray, dtype: str) -> np.ndarray:
    """`array` in the layer's storage type: float32, float16, or bfloat16
    bits in uint16 (rounded to nearest even)."""
    x = np.ascontiguousarray(array, dtype=np.float32)
    if dtype == "f32":
        return x
    if dtype == "f16":
        return x.astype(np.float16)
    bits = x.view(np.uint32).astype(np.uint64)
    nan = np.isnan(x)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    out = bits.astype(np.uint16)
    out[nan] = (x.view(np.uint32)[nan] >> 16).astype(np.uint16) | 0x40
    return out


def _from_storage(array: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bf16":
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(np.float32)


_STORAGE_NUMPY = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16}


def _check_weights(weights: Dict[str, np.ndarray], config: LayerConfig):
    """The 22 weights of `config` in state-dict order, as arrays; raises
    ValueError naming any unknown, missing or misshapen weight."""
    expected = config.parameter_shapes()
    unknown = sorted(set(weights) - set(expected))
    if unknown:
        raise ValueError(f"unknown weight {unknown[0]!r}; expected the "
                         f"state-dict names {PARAMETER_NAMES}")
    arrays = []
    for name in PARAMETER_NAMES:
        if name not in weights:
            raise ValueError(f"missing weight {name!r} of shape "
                             f"{list(expected[name])}")
        w = np.asarray(weights[name])
        if w.shape != tuple(expected[name]):
            raise ValueError(f"weight {name!r} must have shape "
                             f"{list(expected[name])}, got {list(w.shape)}")
        arrays.append(w)
    return arrays


class CompiledLayer:
    """A SAS layer compiled for the host CPU. Calling it compiles (once per
    batch size and sequence length, cached) and runs."""

    def __init__(self, mlir_text: str, config: LayerConfig, options: str):
        self.mlir_text = mlir_text
        self.config = config
        self.options = options
        self._compiled = {}
        self._lock = threading.Lock()

    def _inputs(self, q, k, v, weights):
        """q, k, v and the parameters in storage arrays, and (B, T)."""
        c = self.config
        q, k, v = (np.asarray(x) for x in (q, k, v))
        for name, x in zip("qkv", (q, k, v)):
            if x.ndim != 4 or x.shape[2:] != (c.heads, c.head_dim):
                raise ValueError(
                    f"{name} must be [B, T, {c.heads}, {c.head_dim}], "
                    f"got {list(x.shape)}")
            if x.dtype not in (np.float32, np.float16, np.float64):
                raise ValueError(f"{name} must hold floats, got {x.dtype}")
        if not (q.shape == k.shape == v.shape):
            raise ValueError(f"q, k and v must have one shape, got "
                             f"{list(q.shape)}, {list(k.shape)}, {list(v.shape)}")
        batch, seq_len = q.shape[:2]
        if batch == 0 or seq_len == 0:
            raise ValueError("batch and sequence length must be positive")
        inputs = [_to_storage(x, c.dtype) for x in (q, k, v)]
        inputs += [_to_storage(w, c.dtype) for w in _check_weights(weights, c)]
        return inputs, batch, seq_len

    def _for_shape(self, batch: int, seq_len: int):
        with self._lock:
            key = (batch, seq_len)
            if key not in self._compiled:
                self._compiled[key] = _sas_mlir.CompiledLayer(
                    self.mlir_text, batch, seq_len, self.options)
            return self._compiled[key]

    def __call__(self, q, k, v, weights: Dict[str, np.ndarray]) -> np.ndarray:
        c = self.config
        inputs, batch, seq_len = self._inputs(q, k, v, weights)
        # Poisoned, so that elements the compiled code does not write show.
        out = _to_storage(np.full((batch, seq_len, c.heads * c.head_dim),
                                  np.nan, dtype=np.float32), c.dtype)
        self._for_shape(batch, seq_len).run(inputs, [out])
        return _from_storage(out, c.dtype)


class CompiledLayerGrad(CompiledLayer):
    """The backward of a SAS layer compiled for the host CPU (sas.layer_grad,
    run as the cost model's training plan says). Calling it with q, k, v,
    the weights and the output's gradient returns the 25 gradients."""

    def __call__(self, q, k, v, weights: Dict[str, np.ndarray],
                 d_out) -> Dict[str, np.ndarray]:
        c = self.config
        inputs, batch, seq_len = self._inputs(q, k, v, weights)
        d_out = np.asarray(d_out)
        want = (batch, seq_len, c.heads * c.head_dim)
        if d_out.shape != want:
            raise ValueError(f"d_out must be {list(want)}, got "
                             f"{list(d_out.shape)}")
        inputs.append(_to_storage(d_out, c.dtype))
        names = ["q", "k", "v"] + _reference.PARAMETER_NAMES
        # Poisoned, as the forward's output.
        grads = [_to_storage(np.full(x.shape, np.nan, dtype=np.float32),
                             c.dtype) for x in inputs[:25]]
        self._for_shape(batch, seq_len).run(inputs, grads)
        return {n: _from_storage(g, c.dtype) for n, g in zip(names, grads)}


_cache = {}
_cache_lock = threading.Lock()


def layer_config(mlir_text: str) -> LayerConfig:
    """The LayerConfig of the one sas.layer in `mlir_text`."""
    sizes = _sas_mlir.layer_config(mlir_text)
    sizes.pop("batch")
    sizes.pop("seq_len")
    return LayerConfig(**sizes)


def compile(config_or_text, target: str = "cpu", backward: bool = False,
            **pipeline_options):
    """Compiles a LayerConfig, or MLIR text holding a function with one
    sas.layer whose 25 operands are its arguments, for `target` ("cpu").
    With `backward` (a LayerConfig only), compiles the layer's gradient
    instead: a CompiledLayerGrad. `pipeline_options` are sas-cpu-pipeline
    options (query_tile=32, fuse_peaa_mean=False, ...). Compiling the same
    layer with the same options again returns the cached one."""
    if target != "cpu":
        raise ValueError(f"unknown target {target!r}; available: 'cpu'")
    if backward and not isinstance(config_or_text, LayerConfig):
        raise TypeError("compile(backward=True) takes a LayerConfig")
    if isinstance(config_or_text, LayerConfig):
        config = config_or_text
        text = build_layer(config, backward=backward)
    elif isinstance(config_or_text, str):
        text = config_or_text
        config = layer_config(text)
    else:
        raise TypeError("compile() takes a LayerConfig or MLIR text")
    valid = sorted(name.replace("-", "_")
                   for name in _sas_mlir.cpu_pipeline_options())
    for key in sorted(pipeline_options):
        if key not in valid:
            raise ValueError(f"unknown sas-cpu-pipeline option {key!r}; "
                             f"valid options: {', '.join(valid)}")
    options = " ".join(
        f"{key.replace('_', '-')}={str(value).lower() if isinstance(value, bool) else value}"
        for key, value in sorted(pipeline_options.items()))
    key = (text, config, options)
    with _cache_lock:
        if key not in _cache:
            kind = CompiledLayerGrad if backward else CompiledLayer
            _cache[key] = kind(text, config, options)
        return _cache[key]


def reference(q, k, v, weights, config: LayerConfig) -> np.ndarray:
    """The float64 NumPy reference of docs/spec.md."""
    _check_weights(weights, config)
    return _reference.sas_layer(q, k, v, weights, causal=config.causal,
                                scale=config.scale)
