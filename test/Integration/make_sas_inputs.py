#!/usr/bin/env python3
"""Writes random q/k/v and a weights directory for one SAS configuration:
DIR/q.npy, DIR/k.npy, DIR/v.npy, DIR/weights/<state-dict key>.npy.

usage: make_sas_inputs.py DIR B T H H' D D' K
"""

import os
import sys

import numpy as np

# The float64 reference of the sas_mlir package, imported as a plain module
# (no compiled extension needed).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings", "sas_mlir"))
import reference as ref  # noqa: E402


def main():
    if len(sys.argv) != 9:
        sys.exit(__doc__)
    out = sys.argv[1]
    b, t, h, hs, d, ds, k = (int(a) for a in sys.argv[2:])
    rng = np.random.default_rng()
    os.makedirs(os.path.join(out, "weights"), exist_ok=True)
    for name, shape in ref.parameter_shapes(h, hs, d, ds, k).items():
        np.save(os.path.join(out, "weights", name + ".npy"),
                rng.standard_normal(shape).astype(np.float32))
    for name in "qkv":
        np.save(os.path.join(out, name + ".npy"),
                rng.standard_normal((b, t, h, d)).astype(np.float32))


if __name__ == "__main__":
    main()
