"""Where a training step of examples/train_tiny_lm.py spends its time: the
step's wall time, the GPU's kernel time inside it, and how the kernel time
splits between the SAS layers and the rest of the model.

    python3 benchmarks/gpu/training_profile.py --attention sas_mlir \\
        --libs LIB.so [--steps 3] [--json OUT] [train_tiny_lm.py flags]

A step whose wall time is well above its kernel time is bound by the host
(launches, Python, synchronization), not by the GPU. Kernels are grouped
by who launched them: SAS-MLIR's layers (inside torch.ops.sas.layer and
sas.layer_backward) and the rest (embeddings, norms, dense layers, MLPs,
the loss, the optimizer; for the official module and MHA, everything).
"""

import json
import os
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
import train_tiny_lm  # noqa: E402


def main():
    argv = sys.argv[1:]
    steps, out = 3, None
    if "--steps" in argv:
        i = argv.index("--steps")
        steps = int(argv[i + 1])
        del argv[i:i + 2]
    if "--json" in argv:
        i = argv.index("--json")
        out = argv[i + 1]
        del argv[i:i + 2]
    args = train_tiny_lm.parse(argv + ["--device", "cuda", "--dtype", "bf16",
                                       "--compile"])
    if args.libs:
        from sas_mlir.torch_ops import use_cuda_library
        for path in args.libs:
            use_cuda_library(path)
    device = torch.device("cuda")
    model = train_tiny_lm.build_model(args).to(device, torch.bfloat16)
    compiled = train_tiny_lm.compile_model(model, args)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    data = train_tiny_lm.batches(args, train_tiny_lm.corpus())

    def step():
        x, y = (train_tiny_lm.to_device(t, device) for t in next(data))
        train_tiny_lm.mark_step(args)
        loss = F.cross_entropy(compiled(x).float().view(-1, 256),
                               y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(10):
        step()
    torch.cuda.synchronize()
    # Wall time with and without a host synchronization per step (the
    # example reads each step's loss, which waits for the step).
    timed = {}
    for name, sync in (("synchronized", True), ("unsynchronized", False)):
        start = time.perf_counter()
        for _ in range(20):
            loss = step()
            if sync:
                loss.item()
        torch.cuda.synchronize()
        timed[name] = (time.perf_counter() - start) / 20 * 1e3
    with torch.profiler.profile(activities=[
            torch.profiler.ProfilerActivity.CPU,
            torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(steps):
            step().item()
        torch.cuda.synchronize()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        prof.export_chrome_trace(path)
        events = json.load(open(path))["traceEvents"]
    kernels = [e for e in events if e.get("cat") == "kernel"]
    # The SAS ops' host spans: a kernel belongs to the op whose span holds
    # its launch (the runtime call with the same correlation id).
    sas_spans = [(e["ts"], e["ts"] + e["dur"]) for e in events
                 if e.get("cat") == "cpu_op"
                 and e.get("name", "").startswith("sas::")]
    launch_ts = {e["args"]["correlation"]: e["ts"] for e in events
                 if e.get("cat") == "cuda_runtime" or
                 e.get("cat") == "cuda_driver"}
    groups, names = {"sas": 0.0, "rest": 0.0}, {}
    for e in kernels:
        t = launch_ts.get(e.get("args", {}).get("correlation"))
        inside = t is not None and any(a <= t <= b for a, b in sas_spans)
        groups["sas" if inside else "rest"] += e["dur"] / steps
        names[e["name"]] = names.get(e["name"], 0.0) + e["dur"] / steps
    host_sas = sum(b - a for a, b in sas_spans) / steps
    result = {
        "kind": "training_profile", "attention": args.attention,
        "compile_mode": args.compile_mode, "batch": args.batch,
        "seq_len": args.seq_len, "layers": args.layers,
        "wall_ms_per_step": timed, "kernels_per_step": len(kernels) / steps,
        "kernel_ms_per_step": {k: v / 1e3 for k, v in groups.items()},
        "sas_ops_host_ms_per_step": host_sas / 1e3,
        "top_kernels_us_per_step": dict(sorted(
            names.items(), key=lambda kv: -kv[1])[:25])}
    print(f"{args.attention} ({args.compile_mode}): wall "
          f"{timed['synchronized']:.2f} ms a step "
          f"({timed['unsynchronized']:.2f} ms without the per-step "
          f"synchronization); kernel time {sum(groups.values()) / 1e3:.2f} "
          f"ms in {len(kernels) / steps:.0f} kernels: sas ops "
          f"{groups['sas'] / 1e3:.2f} ms, the rest {groups['rest'] / 1e3:.2f}"
          f" ms; the sas ops' host spans {host_sas / 1e3:.2f} ms")
    for name, us in result["top_kernels_us_per_step"].items():
        print(f"  {us:9.1f} us  {name[:100]}")
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
