"""Where a layer library spends its time: per-kernel GPU times of one call,
from PyTorch's profiler (CUPTI sees the driver-API launches of the library).

    python3 benchmarks/gpu/kernel_profile.py --libs gpu-libs/libs
        [--config N] [--json OUT] [--backward] [--top N]

Each kernel is printed next to its two floors: its FLOPs (docs/spec.md)
at the bf16 tensor-core rate and its compulsory bytes (inputs read once,
results written once; weights not counted) at the copy bandwidth, both as
measured on the H200 (the device README's KINDS.md: 790 TFLOP/s for an
8192^3 bf16 matrix product, 4.3 TB/s for a device-to-device copy). The
kernels of a bf16 layer are named <function>_<head_sim|feature_sim|
attention_mma|attention_wgmma|peaa>_<n>; kernels that sas-gpu-map-to-launch made from linalg
(f32, sizes the kernels do not take) have no floors.
"""

import argparse
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import cases  # noqa: E402
import sas_mlir.cuda  # noqa: E402
from flops import attention_backward_flops  # noqa: E402
from sas_mlir.torch_module import SASAttention  # noqa: E402


TENSOR_TFLOPS = 790.0
COPY_TBPS = 4.3


def kernel_floors(name, b, t, h, d, hs, ds, k, causal):
    """(FLOPs, bytes) of one launch of the kernel called `name`, or None."""
    n = b * t  # tokens
    keys = (t + 1) / 2 if causal else t
    if "head_sim" in name:
        return 2 * n * hs * k * d * (h + hs), 2 * n * d * (h + hs)
    if "feature_sim" in name:
        return 2 * n * hs * ds * (d + ds), 2 * n * hs * (d + ds)
    if "attention_grad" in name:
        # q k^T again, d_o v^T, p^T d_o, dA k and dA^T q; q, k, v, o, d_o
        # read and d_q, d_k, d_v written.
        return (attention_backward_flops(b, t, hs, ds, d, causal),
                2 * n * hs * (4 * ds + 4 * d))
    if "attention" in name:
        return (2 * n * keys * hs * (ds + d),
                2 * n * hs * (2 * ds + 2 * d))
    if "peaa" in name:
        # The reassociated form: one dense layer on the mean of the groups.
        return 2 * n * (h * d) ** 2, 2 * n * (hs * d + h * d)
    return None


def profile(libs, case, runs, backward=False, top=None):
    """Per-kernel times of one call of the case's library, with floors;
    with `backward`, of a training step of its *_backward.so library."""
    b, t, h, d, hs, ds, k, causal, dtype = case
    dev, bf16 = torch.device("cuda"), torch.bfloat16
    module = SASAttention(h, hs, d, ds, k, causal=causal).to(dev, bf16)
    state = {n: p.detach().contiguous() for n, p in module.state_dict().items()}
    q, kk, v = (torch.randn(b, t, h, d, device=dev, dtype=bf16)
                for _ in range(3))
    if backward:
        layer = sas_mlir.cuda.load(os.path.join(
            libs, cases.layer_backward_name((None, None) + tuple(case[2:]))))
        d_out = torch.randn(b, t, h * d, device=dev, dtype=bf16)
        grads = [torch.empty_like(q) for _ in range(3)]
        d_params = {n: torch.empty_like(p) for n, p in state.items()}

        if layer.saves_attention:
            # A training step: the forward that saves, the backward that
            # takes what it saved.
            out = torch.empty_like(d_out)

            def call():
                _, saved = layer.forward_save(q, kk, v, state, out)
                layer.layer_backward(q, kk, v, state, d_out, *grads,
                                     d_params, saved=saved)
        else:
            def call():
                layer.layer_backward(q, kk, v, state, d_out, *grads,
                                     d_params)
    else:
        layer = sas_mlir.cuda.load(os.path.join(libs, cases.lib_name(*case)))

        def call():
            layer(q, kk, v, state)
    call()
    torch.cuda.synchronize()
    with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(runs):
            call()
        torch.cuda.synchronize()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        prof.export_chrome_trace(path)
        events = json.load(open(path))["traceEvents"]
    launches = sorted((e for e in events if e.get("cat") == "kernel"),
                      key=lambda e: e["ts"])
    per_call = len(launches) // runs
    kernels = {}
    for i, e in enumerate(launches):
        entry = kernels.setdefault(i % per_call, dict(
            position=i % per_call, name=e["name"], us=0.0,
            grid=e.get("args", {}).get("grid"),
            block=e.get("args", {}).get("block"),
            shared=e.get("args", {}).get("shared memory")))
        entry["us"] += e["dur"] / runs
    rows = sorted(kernels.values(), key=lambda r: -r["us"])
    total = sum(r["us"] for r in rows)
    print(f"profile.py: B={b} T={t} H={h} D={d} -> H'={hs} D'={ds} K={k}"
          f"{' backward' if backward else ''}, {len(rows)} kernels, "
          f"{total / 1e3:.3f} ms of kernel time per call")
    floor_total = 0.0
    for r in rows[:top] if top else rows:
        floors = kernel_floors(r["name"], *case[:8])
        text = ""
        if floors:
            flops, nbytes = floors
            r["flop_floor_us"] = flops / (TENSOR_TFLOPS * 1e6)
            r["byte_floor_us"] = nbytes / (COPY_TBPS * 1e6)
            floor = max(r["flop_floor_us"], r["byte_floor_us"])
            floor_total += floor
            text = (f"  floors: {r['flop_floor_us']:7.1f} us FLOPs, "
                    f"{r['byte_floor_us']:6.1f} us bytes; "
                    f"{r['us'] / floor:5.1f}x the larger")
        print(f"  {r['us'] / 1e3:9.3f} ms {100 * r['us'] / total:5.1f}%  "
              f"{r['name']:28s} grid {r['grid']} block {r['block']} "
              f"shared {r['shared']}{text}")
    if top and len(rows) > top:
        rest = rows[top:]
        print(f"  {sum(r['us'] for r in rest) / 1e3:9.3f} ms in the other "
              f"{len(rest)} kernels")
    if floor_total:
        print(f"  sum of the floors: {floor_total / 1e3:.3f} ms "
              f"({total / floor_total:.1f}x of it spent)")
    return dict(case=case, total_us=total, floor_us=floor_total,
                kernels=rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--config", type=int, default=0,
                        help="index into cases.BENCH_CONFIGS, or -1: all")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backward", action="store_true",
                        help="profile a training step of the config's "
                             "backward library (build_libs.py --only "
                             "layer-backward): sas_layer_forward_save and "
                             "sas_layer_backward_saved where it has them, "
                             "else sas_layer_backward")
    parser.add_argument("--top", type=int,
                        help="print only the N slowest kernels")
    parser.add_argument("--json")
    args = parser.parse_args()
    configs = list(cases.bench_cases())
    chosen = configs if args.config < 0 else [configs[args.config]]
    results = [profile(args.libs, case, args.runs, args.backward, args.top)
               for case in chosen]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results if args.config < 0 else results[0], f, indent=1)


if __name__ == "__main__":
    main()
