#!/usr/bin/env bash
# Builds SAS-MLIR with clang-22, AddressSanitizer and UBSan in build-asan/
# and runs the lit suite there. libMLIR.so, libomp and the JIT-compiled
# layers are not instrumented; the project's own code is.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
for p in clang-22 libclang-rt-22-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$p" >/dev/null; }
done

build=build-asan
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_ENABLE_ASSERTIONS=ON -DSAS_ENABLE_SANITIZERS=ON \
    -DSAS_ENABLE_PYTHON=OFF \
    -DMLIR_DIR="$(llvm-config-22 --prefix)/lib/cmake/mlir"
fi
# Leaks: off, as the tools end with the MLIR context alive on purpose
# (llvm_shutdown order); ASan and UBSan errors are fatal.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LIT_OPTS="-sv" ninja -C "$build" -j"${SAS_JOBS:-2}" check-sas
