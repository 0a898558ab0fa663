#!/usr/bin/env bash
# Runs the whole SAS test suite of one build directory: the lit suite (IR,
# tools, C API, numerics against the float64 reference) and the pytest suite
# of the Python package. Prints "N passed, N failed" last; exits non-zero
# when any test fails. run-suite.sh BUILD_DIR; SAS_PYTEST_PRELOAD names a
# library to preload into Python (the ASan runtime of a sanitized build).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

# The check-sas target builds what the tests need (docs, plugin) and runs lit.
LIT_OPTS="-sv" ninja -C "$build_dir" -j"${SAS_JOBS:-2}" check-sas 2>&1 | tee "$log" ||
  status=$?
# lit's summary lines read "  Passed: 31" or, aligned, "  Passed     : 29 (93.55%)".
count() { sed -nE "s/^ *$1 *: *([0-9]+).*/\\1/p" "$log" | tail -1; }
passed=$(count Passed); passed=${passed:-0}
failed=0
for k in Failed Unresolved "Timed Out" "Unexpectedly Passed"; do
  n=$(count "$k"); failed=$((failed + ${n:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # lit or the build failed without counting a test
fi

# The Python package, when it was built (pybind11 found): with the PyTorch
# environment's python (Debian's python3 and its packages, and PyTorch) when
# there is one, so that the custom-op tests run; under a sanitizer's
# preloaded runtime with Debian's python3 alone (PyTorch is not built for
# it).
torch_python=${SAS_TORCH_PYTHON:-.venv/bin/python}
has_torch() { "$torch_python" -c 'import torch' 2>/dev/null; }
pytest_python=/usr/bin/python3
if [ -z "${SAS_PYTEST_PRELOAD:-}" ] && has_torch; then
  pytest_python=$torch_python
fi
if [ -d "$build_dir/python_packages/sas_mlir" ]; then
  pystatus=0
  PYTHONPATH="$build_dir/python_packages" LD_PRELOAD="${SAS_PYTEST_PRELOAD:-}" \
    "$pytest_python" -m pytest -q -p no:cacheprovider python-bindings/test 2>&1 |
    tee "$log" || pystatus=$?
  summary=$(tail -1 "$log")
  pypassed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
  pyfailed=$({ echo "$summary" | grep -oE '[0-9]+ (failed|error|errors)' ||
    true; } | awk '{s += $1} END {print s + 0}')
  passed=$((passed + ${pypassed:-0}))
  failed=$((failed + ${pyfailed:-0}))
  if [ "$pystatus" -ne 0 ] && [ "${pyfailed:-0}" -eq 0 ]; then
    failed=$((failed + 1)) # pytest failed without counting a test
  fi
  [ "$pystatus" -eq 0 ] || status=1
else
  echo "run-suite.sh: no Python package was built in $build_dir (pybind11 missing?)"
  failed=$((failed + 1))
fi

if ! has_torch; then
  echo "run-suite.sh: skipped the comparisons with PyTorch's autograd and" \
    "the custom-op tests (no PyTorch >= 2.4 in $torch_python:" \
    "scripts/torch-venv.sh makes one)"
elif [ "$pytest_python" != "$torch_python" ]; then
  echo "run-suite.sh: skipped the custom-op tests (pytest ran Debian's" \
    "python3 under the preloaded sanitizer runtime)"
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
