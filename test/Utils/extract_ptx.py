"""Writes the PTX of the first gpu.binary of an MLIR file (compiled with
format=isa): its object's `assembly` string, unescaped.
benchmarks/gpu/dump_kernels.py reads cubins (`bin`) with the same function.

    extract_ptx.py IN.mlir OUT.ptx
"""

import re
import sys

# MLIR prints a string attribute's printable bytes as themselves, a backslash
# as \\ and anything else (a double quote too) as \XX.
_ESCAPE = re.compile(rb"\\(\\|[0-9A-Fa-f]{2})")


def gpu_object_field(text, name):
    """The bytes of string field `name` (b"assembly", b"bin") of the first
    #gpu.object in `text` (bytes), or None."""
    match = re.search(rb"\b" + name + rb' = "((?:[^"\\]|\\.)*)"', text)
    if not match:
        return None
    return _ESCAPE.sub(lambda m: b"\\" if m.group(1) == b"\\"
                       else bytes([int(m.group(1), 16)]), match.group(1))


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        ptx = gpu_object_field(f.read(), b"assembly")
    if ptx is None:
        sys.exit(f"{sys.argv[1]}: no gpu.binary with PTX assembly")
    with open(sys.argv[2], "wb") as f:
        f.write(ptx)
