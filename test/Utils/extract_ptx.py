"""Writes the PTX of the first gpu.binary of an MLIR file (compiled with
format=isa): the object's `assembly` string with MLIR's \\XX escapes undone.

    extract_ptx.py IN.mlir OUT.ptx
"""

import re
import sys

text = open(sys.argv[1], encoding="latin-1").read()
match = re.search(r'assembly = "((?:[^"\\]|\\[0-9A-Fa-f]{2}|\\.)*)"', text)
if not match:
    sys.exit(f"{sys.argv[1]}: no gpu.binary with PTX assembly")
ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
             match.group(1))
open(sys.argv[2], "w", encoding="latin-1").write(ptx)
