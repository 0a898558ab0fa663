#!/usr/bin/env bash
# Installs clang-22 if missing and configures a sanitized clang build of
# SAS-MLIR in DIR (once): configure-clang.sh DIR [extra cmake arguments].
# Used by fuzz.sh and sanitize.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
shift
bash scripts/install-deps.sh clang
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_ENABLE_ASSERTIONS=ON -DSAS_ENABLE_SANITIZERS=ON \
    -DSAS_ENABLE_PYTHON=OFF \
    -DMLIR_DIR="$(llvm-config-22 --prefix)/lib/cmake/mlir" "$@"
fi
