#!/usr/bin/env bash
# Install what is missing (PyTorch into .venv: scripts/torch-venv.sh), build,
# and run the whole SAS test suite (lit and pytest, scripts/run-suite.sh).
# Prints "N passed, N failed" last; exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# PyTorch for the comparisons with its autograd; without it (no network)
# the suite runs without them and says so.
bash scripts/torch-venv.sh ||
  echo "test.sh: no PyTorch environment; its tests will be skipped"
bash scripts/build.sh
exec bash scripts/run-suite.sh "${SAS_BUILD_DIR:-build}"
