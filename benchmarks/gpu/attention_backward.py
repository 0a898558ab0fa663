"""Checks and times the attention backward of SAS layer libraries.

Each 16-bit library exports sas_attention_forward_lse (the attention core,
q, k [B, T, H', D'] and v [B, T, H', D], with the log-sum-exp of each
query's scaled, masked scores, float32 [B, T, H']) and
sas_attention_backward (d_q, d_k [B, T, H', D'] and d_v [B, T, H', D]
from q, k, v, the output, the log-sum-exp and d_out); f32 libraries and
head sizes without a backward kernel refuse the call, saying why.

`check`: for every 16-bit library of cases.attention_libraries() (f32 ones
are skipped, said once) and every T of cases.ATTENTION_LENGTHS and B of
cases.ATTENTION_BATCHES (a library built for one B and T: those), fresh
random q, k, v, d_out (seed printed), every output poisoned with NaN:
attention_forward_lse, then attention_backward, against a float64
reference with the softmax spelled out (torch.autograd.grad for d_q, d_k,
d_v; logsumexp of the masked, scaled scores for the log-sum-exp).
||x - ref|| / ||ref|| of out, d_q, d_k, d_v below 3e-2 and of the
log-sum-exp (f32) below 1e-3 (||x - ref|| where the reference is zero: the
q and k gradients at T = 1, where a softmax over one key has none).
Beside each gradient, PyTorch's own error on the same inputs: SDPA in the
16-bit dtype, its autograd gradients against the same reference. A call
the library refuses is a failure, with its message.

`bench`: on the benchmark configs (cases.bench_libraries(), bf16, causal)
at their B and T, same inputs, medians of CUDA-event times: the library's
backward alone (sas_attention_backward) against SDPA's (its forward run
once, torch.autograd.grad timed), and the library's forward_lse + backward
against SDPA's forward + backward. Ratios are SDPA's time over the
library's (> 1: the library is faster); TFLOP/s count the causal triangle
with its diagonal as attention.py does, 2 B H' T keys (D' + D) for the
forward and 2 B H' T keys (3 D' + 2 D) for the backward (S recomputed, dP,
dV, dQ, dK).

    python3 benchmarks/gpu/attention_backward.py check|bench
        --libs gpu-libs/libs [--json OUT] [--seed N] [--filter PARTS]
        [--iters N] [--q-scale S]
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import cases  # noqa: E402
import sas_mlir.cuda  # noqa: E402
from attention import DTYPES, selected  # noqa: E402
from bench import sdpa_backend, time_ms  # noqa: E402
from flops import attention_backward_flops, attention_flops  # noqa: E402

THRESHOLD = 3e-2      # out and the gradients (bf16, f16)
LSE_THRESHOLD = 1e-3  # the log-sum-exp (f32)
GRADIENTS = ("dq", "dk", "dv")
DEVICE = "cuda"


def device_name():
    return (torch.cuda.get_device_name() if torch.cuda.is_available()
            else "no CUDA device")


def reference(q, k, v, d_out, causal, scale):
    """float64 attention ([B, T, N, E] layout, softmax spelled out) and its
    gradients: {out, lse [B, T, N], dq, dk, dv}."""
    with torch.enable_grad():
        q, k, v = (x.double().requires_grad_() for x in (q, k, v))
        s = q.transpose(1, 2) @ k.transpose(1, 2).transpose(-1, -2) * scale
        if causal:
            t, n = s.shape[-2:]
            mask = torch.ones(t, n, dtype=torch.bool,
                              device=s.device).triu(1)
            s = s.masked_fill(mask, float("-inf"))
        p = torch.softmax(s, dim=-1)
        out = (p @ v.transpose(1, 2)).transpose(1, 2)
        dq, dk, dv = torch.autograd.grad(out, (q, k, v), d_out.double())
    return dict(out=out.detach(),
                lse=torch.logsumexp(s.detach(), dim=-1).transpose(1, 2),
                dq=dq, dk=dk, dv=dv)


def leaves(*tensors):
    """Copies of `tensors` that autograd differentiates SDPA for."""
    return [x.detach().clone().requires_grad_() for x in tensors]


def sdpa(qkv, causal, scale):
    """SDPA on [B, T, N, E] tensors through their [B, N, T, E] views (what
    it reads: no copies); its output is [B, N, T, F]."""
    return F.scaled_dot_product_attention(
        *(x.transpose(1, 2) for x in qkv), is_causal=causal, scale=scale)


def sdpa_gradients(q, k, v, d_out, causal, scale):
    """PyTorch's own {dq, dk, dv} in the inputs' dtype ([B, T, N, E])."""
    with torch.enable_grad():
        qkv = leaves(q, k, v)
        grads = torch.autograd.grad(sdpa(qkv, causal, scale), qkv,
                                    d_out.transpose(1, 2))
    return dict(zip(GRADIENTS, grads))


def rel_error(x, ref, scale=None):
    """||x - ref|| / ||ref|| (||x - ref|| where ref is zero), inf where an
    element of x is not finite; with `scale`, relative to ||scale||
    instead."""
    x = x.double()
    if not bool(torch.isfinite(x).all()):
        return float("inf")
    norm = float((ref if scale is None else scale).double().norm())
    return float((x - ref.double()).norm()) / (norm if norm > 0 else 1.0)


def inputs(c, b, t, seed, q_scale=2.0):
    """Fresh random q, k, v, d_out of the library's sizes and dtype; q's
    entries have standard deviation `q_scale`."""
    storage = DTYPES[c["dtype"]]
    generator = torch.Generator(device=DEVICE).manual_seed(seed)
    hs, ds, d = c["sim_heads"], c["sim_head_dim"], c["head_dim"]

    def randn(*shape, factor=1.0):
        return (torch.randn(*shape, device=DEVICE, generator=generator)
                * factor).to(storage)
    # Scores of a few units by default: a softmax that is neither flat nor
    # one-hot (--q-scale sharpens it).
    return (randn(b, t, hs, ds, factor=q_scale), randn(b, t, hs, ds),
            randn(b, t, hs, d), randn(b, t, hs, d))


def poisoned(shape, dtype):
    return torch.full(shape, float("nan"), dtype=dtype, device=DEVICE)


def backward_errors(layer, b, t, seed, q_scale=2.0):
    """The relative errors of the library's forward_lse and backward at
    (b, t) against reference(), fresh random inputs from `seed`, every
    output poisoned with NaN first; and SDPA's gradient errors on the same
    inputs (None where SDPA refuses them)."""
    c = layer.config
    q, k, v, d_out = inputs(c, b, t, seed, q_scale)
    storage = q.dtype
    hs, ds, d = c["sim_heads"], c["sim_head_dim"], c["head_dim"]
    out = poisoned((b, t, hs, d), storage)
    lse = poisoned((b, t, hs), torch.float32)
    dq, dk = (poisoned((b, t, hs, ds), storage) for _ in range(2))
    dv = poisoned((b, t, hs, d), storage)
    layer.attention_forward_lse(q, k, v, out=out, lse=lse)
    layer.attention_backward(q, k, v, out, lse, d_out, d_q=dq, d_k=dk,
                             d_v=dv)
    if torch.cuda.is_available():
        torch.cuda.synchronize()  # an asynchronous failure: this case's
    ref = reference(q, k, v, d_out, c["causal"], c["scale"])
    ours = dict(out=out, lse=lse, dq=dq, dk=dk, dv=dv)
    errors = {n: rel_error(x, ref[n]) for n, x in ours.items()}
    try:
        theirs = sdpa_gradients(q, k, v, d_out, c["causal"], c["scale"])
        sdpa_errors = {n: rel_error(theirs[n], ref[n]) for n in GRADIENTS}
        sdpa_errors["dk_sum"] = key_sum_error(theirs["dk"], ref["dk"])
    except RuntimeError:  # no SDPA backend takes these sizes
        sdpa_errors = {n: None for n in GRADIENTS + ("dk_sum",)}
    errors["dk_sum"] = key_sum_error(dk, ref["dk"])
    return errors, sdpa_errors


def key_sum_error(dk, ref):
    """||sum over keys of dk|| / ||dk_ref||, per batch element, head and
    feature: zero in exact arithmetic (each row of dA sums to zero), and
    what a SAS layer's k-side bias gradients add up. Reported, not a pass
    criterion."""
    return float(dk.double().sum(dim=1).norm()) / float(ref.double().norm())


def passes(errors):
    return (errors["lse"] < LSE_THRESHOLD
            and all(errors[n] < THRESHOLD for n in ("out",) + GRADIENTS))


def short(e):
    return "n/a" if e is None else f"{e:.1e}"


def check_libraries(args):
    """(path, chip) of the 16-bit libraries to check; says once how many
    f32 ones it skips."""
    chosen = [c for c in cases.attention_libraries() if selected(args, c)]
    skipped = [c for c in chosen if c[8] == "f32"]
    if skipped:
        print(f"skipping {len(skipped)} f32 libraries: the backward entries "
              "are 16-bit only", flush=True)
    return [(os.path.join(args.libs, cases.lib_name(*c)), c[9])
            for c in chosen if c[8] != "f32"]


def check(args):
    print(f"attention_backward.py check: seed {args.seed}, {device_name()}, "
          f"torch {torch.__version__}", flush=True)
    results, failures, i = [], 0, 0
    for path, tag in check_libraries(args):
        layer = sas_mlir.cuda.load(path)
        c = layer.config
        causal, dtype = c["causal"], c["dtype"]
        hs, ds, d = c["sim_heads"], c["sim_head_dim"], c["head_dim"]
        shapes = ([(c["batch"], c["seq_len"])] if c.get("batch") else
                  [(b, t) for b in args.batches or cases.ATTENTION_BATCHES
                   for t in args.lengths or cases.ATTENTION_LENGTHS])
        for b, t in shapes:
            seed = args.seed + i
            i += 1
            case = dict(chip=tag, dtype=dtype, causal=causal, sim_heads=hs,
                        sim_head_dim=ds, head_dim=d, batch=b, seq_len=t)
            head = (f"{tag:6s} {dtype:4s} {'causal' if causal else 'full  '}"
                    f" H'={hs} D'={ds} D={d} B={b} T={t:5d}")
            try:
                errors, sdpa_errors = backward_errors(layer, b, t, seed,
                                                      args.q_scale)
            except RuntimeError as e:  # refused (no kernel) or failed
                message = str(e).replace(path, os.path.basename(path))
                failures += 1
                print(f"FAIL {head} {type(e).__name__}: {message}",
                      flush=True)
                results.append(dict(case, error=None, passed=False,
                                    failure=message, seed=seed))
                continue
            ok = passes(errors)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {head} rel. error "
                  + " ".join(f"{n} {short(e)}" for n, e in errors.items())
                  + "; SDPA " + " ".join(f"{n} {short(sdpa_errors[n])}"
                                         for n in GRADIENTS + ("dk_sum",)),
                  flush=True)
            results.append(dict(
                case, errors=errors, sdpa_errors=sdpa_errors,
                error=max(errors[n] for n in ("out",) + GRADIENTS),
                passed=ok, seed=seed))
    print(f"attention_backward.py check: {len(results) - failures} passed, "
          f"{failures} failed")
    return results, failures


def part(run):
    """What a run of time_backward times: "bwd" or "fwd_bwd"."""
    return run.removeprefix("sas_mlir_").removeprefix("sdpa_")


def time_backward(layer, b, t, iters, warmup=5):
    """The library's backward alone and forward_lse + backward against
    SDPA's, same inputs, at (b, t): medians (ms) of sas_mlir_bwd,
    sdpa_bwd, sas_mlir_fwd_bwd, sdpa_fwd_bwd; TFLOP/s; ratios of bwd and
    fwd_bwd (SDPA's time over the library's); the relative difference of
    each of the library's out, dq, dk, dv from SDPA's; the backend SDPA
    picked."""
    c = layer.config
    causal, scale = c["causal"], c["scale"]
    q, k, v, d_out = inputs(c, b, t, 0)
    out, lse = layer.attention_forward_lse(q, k, v)
    grads = layer.attention_backward(q, k, v, out, lse, d_out)
    d_out_t = d_out.transpose(1, 2)  # SDPA's output layout
    qkv = leaves(q, k, v)
    with torch.enable_grad():
        sdpa_out = sdpa(qkv, causal, scale)
        theirs = torch.autograd.grad(sdpa_out, qkv, d_out_t,
                                     retain_graph=True)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    diff = {n: float((x.double() - y.double()).norm() / y.double().norm())
            for n, x, y in zip(("out",) + GRADIENTS, (out,) + grads,
                               (sdpa_out.detach().transpose(1, 2),)
                               + theirs)}
    runs = {
        "sas_mlir_bwd": lambda: layer.attention_backward(
            q, k, v, out, lse, d_out, *grads),
        "sdpa_bwd": lambda: torch.autograd.grad(sdpa_out, qkv, d_out_t,
                                                retain_graph=True),
        "sas_mlir_fwd_bwd": lambda: layer.attention_backward(
            q, k, v, *layer.attention_forward_lse(q, k, v, out, lse), d_out,
            *grads),
        "sdpa_fwd_bwd": lambda: torch.autograd.grad(
            sdpa(qkv, causal, scale), qkv, d_out_t),
    }
    with torch.enable_grad():
        ms = {n: time_ms(fn, warmup, iters) for n, fn in runs.items()}
    sizes = (b, t, c["sim_heads"], c["sim_head_dim"], c["head_dim"], causal)
    bwd = attention_backward_flops(*sizes)
    flop = dict(bwd=bwd, fwd_bwd=attention_flops(*sizes) + bwd)
    tflops = {n: flop[part(n)] / (m * 1e-3) / 1e12 for n, m in ms.items()}
    ratio = {p: ms[f"sdpa_{p}"] / ms[f"sas_mlir_{p}"] for p in flop}
    backend = sdpa_backend(*(x.transpose(1, 2) for x in qkv), causal, scale)
    return dict(ms=ms, tflops=tflops,
                gflop={p: x / 1e9 for p, x in flop.items()}, ratio=ratio,
                rel_diff_vs_sdpa=diff, sdpa_backend=backend)


def bench(args):
    print(f"attention_backward.py bench: {device_name()}, torch "
          f"{torch.__version__}, bf16, causal, median of {args.iters}",
          flush=True)
    results, failures = [], 0
    paths = [os.path.join(args.libs, cases.lib_name(*c))
             for c in cases.bench_libraries() if selected(args, c)]
    for path in paths:
        layer = sas_mlir.cuda.load(path)
        c = layer.config
        b, t, hs, ds, d = (c["batch"], c["seq_len"], c["sim_heads"],
                           c["sim_head_dim"], c["head_dim"])
        chip = f"{c['chip']} {os.path.basename(path)}"
        head = f"{chip} B={b} T={t} H'={hs} D'={ds} D={d}"
        case = dict(chip=chip, batch=b, seq_len=t, sim_heads=hs,
                    sim_head_dim=ds, head_dim=d)
        try:
            r = time_backward(layer, b, t, args.iters)
        except RuntimeError as e:
            message = str(e).replace(path, os.path.basename(path))
            failures += 1
            print(f"FAIL {head}: {type(e).__name__}: {message}", flush=True)
            results.append(dict(case, failure=message))
            continue
        ms, tf, ratio = r["ms"], r["tflops"], r["ratio"]
        print(f"{head}: " + "; ".join(
            f"{p} sas_mlir {ms['sas_mlir_' + p]:.3f} ms "
            f"{tf['sas_mlir_' + p]:.0f} TFLOP/s, sdpa {ms['sdpa_' + p]:.3f} "
            f"ms {tf['sdpa_' + p]:.0f} TFLOP/s, sdpa/ours {ratio[p]:.2f}"
            for p in ("bwd", "fwd_bwd"))
            + " (rel. diff " + " ".join(
                f"{n} {x:.1e}" for n, x in r["rel_diff_vs_sdpa"].items())
            + f"; SDPA backend {r['sdpa_backend']})", flush=True)
        results.append(dict(case, **r))
    return results, failures


def main():
    parser = cases.check_bench_parser(__doc__, iters=30)
    parser.add_argument("--q-scale", type=float, default=2.0,
                        help="check: the standard deviation of q's entries "
                             "(larger: sharper softmax)")
    parser.add_argument("--lengths", type=int, nargs="+",
                        help="check these T instead of "
                        "cases.ATTENTION_LENGTHS (a short run, e.g. under "
                        "compute-sanitizer)")
    parser.add_argument("--batches", type=int, nargs="+",
                        help="check these B instead of cases.ATTENTION_BATCHES")
    parser.add_argument("--filter", help="only libraries whose file name, "
                        "followed by @chip, contains each comma-separated "
                        "part")
    args = parser.parse_args()
    results, failures = (check if args.mode == "check" else bench)(args)
    if args.json:
        backends = sorted({r["sdpa_backend"] for r in results
                           if "sdpa_backend" in r})
        with open(args.json, "w") as f:
            json.dump(dict(kind=f"backward_{args.mode}",
                           device=device_name(), torch=torch.__version__,
                           seed=args.seed, iters=args.iters,
                           sdpa_backend=", ".join(backends) or None,
                           passed=len(results) - failures, failed=failures,
                           results=results), f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
