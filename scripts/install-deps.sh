#!/usr/bin/env bash
# Installs, with apt, whatever SAS-MLIR needs that this Debian 12 machine lacks.
# Safe to run again: installed packages are skipped and apt is not called.
#   install-deps.sh          the build and test dependencies
#   install-deps.sh clang    also clang-22 and its sanitizer/fuzzer runtimes
set -euo pipefail

packages=(
  # LLVM/MLIR 22: libMLIR.so, headers, CMake packages, mlir-tblgen, mlir-opt,
  # FileCheck, lit, not.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  # The OpenMP runtime that the CPU pipeline's parallel loops call.
  libomp-22-dev
  # The build.
  cmake ninja-build g++ ccache
  # Debian's python3 runs lit, the test helpers and the float64 reference;
  # the sas_mlir Python package builds with pybind11 and is tested by pytest.
  python3 python3-numpy python3-dev pybind11-dev python3-pytest
  # The virtual environment scripts/torch-venv.sh puts PyTorch in.
  python3-venv
)
if [ "${1:-}" = clang ]; then
  packages+=(clang-22 libclang-rt-22-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
echo "install-deps: done"
