#!/usr/bin/env bash
# The main job: install what is missing, build, and compile the GPT-2-small SAS
# layer of examples/ with sas-opt through sas-expand.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
build_dir=${SAS_BUILD_DIR:-build}

echo "== sas-opt examples/gpt2-small-sas-layer.mlir --sas-expand"
"$build_dir/bin/sas-opt" examples/gpt2-small-sas-layer.mlir --sas-expand
