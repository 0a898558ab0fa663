"""The spread of check.py's 16-bit errors over runs: for each check.py log
given (plain or gzipped), the median, 90th percentile and largest relative
error of the matrix's bf16 and f16 cases (the cases.check_cases() matrix,
H = 2, D = 48; not the extra cases), from the logs' "rel. error" lines.

    python3 benchmarks/gpu/error_spread.py \\
        benchmarks/gpu/results/layer-kernels/check.log.gz \\
        benchmarks/gpu/results/sm90a-token-kernels/*/check*.log.gz
"""

import gzip
import re
import statistics
import sys

LINE = re.compile(r"K=\d+ G=\d+ D'=(\d+) .* (bf16|f16 ) rel\. error ([0-9.e+-]+)")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        errors = []
        with (gzip.open(path, "rt") if path.endswith(".gz")
              else open(path)) as log:
            for line in log:
                m = LINE.search(line)
                # The matrix's D' is D = 48 or 2D = 96.
                if m and m.group(1) in ("48", "96"):
                    errors.append(float(m.group(3)))
        if not errors:
            print(f"{path}: no 16-bit matrix cases")
            continue
        errors.sort()
        print(f"{path}: {len(errors)} cases, median {statistics.median(errors):.2e}, "
              f"90th percentile {errors[int(0.9 * len(errors))]:.2e}, "
              f"largest {errors[-1]:.2e}")


if __name__ == "__main__":
    main()
