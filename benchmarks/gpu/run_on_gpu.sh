#!/usr/bin/env bash
# On the GPU machine (PyTorch, the CUDA driver, no MLIR): unpacks the layer
# libraries that build_libs.py packed, runs the check, the benchmark and a
# per-kernel profile of the first benchmark config, and
# writes their logs and JSON to DIR (default $OUT, else gpu-results).
#
#   bash benchmarks/gpu/run_on_gpu.sh [DIR] [bench.py flags...]
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-gpu-results}}
shift || true
mkdir -p "$out" gpu-libs/libs
tar -xJf gpu-libs/libs.tar.xz -C gpu-libs/libs || exit 1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit \
  --format=csv > "$out/gpu.txt" 2>&1
export PYTHONUNBUFFERED=1
status=0
python3 benchmarks/gpu/check.py --libs gpu-libs/libs --json "$out/check.json" \
  2>&1 | tee "$out/check.log" || status=1
python3 benchmarks/gpu/bench.py --libs gpu-libs/libs --json "$out/bench.json" \
  "$@" 2>&1 | tee "$out/bench.log" || status=1
python3 benchmarks/gpu/kernel_profile.py --libs gpu-libs/libs --json \
  "$out/profile.json" 2>&1 | tee "$out/profile.log" || status=1
exit $status
