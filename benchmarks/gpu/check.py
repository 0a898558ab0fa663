"""Checks SAS layer libraries on the GPU against a float64 reference.

For every case of cases.check_cases() (K, G, D', T, B, causal, dtype), on
the library built for its B and T and on the one that takes any:
fresh random inputs and weights (seed printed), the reference module of
sas_mlir.torch_module in float64 with the softmax spelled out (attention="math")
and PEAA literal, fed the same values the library gets (rounded to its
dtype), the output poisoned with NaN before the library runs, and
||out - ref|| / ||ref|| against docs/testing.md's thresholds (f32
1e-5, f16/bf16 2e-2). Needs PyTorch and a GPU, not MLIR.

    python3 benchmarks/gpu/check.py --libs gpu-libs/libs [--json OUT]
        [--sweep | --extra] [--limit N] [--seed N]

With --sweep: the shapes of issue 21's sweep (cases.SWEEP_CASES) instead,
each on its own library only (build_libs.py --only sweep builds them for
their B and T; sweep.py checks and times the same shapes).
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import cases  # noqa: E402
import sas_mlir.cuda  # noqa: E402
from sas_mlir.torch_module import SASAttention  # noqa: E402

THRESHOLDS = {"f32": 1e-5, "f16": 2e-2, "bf16": 2e-2}
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def random_layer(case, seed, device="cuda"):
    """The case's parameters and q, k, v, in its storage type, on `device`,
    from `seed`. The parameters are the module's initialization doubled:
    the biases are zero-free already (uniform init), and the residual
    branches then matter as much as the main ones."""
    b, t, h, d, hs, ds, k, causal, dtype = case
    torch.manual_seed(seed)
    module = SASAttention(h, hs, d, ds, k, causal=causal)
    storage = DTYPES[dtype]
    state = {n: (2.0 * p.detach()).to(device, storage).contiguous()
             for n, p in module.state_dict().items()}
    qkv = [torch.randn(b, t, h, d, device=device).to(storage)
           for _ in range(3)]
    return state, qkv


def make_case(case, seed):
    """The parameters and q, k, v in the case's storage type
    (random_layer), and the float64 reference module's output on them."""
    b, t, h, d, hs, ds, k, causal, dtype = case
    state, qkv = random_layer(case, seed)
    ref_module = SASAttention(h, hs, d, ds, k, causal=causal,
                              attention="math").to("cuda", torch.float64)
    with torch.no_grad():
        ref_module.load_state_dict({n: p.double() for n, p in state.items()})
        ref = ref_module(*[x.double() for x in qkv])
    return state, qkv, ref


def pytorch_error(case, seed, dtype):
    """PyTorch's own relative error on the case's inputs: the reference
    module run in `dtype` ("bf16", "f16" or "f32") against the float64
    reference. Tells a library that loses precision from inputs on which
    the storage type itself misses the threshold."""
    b, t, h, d, hs, ds, k, causal, _ = case
    state, qkv, ref = make_case(case, seed)
    type_ = DTYPES[dtype]
    module = SASAttention(h, hs, d, ds, k, causal=causal).to("cuda", type_)
    with torch.no_grad():
        module.load_state_dict({n: p.to(type_) for n, p in state.items()})
        out = module(*[x.to(type_) for x in qkv]).double()
    return float((out - ref).norm() / ref.norm())


def run_case(libs, case, seed, any_size=True):
    """Relative errors of the case's library (built for its B and T) and,
    with any_size, of the one that takes any B and T, on one case."""
    b, t, h, d, hs, ds, k, causal, dtype = case
    storage = DTYPES[dtype]
    state, qkv, ref = make_case(case, seed)
    errors = []
    for lib in (case, cases.any_size(case)) if any_size else (case,):
        layer = sas_mlir.cuda.load(os.path.join(libs, cases.lib_name(*lib)))
        out = torch.full((b, t, h * d), float("nan"), dtype=storage,
                         device="cuda")
        layer(*qkv, state, out=out)
        torch.cuda.synchronize()
        out64 = out.double()
        finite = bool(torch.isfinite(out64).all())
        errors.append(float((out64 - ref).norm() / ref.norm())
                      if finite else float("inf"))
    return errors


def check_case(libs, case, seed, any_size=True):
    """(error, passed, message) of one case: the largest relative error of
    run_case against the dtype's threshold. A library that fails to load
    or launch is a failure (error None), not an exception."""
    dtype = case[8]
    try:
        errors = run_case(libs, case, seed, any_size)
        error = max(errors)
        ok = error < THRESHOLDS[dtype]
        message = f"rel. error {errors[0]:.2e} (built for B, T)"
        if any_size:
            message += f", {errors[1]:.2e} (any B, T)"
        if not ok and dtype != "f32":
            # Still a failure; says whether the storage type itself
            # misses the threshold on these inputs.
            message += (f"; PyTorch's own {dtype} module: "
                        f"{pytorch_error(case, seed, dtype):.2e}")
    except Exception as e:  # report and go on with the other cases
        error, ok, message = None, False, f"{type(e).__name__}: {e}"
    return error, ok, message


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--json")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--limit", type=int,
                        help="check only the first N cases")
    parser.add_argument("--extra", action="store_true",
                        help="check only cases.EXTRA_CHECK_CASES (small: "
                        "for compute-sanitizer)")
    parser.add_argument("--sweep", action="store_true",
                        help="check only cases.SWEEP_CASES (issue 21's "
                        "shape sweep), each on its own library")
    parser.add_argument("--dtype", choices=("bf16", "f16", "f32"),
                        help="check only the cases of this storage type")
    args = parser.parse_args()
    print(f"check.py: seed {args.seed}, {torch.cuda.get_device_name()}, "
          f"torch {torch.__version__}", flush=True)
    results, failures = [], 0
    if args.sweep:
        todo = cases.SWEEP_CASES
    elif args.extra:
        todo = cases.EXTRA_CHECK_CASES
    else:
        todo = list(cases.check_cases())
    if args.dtype:
        todo = [case for case in todo if case[8] == args.dtype]
    for i, case in enumerate(todo[:args.limit]):
        b, t, h, d, hs, ds, k, causal, dtype = case
        # The sweep's shapes have no library for any B and T.
        error, ok, message = check_case(args.libs, case, args.seed + i,
                                        any_size=not args.sweep)
        if args.sweep:  # H and D vary over the sweep: name them
            message = f"H={h} D={d} {message}"
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} K={k} G={hs // h} D'={ds} T={t} "
              f"B={b} {'causal' if causal else 'full  '} {dtype:4s} "
              f"{message}", flush=True)
        results.append(dict(kernel=k, groups=hs // h, sim_head_dim=ds,
                            seq_len=t, batch=b, causal=causal, dtype=dtype,
                            heads=h, head_dim=d,
                            error=error, passed=ok, seed=args.seed + i))
    print(f"check.py: {len(results) - failures} passed, {failures} failed")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(seed=args.seed, device=torch.cuda.get_device_name(),
                           results=results), f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
