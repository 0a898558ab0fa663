"""One check.py case, looked at closely: the library's relative error and
PyTorch's own (the reference module run in the same 16-bit type, and in
f32) against the same float64 reference on the same inputs and seed.
Tells a library that loses precision from inputs on which the storage type
itself cannot meet check.py's threshold.

    python3 benchmarks/gpu/precision.py --libs gpu-libs/libs \\
        --case "(1, 1024, 2, 48, 2, 96, 1, True, 'bf16')" --seed 1796055847
"""

import argparse
import ast
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python-bindings"))
import check  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libs", default="gpu-libs/libs")
    parser.add_argument("--case", required=True,
                        help="(b, t, h, d, sim_heads, sim_head_dim, kernel, "
                        "causal, dtype), as check.py's cases")
    parser.add_argument("--seed", type=int, required=True,
                        help="the case's seed (check.py's JSON has it; a run's "
                        "summary.json lists its failing cases' seeds)")
    args = parser.parse_args()
    case = tuple(ast.literal_eval(args.case))
    dtype = case[-1]
    print("library (built for B, T; any B, T):",
          check.run_case(args.libs, case, args.seed))
    for name in (dtype, "f32"):
        print(f"PyTorch in {name}:",
              check.pytorch_error(case, args.seed, name))


if __name__ == "__main__":
    main()
