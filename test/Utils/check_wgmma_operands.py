"""Checks the register operands of the wgmma (HGMMA) in the SASS of a
cubin (nvidia's `nvdisasm -c`), for two ways ptxas before CUDA 13.3 broke
them. Prints what it checked; exits 1 naming the first offending writes.

    check_wgmma_operands.py [--query-live] KERNEL.sass

- Always: no instruction writes a register an issued HGMMA reads as its A
  operand before a WARPGROUP.DEPBAR retires that HGMMA's group (a group
  closes at an HGMMA marked gsb0; DEPBAR.LE gsb0, N leaves the last N
  pending). In address order, which suffices for the kernels' straight
  pipelines (the PEAA issues a step's wgmma and builds the next step's A
  fragments before waiting).
- --query-live (the attention): no instruction writes a register the q k^T
  HGMMAs (A from registers, K-major B: no .tnspB) read as A, from the first
  such HGMMA to the last or within a loop (a backward branch's span) that
  holds one: q's fragments stay q's for every key block. CUDA 13.0's ptxas
  gave them to p within the key loop where nothing read q after it.
"""

import argparse
import re
import sys

_LABEL = re.compile(r"^(\.L_x_\d+):")
_BRANCH = re.compile(r"BRA `\((\.L_x_\d+)\)")
# A from registers (R, then B's descriptor) or from shared memory (one
# descriptor for both operands, or two in older nvdisasm); a transposed A
# is marked .tnspA.
_HGMMA = re.compile(r"HGMMA\.\S+ R\d+, (?:R(\d+), )?gdesc\[\w+\](?:\.tnspA)?"
                    r"(?:, gdesc\[\w+\])?(\.tnspB)?")
_DEPBAR = re.compile(r"WARPGROUP\.DEPBAR\.LE gsb0, 0x([0-9a-f]+)")
# An instruction's opcode and first register operand (its destination).
_INSTRUCTION = re.compile(r"\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)\s+R(\d+)\b")
# Opcodes whose first register is read, not written.
_READS_FIRST = ("ST", "RED", "ATOM", "HGMMA")


def written_register(line):
    match = _INSTRUCTION.search(line)
    if match and not match.group(1).startswith(_READS_FIRST):
        return int(match.group(2))
    return None


def check_in_flight(lines):
    """Writes to the A registers of HGMMAs not yet retired."""
    pending, open_group, writes = [], set(), []
    for line in lines:
        match = _HGMMA.search(line)
        if match:
            if match.group(1):
                base = int(match.group(1))
                open_group.update(range(base, base + 4))
            if "gsb0" in line:
                pending.append(open_group)
                open_group = set()
            continue
        match = _DEPBAR.search(line)
        if match:
            keep = int(match.group(1), 16)
            pending = pending[len(pending) - keep:] if keep else []
            continue
        register = written_register(line)
        if register is not None and (register in open_group or
                                     any(register in g for g in pending)):
            writes.append(line.strip())
    return writes


def check_query_live(lines):
    """Writes to q's A registers within the q k^T HGMMAs' span or loops."""
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
        if match and match.group(1) and not match.group(2):
            qk.append(i)
            base = int(match.group(1))
            operands.update(range(base, base + 4))
    if not operands:
        sys.exit("no HGMMA with A from registers and a K-major B")
    spans = [(qk[0], qk[-1])] + [
        loop for loop in loops if any(loop[0] <= i <= loop[1] for i in qk)]
    return [line.strip() for i, line in enumerate(lines)
            if written_register(line) in operands
            and any(lo <= i <= hi for lo, hi in spans)], len(qk), len(spans) - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sass")
    parser.add_argument("--query-live", action="store_true")
    args = parser.parse_args()
    lines = open(args.sass).read().splitlines()
    count = sum(1 for line in lines if _HGMMA.search(line))
    if not count:
        sys.exit("no HGMMA in " + args.sass)
    writes = check_in_flight(lines)
    print(f"{count} HGMMA; {len(writes)} writes to the A registers of one "
          f"in flight")
    if args.query_live:
        live, qk, loops = check_query_live(lines)
        print(f"{qk} q k^T HGMMA in {loops} loops; {len(live)} writes to "
              f"their A registers from the first to the last or within "
              f"those loops")
        writes += live
    for line in writes[:5]:
        print("  " + line)
    sys.exit(1 if writes else 0)


if __name__ == "__main__":
    main()
