#!/usr/bin/env bash
# Install what is missing, build, and run the whole SAS test suite (lit).
# Prints "N passed, N failed" last; exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
build_dir=${SAS_BUILD_DIR:-build}

# The check-sas target builds what the tests need (docs, plugin) and runs lit.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
LIT_OPTS="-sv" ninja -C "$build_dir" -j"${SAS_JOBS:-2}" check-sas 2>&1 | tee "$log" ||
  status=$?

count() { awk -v k="$1" '$1 == k":" || ($1" "$2) == k":" {print ($1 == k":") ? $2 : $3}' "$log" | tail -1; }
passed=$(count Passed); passed=${passed:-0}
failed=0
for k in Failed Unresolved "Timed Out" "Unexpectedly Passed"; do
  n=$(count "$k"); failed=$((failed + ${n:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # lit or the build failed without counting a test
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
