#!/usr/bin/env bash
# Builds the libFuzzer target (clang-22, ASan + UBSan) in build-asan/ and runs
# it for $1 seconds (default 60) on test/Fuzz/corpus plus the sas test
# inputs. Exits non-zero on any crash, leak or sanitizer report; the
# reproducer is left as build-asan/crash-*. New inputs go to $SAS_FUZZ_CORPUS
# (default test/Fuzz/corpus, so that a long run can be minimized and kept).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

build=$(bash scripts/configure-clang.sh)
ninja -C "$build" -j"${SAS_JOBS:-2}" sas-fuzz

# Seeds: the committed corpus and every // ----- chunk of the sas tests.
seeds="$build/fuzz-seeds"
rm -rf "$seeds" && mkdir -p "$seeds"
/usr/bin/python3 - "$seeds" test/Dialect/SAS test/Conversion test/Pipelines <<'PY'
import os, sys, hashlib
out = sys.argv[1]
for root in sys.argv[2:]:
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".mlir"):
                for chunk in open(os.path.join(dirpath, f)).read().split("// -----"):
                    name = hashlib.sha1(chunk.encode()).hexdigest()
                    open(os.path.join(out, name), "w").write(chunk)
PY
corpus=${SAS_FUZZ_CORPUS:-test/Fuzz/corpus}
mkdir -p "$corpus"
# Leak detection is on (detect_leaks=1). SAS_FUZZ_LEAKS=0 turns it off where
# LSan cannot run (it needs ptrace-like access some sandboxes deny); ASan and
# UBSan still report every memory and UB error then.
ASAN_OPTIONS=detect_leaks=${SAS_FUZZ_LEAKS:-1} \
  "$build/bin/sas-fuzz" -max_total_time="$seconds" -timeout=30 \
  -rss_limit_mb=4096 -max_len=16384 -print_final_stats=1 \
  -artifact_prefix="$build/" "$corpus" test/Fuzz/corpus "$seeds"
