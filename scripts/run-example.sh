#!/usr/bin/env bash
# The main job: install what is missing, build, compile the GPT-2-small SAS
# layer of examples/ with sas-cpu-pipeline, run it on fresh random weights and
# inputs, check it against the float64 reference and print the time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
build_dir=${SAS_BUILD_DIR:-build}

echo "== sas-opt examples/gpt2-small-sas-layer.mlir --sas-expand"
"$build_dir/bin/sas-opt" examples/gpt2-small-sas-layer.mlir --sas-expand |
  grep -E "sas\.(head_sim|feature_sim|attention|peaa)" | sed 's/ : .*//'

echo "== sas-run --input examples/gpt2-small-sas-layer.mlir (B=1, T=512, H=12, D=64 -> H'=24, D'=128, K=3, causal)"
/usr/bin/python3 test/Integration/check_sas_run.py \
  --sas-run "$build_dir/bin/sas-run" \
  --input examples/gpt2-small-sas-layer.mlir \
  --batch 1 --seq 512 --heads 12 --sim-heads 24 --head-dim 64 \
  --sim-head-dim 128 --kernel 3 -- --repeat 5
