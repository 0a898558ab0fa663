"""The host's time per call of a SAS layer on CUDA, at each level of the
call path, on shapes so small that the GPU never holds the host back:

  c_entry      the library's C entry alone (ctypes, pointers made once):
               its launches and temporaries
  library      sas_mlir.cuda.LayerLibrary (argument checks, outputs)
  torch_op     torch.ops.sas.layer_train / layer_backward_saved, eager
  autograd     SASLayer forward + backward through autograd, eager

training_profile.py gives the whole step's wall and kernel time beside it.

    python3 benchmarks/gpu/op_overhead.py --libs LIB.so [--json OUT]
"""

import argparse
import ctypes
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "..", "python-bindings"))


def per_call_us(fn, calls=200):
    """Host microseconds a call, the GPU drained before and after."""
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    host = (time.perf_counter() - start) / calls * 1e6
    torch.cuda.synchronize()
    return host


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libs", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()
    from sas_mlir.torch_ops import PARAMETER_NAMES, SASLayer, use_cuda_library
    library = use_cuda_library(args.libs)[0]
    c = library.config
    h, hs, d, ds, kernel = (c["heads"], c["sim_heads"], c["head_dim"],
                            c["sim_head_dim"], c["kernel"])
    batch, seq_len = 1, 16
    dev, dtype = torch.device("cuda"), torch.bfloat16
    torch.manual_seed(0)
    layer = SASLayer(h, hs, d, ds, kernel).to(dev, dtype)
    q, k, v = (torch.randn(batch, seq_len, h, d, device=dev, dtype=dtype)
               for _ in range(3))
    state = {n: p.detach() for n, p in layer.named_parameters()}
    params = [state[n] for n in PARAMETER_NAMES]
    out, (o, lse) = library.forward_save(q, k, v, state)
    d_out = torch.randn_like(out)
    d_q, d_k, d_v, d_params = library.layer_backward(q, k, v, state, d_out,
                                                     saved=(o, lse))
    pointers = library._parameter_pointers(state, dev)
    d_pointers = (ctypes.c_void_p * len(d_params))(
        *[t.data_ptr() for t in d_params.values()])
    stream = torch.cuda.current_stream().cuda_stream
    p = [t.data_ptr() for t in (q, k, v, out, o, lse, d_out, d_q, d_k, d_v)]
    sizes = (h, hs, d, ds, kernel, True, None)
    results = {}
    results["c_entry"] = {
        "forward_save": per_call_us(lambda: library._forward_save(
            p[0], p[1], p[2], pointers, p[3], p[4], p[5], batch, seq_len,
            stream)),
        "backward_saved": per_call_us(lambda: library._backward_saved(
            p[0], p[1], p[2], pointers, p[4], p[5], p[6], p[7], p[8], p[9],
            d_pointers, batch, seq_len, stream))}
    results["library"] = {
        "forward_save": per_call_us(lambda: library.forward_save(
            q, k, v, state)),
        "backward_saved": per_call_us(lambda: library.layer_backward(
            q, k, v, state, d_out, saved=(o, lse)))}
    results["torch_op"] = {
        "forward_save": per_call_us(lambda: torch.ops.sas.layer_train(
            q, k, v, params, *sizes)),
        "backward_saved": per_call_us(
            lambda: torch.ops.sas.layer_backward_saved(
                q, k, v, params, o, lse, d_out, *sizes))}
    qg = q.clone().requires_grad_()

    def step():
        layer(qg, k, v).backward(d_out)
    results["autograd"] = {"forward_backward": per_call_us(step, 100)}
    for level, calls in results.items():
        print(f"{level:10s} " + ", ".join(
            f"{name} {us:7.1f} us" for name, us in calls.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kind": "op_overhead", "batch": batch,
                       "seq_len": seq_len, "us_per_call": results}, f,
                      indent=1)


if __name__ == "__main__":
    main()
