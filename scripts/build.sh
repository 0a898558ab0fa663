#!/usr/bin/env bash
# Configures (once) and builds SAS-MLIR in $SAS_BUILD_DIR (default: build/).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${SAS_BUILD_DIR:-build}
llvm_prefix=$(llvm-config-22 --prefix)

if [ ! -f "$build_dir/build.ninja" ]; then
  # Assertions on: the project's own casts and invariants are checked in every
  # build that runs the tests (libMLIR.so is unaffected).
  cmake -G Ninja -S . -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=Release \
    -DLLVM_ENABLE_ASSERTIONS=ON \
    -DMLIR_DIR="$llvm_prefix/lib/cmake/mlir" \
    -DPython3_EXECUTABLE=/usr/bin/python3
fi
# Two cores: two jobs. ccache, when installed, is picked up by CMakeLists.txt.
ninja -C "$build_dir" -j"${SAS_JOBS:-2}"
