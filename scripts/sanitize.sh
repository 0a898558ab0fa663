#!/usr/bin/env bash
# Builds SAS-MLIR with clang-22, AddressSanitizer and UBSan in build-asan/
# and runs the lit suite there. libMLIR.so, libomp and the JIT-compiled
# layers are not instrumented; the project's own code is.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-asan
bash scripts/configure-clang.sh "$build"
# Leaks: off, as the tools end with the MLIR context alive on purpose
# (llvm_shutdown order); ASan and UBSan errors are fatal.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LIT_OPTS="-sv" ninja -C "$build" -j"${SAS_JOBS:-2}" check-sas
