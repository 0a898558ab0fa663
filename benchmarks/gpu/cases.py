"""The layer libraries the GPU check and benchmark use, by name.

build_libs.py writes them on the build machine (sas-run --target cuda);
check.py and bench.py load them on the GPU machine. Needs only Python.
"""

import argparse
import itertools
import time

# The check matrix of issue 6: K in {1, 3}, G in {1, 2}, D' in {D, 2D},
# T in {37, 1024}, B in {1, 2}, causal and not, three dtypes. H and D are
# small and D is not a multiple of the tile sizes.
CHECK_HEADS, CHECK_HEAD_DIM = 2, 48

# docs/baselines.md: B, T, H, D, H', D', K (causal, bf16).
BENCH_CONFIGS = [
    (8, 1024, 12, 64, 24, 128, 3),
    (4, 4096, 12, 64, 24, 128, 3),
    (4, 2048, 16, 64, 32, 128, 3),
    (2, 4096, 32, 64, 64, 128, 3),
    (4, 4096, 12, 64, 24, 64, 3),
]


def lib_name(b, t, h, d, sim_heads, sim_head_dim, kernel, causal, dtype,
             chip="sm_90a"):
    """b and t are None for a library that takes any B and T. Libraries
    for the default chip (sm_90a) carry no chip in their name."""
    return (f"sas_b{b or 'any'}_t{t or 'any'}_h{h}_d{d}_hs{sim_heads}"
            f"_ds{sim_head_dim}_k{kernel}_{'causal' if causal else 'full'}"
            f"_{dtype}{'' if chip == 'sm_90a' else '_' + chip}.so")


def any_size(case):
    """The case's library that takes any B and T."""
    return (None, None) + tuple(case[2:])


# Shapes the matrix above does not reach in the per-token kernels: heads
# padded to 16 (H = 12, H' = 24) as in the benchmark configs, H' = 64 (two
# warps share a token's positions in head simulation), K = 5, D = 64 (and
# with it the sm_90a feature simulation and PEAA, which need multiples of
# 64: D = 128 is two swizzled panels; B * T * H' = 20 rows leaves later row
# tiles of a block wholly past the end; T = 1; G = 1).
EXTRA_CHECK_CASES = [
    (2, 37, 12, 64, 24, 128, 3, True, "bf16"),
    (1, 100, 12, 64, 24, 64, 5, False, "f16"),
    (2, 37, 4, 64, 64, 64, 3, True, "bf16"),
    (1, 65, 32, 64, 64, 128, 3, True, "bf16"),
    (1, 50, 4, 128, 8, 128, 1, False, "f16"),
    (1, 5, 2, 64, 4, 64, 3, True, "bf16"),
    (3, 1, 2, 64, 4, 128, 3, True, "bf16"),
    (2, 33, 4, 64, 4, 128, 1, False, "bf16"),
    # Exactly 48 KiB of dynamic shared memory in the mma.sync attention
    # (E = 64, F = 112: 2 stages of 64 keys of padded k and v rows) next to
    # the kernel's own static bytes: the launch must opt in.
    (1, 100, 6, 112, 24, 64, 1, True, "f16"),
    (2, 37, 4, 112, 12, 64, 7, True, "bf16"),
    # Three head groups (G = 3): the sm_90a PEAA ring takes two stages, its
    # three default ones do not fit a block's shared memory.
    (2, 37, 12, 64, 36, 128, 3, True, "bf16"),
    # Not causal, built for a T that is a multiple of the sm_90a kernel's
    # 64 keys: wrong before its key and query counts were made opaque
    # (docs/perf-log/gpu-shapes.md).
    (1, 1024, 4, 64, 8, 128, 1, False, "bf16"),
]


def check_cases():
    """(b, t, h, d, sim_heads, sim_head_dim, kernel, causal, dtype)."""
    h, d = CHECK_HEADS, CHECK_HEAD_DIM
    for kernel, g, dsim, t, b, causal, dtype in itertools.product(
            (1, 3), (1, 2), (d, 2 * d), (37, 1024), (1, 2), (True, False),
            ("bf16", "f16", "f32")):
        yield (b, t, h, d, g * h, dsim, kernel, causal, dtype)
    yield from EXTRA_CHECK_CASES


def check_libraries():
    """Every library check.py loads: one per case, and one for any B and T
    per configuration (each case runs on both)."""
    cases, seen = [], set()
    for case in check_cases():
        cases.append(case)
        if any_size(case) not in seen:
            seen.add(any_size(case))
            cases.append(any_size(case))
    return cases


def bench_cases():
    for b, t, h, d, hs, ds, k in BENCH_CONFIGS:
        yield (b, t, h, d, hs, ds, k, True, "bf16")


# The attention core alone (each library's sas_attention_forward): sequence
# lengths that are not multiples of any tile (and T = 1), several B, with
# the mma.sync kernel compiled for sm_90 and for sm_90a (an sm_80 cubin does
# not load on the H200: the libraries carry no PTX to recompile). Shapes:
# (H, D, H', D') of the benchmark configs and of the check matrix (D = 48:
# a head size that is a multiple of 16 but not of 32).
ATTENTION_SHAPES = [(12, 64, 24, 128), (12, 64, 24, 64), (2, 48, 4, 96),
                    (2, 48, 2, 48)]
ATTENTION_LENGTHS = [1, 17, 64, 100, 1000, 1031]
ATTENTION_BATCHES = [1, 3]


def attention_libraries():
    """(b, t, h, d, sim_heads, sim_head_dim, kernel, causal, dtype, chip)
    of the any-size libraries attention.py checks."""
    for (h, d, hs, ds), causal, dtype, chip in itertools.product(
            ATTENTION_SHAPES, (True, False), ("bf16", "f16"),
            ("sm_90", "sm_90a")):
        yield (None, None, h, d, hs, ds, 1, causal, dtype, chip)


def target_libraries():
    """One small layer for each chip (target_check.py): a library refuses a
    device its cubins do not run on, naming both."""
    for chip in ("sm_80", "sm_90", "sm_90a"):
        yield (2, 37, 2, 64, 4, 64, 3, True, "bf16", chip)


# The layer backward (sas-run --backward; layer_backward.py): any-size
# libraries, each checked at every (B, T) of LAYER_BACKWARD_SIZES: G = H'/H
# from 1 to 4, K from 1 to 7, D' > D and D' < D, causal and not, bf16 and
# f16, and config 1's shape (also at T = 8192, and timed at its B, T).
LAYER_BACKWARD_CASES = [
    (None, None, 2, 48, 4, 96, 3, True, "bf16"),
    (None, None, 2, 48, 4, 96, 3, True, "f16"),
    (None, None, 1, 64, 4, 64, 7, False, "bf16"),
    (None, None, 2, 64, 2, 32, 5, True, "bf16"),
    (None, None, 3, 32, 9, 48, 1, False, "f16"),
    (None, None, 12, 64, 24, 128, 3, True, "bf16"),
    # f16 on the feature simulations' and PEAA's tensor-core gradients
    # (D, D' and W multiples of 32): the cases above in f16 are not.
    (None, None, 4, 32, 8, 64, 3, True, "f16"),
]
LAYER_BACKWARD_SIZES = [(1, 1), (2, 17), (1, 100), (2, 300)]
LAYER_BACKWARD_LONG = (1, 8192)  # on config 1's shape only


# The layer of examples/train_tiny_lm.py's defaults (6 heads of 64
# simulated as 12 of D' = 128, K = 3), with the backward, any B and T: the
# library its --libs takes on the GPU (run_on_gpu.sh training).
TRAINING_CASE = (None, None, 6, 64, 12, 128, 3, True, "bf16")


# The benchmark configs' shapes with the backward (layer_backward.py bench
# --configs), any B and T; config 2 shares config 1's shape (case 5 above).
LAYER_BACKWARD_BENCH_CASES = [
    (None, None, h, d, hs, ds, k, True, "bf16")
    for _, _, h, d, hs, ds, k in BENCH_CONFIGS[2:]]


def layer_backward_name(case):
    """The file of a layer library built with the backward."""
    return lib_name(*case).replace(".so", "_backward.so")


def bench_libraries():
    """The benchmark configs' libraries (sm_90a)."""
    for case in bench_cases():
        yield case + ("sm_90a",)


# The tiling sweeps of docs/perf.md (attention.py bench --dir): (name,
# B, T, H, D, H', D', sas-gpu-pipeline options, chip) on configs 1, 2 and
# 5, for the sm_90a kernel and (sm_90) the mma.sync one.
def tiling_variants():
    sweeps = {
        "c1": (BENCH_CONFIGS[0], ["16 4 64 2", "32 4 64 2", "16 2 64 2"]),
        "c2": (BENCH_CONFIGS[1], ["16 4 64 2", "32 4 64 2", "16 4 32 3",
                                  "16 4 64 3", "16 8 64 2", "32 4 32 3",
                                  "16 2 64 2"]),
        "c5": (BENCH_CONFIGS[4], ["16 4 64 2", "32 4 64 2", "32 4 64 3",
                                  "32 8 64 2", "32 4 128 2", "32 2 64 2"]),
    }
    # The sm_90a (wgmma) kernel: warps (4: one warpgroup, 64 query rows; 8:
    # two), stages and keys a step (64 unless named).
    for tag, config in (("c1", BENCH_CONFIGS[0]), ("c2", BENCH_CONFIGS[1]),
                        ("c5", BENCH_CONFIGS[4])):
        b, t, h, d, hs, ds, _ = config
        for warps, stages, keys in ((8, 2, 64), (4, 2, 64), (8, 3, 64),
                                    (4, 3, 64), (8, 2, 128), (4, 2, 128)):
            name = f"{tag}_wgmma_w{warps}_s{stages}"
            if keys != 64:
                name += f"_k{keys}"
            yield (f"{name}.so", b, t, h, d, hs, ds,
                   f"wgmma-warps={warps} mma-stages={stages} "
                   f"wgmma-key-tile={keys}", "sm_90a")
    for tag, ((b, t, h, d, hs, ds, _), tilings) in sweeps.items():
        for tiling in tilings:
            rows, warps, keys, stages = tiling.split()
            yield (f"{tag}_r{rows}_w{warps}_k{keys}_s{stages}_sm_90.so",
                   b, t, h, d, hs, ds,
                   f"mma-warp-rows={rows} mma-warps={warps} "
                   f"mma-key-tile={keys} mma-stages={stages}", "sm_90")


# The shape sweep of issue 21 (sweep.py): shapes nobody tuned for. Every
# axis of the dialect: H from 1 to 32, D from 32 to 128, G = H'/H from 1
# to 4 (H' not a multiple of 16), D' from 32 to 256 (below, at and above
# D; multiples of 16 but not of 64), K in {1, 3, 5, 7}, T with tails and
# T = 1, B from 1 to 8, causal and not, bf16 and f16. The bf16 causal
# shapes with B * T >= 8192 are the ones timed against torch.compile.
# (b, t, h, d, sim_heads, sim_head_dim, kernel, causal, dtype)
SWEEP_CASES = [
    # Llama-class heads: D = 128 simulated at D' = 256.
    (1, 2048, 32, 128, 64, 256, 3, True, "bf16"),
    (4, 2048, 32, 128, 64, 256, 3, True, "bf16"),
    (2, 4096, 16, 128, 32, 256, 5, True, "bf16"),
    (1, 8192, 8, 128, 16, 192, 3, True, "bf16"),
    (2, 4096, 6, 128, 18, 256, 1, True, "bf16"),
    # GPT-2-class heads at every G and several D'.
    (8, 1024, 12, 64, 36, 128, 3, True, "bf16"),
    (4, 2047, 12, 64, 48, 128, 3, True, "bf16"),
    (8, 1024, 12, 64, 12, 64, 3, True, "bf16"),
    (8, 1000, 12, 64, 24, 80, 3, True, "bf16"),
    (4, 2048, 8, 64, 16, 96, 5, True, "bf16"),
    (2, 4096, 16, 64, 32, 112, 7, True, "bf16"),
    (8, 1024, 20, 64, 40, 160, 3, True, "bf16"),
    (4, 2048, 12, 64, 24, 208, 3, True, "bf16"),
    (8, 1024, 4, 64, 16, 240, 1, True, "bf16"),
    (8, 1024, 1, 64, 4, 128, 3, True, "bf16"),
    (1, 8192, 6, 64, 12, 128, 7, True, "bf16"),
    # Other head sizes D: 32, 48, 80, 96, 112.
    (8, 1024, 2, 32, 6, 64, 3, True, "bf16"),
    (4, 2048, 32, 32, 64, 64, 5, True, "bf16"),
    (4, 2048, 10, 48, 20, 96, 3, True, "bf16"),
    (2, 4096, 16, 80, 32, 160, 7, True, "bf16"),
    (2, 4096, 8, 96, 16, 192, 5, True, "bf16"),
    (8, 1024, 6, 112, 12, 224, 3, True, "bf16"),
    (4, 2048, 6, 112, 24, 64, 1, True, "bf16"),
    (2, 4096, 8, 128, 16, 64, 3, True, "bf16"),
    # Short and odd: T = 1, tails, B * T < 8192 (checked, timed, not held
    # to the torch.compile bar).
    (1, 1, 1, 32, 1, 32, 1, True, "bf16"),
    (8, 1, 32, 128, 64, 256, 7, True, "bf16"),
    (3, 513, 12, 48, 24, 96, 5, True, "bf16"),
    (2, 37, 4, 112, 12, 64, 7, True, "bf16"),
    (5, 77, 7, 64, 21, 144, 3, True, "bf16"),
    (1, 2048, 12, 64, 24, 128, 3, True, "bf16"),
    # Not causal.
    (2, 1023, 32, 32, 64, 64, 3, False, "bf16"),
    (2, 300, 8, 128, 16, 64, 3, False, "bf16"),
    (1, 4096, 12, 64, 24, 256, 5, False, "bf16"),
    (6, 129, 3, 96, 9, 48, 1, False, "bf16"),
    # f16.
    (1, 100, 6, 112, 24, 64, 1, True, "f16"),
    (4, 129, 4, 64, 8, 32, 1, True, "f16"),
    (2, 2048, 16, 128, 32, 256, 3, True, "f16"),
    (8, 1024, 12, 64, 36, 128, 5, True, "f16"),
    (2, 511, 5, 80, 15, 176, 7, False, "f16"),
    (1, 1, 3, 48, 12, 32, 3, False, "f16"),
    (3, 1000, 24, 64, 48, 96, 3, False, "f16"),
    (2, 64, 1, 128, 4, 256, 5, True, "f16"),
]


def sweep_libraries():
    """One library a sweep shape (its B and T), for sm_90a."""
    for case in SWEEP_CASES:
        yield case + ("sm_90a",)


# The attention's parity with SDPA (issue 21, done when: >= 0.8 of SDPA's
# rate for every q/k head size E that is a multiple of 16 up to 256, at
# T = 4096 and B * H' >= 96; sweep.py --parity times them at B = 4, H' =
# 24). v head size F = D = 64 for every E, and F = 128 for the large E.
PARITY_HEAD_SIZES = range(16, 257, 16)
PARITY_BATCH, PARITY_SEQ_LEN = 4, 4096


def parity_libraries():
    """(b, t, h, d, sim_heads, sim_head_dim, kernel, causal, dtype, chip)
    of the any-size libraries whose attention sweep.py --parity times."""
    for e in PARITY_HEAD_SIZES:
        yield (None, None, 12, 64, 24, e, 1, True, "bf16", "sm_90a")
    for e in (128, 192, 256):
        yield (None, None, 12, 128, 24, e, 1, True, "bf16", "sm_90a")


def check_bench_parser(doc, iters, modes=("check", "bench")):
    """The command line the check|bench scripts share (attention.py,
    attention_backward.py, layer_backward.py): the mode, --libs, --json,
    --seed (default: the time) and --iters (default `iters`)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("mode", choices=modes)
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--json")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--iters", type=int, default=iters)
    return parser
