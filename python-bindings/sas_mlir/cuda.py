"""sas_mlir.cuda: run SAS CUDA layer libraries from PyTorch.

A layer library is written on the build machine by

    sas-run --target cuda --emit-lib layer.so [--batch B] [--seq-len T] \\
        --heads H --sim-heads H' --head-dim D --sim-head-dim D' --kernel K \\
        [--no-causal] [--scale S] --dtype bf16

and needs only the CUDA driver where it runs. Without --batch/--seq-len it
takes any B and T. This module needs only
PyTorch (not MLIR, not the project's compiled extension):

    import sas_mlir.cuda
    layer = sas_mlir.cuda.load("layer.so")
    out = layer(q, k, v, module.state_dict())   # [B, T, H*D], on q's device

The call checks device, dtype, contiguity and shapes against the library's
configuration and runs on PyTorch's current stream of q's device, without
synchronizing. The libraries run forward only: where autograd is on and an
input or parameter requires grad, the call raises instead of returning an
output with no gradient. `layer.attention(q, k, v)` runs the layer's attention core
alone (sas_attention_forward) on already simulated q, k [B, T, H', D'] and
v [B, T, H', D], to measure the attention kernel by itself.
"""

import ctypes
import json
import warnings
import os

import torch

__all__ = ["LayerLibrary", "load"]

_TORCH_DTYPES = {"f32": torch.float32, "f16": torch.float16,
                 "bf16": torch.bfloat16}


class LayerLibrary:
    """A loaded layer library; call it like a module's forward."""

    def __init__(self, path):
        self.path = os.fspath(path)
        try:
            self._lib = ctypes.CDLL(os.path.abspath(self.path))
        except OSError as error:
            raise OSError(f"cannot load the SAS layer library "
                          f"'{self.path}': {error}") from None
        try:
            self._lib.sas_layer_config.restype = ctypes.c_char_p
            self._lib.sas_last_error.restype = ctypes.c_char_p
            self._forward = self._lib.sas_layer_forward
        except AttributeError:
            raise OSError(f"'{self.path}' is not a SAS layer library (it "
                          "lacks the sas_layer_* functions)") from None
        self._attention = self._lib.sas_attention_forward
        self._attention.restype = ctypes.c_int
        self._attention.argtypes = [ctypes.c_void_p] * 4 + [
            ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
        self._forward.restype = ctypes.c_int
        self._forward.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_int64,
            ctypes.c_int64, ctypes.c_void_p]
        #: The library's configuration (sas_layer_config()).
        self.config = json.loads(self._lib.sas_layer_config().decode())
        self.dtype = _TORCH_DTYPES[self.config["dtype"]]
        #: [B, T, H, D] and [B, T, H*D]; B and T are None when the library
        #: takes any.
        self.input_shape = tuple(self.config["input_shape"])
        self.output_shape = tuple(self.config["output_shape"])
        #: (state-dict key, shape) in the order the library takes them.
        self.parameters = [(p["name"], tuple(p["shape"]))
                           for p in self.config["parameters"]]
        #: (kernel name, path) in launch order: "wgmma" or "mma.sync"
        #: (tensor cores) or "linalg" (the slow path); libraries built
        #: before the list existed have none.
        self.kernels = [(k["name"], k["path"])
                        for k in self.config.get("kernels", [])]
        #: Why each op on the linalg path is there (the compiler's remarks).
        self.linalg_reasons = list(self.config.get("linalg_reasons", []))
        #: Tilings the compiler chose other than asked (a smaller ring).
        self.tiling_notes = list(self.config.get("tiling_notes", []))
        slow = [name for name, path in self.kernels if path == "linalg"]
        if slow and self.config["dtype"] != "f32":
            # No silent slow path: a 16-bit layer is meant for tensor cores.
            warnings.warn(
                f"{self.path}: {len(slow)} of {len(self.kernels)} kernels of "
                f"this {self.config['dtype']} layer run on the linalg path, "
                f"not on tensor cores: {', '.join(slow)}"
                + ("; " + "; ".join(self.linalg_reasons)
                   if self.linalg_reasons else ""),
                RuntimeWarning, stacklevel=3)

    def _check(self, name, tensor, shape, device, anchor="q"):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got "
                            f"{type(tensor).__name__}")
        if tensor.device.type != "cuda":
            raise ValueError(f"{name} must be on a CUDA device, it is on "
                             f"{tensor.device}")
        if device is not None and tensor.device != device:
            raise ValueError(f"{name} is on {tensor.device}, {anchor} on "
                             f"{device}")
        if tensor.dtype != self.dtype:
            raise ValueError(f"{name} must be {self.dtype} (the library's "
                             f"dtype), got {tensor.dtype}")
        if tuple(tensor.shape) != shape:
            raise ValueError(f"{name} must have shape {list(shape)}, got "
                             f"{list(tensor.shape)}")
        if not tensor.is_contiguous():
            raise ValueError(f"{name} must be contiguous (call "
                             ".contiguous())")

    def _refuse_grad(self, tensors):
        """The libraries run forward only: their output has no autograd
        history. Where an input would need a gradient, raise rather than
        return a tensor that silently cuts the graph."""
        if not torch.is_grad_enabled():
            return
        needing = [name for name, t in tensors
                   if isinstance(t, torch.Tensor) and t.requires_grad]
        if needing:
            raise RuntimeError(
                f"{self.path}: {', '.join(needing)} require(s) grad, but a "
                "SAS layer library has no backward: its output would carry "
                "no gradient. Call it under torch.no_grad() or with "
                "detached tensors (module.state_dict() is).")

    def __call__(self, q, k, v, state_dict, out=None):
        """The layer's output [B, T, H*D] for q, k, v [B, T, H, D] and the
        22 parameters in `state_dict` (PyTorch state-dict keys), written
        into `out` when given (contiguous, the library's dtype)."""
        self._refuse_grad([("q", q), ("k", k), ("v", v)]
                          + [(f"state_dict['{n}']", t)
                             for n, t in state_dict.items()])
        sizes = self._check_inputs(q, k, v, None, "q")
        pointers = self._parameter_pointers(state_dict, q.device)
        return self._launch(q, k, v, pointers, out, *sizes)

    def bind(self, state_dict):
        """A callable f(q, k, v, out=None) running the layer with the 22
        parameters of `state_dict`, checked once here. It keeps references
        to those tensors (their memory stays valid; in-place updates, as by
        load_state_dict or an optimizer, are seen) and checks only q, k, v
        and out at each call: 22 checks a call less of host time, during
        which the GPU would wait."""
        pointers = self._parameter_pointers(state_dict, None)
        params = [state_dict[name] for name, _ in self.parameters]
        device = params[0].device

        names = [f"state_dict['{n}']" for n, _ in self.parameters]

        def run(q, k, v, out=None):
            self._refuse_grad([("q", q), ("k", k), ("v", v)]
                              + list(zip(names, params)))
            sizes = self._check_inputs(q, k, v, device,
                                       "the bound parameters")
            return self._launch(q, k, v, pointers, out, *sizes)
        run.parameters = params  # the references that keep them alive
        return run

    def _check_inputs(self, q, k, v, device, anchor):
        """Checks q, k, v; returns B, T and the output shape."""
        if isinstance(q, torch.Tensor) and q.dim() == 4:
            batch, seq_len = q.shape[:2]
        else:
            batch, seq_len = self.input_shape[:2]

        def resolve(shape):
            return tuple(s if s is not None else (batch, seq_len)[i]
                         for i, s in enumerate(shape))

        input_shape = resolve(self.input_shape)
        self._check("q", q, input_shape, device, anchor)
        self._check("k", k, input_shape, q.device)
        self._check("v", v, input_shape, q.device)
        return batch, seq_len, resolve(self.output_shape)

    def _parameter_pointers(self, state_dict, device):
        """The parameters' device pointers in ABI order, each checked (on
        `device`, or all on the first one's)."""
        names = [name for name, _ in self.parameters]
        missing = [n for n in names if n not in state_dict]
        unknown = [n for n in state_dict if n not in names]
        if missing or unknown:
            raise KeyError(f"state_dict: missing {missing}, unknown {unknown}"
                           f" (expected exactly {names})")
        params = []
        for name, shape in self.parameters:
            tensor = state_dict[name]
            self._check(f"state_dict['{name}']", tensor, shape, device,
                        "q" if device is not None and not params
                        else f"state_dict['{names[0]}']")
            device = tensor.device
            params.append(tensor)
        return (ctypes.c_void_p * len(params))(*[t.data_ptr() for t in params])

    def _launch(self, q, k, v, pointers, out, batch, seq_len, output_shape):
        """sas_layer_forward on the current stream of q's device."""
        device = q.device
        if out is None:
            out = torch.empty(output_shape, dtype=self.dtype, device=device)
        self._check("out", out, output_shape, device)
        with torch.cuda.device(device):
            stream = torch.cuda.current_stream(device).cuda_stream
            status = self._forward(q.data_ptr(), k.data_ptr(), v.data_ptr(),
                                   pointers, out.data_ptr(), batch, seq_len,
                                   stream)
        if status != 0:
            raise RuntimeError(f"{self.path}: "
                               f"{self._lib.sas_last_error().decode()}")
        return out

    def attention(self, q, k, v, out=None):
        """The layer's attention core alone: softmax(q k^T * scale + mask) v
        per simulated head, q and k [B, T, H', D'], v and the result
        [B, T, H', D]."""
        self._refuse_grad([("q", q), ("k", k), ("v", v)])
        c = self.config
        if not isinstance(q, torch.Tensor) or q.dim() != 4:
            raise ValueError("q must be a 4-D torch.Tensor [B, T, H', D']")
        batch, seq_len = q.shape[:2]
        for name, size in (("batch", batch), ("seq_len", seq_len)):
            if c[name] is not None and c[name] != size:
                raise ValueError(f"this library was built for {name} = "
                                 f"{c[name]}, q has {size}")
        qk_shape = (batch, seq_len, c["sim_heads"], c["sim_head_dim"])
        v_shape = (batch, seq_len, c["sim_heads"], c["head_dim"])
        self._check("q", q, qk_shape, None)
        self._check("k", k, qk_shape, q.device)
        self._check("v", v, v_shape, q.device)
        if out is None:
            out = torch.empty(v_shape, dtype=self.dtype, device=q.device)
        self._check("out", out, v_shape, q.device)
        with torch.cuda.device(q.device):
            stream = torch.cuda.current_stream(q.device).cuda_stream
            status = self._attention(q.data_ptr(), k.data_ptr(), v.data_ptr(),
                                     out.data_ptr(), batch, seq_len, stream)
        if status != 0:
            raise RuntimeError(f"{self.path}: "
                               f"{self._lib.sas_last_error().decode()}")
        return out


def load(path):
    """Loads the layer library at `path` (see the module docstring)."""
    return LayerLibrary(path)
