"""Checks and times the layer backward of SAS layer libraries.

Libraries built with `sas-run --target cuda --backward` export
sas_layer_backward: the gradients of q, k, v and the 22 parameters from q,
k, v, the parameters and the output's gradient d_out [B, T, H*D], in the
library's dtype (sas_mlir.cuda's LayerLibrary.layer_backward).

`check` (the training step's pair, sas_layer_forward_save then
sas_layer_backward_saved, where a library has it; sas_layer_backward with
--recompute or where it has not): for every library of
cases.LAYER_BACKWARD_CASES (build_libs.py
--only layer-backward) at every (B, T) of cases.LAYER_BACKWARD_SIZES (and
config 1's shape at cases.LAYER_BACKWARD_LONG), fresh random inputs,
parameters and d_out (seed printed), rounded to the library's dtype; every
gradient buffer poisoned with NaN before the call. The reference is
PyTorch's autograd through sas_mlir.torch_module's module in float64 (the
softmax spelled out), fed the same rounded values, with the tensors a
16-bit layer stores between its steps (the head simulations' S, the
feature simulations' Z, the attention's O) rounded to the library's dtype
on the way, straight through in the backward: a ReLU whose float64
pre-activation is closer to zero than 16-bit rounding of S resolves (seed
11's f16 case: F = 1.9e-4 where |F| reaches 9) takes the side the layer
took, where the unrounded reference flips one token's gradient of k by
more than 3e-2. The log and JSON keep each case's worst error against the
unrounded reference too. Each of the 25
gradients' ||g - ref|| / ||ref||, and PyTorch's own on the same inputs (the
module in the library's dtype, its autograd against the same reference).
A case passes when every gradient is below 3e-2 (issue 22's 16-bit bound),
or else when the worst of ours is no worse than PyTorch's own worst (as
the CPU check's --or-torch-f32: the bias gradients of q and k sum terms
that nearly cancel, and 16-bit rounding of the values they sum is off by
more than 3e-2 in PyTorch too); the log says which. The gradient of k's
last bias is zero by construction (adding one vector to every key shifts
each query's scores by a constant), so its error is taken relative to
the gradient of the weight beside it.

`bench`: the --configs of docs/baselines.md (default config 1: B = 8,
T = 1024; bf16, causal), each on its shape's library, same inputs, medians
of CUDA-event times: the library's training step's pair
(sas_layer_forward_save, then sas_layer_backward_saved, which takes the
attention's output and log-sum-exp instead of recomputing them) against
`torch.compile` of the module's forward + backward and the eager module's;
the backward alone; and sas_layer_forward plus sas_layer_backward (the
forward's values recomputed). Ratios
are PyTorch's time over the library's (> 1: the library is faster). Then
the peak device memory of each forward + backward, everything it keeps
alive included: PyTorch's allocator peak, and for the library also what
its first call takes outside that allocator (its runtime's pool).

`cpu`: the check's cases and rule with the compiler's CPU JIT instead of
a library (SASLayer's autograd on CPU tensors; needs the compiled
extension): whether a GPU result comes from the kernels or from the
lowering both share.

    python3 benchmarks/gpu/layer_backward.py check|bench
        --libs gpu-libs/libs [--json OUT] [--seed N] [--iters N]
        [--cases I ...] [--sizes B,T ...] [--configs N ...]
    PYTHONPATH=build/python_packages .venv/bin/python \
        benchmarks/gpu/layer_backward.py cpu [--cases I ...] [--sizes B,T ...]
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Last: a build's package (with the compiled extension, which the cpu mode
# needs) comes first; the source tree's serves the GPU machine.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "..", "..", "python-bindings"))
import cases  # noqa: E402
import sas_mlir.cuda  # noqa: E402
from attention_backward import rel_error  # noqa: E402
from bench import time_ms  # noqa: E402
from check import random_layer  # noqa: E402
from sas_mlir.torch_module import SASAttention  # noqa: E402

THRESHOLD = 3e-2
DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16}
DEVICE = "cuda"


def make_inputs(case, b, t, seed):
    """check.random_layer's parameters and q, k, v at (b, t), and d_out,
    in the case's storage type on DEVICE."""
    state, qkv = random_layer((b, t) + tuple(case[2:]), seed, DEVICE)
    h, d = case[2], case[3]
    d_out = torch.randn(b, t, h * d, device=DEVICE).to(DTYPES[case[8]])
    return state, qkv, d_out


def round_stored(module, storage):
    """Rounds the tensors a layer of `storage` type keeps between its steps
    (S after each head simulation, Z after each feature simulation, the
    attention's output) to `storage` in `module`'s forward; the backward
    passes their gradients through unchanged."""
    def rounded(x):
        return x + (x.to(storage).to(x.dtype) - x).detach()
    for stream in (module.sas_q, module.sas_k, module.sas_v):
        for step in list(stream)[1::2]:  # each simulation's residual
            step.register_forward_hook(lambda m, i, out: rounded(out))
    module.output_dense.register_forward_pre_hook(
        lambda m, args: (rounded(args[0]),))


def autograd_gradients(case, state, qkv, d_out, dtype, attention,
                       stored=None):
    """PyTorch's gradients of the module in `dtype`: {name: tensor} for q,
    k, v and every state-dict key; with `stored`, round_stored's roundings
    on the way."""
    _, _, h, d, hs, ds, k, causal, _ = case
    module = SASAttention(h, hs, d, ds, k, causal=causal,
                          attention=attention).to(DEVICE, dtype)
    with torch.no_grad():
        module.load_state_dict({n: p.to(dtype) for n, p in state.items()})
    if stored is not None:
        round_stored(module, stored)
    inputs = [x.to(dtype).requires_grad_() for x in qkv]
    params = dict(module.named_parameters())
    with torch.enable_grad():
        out = module(*inputs)
        grads = torch.autograd.grad(out, inputs + list(params.values()),
                                    d_out.to(dtype))
    names = ["q", "k", "v"] + list(params)
    return dict(zip(names, grads))


# Zero by construction: the softmax over keys does not change when every
# key moves by one vector. Measured against the weight gradient beside it.
ZERO_BY_CONSTRUCTION = {"sas_k.3.process.bias": "sas_k.3.process.weight"}


def errors_of(grads, ref):
    return {n: rel_error(grads[n], ref[n],
                         ref.get(ZERO_BY_CONSTRUCTION.get(n)))
            for n in ref}


def library_gradients(layer, recompute=False):
    """The gradients by the library, into buffers poisoned with NaN: a
    training step's pair where the library has it (sas_layer_forward_save,
    its saved values poisoned too, then sas_layer_backward_saved), else or
    with `recompute` sas_layer_backward."""
    saved = layer.saves_attention and not recompute

    def run(state, qkv, d_out):
        nan = float("nan")
        d_q, d_k, d_v = (torch.full_like(qkv[0], nan) for _ in range(3))
        d_params = {n: torch.full_like(p, nan) for n, p in state.items()}
        kept = None
        if saved:
            b, t = qkv[0].shape[:2]
            c = layer.config
            o = torch.full((b, t, c["sim_heads"], c["head_dim"]), nan,
                           dtype=qkv[0].dtype, device=qkv[0].device)
            lse = torch.full((b, t, c["sim_heads"]), nan,
                             dtype=torch.float32, device=qkv[0].device)
            _, kept = layer.forward_save(*qkv, state, attention_out=o,
                                         lse=lse)
        layer.layer_backward(*qkv, state, d_out, d_q, d_k, d_v, d_params,
                             saved=kept)
        torch.cuda.synchronize()
        return {"q": d_q, "k": d_k, "v": d_v, **d_params}
    run.path = "saved" if saved else "recompute"
    return run


def module_gradients(case):
    """The gradients through SASLayer's autograd (torch.ops.sas.layer): on
    CPU tensors by the compiler's JIT (needs the compiled extension), on
    CUDA tensors by a registered layer library."""
    from sas_mlir.torch_ops import SASLayer
    _, _, h, d, hs, ds, k, causal, dtype = case

    def run(state, qkv, d_out):
        layer = SASLayer(h, hs, d, ds, k, causal=causal).to(
            qkv[0].device, DTYPES[dtype])
        layer.load_state_dict(state)
        xs = [x.clone().requires_grad_() for x in qkv]
        with torch.enable_grad():
            layer(*xs).backward(d_out)
        named = dict(layer.named_parameters())
        return {"q": xs[0].grad, "k": xs[1].grad, "v": xs[2].grad,
                **{n: named[n].grad for n in state}}
    return run


def check_one(ours, case, b, t, seed):
    """{gradient: error} of `ours` (library_gradients or module_gradients) and
    of PyTorch's own module in the case's dtype, on the same inputs, against
    the reference with the stored tensors rounded; and ours against the
    unrounded one."""
    state, qkv, d_out = make_inputs(case, b, t, seed)
    grads = ours(state, qkv, d_out)
    storage = DTYPES[case[8]]
    ref = autograd_gradients(case, state, qkv, d_out, torch.float64, "math",
                             stored=storage)
    unrounded = autograd_gradients(case, state, qkv, d_out, torch.float64,
                                   "math")
    theirs = autograd_gradients(case, state, qkv, d_out, storage, "sdpa")
    return (errors_of(grads, ref), errors_of(theirs, ref),
            errors_of(grads, unrounded))


def verdict(errors, torch_errors):
    """"3e-2", "PyTorch" (the worst no worse than PyTorch's own worst) or
    None (failed)."""
    if all(e < THRESHOLD for e in errors.values()):
        return "3e-2"
    if max(errors.values()) <= max(torch_errors.values()):
        return "PyTorch"
    return None


def device_name():
    return torch.cuda.get_device_name() if DEVICE == "cuda" else "CPU JIT"


def check(args):
    seed = args.seed
    print(f"layer_backward.py {args.mode}: seed {seed}, {device_name()}, "
          f"torch {torch.__version__}")
    rows, passed, failed = [], 0, 0
    for index in args.cases or range(len(cases.LAYER_BACKWARD_CASES)):
        case = cases.LAYER_BACKWARD_CASES[index]
        path = os.path.join(args.libs, cases.layer_backward_name(case))
        sizes = list(cases.LAYER_BACKWARD_SIZES)
        if case[2:7] == cases.BENCH_CONFIGS[0][2:]:
            sizes.append(cases.LAYER_BACKWARD_LONG)
        if args.sizes:
            sizes = [tuple(int(x) for x in bt.split(",")) for bt in args.sizes]
        try:
            ours = (module_gradients(case) if args.mode == "cpu"
                    else library_gradients(sas_mlir.cuda.load(path),
                                           args.recompute))
        except Exception as e:
            print(f"FAIL {os.path.basename(path)}: {type(e).__name__}: {e}")
            failed += len(sizes)
            rows.append({"library": os.path.basename(path), "passed": False,
                         "error": f"{type(e).__name__}: {e}"})
            continue
        for b, t in sizes:
            seed += 1
            label = (f"{case[8]:4} {'causal' if case[7] else 'full  '} "
                     f"H={case[2]} D={case[3]} H'={case[4]} D'={case[5]} "
                     f"K={case[6]} B={b} T={t:5}")
            try:
                errors, torch_errors, unrounded = check_one(ours, case, b,
                                                            t, seed)
            except Exception as e:  # report and go on
                print(f"FAIL {label}: {type(e).__name__}: {e}")
                failed += 1
                rows.append({"case": list(case), "b": b, "t": t,
                             "seed": seed, "passed": False,
                             "error": f"{type(e).__name__}: {e}"})
                continue
            how = verdict(errors, torch_errors)
            ok = how is not None
            passed += ok
            failed += not ok
            worst = max(errors, key=errors.get)
            theirs = max(torch_errors, key=torch_errors.get)
            if getattr(ours, "path", None) == "recompute" and \
                    not args.recompute:
                print(f"       {os.path.basename(path)} keeps nothing from "
                      "the forward: sas_layer_backward checked")
            print(f"{'ok  ' if ok else 'FAIL'} {label}: worst "
                  f"{errors[worst]:.2e} (d {worst}); PyTorch's own "
                  f"{case[8]} worst {torch_errors[theirs]:.2e} (d {theirs})"
                  + {"3e-2": "", "PyTorch": "; passes as no worse than "
                     "PyTorch's", None: ""}[how]
                  + f"; unrounded reference: worst "
                  f"{max(unrounded.values()):.2e}")
            for name in sorted(errors, key=errors.get, reverse=True):
                if errors[name] >= THRESHOLD:
                    print(f"       d {name}: {errors[name]:.2e}, PyTorch's "
                          f"own {torch_errors[name]:.2e}")
            rows.append({"case": list(case), "b": b, "t": t, "seed": seed,
                         "path": getattr(ours, "path", "module"),
                         "passed": ok, "verdict": how, "errors": errors,
                         "torch_errors": torch_errors,
                         "unrounded_errors": unrounded})
    print(f"layer_backward.py {args.mode}: {passed} passed, {failed} "
          "failed")
    return {"kind": "layer_backward_check", "seed": args.seed,
            "device": device_name(),
            "torch": torch.__version__, "threshold": THRESHOLD,
            "results": rows, "passed": passed, "failed": failed}


def torch_peak_bytes(run):
    """The most memory PyTorch's allocator holds during `run`."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    run()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated()


def library_peak_bytes(run):
    """torch_peak_bytes of the library's first `run` plus what that run
    takes from the device outside PyTorch's allocator: the runtime's
    memory pool (it keeps its high-water mark, lib/Runtime/CUDA/
    MgpuRuntime.cpp) and the kernels it loads."""
    torch.cuda.synchronize()
    free, reserved = torch.cuda.mem_get_info()[0], torch.cuda.memory_reserved()
    peak = torch_peak_bytes(run)
    grown = torch.cuda.memory_reserved() - reserved
    return peak + free - torch.cuda.mem_get_info()[0] - grown


def bench(args):
    """bench_config for each of --configs; one result a config."""
    return {"kind": "layer_backward_bench", "device":
            torch.cuda.get_device_name(), "torch": torch.__version__,
            "configs": [bench_config(args, c) for c in args.configs]}


def bench_config(args, number):
    b, t, h, d, hs, ds, k = cases.BENCH_CONFIGS[number - 1]
    case = (None, None, h, d, hs, ds, k, True, "bf16")
    layer = sas_mlir.cuda.load(
        os.path.join(args.libs, cases.layer_backward_name(case)))
    state, qkv, d_out = make_inputs(case, b, t, args.seed)
    bf16 = torch.bfloat16
    module = SASAttention(h, hs, d, ds, k, causal=True).to(DEVICE, bf16)
    with torch.no_grad():
        module.load_state_dict(state)
    compiled = torch.compile(module)
    inputs = [x.clone().requires_grad_() for x in qkv]

    def pytorch(fn):
        def run():
            out = fn(*inputs)
            torch.autograd.grad(out, inputs + list(module.parameters()),
                                d_out)
        return run

    out = torch.empty(b, t, h * d, device=DEVICE, dtype=bf16)
    grads = [torch.empty_like(qkv[0]) for _ in range(3)]
    d_params = {n: torch.empty_like(p) for n, p in state.items()}

    def recompute_backward():
        layer.layer_backward(*qkv, state, d_out, *grads, d_params)

    def recompute():
        layer(*qkv, state, out=out)
        recompute_backward()

    # A training step's pair: the forward keeps the attention's output and
    # log-sum-exp, the backward takes them.
    kept = (torch.empty(b, t, hs, d, device=DEVICE, dtype=bf16),
            torch.empty(b, t, hs, device=DEVICE, dtype=torch.float32))

    def ours_backward():
        layer.layer_backward(*qkv, state, d_out, *grads, d_params,
                             saved=kept)

    def ours():
        layer.forward_save(*qkv, state, out=out, attention_out=kept[0],
                           lse=kept[1])
        ours_backward()

    if not layer.saves_attention:
        ours, ours_backward = recompute, recompute_backward

    # Memory first: the library's first call is the one that grows its pool.
    peak = {"sas_mlir_fwd_bwd": library_peak_bytes(ours)}
    for name, fn in (("compiled_fwd_bwd", pytorch(compiled)),
                     ("eager_fwd_bwd", pytorch(module))):
        fn()  # compiles; the peak is a later call's
        peak[name] = torch_peak_bytes(fn)
    ms = {}
    for name, fn in (("sas_mlir_fwd_bwd", ours), ("sas_mlir_bwd",
                                                  ours_backward),
                     ("sas_mlir_recompute_fwd_bwd", recompute),
                     ("compiled_fwd_bwd", pytorch(compiled)),
                     ("eager_fwd_bwd", pytorch(module))):
        ms[name] = time_ms(fn, 3, args.iters)
    base = ms["sas_mlir_fwd_bwd"]
    print(f"layer_backward.py bench: {torch.cuda.get_device_name()}, torch "
          f"{torch.__version__}, bf16, causal, config {number}: B={b} T={t} "
          f"H={h} D={d} "
          f"H'={hs} D'={ds} K={k}, median of {args.iters}")
    for name, value in ms.items():
        print(f"  {name:26} {value:8.3f} ms   this/library fwd+bwd "
              f"{value / base:5.2f}x")
    print("peak device memory of forward + backward (inputs, parameters, "
          "outputs and gradients included):")
    for name, value in peak.items():
        print(f"  {name:26} {value / 2**20:8.1f} MiB  this/library "
              f"{value / peak['sas_mlir_fwd_bwd']:5.2f}x")
    return {"config": number, "shape": [b, t, h, d, hs, ds, k],
            "iters": args.iters, "ms": ms, "peak_bytes": peak}


def main():
    global DEVICE
    parser = cases.check_bench_parser(__doc__, iters=20,
                                      modes=("check", "cpu", "bench"))
    parser.add_argument("--cases", type=int, nargs="+",
                        help="check, cpu: only these cases (indices into "
                             "cases.LAYER_BACKWARD_CASES)")
    parser.add_argument("--sizes", nargs="+", metavar="B,T",
                        help="check, cpu: these (B, T) instead of "
                             "cases.LAYER_BACKWARD_SIZES")
    parser.add_argument("--recompute", action="store_true",
                        help="check: sas_layer_backward (the forward's "
                             "values recomputed) even where the library "
                             "keeps them (sas_layer_forward_save, "
                             "sas_layer_backward_saved)")
    parser.add_argument("--configs", type=int, nargs="+", default=[1],
                        choices=range(1, len(cases.BENCH_CONFIGS) + 1),
                        help="bench: these configurations of "
                             "docs/baselines.md (cases.BENCH_CONFIGS; "
                             "default 1)")
    args = parser.parse_args()
    if args.mode == "cpu":
        DEVICE = "cpu"
    result = bench(args) if args.mode == "bench" else check(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.mode != "bench" and result["failed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
