"""Prints how many gpu.launch ops of an MLIR file (generic or pretty form,
after sas-gpu-map-to-launch) sit inside a loop of host code, an scf.for,
scf.while or scf.parallel outside any kernel: each of those launches a
kernel once per iteration, a slow path nobody asked for.

    host_loop_launches.py IN.mlir
"""

import re
import sys

LOOP = re.compile(r"\bscf\.(for|while|parallel)\b")
KERNEL = re.compile(r"\bgpu\.(launch|module)\b")

# A stack of the regions open at each point: "kernel", "loop" or "other",
# one entry per unmatched '{' (attribute dictionaries open and close on
# one line, so they never stay on it).
stack, count = [], 0
for line in open(sys.argv[1]):
    code = line.split("//")[0]
    opens = code.count("{") - code.count("}")
    in_kernel = "kernel" in stack
    if not in_kernel and re.search(r"\bgpu\.launch\b", code) and \
            "loop" in stack:
        count += 1
    kind = ("kernel" if KERNEL.search(code) else
            "loop" if LOOP.search(code) else "other")
    for _ in range(opens):
        stack.append(kind)
    for _ in range(-opens):
        stack.pop()
print(f"kernels launched in host loops: {count}")
