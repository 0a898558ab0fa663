#!/usr/bin/env bash
# Installs clang-22 if missing and configures the sanitized clang build of
# SAS-MLIR (ASan + UBSan on the project's code, libFuzzer coverage, the
# libFuzzer target and the Python package) in build-asan/, once. Prints the
# build directory. Used by fuzz.sh and sanitize.sh, which share the build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan
bash scripts/install-deps.sh clang >&2
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_ENABLE_ASSERTIONS=ON -DSAS_ENABLE_SANITIZERS=ON \
    -DSAS_ENABLE_FUZZER=ON -DSAS_ENABLE_PYTHON=ON \
    -DMLIR_DIR="$(llvm-config-22 --prefix)/lib/cmake/mlir" >&2
fi
echo "$build"
