#!/usr/bin/env bash
# Install what is missing, build, and run the whole SAS test suite (lit and
# pytest, scripts/run-suite.sh). Prints "N passed, N failed" last; exits
# non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
exec bash scripts/run-suite.sh "${SAS_BUILD_DIR:-build}"
