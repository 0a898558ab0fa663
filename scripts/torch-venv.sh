#!/usr/bin/env bash
# Creates the project's PyTorch environment: a virtual environment of
# Debian's python3 (its numpy and pytest, through the system site packages)
# with PyTorch >= 2.4 from PyPI (Debian's python3-torch is 1.13: too old for
# torch.library custom ops). The tests that compare with PyTorch's autograd
# use it; without it they are skipped, and the suite says so. It also holds
# nvidia-cuda-nvdisasm, which the machine-code tests use where ptxas exists.
#   torch-venv.sh            creates or completes ${SAS_TORCH_VENV:-.venv}
#   torch-venv.sh --cpu-peers   also installs IREE (iree-base-compiler,
#                            iree-base-runtime, iree-turbine) for
#                            benchmarks/cpu/peers.py
# Prints the environment's python last; exits non-zero when it cannot make
# one (no network, no python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SAS_TORCH_VENV:-.venv}
python=$venv/bin/python

if [ ! -x "$python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! "$python" -c 'import torch, sys; sys.exit(tuple(map(int, torch.__version__.split(".")[:2])) < (2, 4))' 2>/dev/null; then
  echo "torch-venv: installing PyTorch >= 2.4 into $venv (about 5 GB)"
  "$python" -m pip install -q --disable-pip-version-check "torch>=2.4"
fi
# nvdisasm, for the tests that read the machine code ptxas makes (with the
# CUDA toolkit's ptxas; this toolkit may not ship nvdisasm).
if ! compgen -G "$venv/lib/python3*/site-packages/nvidia/cu13/bin/nvdisasm" >/dev/null; then
  "$python" -m pip install -q --disable-pip-version-check nvidia-cuda-nvdisasm ||
    echo "torch-venv: no nvdisasm (the machine-code tests will be skipped)"
fi
# IREE for the CPU peers benchmark, on request. iree-turbine's own
# requirements but PyTorch, which is installed above: pip would otherwise
# be free to replace it.
if [ "${1:-}" = "--cpu-peers" ] &&
  ! "$python" -c 'import iree.turbine.aot, iree.runtime' 2>/dev/null; then
  "$python" -m pip install -q --disable-pip-version-check \
    iree-base-compiler iree-base-runtime decorator Jinja2 ml_dtypes \
    typing_extensions
  "$python" -m pip install -q --disable-pip-version-check --no-deps \
    iree-turbine
fi
echo "torch-venv: $("$python" -c 'import torch; print("PyTorch", torch.__version__)') in $python"
