#!/usr/bin/env python3
"""Runs a tool on every `// -----` chunk of an input file and checks that each
run ends the way a user should see it end: with the expected exit code and an
`error:` diagnostic, and never with a crash (signal, assertion, stack dump).

usage: check_each_split.py EXIT_CODE INPUT TOOL [ARGS...]
The chunk is passed to TOOL on standard input.
"""

import subprocess
import sys

CRASH_MARKERS = ("Stack dump", "PLEASE submit a bug report", "Assertion",
                 "LLVM ERROR", "UNREACHABLE")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    expected = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        chunks = f.read().split("// -----")
    tool = sys.argv[3:]
    failures = 0
    for i, chunk in enumerate(chunks):
        line = 1 + sum(c.count("\n") for c in chunks[:i])
        run = subprocess.run(tool + ["-"], input=chunk, capture_output=True,
                             text=True)
        problems = []
        if run.returncode != expected:
            problems.append(f"exit code {run.returncode}, expected {expected}")
        if "error:" not in run.stderr:
            problems.append("no 'error:' diagnostic")
        if any(m in run.stderr for m in CRASH_MARKERS):
            problems.append("crash output")
        if problems:
            failures += 1
            print(f"chunk {i} (line {line}): {'; '.join(problems)}\n"
                  f"{run.stderr}", file=sys.stderr)
    print(f"{len(chunks)} chunks, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
