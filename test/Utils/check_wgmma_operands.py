"""Checks, in the SASS of a cubin (nvdisasm -c), that no instruction writes
a register the attention's q k^T wgmma (HGMMA with A from registers and a
K-major B: no .tnspB) reads as A, from the first such HGMMA to the last or
within a loop (a backward branch's span) that holds one: q's fragments stay
q's for every key block. ptxas before CUDA 13.3 gave them to p within the
key loop where nothing read q after it.

    check_wgmma_operands.py KERNEL.sass

Prints what it checked; exits 1 naming the first writes it found.
"""

import re
import sys

_ADDRESS = re.compile(r"/\*([0-9a-f]{4,})\*/")
_LABEL = re.compile(r"^(\.L_x_\d+):")
_BRANCH = re.compile(r"BRA `\((\.L_x_\d+)\)")
_HGMMA = re.compile(r"HGMMA\.\S+ R\d+, R(\d+), gdesc\[\w+\](\.tnspB)?")
# An instruction's opcode and first register operand (its destination).
_INSTRUCTION = re.compile(r"\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)\s+R(\d+)\b")
# Opcodes whose first register is read, not written.
_READS_FIRST = ("ST", "RED", "ATOM", "HGMMA")


def main():
    lines = open(sys.argv[1]).read().splitlines()
    # Line index of each label (the next instruction's) and each backward
    # branch: a loop spans [label, branch].
    labels, loops = {}, []
    for i, line in enumerate(lines):
        match = _LABEL.match(line.strip())
        if match:
            labels[match.group(1)] = i
        match = _BRANCH.search(line)
        if match and match.group(1) in labels:
            loops.append((labels[match.group(1)], i))
    qk, operands = [], set()
    for i, line in enumerate(lines):
        match = _HGMMA.search(line)
        if match and not match.group(2):
            qk.append(i)
            base = int(match.group(1))
            operands.update(range(base, base + 4))
    if not operands:
        sys.exit("no HGMMA with A from registers and a K-major B")
    spans = [(qk[0], qk[-1])] + [
        loop for loop in loops if any(loop[0] <= i <= loop[1] for i in qk)]
    writes = []
    for i, line in enumerate(lines):
        match = _INSTRUCTION.search(line)
        if (match and not match.group(1).startswith(_READS_FIRST)
                and int(match.group(2)) in operands
                and any(lo <= i <= hi for lo, hi in spans)):
            writes.append(line.strip())
    print(f"{len(qk)} q k^T HGMMA in {len(spans) - 1} loops read A from "
          f"{len(operands)} registers; {len(writes)} writes to them from the "
          f"first to the last or within those loops")
    for line in writes[:5]:
        print("  " + line)
    sys.exit(1 if writes else 0)


if __name__ == "__main__":
    main()
