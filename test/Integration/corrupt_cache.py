#!/usr/bin/env python3
"""Damages every entry of a sas-mlir compile cache directory.

usage: corrupt_cache.py DIR flip|truncate|garbage|directory

flip: one byte of the object inverted; truncate: the last half cut off;
garbage: a few bytes that are no entry; directory: the entry replaced by a
directory.
"""

import glob
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    entries = glob.glob(os.path.join(sys.argv[1], "*.o"))
    if not entries:
        sys.exit(f"no cache entry in {sys.argv[1]}")
    how = sys.argv[2]
    for path in entries:
        with open(path, "rb") as f:
            data = bytearray(f.read())
        if how == "flip":
            data[len(data) // 2] ^= 0xFF
        elif how == "truncate":
            data = data[:len(data) // 2]
        elif how == "garbage":
            data = b"garbage\n"
        elif how == "directory":
            os.remove(path)
            os.mkdir(path)
            continue
        else:
            sys.exit(__doc__)
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
