#!/usr/bin/env bash
# Builds SAS-MLIR with clang-22, AddressSanitizer and UBSan in build-asan/
# and runs the whole suite there (lit and pytest). libMLIR.so, libomp,
# Python and the JIT-compiled layers are not instrumented; the project's own
# code is. Prints "N passed, N failed" last.
set -euo pipefail
cd "$(dirname "$0")/.."

build=$(bash scripts/configure-clang.sh)
ninja -C "$build" -j"${SAS_JOBS:-2}"
# Leaks: off, as the tools end with the MLIR context alive on purpose
# (llvm_shutdown order) and Python never frees its modules; ASan and UBSan
# errors are fatal.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Python is not instrumented: the extension finds the ASan runtime only when
# it is loaded first.
SAS_PYTEST_PRELOAD=$(clang++-22 -print-file-name=libclang_rt.asan-x86_64.so)
export SAS_PYTEST_PRELOAD
exec bash scripts/run-suite.sh "$build"
