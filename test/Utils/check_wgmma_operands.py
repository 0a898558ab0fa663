"""Checks, in the SASS of a cubin (nvdisasm -c), that no instruction writes
a register the attention's q k^T wgmma (HGMMA with A from registers and a
K-major B: no .tnspB) reads as A, between the kernel's first HGMMA and its
last: q's fragments stay q's for every key block. ptxas before CUDA 13.3
gave them to p within the key loop where nothing read q after it.

    check_wgmma_operands.py KERNEL.sass

Prints what it checked; exits 1 naming the first writes it found.
"""

import re
import sys

_HGMMA = re.compile(r"HGMMA\.\S+ R\d+, R(\d+), gdesc\[\w+\](\.tnspB)?")
# An instruction's opcode and first register operand (its destination).
_INSTRUCTION = re.compile(r"\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)\s+R(\d+)\b")
# Opcodes whose first register is read, not written.
_READS_FIRST = ("ST", "RED", "ATOM", "HGMMA")


def main():
    lines = open(sys.argv[1]).read().splitlines()
    hgmma = [i for i, line in enumerate(lines) if _HGMMA.search(line)]
    operands = set()
    for i in hgmma:
        match = _HGMMA.search(lines[i])
        if not match.group(2):
            base = int(match.group(1))
            operands.update(range(base, base + 4))
    if not operands:
        sys.exit("no HGMMA with A from registers and a K-major B")
    writes = []
    for line in lines[hgmma[0]:hgmma[-1] + 1]:
        match = _INSTRUCTION.search(line)
        if (match and not match.group(1).startswith(_READS_FIRST)
                and int(match.group(2)) in operands):
            writes.append(line.strip())
    print(f"{len(hgmma)} HGMMA; q k^T reads A from {len(operands)} "
          f"registers; {len(writes)} writes to them between the first "
          f"HGMMA and the last")
    for line in writes[:5]:
        print("  " + line)
    sys.exit(1 if writes else 0)


if __name__ == "__main__":
    main()
