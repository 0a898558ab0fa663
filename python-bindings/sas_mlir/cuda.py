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
synchronizing. The layer runs forward only: where autograd is on and an
input or parameter requires grad, the call raises instead of returning an
output with no gradient. `layer.attention(q, k, v)` runs the layer's attention core
alone (sas_attention_forward) on already simulated q, k [B, T, H', D'] and
v [B, T, H', D], to measure the attention kernel by itself.

The attention core's gradients, called explicitly (nothing is registered
with autograd): `out, lse = layer.attention_forward_lse(q, k, v)` also
returns the log-sum-exp of each query's scaled, masked scores (float32
[B, T, H']), and `d_q, d_k, d_v = layer.attention_backward(q, k, v, out,
lse, d_out)` the gradients of q, k and v from those and the output's
gradient d_out [B, T, H', D] (sas_attention_forward_lse and
sas_attention_backward). 16-bit libraries run them where the compiler has
a backward kernel for their head sizes; elsewhere (f32 libraries too) the
call raises RuntimeError with the library's reason, and a library built
before these entries existed raises, saying it must be rebuilt.

The whole layer's gradients, in libraries built with `sas-run --target cuda
--backward`: `d_q, d_k, d_v, d_params = layer.layer_backward(q, k, v,
state_dict, d_out)` (sas_layer_backward, which recomputes the forward's
values; in a 16-bit library every step's gradient on tensor cores where its
sizes allow, and loading it warns where one does not). A training step
keeps the attention's output and log-sum-exp instead: `out, saved =
layer.forward_save(q, k, v, state_dict)`, then `layer.layer_backward(q, k,
v, state_dict, d_out, saved=saved)` (sas_layer_forward_save and
sas_layer_backward_saved; `layer.saves_attention` says whether the library
has them).
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
        pointer, array = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
        # q, k, v, params, out; the attention core's q, k, v, out.
        self._forward = self._entry("sas_layer_forward",
                                    [pointer] * 3 + [array, pointer])
        self._attention = self._entry("sas_attention_forward", [pointer] * 4)
        # The attention core's backward entries (q, k, v, out, lse and q, k,
        # v, out, lse, d_out, d_q, d_k, d_v); None in a library built before
        # they existed.
        self._attention_lse = self._entry("sas_attention_forward_lse",
                                          [pointer] * 5)
        self._attention_backward = self._entry("sas_attention_backward",
                                               [pointer] * 9)
        # q, k, v, params, d_out, d_q, d_k, d_v, d_params.
        self._layer_backward = self._entry(
            "sas_layer_backward", [pointer] * 3 + [array] + [pointer] * 4
            + [array])
        # The training step's pair: q, k, v, params, out, attention_out,
        # lse; q, k, v, params, attention_out, lse, d_out, d_q, d_k, d_v,
        # d_params.
        self._forward_save = self._entry(
            "sas_layer_forward_save", [pointer] * 3 + [array] + [pointer] * 3)
        self._backward_saved = self._entry(
            "sas_layer_backward_saved", [pointer] * 3 + [array]
            + [pointer] * 6 + [array])
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
        #: Whether layer_backward runs (sas-run --target cuda --backward),
        #: and why not.
        self.has_layer_backward = bool(self.config.get("layer_backward"))
        self.layer_backward_note = self.config.get(
            "layer_backward_note",
            "the library predates sas_layer_backward: rebuild it")
        #: Whether forward_save and layer_backward(saved=...) run: the
        #: library keeps the attention's output and log-sum-exp from the
        #: forward (the cost model's plan, at every dynamic T).
        self.saves_attention = (self.has_layer_backward and bool(
            self.config.get("saves_attention"))
            and self._forward_save is not None)
        slow = [name for name, path in self.kernels if path == "linalg"]
        if slow and self.linalg_reasons and self.config["dtype"] != "f32":
            # No silent slow path: a 16-bit layer is meant for tensor cores
            # (loops with no declined op behind them are the elementwise
            # passes between kernels).
            names = ", ".join(slow[:4]) + (f", ... ({len(slow) - 4} more)"
                                           if len(slow) > 4 else "")
            warnings.warn(
                f"{self.path}: {len(slow)} of {len(self.kernels)} kernels of "
                f"this {self.config['dtype']} layer run on the linalg path, "
                f"not on tensor cores: {names}; "
                + "; ".join(self.linalg_reasons),
                RuntimeWarning, stacklevel=3)

    def _entry(self, name, arguments):
        """The library's function `name` taking `arguments` (ctypes types of
        its pointers and pointer arrays), then B, T and a stream, or None
        where the library predates it."""
        try:
            function = getattr(self._lib, name)
        except AttributeError:
            return None
        function.restype = ctypes.c_int
        function.argtypes = list(arguments) + [
            ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
        return function

    def _check(self, name, tensor, shape, device, anchor="q", dtype=None):
        """Raises unless `tensor` is a contiguous CUDA tensor of `shape` and
        `dtype` (default: the library's), on `device` where given."""
        dtype = dtype or self.dtype
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got "
                            f"{type(tensor).__name__}")
        if tensor.device.type != "cuda":
            raise ValueError(f"{name} must be on a CUDA device, it is on "
                             f"{tensor.device}")
        if device is not None and tensor.device != device:
            raise ValueError(f"{name} is on {tensor.device}, {anchor} on "
                             f"{device}")
        if tensor.dtype != dtype:
            raise ValueError(f"{name} must be {dtype} (the " + (
                "library's dtype" if dtype == self.dtype else "log-sum-exp's")
                + f"), got {tensor.dtype}")
        if tuple(tensor.shape) != shape:
            raise ValueError(f"{name} must have shape {list(shape)}, got "
                             f"{list(tensor.shape)}")
        if not tensor.is_contiguous():
            raise ValueError(f"{name} must be contiguous (call "
                             ".contiguous())")

    def _refuse_grad(self, tensors):
        """The libraries' outputs have no autograd history (the attention
        core's gradients are explicit calls). Where an input would need a
        gradient, raise rather than return a tensor that silently cuts the
        graph."""
        if not torch.is_grad_enabled():
            return
        needing = [name for name, t in tensors
                   if isinstance(t, torch.Tensor) and t.requires_grad]
        if needing:
            raise RuntimeError(
                f"{self.path}: {', '.join(needing)} require(s) grad, but a "
                "SAS layer library registers no backward with autograd: its "
                "output would carry no gradient. Call it under "
                "torch.no_grad() or with detached tensors "
                "(module.state_dict() is); attention_backward computes the "
                "attention core's gradients explicitly.")

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

    def _attention_sizes(self, q):
        """B, T and the shapes of q and k, of v (and of the output and its
        gradient) and of the log-sum-exp, from q [B, T, H', D'], checked
        against the sizes the library was built for."""
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
        return batch, seq_len, qk_shape, v_shape, v_shape[:3]

    def _check_attention_inputs(self, q, k, v):
        """Checks q, k, v of the attention core; returns _attention_sizes."""
        sizes = self._attention_sizes(q)
        qk_shape, v_shape = sizes[2:4]
        self._check("q", q, qk_shape, None)
        self._check("k", k, qk_shape, q.device)
        self._check("v", v, v_shape, q.device)
        return sizes

    def _output(self, name, tensor, shape, device, dtype=None):
        """`tensor` checked, or a new one (uninitialized) where None."""
        if tensor is None:
            tensor = torch.empty(shape, dtype=dtype or self.dtype,
                                 device=device)
        self._check(name, tensor, shape, device, dtype=dtype)
        return tensor

    def _call(self, function, tensors, batch, seq_len):
        """`function` on the tensors' device pointers, B, T and the current
        stream of the first one's device; raises with sas_last_error()."""
        device = tensors[0].device
        with torch.cuda.device(device):
            stream = torch.cuda.current_stream(device).cuda_stream
            status = function(*[t.data_ptr() for t in tensors], batch,
                              seq_len, stream)
        if status != 0:
            raise RuntimeError(f"{self.path}: "
                               f"{self._lib.sas_last_error().decode()}")

    def _require(self, function, name):
        """Raises where the library predates the entry `name`."""
        if function is None:
            raise RuntimeError(
                f"{self.path}: the library lacks {name}: it predates the "
                "attention backward entries (sas_attention_forward_lse, "
                "sas_attention_backward); rebuild it with sas-run --target "
                "cuda --emit-lib")

    def attention(self, q, k, v, out=None):
        """The layer's attention core alone: softmax(q k^T * scale + mask) v
        per simulated head, q and k [B, T, H', D'], v and the result
        [B, T, H', D]."""
        self._refuse_grad([("q", q), ("k", k), ("v", v)])
        batch, seq_len, _, v_shape, _ = self._check_attention_inputs(q, k, v)
        out = self._output("out", out, v_shape, q.device)
        self._call(self._attention, (q, k, v, out), batch, seq_len)
        return out

    def attention_forward_lse(self, q, k, v, out=None, lse=None):
        """attention(q, k, v) and the log-sum-exp of each query's scores:
        (out [B, T, H', D], lse float32 [B, T, H']) with lse[b, t, n] =
        log(sum_j exp(scale * q[b, t, n] . k[b, j, n])) over the keys j the
        query sees (causal: j <= t), what attention_backward takes; written
        into `out` and `lse` when given (sas_attention_forward_lse)."""
        self._require(self._attention_lse, "sas_attention_forward_lse")
        self._refuse_grad([("q", q), ("k", k), ("v", v)])
        batch, seq_len, _, v_shape, lse_shape = self._check_attention_inputs(
            q, k, v)
        out = self._output("out", out, v_shape, q.device)
        lse = self._output("lse", lse, lse_shape, q.device, torch.float32)
        self._call(self._attention_lse, (q, k, v, out, lse), batch, seq_len)
        return out, lse

    def attention_backward(self, q, k, v, out, lse, d_out, d_q=None,
                           d_k=None, d_v=None):
        """The gradients (d_q, d_k [B, T, H', D'], d_v [B, T, H', D]) of the
        attention core's q, k and v, from its inputs, its output `out` and
        `lse` (attention_forward_lse's) and the output's gradient `d_out`
        [B, T, H', D]; written into d_q, d_k, d_v when given
        (sas_attention_backward). Not recorded by autograd."""
        self._require(self._attention_backward, "sas_attention_backward")
        batch, seq_len, qk_shape, v_shape, lse_shape = \
            self._check_attention_inputs(q, k, v)
        self._check("out", out, v_shape, q.device)
        self._check("lse", lse, lse_shape, q.device, dtype=torch.float32)
        self._check("d_out", d_out, v_shape, q.device)
        d_q = self._output("d_q", d_q, qk_shape, q.device)
        d_k = self._output("d_k", d_k, qk_shape, q.device)
        d_v = self._output("d_v", d_v, v_shape, q.device)
        self._call(self._attention_backward,
                   (q, k, v, out, lse, d_out, d_q, d_k, d_v), batch, seq_len)
        return d_q, d_k, d_v

    def _require_saves(self):
        """Raises where the library has no training step's pair."""
        if not self.saves_attention:
            raise RuntimeError(
                f"{self.path}: this library keeps nothing from the forward ("
                + ("its layer backward: " + self.layer_backward_note
                   if not self.has_layer_backward else
                   "built before sas_layer_forward_save: rebuild it"
                   if self._forward_save is None else
                   "the cost model recomputes the attention at its sizes")
                + "); use __call__ and layer_backward without saved")

    def _saved_shapes(self, q):
        """The shapes of the attention's output and log-sum-exp for q."""
        c = self.config
        o = (q.shape[0], q.shape[1], c["sim_heads"], c["head_dim"])
        return o, o[:3]

    def forward_save(self, q, k, v, state_dict, out=None,
                     attention_out=None, lse=None):
        """A training step's forward: (out, saved), the layer's output as
        __call__ returns it and `saved`, the attention's output [B, T, H',
        D] and its log-sum-exp (float32 [B, T, H']), which
        layer_backward(saved=saved) takes instead of recomputing the
        attention (sas_layer_forward_save); written into the tensors given.
        Not recorded by autograd."""
        self._require_saves()
        self._refuse_grad([("q", q), ("k", k), ("v", v)]
                          + [(f"state_dict['{n}']", t)
                             for n, t in state_dict.items()])
        batch, seq_len, output_shape = self._check_inputs(q, k, v, None, "q")
        pointers = self._parameter_pointers(state_dict, q.device)
        o_shape, lse_shape = self._saved_shapes(q)
        out = self._output("out", out, output_shape, q.device)
        attention_out = self._output("attention_out", attention_out, o_shape,
                                     q.device)
        lse = self._output("lse", lse, lse_shape, q.device, torch.float32)
        device = q.device
        with torch.cuda.device(device):
            stream = torch.cuda.current_stream(device).cuda_stream
            status = self._forward_save(
                q.data_ptr(), k.data_ptr(), v.data_ptr(), pointers,
                out.data_ptr(), attention_out.data_ptr(), lse.data_ptr(),
                batch, seq_len, stream)
        if status != 0:
            raise RuntimeError(f"{self.path}: "
                               f"{self._lib.sas_last_error().decode()}")
        return out, (attention_out, lse)

    def layer_backward(self, q, k, v, state_dict, d_out, d_q=None,
                       d_k=None, d_v=None, d_params=None, saved=None):
        """The gradients of the layer's output for the output's gradient
        `d_out` [B, T, H*D]: (d_q, d_k, d_v, d_params), d_q, d_k, d_v shaped
        like q [B, T, H, D] and d_params a dict from state-dict key to the
        parameter's gradient, all in the library's dtype
        (sas_layer_backward, which recomputes the forward values it needs;
        with `saved`, forward_save's of the same inputs,
        sas_layer_backward_saved, which takes the attention's from it);
        written into d_q, d_k, d_v and d_params' tensors where given.
        Raises RuntimeError with the library's reason where it has no layer
        backward (built without sas-run --backward). Not recorded by
        autograd."""
        if self._layer_backward is None or not self.has_layer_backward:
            raise RuntimeError(f"{self.path}: this library has no layer "
                               f"backward: {self.layer_backward_note}")
        batch, seq_len, output_shape = self._check_inputs(q, k, v, None, "q")
        self._check("d_out", d_out, output_shape, q.device)
        pointers = self._parameter_pointers(state_dict, q.device)
        grads = [self._output(name, given, tuple(q.shape), q.device)
                 for name, given in (("d_q", d_q), ("d_k", d_k),
                                     ("d_v", d_v))]
        given = d_params or {}
        unknown = [n for n in given if n not in dict(self.parameters)]
        if unknown:
            raise KeyError(f"d_params: unknown {unknown}")
        d_params = {name: self._output(f"d_params['{name}']", given.get(name),
                                       shape, q.device)
                    for name, shape in self.parameters}
        d_pointers = (ctypes.c_void_p * len(d_params))(
            *[t.data_ptr() for t in d_params.values()])
        device = q.device
        if saved is not None:
            self._require_saves()
            o_shape, lse_shape = self._saved_shapes(q)
            self._check("saved[0] (the attention's output)", saved[0],
                        o_shape, device)
            self._check("saved[1] (the log-sum-exp)", saved[1], lse_shape,
                        device, dtype=torch.float32)
        with torch.cuda.device(device):
            stream = torch.cuda.current_stream(device).cuda_stream
            if saved is None:
                status = self._layer_backward(
                    q.data_ptr(), k.data_ptr(), v.data_ptr(), pointers,
                    d_out.data_ptr(), *[g.data_ptr() for g in grads],
                    d_pointers, batch, seq_len, stream)
            else:
                status = self._backward_saved(
                    q.data_ptr(), k.data_ptr(), v.data_ptr(), pointers,
                    saved[0].data_ptr(), saved[1].data_ptr(),
                    d_out.data_ptr(), *[g.data_ptr() for g in grads],
                    d_pointers, batch, seq_len, stream)
        if status != 0:
            raise RuntimeError(f"{self.path}: "
                               f"{self._lib.sas_last_error().decode()}")
        return grads[0], grads[1], grads[2], d_params


def load(path):
    """Loads the layer library at `path` (see the module docstring)."""
    return LayerLibrary(path)
