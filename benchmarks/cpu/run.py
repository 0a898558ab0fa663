#!/usr/bin/env python3
"""CPU benchmark: sas-run against the PyTorch SAS layer (sas_torch.py), same
inputs, same run, same threads.

    /usr/bin/python3 benchmarks/cpu/run.py [--sas-run build/bin/sas-run]

For each configuration prints the median time of each, GFLOP/s (FLOPs by the
formulas of docs/spec.md), the fraction of the sgemm peak measured
here in this run (PyTorch's 2048^3 f32 matmul), the speedup, the relative
difference of the two outputs, and sas-run's peak resident memory next to
what the T x T score matrices of all heads would take (needs GNU time,
Debian's `time` package).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings", "sas_mlir"))
import reference as sas_reference  # noqa: E402
import sas_torch  # noqa: E402


def flops(b, t, h, hs, d, ds, k, causal=True):
    per_token = (3 * 2 * hs * k * d * (h + hs)      # head simulation, q k v
                 + 2 * 2 * hs * ds * (d + ds)        # feature simulation, q k
                 + 2 * (h * d) ** 2)                 # PEAA, reassociated
    keys = t * (t + 1) / 2 if causal else t * t     # (query, key) pairs
    return b * t * per_token + b * keys * 2 * hs * (ds + d)


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def sgemm_gflops(threads, n=2048, repeat=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    ms = timed(lambda: torch.mm(a, b), repeat)
    return 2 * n ** 3 / ms / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sas-run", default="build/bin/sas-run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seqs", default="512,2048")
    ap.add_argument("--json", help="also write the results to this file")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    h, hs, d, ds, k = 12, 24, 64, 128, 3
    peak = sgemm_gflops(a.threads)
    print(f"machine: {os.cpu_count()} cores, torch {torch.__version__} "
          f"({a.threads} threads), sgemm peak measured here: {peak:.1f} GFLOP/s")
    print(f"config: B=1, H={h}, D={d} -> H'={hs}, D'={ds}, K={k}, causal, f32")
    print(f"{'T':>6} {'GFLOP':>7} {'torch ms':>9} {'GFLOP/s':>8} {'%peak':>6} "
          f"{'sas-run ms':>11} {'GFLOP/s':>8} {'%peak':>6} {'speedup':>8} "
          f"{'rel diff':>9} {'sas-run RSS':>12} {'T*T scores':>11}")

    rng = np.random.default_rng()
    results = []
    for t in (int(s) for s in a.seqs.split(",")):
        params = {}
        for name, shape in sas_reference.parameter_shapes(h, hs, d, ds, k).items():
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            params[name] = (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)
        qkv = [rng.standard_normal((1, t, h, d)).astype(np.float32) for _ in range(3)]

        tp = {n: torch.from_numpy(v) for n, v in params.items()}
        tq = [torch.from_numpy(x) for x in qkv]
        with torch.no_grad():
            expected = sas_torch.sas_layer(*tq, tp)
            torch_ms = timed(lambda: sas_torch.sas_layer(*tq, tp), a.repeat)

        with tempfile.TemporaryDirectory() as tmp:
            wdir = os.path.join(tmp, "w")
            os.mkdir(wdir)
            for name, value in params.items():
                np.save(os.path.join(wdir, name + ".npy"), value)
            for label, x in zip("qkv", qkv):
                np.save(os.path.join(tmp, label + ".npy"), x)
            out = os.path.join(tmp, "out.npy")
            cmd = [a.sas_run, "--heads", str(h), "--sim-heads", str(hs),
                   "--head-dim", str(d), "--sim-head-dim", str(ds), "--kernel",
                   str(k), "--weights", wdir, "--q", os.path.join(tmp, "q.npy"),
                   "--k", os.path.join(tmp, "k.npy"), "--v",
                   os.path.join(tmp, "v.npy"), "--out", out, "--threads",
                   str(a.threads), "--repeat", str(a.repeat)]
            # GNU time reports the peak RSS of sas-run itself (a fork's own
            # rusage would include this Python process from before exec).
            rss_file = os.path.join(tmp, "rss")
            run = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file]
                                 + cmd, capture_output=True, text=True,
                                 check=True)
            with open(rss_file) as f:
                rss_mb = int(f.read().split()[-1]) / 1024
            sas_ms = float(run.stdout.split("median ")[1].split(" ms")[0])
            got = np.load(out)

        # The MHA layer SAS replaces (same B, T, H, D): causal attention and
        # the output dense layer, for the time-vs-FLOPs comparison.
        mha_w = torch.from_numpy(params["output_dense.weight"])
        mha_b = torch.from_numpy(params["output_dense.bias"])
        with torch.no_grad():
            mha_ms = timed(lambda: torch.nn.functional.linear(
                sas_torch.attention(*tq, True, 1.0 / np.sqrt(d)).reshape(1, t, h * d),
                mha_w, mha_b), a.repeat)

        diff = np.linalg.norm(got - expected.numpy()) / np.linalg.norm(expected.numpy())
        gf = flops(1, t, h, hs, d, ds, k) / 1e9
        scores_mb = t * t * hs * 4 / 2 ** 20
        print(f"{t:>6} {gf:>7.2f} {torch_ms:>9.1f} {gf / torch_ms * 1e3:>8.1f} "
              f"{gf / torch_ms * 1e3 / peak:>6.0%} {sas_ms:>11.1f} "
              f"{gf / sas_ms * 1e3:>8.1f} {gf / sas_ms * 1e3 / peak:>6.0%} "
              f"{torch_ms / sas_ms:>7.2f}x {diff:>9.1e} {rss_mb:>9.0f} MB "
              f"{scores_mb:>8.0f} MB")
        results.append({"batch": 1, "seq_len": t, "heads": h, "sim_heads": hs,
                        "head_dim": d, "sim_head_dim": ds, "kernel": k,
                        "gflop": gf, "torch_sas_ms": torch_ms,
                        "sas_run_ms": sas_ms, "torch_mha_ms": mha_ms,
                        "sgemm_gflops": peak, "rel_diff": float(diff),
                        "sas_run_rss_mb": rss_mb})
        print(f"{'':>6} PyTorch MHA (same B, T, H, D): {mha_ms:.1f} ms")
    if a.json:
        import json
        import platform
        with open(a.json, "w") as f:
            model = platform.machine()
            with open("/proc/cpuinfo") as cpuinfo:
                for line in cpuinfo:
                    if line.startswith("model name"):
                        model = line.split(":", 1)[1].strip()
                        break
            json.dump({"date": time.strftime("%Y-%m-%d"),
                       "machine": f"{model}, {os.cpu_count()} cores",
                       "torch": torch.__version__, "threads": a.threads,
                       "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
