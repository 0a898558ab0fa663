"""Where a layer library spends its time: per-kernel GPU times of one call,
from PyTorch's profiler (CUPTI sees the driver-API launches of the library).

    python3 benchmarks/gpu/kernel_profile.py --libs gpu-libs/libs
        [--config N] [--json OUT]

Kernels are named by sas-gpu-map-to-launch in the order of the host code:
sas_layer_device_blocks_<n> is the attention kernel (a 3-D grid of query
blocks, heads and batch, 128 threads a block), sas_layer_device_loop_<n> the
per-token kernels (one thread per output element).
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
from sas_mlir.torch_module import SASAttention  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--config", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()
    case = list(cases.bench_cases())[args.config]
    b, t, h, d, hs, ds, k, causal, dtype = case
    dev, bf16 = torch.device("cuda"), torch.bfloat16
    module = SASAttention(h, hs, d, ds, k, causal=causal).to(dev, bf16)
    state = {n: p.detach().contiguous() for n, p in module.state_dict().items()}
    q, kk, v = (torch.randn(b, t, h, d, device=dev, dtype=bf16)
                for _ in range(3))
    layer = sas_mlir.cuda.load(os.path.join(args.libs, cases.lib_name(*case)))
    layer(q, kk, v, state)
    torch.cuda.synchronize()
    with torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(args.runs):
            layer(q, kk, v, state)
        torch.cuda.synchronize()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        prof.export_chrome_trace(path)
        events = json.load(open(path))["traceEvents"]
    launches = sorted((e for e in events if e.get("cat") == "kernel"),
                      key=lambda e: e["ts"])
    per_call = len(launches) // args.runs
    kernels = {}
    for i, e in enumerate(launches):
        entry = kernels.setdefault(i % per_call, dict(
            position=i % per_call, name=e["name"], us=0.0,
            grid=e.get("args", {}).get("grid"),
            block=e.get("args", {}).get("block"),
            shared=e.get("args", {}).get("shared memory")))
        entry["us"] += e["dur"] / args.runs
    rows = sorted(kernels.values(), key=lambda r: -r["us"])
    total = sum(r["us"] for r in rows)
    print(f"profile.py: B={b} T={t} H={h} D={d} -> H'={hs} D'={ds} K={k}, "
          f"{len(rows)} kernels, {total / 1e3:.3f} ms of kernel time per call")
    for r in rows:
        print(f"  {r['us'] / 1e3:9.3f} ms {100 * r['us'] / total:5.1f}%  "
              f"{r['name']:28s} grid {r['grid']} block {r['block']} "
              f"shared {r['shared']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(case=case, total_us=total, kernels=rows), f,
                      indent=1)


if __name__ == "__main__":
    main()
