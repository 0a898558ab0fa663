"""Writes the PTX of a gpu.binary of an MLIR file (compiled with
format=isa): its object's `assembly` string, unescaped; the first binary,
or the one named SYMBOL. benchmarks/gpu/dump_kernels.py reads cubins
(`bin`) with the same function.

    extract_ptx.py IN.mlir OUT.ptx [SYMBOL]
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


def gpu_binary(text, symbol):
    """The text of `gpu.binary @symbol` in `text` (bytes), up to the next
    binary, or None."""
    start = text.find(b"gpu.binary @" + symbol + b" ")
    if start < 0:
        return None
    end = text.find(b"gpu.binary @", start + 1)
    return text[start:end if end >= 0 else len(text)]


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        text = f.read()
    if len(sys.argv) > 3:
        text = gpu_binary(text, sys.argv[3].encode())
        if text is None:
            sys.exit(f"{sys.argv[1]}: no gpu.binary @{sys.argv[3]}")
    ptx = gpu_object_field(text, b"assembly")
    if ptx is None:
        sys.exit(f"{sys.argv[1]}: no gpu.binary with PTX assembly")
    with open(sys.argv[2], "wb") as f:
        f.write(ptx)
