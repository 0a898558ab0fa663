#!/usr/bin/env python3
"""CPU benchmark against the real peers (issue 24): the SAS layer of
GPT-2 small (H = 12, D = 64 -> H' = 24, D' = 128, K = 3, causal, f32,
B = 1) at each T, run by

  eager              the official module (sas_mlir.torch_module's
                     SASAttention, SDPA attention) under this PyTorch
  compile            torch.compile of it (Inductor, default mode)
  max-autotune       torch.compile(mode="max-autotune-no-cudagraphs")
  iree-sdpa          IREE llvm-cpu (host CPU) of the module exported by
                     iree-turbine
  iree-math          the same with the softmax spelled out (the module's
                     attention="math")
  sas-mlir           SAS-MLIR's Python bindings (sas_mlir.compile)
  mha                plain attention of the same B, T, H, D (SDPA and a
                     dense layer), what SAS replaces

with the same weights and inputs, each checked first against the module
in float64 (relative error printed; a system off by more than 1e-4 is
reported and not timed). Rounds are interleaved: each round times every
system once, in a fresh order; medians and minimums over the rounds (a
system whose call takes over 5 s runs only three rounds). Records the CPU
model, its vector ISA, the thread count and the peers' versions.

    PYTHONPATH=build/python_packages .venv/bin/python benchmarks/cpu/peers.py
        [--lengths 512 2048] [--rounds 9] [--threads 2]
        [--systems NAME ...] [--json OUT]

Needs PyTorch >= 2.4 and, for the IREE columns, iree-base-compiler,
iree-base-runtime and iree-turbine (scripts/torch-venv.sh --cpu-peers);
without them those columns are skipped, saying why.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(HERE, "..", "..", "python-bindings"))
import sas_mlir  # noqa: E402
from sas_mlir.torch_module import SASAttention  # noqa: E402

H, HS, D, DS, K = 12, 24, 64, 128, 3
SYSTEMS = ("eager", "compile", "max-autotune", "iree-sdpa", "iree-math",
           "sas-mlir", "mha")
TOLERANCE = 1e-4


def cpu_info():
    model, flags = platform.processor(), ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and not model.strip():
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line
    except OSError:
        pass
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")
           if f" {f}" in flags]
    return dict(model=model, isa=isa)


class MHA(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.out = torch.nn.Linear(H * D, H * D)

    def forward(self, q, k, v):
        b, t = q.shape[:2]
        o = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
            is_causal=True)
        return self.out(o.transpose(1, 2).reshape(b, t, H * D))


def iree_runner(module, inputs, threads):
    """IREE llvm-cpu for the host CPU: the module exported by iree-turbine,
    compiled once, run on the local-task driver with `threads` workers."""
    from iree import compiler, runtime
    from iree.turbine import aot
    exported = aot.export(module, args=tuple(inputs))
    vmfb = compiler.compile_str(
        str(exported.mlir_module), target_backends=["llvm-cpu"],
        extra_args=["--iree-llvmcpu-target-cpu=host"])
    runtime.flags.parse_flags(f"--task_topology_max_group_count={threads}")
    config = runtime.Config("local-task")
    vm = runtime.load_vm_module(
        runtime.VmModule.copy_buffer(config.vm_instance, vmfb), config)
    arrays = [x.numpy() for x in inputs]

    def run():
        return torch.from_numpy(np.asarray(vm.main(*arrays).to_host()))
    return run


def make_systems(names, inputs, state, threads):
    """{name: callable returning the output} and {name: why skipped}."""
    systems, skipped = {}, {}
    official = SASAttention(H, HS, D, DS, K).eval()
    official.load_state_dict(state)
    spelled = SASAttention(H, HS, D, DS, K, attention="math").eval()
    spelled.load_state_dict(state)
    for name in names:
        try:
            if name == "eager":
                systems[name] = lambda: official(*inputs)
            elif name == "compile":
                f = torch.compile(official)
                systems[name] = lambda f=f: f(*inputs)
            elif name == "max-autotune":
                f = torch.compile(official,
                                  mode="max-autotune-no-cudagraphs")
                systems[name] = lambda f=f: f(*inputs)
            elif name == "iree-sdpa":
                systems[name] = iree_runner(official, inputs, threads)
            elif name == "iree-math":
                systems[name] = iree_runner(spelled, inputs, threads)
            elif name == "sas-mlir":
                layer = sas_mlir.compile(sas_mlir.LayerConfig(
                    H, HS, D, DS, K))
                weights = {n: p.numpy() for n, p in state.items()}
                arrays = [x.numpy() for x in inputs]
                systems[name] = lambda: torch.from_numpy(
                    layer(*arrays, weights))
            elif name == "mha":
                mha = MHA().eval()
                systems[name] = lambda: mha(*inputs)
        except Exception as e:  # a peer that is not installed or fails
            skipped[name] = f"{type(e).__name__}: {str(e)[:300]}"
    return systems, skipped


def measure(t, args, seed):
    torch.manual_seed(seed)
    module = SASAttention(H, HS, D, DS, K)
    state = {n: p.detach().clone() for n, p in module.state_dict().items()}
    inputs = [torch.randn(1, t, H, D) for _ in range(3)]
    reference = SASAttention(H, HS, D, DS, K, attention="math").double()
    reference.load_state_dict({n: p.double() for n, p in state.items()})
    with torch.no_grad():
        want = reference(*[x.double() for x in inputs])
        systems, skipped = make_systems(args.systems, inputs, state,
                                        args.threads)
        errors, first = {}, {}
        for name, run in list(systems.items()):
            start = time.perf_counter()
            out = run()  # compiles where the system compiles on first use
            first[name] = time.perf_counter() - start
            if name == "mha":
                continue  # another layer: nothing to compare with
            errors[name] = float((out.double() - want).norm() / want.norm())
            if not errors[name] < TOLERANCE:
                skipped[name] = f"relative error {errors[name]:.2e}"
                del systems[name]
        times = {name: [] for name in systems}
        for r in range(args.rounds):
            order = list(systems)
            random.Random(seed + r).shuffle(order)
            for name in order:
                if r >= 3 and times[name] and min(times[name]) > 5000:
                    continue
                start = time.perf_counter()
                systems[name]()
                times[name].append((time.perf_counter() - start) * 1e3)
    return dict(t=t, errors=errors, skipped=skipped,
                first_call_s=first,
                median_ms={n: statistics.median(v) for n, v in times.items()},
                min_ms={n: min(v) for n, v in times.items()},
                rounds={n: len(v) for n, v in times.items()})


def versions():
    out = dict(torch=torch.__version__, python=platform.python_version())
    for name, module in (("iree-base-compiler", "iree.compiler"),
                         ("iree-base-runtime", "iree.runtime"),
                         ("iree-turbine", "iree.turbine")):
        try:
            from importlib.metadata import version
            __import__(module)
            out[name] = version(name)
        except Exception:
            out[name] = None
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+",
                        default=[512, 2048])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS),
                        choices=SYSTEMS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    info = dict(cpu=cpu_info(), threads=args.threads, versions=versions(),
                config=dict(B=1, H=H, D=D, sim_heads=HS, sim_head_dim=DS,
                            K=K, causal=True, dtype="f32"))
    print(f"peers.py: {info['cpu']['model']} ({', '.join(info['cpu']['isa'])}"
          f"), {args.threads} threads, " + ", ".join(
              f"{k} {v}" for k, v in info["versions"].items() if v))
    results = []
    for t in args.lengths:
        r = measure(t, args, args.seed + t)
        results.append(r)
        base = r["median_ms"].get("sas-mlir")
        print(f"T = {t}:")
        for name in args.systems:
            if name in r["skipped"]:
                print(f"  {name:13} skipped: {r['skipped'][name]}")
                continue
            med, low = r["median_ms"][name], r["min_ms"][name]
            err = r["errors"].get(name)
            ratio = f"{med / base:5.2f}x sas-mlir's time" if base else ""
            print(f"  {name:13} median {med:9.1f} ms, min {low:9.1f} ms "
                  f"({r['rounds'][name]} rounds)  {ratio}  "
                  + (f"rel. error {err:.1e}" if err is not None else
                     "(another layer)"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(info, kind="cpu_peers", results=results), f,
                      indent=1)


if __name__ == "__main__":
    main()
