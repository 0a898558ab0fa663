"""Checks, on the GPU, that a layer library refuses a device its cubins do
not run on with an error naming both, and runs on one they do: the same
small layer built for sm_80, sm_90 and sm_90a (build_libs.py --only target).
Needs PyTorch and a GPU, not MLIR.

    python3 benchmarks/gpu/target_check.py --libs gpu-libs/libs
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import sas_mlir.cuda  # noqa: E402

import cases  # noqa: E402


def runs_on(chip, major, minor):
    """Whether cubins for `chip` run on compute capability major.minor."""
    arch_specific = chip.endswith("a")
    built = int(chip[3:].rstrip("a"))
    has = 10 * major + minor
    if arch_specific:
        return has == built
    return has // 10 == built // 10 and has >= built


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    args = parser.parse_args()
    major, minor = torch.cuda.get_device_capability()
    name = torch.cuda.get_device_name()
    print(f"device: {name}, compute capability {major}.{minor}")
    failures = 0
    for case in cases.target_libraries():
        chip = case[-1]
        layer = sas_mlir.cuda.load(
            os.path.join(args.libs, cases.lib_name(*case)))
        q = torch.randn(layer.input_shape, dtype=layer.dtype, device="cuda")
        weights = {key: 0.1 * torch.randn(shape, dtype=layer.dtype,
                                          device="cuda")
                   for key, shape in layer.parameters}
        expected = runs_on(chip, major, minor)
        try:
            out = layer(q, q, q, weights)
            torch.cuda.synchronize()
            ok = expected and bool(torch.isfinite(out).all())
            print(f"{'ok  ' if ok else 'FAIL'} {chip}: ran "
                  f"({'expected' if expected else 'should have refused'})")
        except RuntimeError as error:
            message = str(error)
            ok = (not expected and chip in message and name in message)
            print(f"{'ok  ' if ok else 'FAIL'} {chip}: refused: {message}")
        failures += not ok
    print(f"target_check.py: {3 - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
