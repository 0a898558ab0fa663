"""Checks torch.ops.sas.layer, layer_backward, layer_train and
layer_backward_saved on CUDA (the layer
libraries of build_libs.py --only layer-backward, registered with
sas_mlir.torch_ops.use_cuda_library), where PyTorch users train:

- SASLayer (the drop-in module) in bf16 on CUDA: forward and backward
  through autograd (sas.layer_train and sas.layer_backward_saved), every gradient (q, k, v and the 22 parameters) against
  PyTorch's autograd through the official module in float64, by
  layer_backward.py's reference (the stored tensors rounded to bf16) and
  rule (3e-2, or no worse than PyTorch's own bf16);
- torch.library.opcheck of the four ops on CUDA tensors (schema, fake
  tensor, autograd registration, aot dispatch dynamic);
- torch.compile(fullgraph=True) of a model using SASLayer with a dynamic
  length: no graph break, one compile for two lengths;
- torch.export.export of it, and the exported program run;
- a call with no matching library raises, naming the sas-run command.

    python3 benchmarks/gpu/torch_ops_cuda.py --libs gpu-libs/lb/libs [--seed N]

Prints one line a check and exits 1 if any fails. Needs PyTorch >= 2.4 and
a GPU, not MLIR.
"""

import argparse
import os
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import cases  # noqa: E402
from layer_backward import (check_one, make_inputs,  # noqa: E402
                            module_gradients, verdict)
from sas_mlir import PARAMETER_NAMES  # noqa: E402
from sas_mlir.torch_ops import SASLayer, use_cuda_library  # noqa: E402

CASE = (None, None, 2, 48, 4, 96, 3, True, "bf16")


def sizes(case):
    return case[2:8]


def module(case, state):
    h, d, hs, ds, k, causal = sizes(case)
    layer = SASLayer(h, hs, d, ds, k, causal=causal).to("cuda",
                                                        torch.bfloat16)
    layer.load_state_dict(state)
    return layer


def check_gradients(seed):
    errors, torch_errors, unrounded = check_one(module_gradients(CASE), CASE,
                                                2, 37, seed)
    worst = max(errors, key=errors.get)
    assert verdict(errors, torch_errors), (
        f"d {worst}: {errors[worst]:.2e}, PyTorch's own bf16 worst "
        f"{max(torch_errors.values()):.2e}")
    return (f"worst of 25 gradients {errors[worst]:.2e} (d {worst}), "
            f"PyTorch's own bf16 worst {max(torch_errors.values()):.2e}, "
            f"against the unrounded reference {max(unrounded.values()):.2e}")


def op_args(seed):
    state, qkv, d_out = make_inputs(CASE, 2, 17, seed)
    params = [state[n] for n in PARAMETER_NAMES]
    return qkv, params, d_out


def check_opcheck(seed):
    (q, k, v), params, d_out = op_args(seed)
    h, d, hs, ds, kk, causal = sizes(CASE)
    args = (q, k, v, [p.clone().requires_grad_() for p in params], h, hs, d,
            ds, kk, causal, None)
    torch.library.opcheck(torch.ops.sas.layer, args)
    torch.library.opcheck(torch.ops.sas.layer_backward,
                          (q, k, v, params, d_out, h, hs, d, ds, kk, causal,
                           None))
    torch.library.opcheck(torch.ops.sas.layer_train, args)
    _, attention_out, lse = torch.ops.sas.layer_train(
        q, k, v, params, h, hs, d, ds, kk, causal, None)
    torch.library.opcheck(torch.ops.sas.layer_backward_saved,
                          (q, k, v, params, attention_out, lse, d_out, h, hs,
                           d, ds, kk, causal, None))
    return ("sas.layer, sas.layer_backward, sas.layer_train and "
            "sas.layer_backward_saved")


class Model(torch.nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, q, k, v):
        return self.layer(q, k, v).float().square().mean()


def check_compile(seed):
    state, _, _ = make_inputs(CASE, 1, 1, seed)
    model = Model(module(CASE, state))
    compiles = []

    def backend(gm, example_inputs):
        compiles.append(gm)
        return gm.forward

    compiled = torch.compile(model, backend=backend, fullgraph=True)
    for t in (17, 33):
        _, qkv, _ = make_inputs(CASE, 2, t, seed)
        xs = [x.clone().requires_grad_() for x in qkv]
        for x in xs:
            torch._dynamo.mark_dynamic(x, 1)
        compiled(*xs).backward()
        assert xs[0].grad is not None and bool(torch.isfinite(
            xs[0].grad.float()).all()), "no finite gradient of q"
    assert len(compiles) == 1, f"{len(compiles)} compiles for two lengths"
    return "fullgraph, one compile for T = 17 and 33, gradients finite"


def check_export(seed):
    state, qkv, _ = make_inputs(CASE, 2, 17, seed)
    layer = module(CASE, state)
    length = torch.export.Dim("T", min=2, max=4096)
    program = torch.export.export(
        layer, tuple(qkv), dynamic_shapes=({1: length},) * 3)
    _, qkv2, _ = make_inputs(CASE, 2, 40, seed)
    out = program.module()(*qkv2)
    with torch.no_grad():
        ref = layer(*qkv2)
    assert torch.equal(out, ref), "the exported program differs"
    return "exported at T = 17, run at T = 40, equal to the module"


def check_missing(seed):
    state, qkv, _ = make_inputs(CASE, 2, 17, seed)
    h, d, hs, ds, k, causal = sizes(CASE)
    params = [state[n] for n in PARAMETER_NAMES]
    try:
        torch.ops.sas.layer(*qkv, params, h, hs, d, ds, k, not causal, None)
    except RuntimeError as e:
        assert "sas-run --target cuda --emit-lib" in str(e), str(e)
        return str(e).split(".")[0]
    raise AssertionError("no error for a layer no library was built for")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    use_cuda_library(os.path.join(args.libs, cases.layer_backward_name(CASE)))
    print(f"torch_ops_cuda.py: seed {args.seed}, "
          f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    failed = 0
    for name, check in (("gradients", check_gradients),
                        ("opcheck", check_opcheck),
                        ("compile", check_compile),
                        ("export", check_export),
                        ("missing library", check_missing)):
        try:
            print(f"ok   {name}: {check(args.seed)}")
        except Exception as e:  # report and go on
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=3)
    print(f"torch_ops_cuda.py: {5 - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
