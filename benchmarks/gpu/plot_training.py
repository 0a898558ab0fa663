"""Draws the loss curves of examples/train_tiny_lm.py runs (their --json
outputs, gzipped or not) into one SVG: the loss of every step, thin, and its mean over a
window of --window steps, thick; one colour a run, the legend giving each
run's final loss and tokens per second. No plotting library: the SVG is
written by hand, so that the build machine needs nothing new.

    /usr/bin/python3 benchmarks/gpu/plot_training.py RUN.json ... \\
        --out docs/training-loss.svg [--title TEXT] [--window 25]
"""

import argparse
import gzip
import json
import math

WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 40, 48
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
NAMES = {"sas_mlir": "SAS-MLIR (SASLayer)", "official": "official module",
         "mha": "MHA"}


def moving_mean(values, window):
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def nice_ticks(low, high, count=6):
    """Round tick values covering [low, high]."""
    span = high - low
    step = 10 ** math.floor(math.log10(span / count))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= count:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def draw(runs, title, window):
    steps = max(len(r["losses"]) for r in runs)
    smoothed = [moving_mean(r["losses"], window) for r in runs]
    # The y range from the smoothed curves past the first few steps: the
    # initial loss (~5.5 for bytes) would flatten everything else.
    skip = min(steps // 20, 50)
    low = min(min(s[skip:]) for s in smoothed)
    high = max(max(s[skip:]) for s in smoothed)
    low, high = low - 0.05 * (high - low), high + 0.05 * (high - low)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(step):
        return LEFT + plot_w * step / max(steps - 1, 1)

    def y(loss):
        loss = min(max(loss, low), high)
        return TOP + plot_h * (high - loss) / (high - low)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
           f'height="{HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" '
           f'font-size="14">{title}</text>']
    for tick in nice_ticks(low, high):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}"'
                   f' y2="{y(tick):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
                   f'text-anchor="end">{tick:g}</text>')
    for tick in nice_ticks(0, steps):
        out.append(f'<text x="{x(tick):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                   f'text-anchor="middle">{tick:g}</text>')
    out += [f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" '
            'fill="none" stroke="#444"/>',
            f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" '
            'text-anchor="middle">step</text>',
            f'<text x="16" y="{TOP + plot_h / 2}" text-anchor="middle" '
            f'transform="rotate(-90 16 {TOP + plot_h / 2})">training loss '
            f'(thin: each step; thick: mean of {window})</text>']
    for i, (run, smooth) in enumerate(zip(runs, smoothed)):
        colour = COLOURS[i % len(COLOURS)]
        raw = " ".join(f"{x(s):.1f},{y(v):.1f}"
                       for s, v in enumerate(run["losses"]))
        line = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in enumerate(smooth))
        out.append(f'<polyline points="{raw}" fill="none" stroke="{colour}" '
                   'stroke-opacity="0.25" stroke-width="0.7"/>')
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                   'stroke-width="2"/>')
        label = (f"{NAMES.get(run['attention'], run['attention'])}, "
                 f"{run.get('dtype', '?')}: final "
                 f"{run['final_loss']:.4f}, "
                 f"{run['tokens_per_second'] / 1e3:.1f}k tokens/s")
        ly = TOP + 18 + 18 * i
        out.append(f'<line x1="{WIDTH - RIGHT - 300}" x2="{WIDTH - RIGHT - 276}"'
                   f' y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}" '
                   'stroke-width="2"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 270}" y="{ly}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--title", default="examples/train_tiny_lm.py")
    parser.add_argument("--window", type=int, default=25)
    args = parser.parse_args()
    runs = []
    for path in args.runs:
        with (gzip.open(path, "rt") if path.endswith(".gz")
              else open(path)) as f:
            run = json.load(f)
        if not run.get("losses"):
            parser.error(f"{path}: no per-step losses (not a "
                         "train_tiny_lm.py --json output?)")
        runs.append(run)
    with open(args.out, "w") as f:
        f.write(draw(runs, args.title, args.window))


if __name__ == "__main__":
    main()
