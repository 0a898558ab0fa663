"""Turns one GPU run's raw outputs into the small summary that is kept in
the repository, RUN_DIR/summary.json, which report.py reads.

    python3 benchmarks/gpu/summarize.py RUN_DIR [--date YYYY-MM-DD]
        [--commit SHA] [--note TEXT] [--raw COMMIT:PATH] [--out FILE]

RUN_DIR is what run_on_gpu.sh writes: gpu.txt (nvidia-smi: card, driver),
build-info.json (build_libs.py: the commit the libraries were built from),
and the JSON and logs of bench.py (whole layers), attention.py bench and
check, check.py and kernel_profile.py, compute-sanitizer's logs, and the
JSON of sweep.py and sweep.py --parity (issue 21's shape sweep: each
shape's verdict, times and SDPA backend, the pass count and the worst
ratios), of layer_backward.py check and bench and of
examples/train_tiny_lm.py (the layer backward's tally and medians; a
training run's final loss and tokens per second), and of
attention_backward.py check and bench (the attention
backward: its pass/fail tally with the largest errors, ours and SDPA's;
each benchmark config's medians, ratios to SDPA and SDPA backend; its
JSON only, its logs are not read). Every JSON
file of those scripts is read, whatever its name (bench-bound.json,
profile-nospill.json, ...); a log without a JSON of the same name is read
for the lines those scripts print (numbers at their printed precision:
ms to 3 decimals, TFLOP/s and ratios as printed), `== NAME` lines in a log
opening a section of its own (A/B logs). run*.log, the whole run's output,
is read only for the kinds of result no other file of the run gave.

The summary keeps, for each source file (by name): the medians as measured
(JSON: full precision), the configs and shapes, the SDPA backend where the
scripts recorded it, and, of check.py and attention.py check, a pass/fail
tally with the largest error of each storage type and every failing case.
Per-case arrays (every check case, kernel launch geometry, TFLOP/s, which
follow from ms and the shapes) are not kept. --date, --commit and --note
fill what the run did not record (its date: today by default); --raw says
where the raw files stay when they are not kept (a git commit and path).
"""

import argparse
import datetime
import json
import os
import re
import sys

SANITIZER = re.compile(r"=+ (ERROR SUMMARY: .*|RACECHECK SUMMARY: .*)$")
CHECK_HEAD = re.compile(r"^check\.py: seed (\d+), (.*), torch (\S+)")
CHECK_LINE = re.compile(
    r"^(ok  |FAIL) K=(\d+) G=(\d+) D'=(\d+) T=(\d+) B=(\d+) (causal|full) +"
    r"(\w+) +(.*)$")
# check.py --sweep checks only the library built for B and T, and names H
# and D.
CHECK_ERRORS = re.compile(r"rel\. error ([0-9.e+-]+|inf) \(built for B, T\)"
                          r"(?:, ([0-9.e+-]+|inf) \(any B, T\))?(?:; PyTorch's "
                          r"own \w+ module: ([0-9.e+-]+))?")
CHECK_HEADS = re.compile(r"^H=(\d+) D=(\d+) ")
TALLY = re.compile(r"^(check\.py|attention\.py check): (\d+) passed, (\d+) failed")
ATT_CHECK_HEAD = re.compile(r"^attention\.py check: seed (\d+), (.*), torch (\S+)")
ATT_CHECK_LINE = re.compile(
    r"^(ok  |FAIL) (\S+) +(\w+) +(causal|full) +H'=(\d+) D'=(\d+) D=(\d+) "
    r"B=(\d+) T= *(\d+) rel\. error ([0-9.e+-]+|inf)")
BENCH_HEAD = re.compile(r"^bench\.py: (.*), torch (\S+), bf16, median of (\d+)")
BENCH_CONFIG = re.compile(r"^B=(\d+) T=(\d+) H=(\d+) D=(\d+) -> H'=(\d+) "
                          r"D'=(\d+) K=(\d+) +\(library vs eager: rel\. diff "
                          r"([0-9.e+-]+)\)")
BENCH_ROW = re.compile(r"^  (\w+) +([0-9.]+) ms +([0-9.]+) TFLOP/s")
ATT_BENCH_HEAD = re.compile(r"^attention\.py bench: (.*), torch (\S+), .*median "
                            r"of (\d+)")
ATT_BENCH_LINE = re.compile(
    r"^(\S+) (\S+) B=(\d+) T=(\d+) H'=(\d+) D'=(\d+) D=(\d+): sas_mlir "
    r"([0-9.]+) ms (\d+) TFLOP/s, sdpa ([0-9.]+) ms (\d+) TFLOP/s, ratio "
    r"([0-9.]+) \(rel\. diff ([0-9.e+-]+)(?:; SDPA backend (.+))?\)$")
PROFILE_HEAD = re.compile(r"^profile\.py: B=(\d+) T=(\d+) H=(\d+) D=(\d+) -> "
                          r"H'=(\d+) D'=(\d+) K=(\d+), (\d+) kernels, ([0-9.]+) "
                          r"ms of kernel time per call")
PROFILE_ROW = re.compile(r"^ +([0-9.]+) ms +[0-9.]+% +(\S+) +grid")
SECTION = re.compile(r"^== (.*\S)\s*$")

CONFIG_KEYS = ("batch", "seq_len", "heads", "head_dim", "sim_heads",
               "sim_head_dim", "kernel")


def read_text(path):
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", errors="replace") as f:
        return f.read()


# --- JSON outputs ----------------------------------------------------------

def json_kind(data):
    """Which script wrote `data`: layer (bench.py), attention (attention.py
    bench, bench.py --attention-only), check (check.py), attention_check
    (attention.py check), profile (kernel_profile.py), sweep and parity
    (sweep.py), backward_check and backward_bench (attention_backward.py),
    layer_backward_check and layer_backward_bench (layer_backward.py),
    training (examples/train_tiny_lm.py), training_profile
    (training_profile.py), op_overhead (op_overhead.py), or None."""
    if isinstance(data, list) and data and "kernels" in data[0]:
        return "profile"
    if isinstance(data, dict) and "kernels" in data:
        return "profile"
    if isinstance(data, dict) and data.get("kind") in (
            "sweep", "parity", "backward_check", "backward_bench",
            "layer_backward_check", "layer_backward_bench", "training",
            "training_profile", "op_overhead"):
        # sweep.py (--parity), attention_backward.py, layer_backward.py,
        # examples/train_tiny_lm.py, training_profile.py, op_overhead.py
        return data["kind"]
    if isinstance(data, dict) and "losses" in data and "attention" in data:
        return "training"  # train_tiny_lm.py before it wrote its kind
    results = data.get("results") if isinstance(data, dict) else None
    if not results:
        return None
    first = results[0]
    if "config" in first and "ms" in first:
        return "layer"
    if "ms" in first and "chip" in first:
        return "attention"
    if "error" in first and "kernel" in first:
        return "check"
    if "error" in first and "chip" in first:
        return "attention_check"
    return None


def layer_from_json(data):
    rows = []
    for r in data["results"]:
        c = r["config"]
        gflop = r.get("gflop", {})
        row = dict(config=[c[k] for k in CONFIG_KEYS], ms=r["ms"],
                   gflop={"sas": gflop.get("sas_eager"),
                          "mha": gflop.get("mha"),
                          "core_sim_size": gflop.get("core_sim_size")},
                   rel_diff_vs_eager=r.get("agreement_with_eager"))
        if "sdpa_backend" in r:
            row["sdpa_backend"] = r["sdpa_backend"]
        rows.append(row)
    return dict(device=data.get("device"), torch=data.get("torch"), rows=rows)


def attention_from_json(data):
    rows = []
    for r in data["results"]:
        chip, _, lib = r["chip"].partition(" ")
        row = dict(chip=chip, library=lib or None,
                   shape=[r["batch"], r["seq_len"], r["sim_heads"],
                          r["sim_head_dim"], r["head_dim"]],
                   ms=r["ms"], gflop=r["gflop"],
                   rel_diff_vs_sdpa=r.get("rel_diff_vs_sdpa"))
        if "sdpa_backend" in r:
            row["sdpa_backend"] = r["sdpa_backend"]
        rows.append(row)
    return dict(device=data.get("device"), torch=data.get("torch"),
                seed=data.get("seed"), rows=rows)


# A profile keeps its slowest kernels by name and the others as one sum (a
# backward library launches about 500).
PROFILE_KERNELS = 20


def slowest_kernels(kernels):
    """The PROFILE_KERNELS slowest of `kernels` ({name, us}), and the count
    and time of the rest."""
    ranked = sorted(kernels, key=lambda k: -k["us"])
    rest = ranked[PROFILE_KERNELS:]
    return dict(kernels=ranked[:PROFILE_KERNELS], other_kernels=len(rest),
                other_us=sum(k["us"] for k in rest))


def profile_from_json(data):
    rows = []
    for p in (data if isinstance(data, list) else [data]):
        # Each kernel's floors follow from the config and its name
        # (kernel_profile.kernel_floors); their sum is kept.
        kernels = [dict(name=k["name"], us=k["us"]) for k in p["kernels"]]
        rows.append(dict(config=list(p["case"][:7]), total_us=p["total_us"],
                         floor_us=p.get("floor_us"),
                         **slowest_kernels(kernels)))
    return dict(rows=rows)


def picked(data, *keys):
    """{key: data[key]} for `keys`, None where absent."""
    return {k: data.get(k) for k in keys}


def tally(results, case_keys, extra=None):
    """Pass/fail tally of check.py's or attention.py check's results."""
    largest, failures = {}, []
    for r in results:
        err = r["error"]
        if err is not None:
            largest[r["dtype"]] = max(largest.get(r["dtype"], 0.0), err)
        if not r["passed"]:
            failures.append({k: r[k] for k in case_keys + ("error", "seed")
                             if k in r})
    passed = sum(r["passed"] for r in results)
    failed = len(results) - passed
    out = dict(tally=f"{passed} passed, {failed} failed", passed=passed,
               failed=failed, largest_error=largest, failures=failures)
    out.update(extra or {})
    return out


CHECK_CASE = ("kernel", "groups", "sim_head_dim", "seq_len", "batch", "causal",
              "dtype", "heads", "head_dim")
ATT_CHECK_CASE = ("chip", "dtype", "causal", "sim_heads", "sim_head_dim",
                  "head_dim", "batch", "seq_len")


def check_from_json(data):
    return tally(data["results"], CHECK_CASE,
                 dict(seed=data.get("seed"), device=data.get("device")))


def attention_check_from_json(data):
    return tally(data["results"], ATT_CHECK_CASE,
                 dict(seed=data.get("seed"), device=data.get("device"),
                      torch=data.get("torch")))


SWEEP_CASE = ("batch", "seq_len", "heads", "head_dim", "sim_heads",
              "sim_head_dim", "kernel", "causal", "dtype")


def sweep_from_json(data):
    """sweep.py: each shape's verdict, error, times (ms of the layer and of
    torch.compile, of the attention and of SDPA), SDPA's backend and any
    linalg kernel of a 16-bit layer; sweep.py's own tally and worst
    ratios."""
    rows = []
    for r in data["results"]:
        row = dict(shape=[r["case"][k] for k in SWEEP_CASE],
                   passed=r["passed"], error=r.get("error"))
        for key in ("failure", "timing_failure"):
            if key in r:
                row[key] = r[key]
        if r.get("slow_path"):
            row["linalg_kernels"] = r["linalg_kernels"]
        if "layer" in r:
            row["ms"] = dict(r["layer"]["ms"])
        if "attention" in r:
            row["ms"].update(attention=r["attention"]["ms"]["sas_mlir"],
                             sdpa=r["attention"]["ms"]["sdpa"])
            row["sdpa_backend"] = r["attention"]["sdpa_backend"]
        rows.append(row)
    return dict(picked(data, "device", "torch", "seed", "part", "filter",
                       "summary"), rows=rows)


def parity_from_json(data):
    """sweep.py --parity: for each q/k head size E and v head size F, the
    check's verdict and error, the medians of the attention and of SDPA,
    SDPA's backend and the attention kernel's path."""
    rows = []
    for r in data["results"]:
        row = dict(head_sizes=[r["sim_head_dim"], r["head_dim"]],
                   shape=[r["batch"], r["seq_len"], r["sim_heads"]],
                   passed=r["passed"], error=r.get("error"))
        for key in ("failure", "ms", "gflop", "sdpa_backend",
                    "attention_paths"):
            if key in r:
                row[key] = r[key]
        rows.append(row)
    return dict(device=data.get("device"), torch=data.get("torch"),
                seed=data.get("seed"), summary=data.get("summary"),
                rows=rows)


BACKWARD_CHECK_CASE = ATT_CHECK_CASE + ("errors", "failure")


def backward_check_from_json(data):
    """attention_backward.py check: the tally (a case's error: the largest
    of out, dq, dk, dv; a call the library refused has none), the largest
    log-sum-exp error and SDPA's largest gradient error of each dtype, and
    every failing case with its errors or the library's message."""
    results = data["results"]
    lse, sdpa, key_sums = {}, {}, {}
    for r in results:
        dtype = r["dtype"]
        if "errors" in r:
            lse[dtype] = max(lse.get(dtype, 0.0), r["errors"]["lse"])
        sdpa_errors = r.get("sdpa_errors") or {}
        for n in ("dq", "dk", "dv"):
            if sdpa_errors.get(n) is not None:
                sdpa[dtype] = max(sdpa.get(dtype, 0.0), sdpa_errors[n])
        # The sum over keys of d_k (zero in exact arithmetic), ours and
        # SDPA's, where the check measured it.
        ours = (r.get("errors") or {}).get("dk_sum")
        if ours is not None and sdpa_errors.get("dk_sum") is not None:
            worst = key_sums.setdefault(dtype, [0.0, 0.0])
            worst[0] = max(worst[0], ours)
            worst[1] = max(worst[1], sdpa_errors["dk_sum"])
    return tally(results, BACKWARD_CHECK_CASE,
                 dict(largest_lse_error=lse, largest_sdpa_error=sdpa,
                      largest_key_sum_error=key_sums,
                      seed=data.get("seed"), device=data.get("device"),
                      torch=data.get("torch")))


def backward_bench_from_json(data):
    """attention_backward.py bench: each config's medians (ms of the
    library's backward and forward + backward and of SDPA's), the ratios
    (SDPA's time over the library's), SDPA's backend, or why it failed."""
    rows = []
    for r in data["results"]:
        chip, _, lib = r["chip"].partition(" ")
        row = dict(chip=chip, library=lib or None,
                   shape=[r["batch"], r["seq_len"], r["sim_heads"],
                          r["sim_head_dim"], r["head_dim"]])
        for key in ("failure", "ms", "gflop", "ratio", "rel_diff_vs_sdpa",
                    "sdpa_backend"):
            if key in r:
                row[key] = r[key]
        rows.append(row)
    return dict(device=data.get("device"), torch=data.get("torch"),
                iters=data.get("iters"), passed=data.get("passed"),
                failed=data.get("failed"), rows=rows)


def layer_backward_check_from_json(data):
    """layer_backward.py check: the tally and, per case, how it passed
    ("3e-2", "PyTorch": no worse than PyTorch's own worst, or None) with
    the worst gradient of ours and of PyTorch's 16-bit module."""
    cases = []
    for r in data["results"]:
        row = dict(case=r.get("case"), b=r.get("b"), t=r.get("t"),
                   seed=r.get("seed"), passed=r.get("passed"),
                   verdict=r.get("verdict"))
        for key, errors in (("worst", r.get("errors")),
                            ("torch_worst", r.get("torch_errors"))):
            if errors:
                name = max(errors, key=errors.get)
                row[key] = [name, errors[name]]
        if "error" in r:
            row["error"] = r["error"]
        cases.append(row)
    return dict(picked(data, "passed", "failed", "seed", "device", "torch",
                       "threshold"), cases=cases)


def layer_backward_bench_from_json(data):
    """layer_backward.py bench: for each config its shape, the medians and
    the peak device memory of each forward + backward (one config, shape
    at the top, before --configs)."""
    out = picked(data, "device", "torch", "shape", "iters", "ms",
                 "peak_bytes")
    if "configs" in data:
        out["configs"] = [picked(c, "config", "shape", "iters", "ms",
                                 "peak_bytes") for c in data["configs"]]
    return out


def training_from_json(data):
    """examples/train_tiny_lm.py: the final loss, tokens per second, the
    model, and the loss every tenth step."""
    out = picked(data, "attention", "device", "dtype", "compile",
                 "compile_mode", "steps", "final_loss", "tokens_per_second",
                 "config")
    out["loss_every_10"] = data.get("losses", [])[::10]
    return out


def training_profile_from_json(data):
    """training_profile.py: a step's wall and kernel time, and its slowest
    kernels."""
    return picked(data, "attention", "compile_mode", "batch", "seq_len",
                  "layers", "wall_ms_per_step", "kernels_per_step",
                  "kernel_ms_per_step", "sas_ops_host_ms_per_step",
                  "top_kernels_us_per_step")


def op_overhead_from_json(data):
    """op_overhead.py: the host's microseconds a call at each level."""
    return picked(data, "batch", "seq_len", "us_per_call")


FROM_JSON = {"layer": layer_from_json, "attention": attention_from_json,
             "profile": profile_from_json, "check": check_from_json,
             "attention_check": attention_check_from_json,
             "sweep": sweep_from_json, "parity": parity_from_json,
             "backward_check": backward_check_from_json,
             "backward_bench": backward_bench_from_json,
             "layer_backward_check": layer_backward_check_from_json,
             "layer_backward_bench": layer_backward_bench_from_json,
             "training": training_from_json,
             "training_profile": training_profile_from_json,
             "op_overhead": op_overhead_from_json}


# --- logs ------------------------------------------------------------------

def parse_log(text):
    """{kind: [(section, summary)]} of the scripts' printed lines."""
    found = {}
    section = None
    state = None  # the block being read: (kind, dict)

    def start(kind, block):
        nonlocal state
        state = (kind, block)
        found.setdefault(kind, []).append((section, block))

    for line in text.splitlines():
        m = SECTION.match(line)
        if m:
            section, state = m.group(1), None
            continue
        m = CHECK_HEAD.match(line)
        if m:
            start("check", dict(seed=int(m.group(1)), device=m.group(2),
                                results=[]))
            continue
        m = ATT_CHECK_HEAD.match(line)
        if m:
            start("attention_check", dict(seed=int(m.group(1)),
                                          device=m.group(2),
                                          torch=m.group(3), results=[]))
            continue
        m = BENCH_HEAD.match(line)
        if m:
            start("layer", dict(device=m.group(1), torch=m.group(2), rows=[]))
            continue
        m = ATT_BENCH_HEAD.match(line)
        if m:
            start("attention", dict(device=m.group(1), torch=m.group(2),
                                    rows=[]))
            continue
        m = PROFILE_HEAD.match(line)
        if m:
            block = dict(config=[int(x) for x in m.group(*range(1, 8))],
                         total_us=float(m.group(9)) * 1e3, kernels=[])
            if state and state[0] == "profile":
                state[1]["rows"].append(block)
            else:
                start("profile", dict(rows=[block]))
            continue
        m = TALLY.match(line)
        if m and state and state[0] in ("check", "attention_check"):
            state[1]["printed"] = [int(m.group(2)), int(m.group(3))]
            state = None
            continue
        m = SANITIZER.search(line)
        if m:
            kind = "sanitize"
            found.setdefault(kind, []).append((section, m.group(1)))
            continue
        if state is None:
            # An A/B log may hold attention.py bench lines without its header.
            m = ATT_BENCH_LINE.match(line)
            if m:
                start("attention", dict(rows=[]))
            else:
                continue
        kind, block = state
        if kind == "check":
            m = CHECK_LINE.match(line)
            if m:
                e = CHECK_ERRORS.search(m.group(9))
                # check.py --sweep: only the library built for B and T.
                errors = ([float(x) for x in e.group(1, 2) if x is not None]
                          if e else None)
                # check.py's seed of a case: the run's seed plus its index.
                r = dict(seed=block["seed"] + len(block["results"]),
                         kernel=int(m.group(2)), groups=int(m.group(3)),
                         sim_head_dim=int(m.group(4)), seq_len=int(m.group(5)),
                         batch=int(m.group(6)), causal=m.group(7) == "causal",
                         dtype=m.group(8), passed=m.group(1) == "ok  ",
                         error=max(errors) if errors else None)
                heads = CHECK_HEADS.match(m.group(9))
                if heads:
                    r["heads"], r["head_dim"] = (int(x) for x in
                                                 heads.group(1, 2))
                if e and e.group(3):
                    r["pytorch_error"] = float(e.group(3))
                block["results"].append(r)
        elif kind == "attention_check":
            m = ATT_CHECK_LINE.match(line)
            if m:
                block["results"].append(dict(
                    chip=m.group(2), dtype=m.group(3),
                    causal=m.group(4) == "causal", sim_heads=int(m.group(5)),
                    sim_head_dim=int(m.group(6)), head_dim=int(m.group(7)),
                    batch=int(m.group(8)), seq_len=int(m.group(9)),
                    error=float(m.group(10)), passed=m.group(1) == "ok  "))
        elif kind == "layer":
            m = BENCH_CONFIG.match(line)
            if m:
                block["rows"].append(dict(
                    config=[int(x) for x in m.group(*range(1, 8))], ms={},
                    rel_diff_vs_eager=float(m.group(8))))
                continue
            m = BENCH_ROW.match(line)
            if m and block["rows"]:
                block["rows"][-1]["ms"][m.group(1)] = float(m.group(2))
        elif kind == "attention":
            m = ATT_BENCH_LINE.match(line)
            if m:
                row = dict(chip=m.group(1), library=m.group(2),
                           shape=[int(x) for x in m.group(3, 4, 5, 6, 7)],
                           ms={"sas_mlir": float(m.group(8)),
                               "sdpa": float(m.group(10))},
                           tflops={"sas_mlir": int(m.group(9)),
                                   "sdpa": int(m.group(11))},
                           ratio=float(m.group(12)),
                           rel_diff_vs_sdpa=float(m.group(13)))
                if m.group(14):
                    row["sdpa_backend"] = m.group(14)
                block["rows"].append(row)
        elif kind == "profile":
            m = PROFILE_ROW.match(line)
            if m:
                block["rows"][-1]["kernels"].append(
                    dict(name=m.group(2), us=float(m.group(1)) * 1e3))
    return found


def finish_log_block(kind, block):
    if kind in ("check", "attention_check"):
        results = block["results"]
        printed = block.pop("printed", None)
        counted = [sum(r["passed"] for r in results),
                   sum(not r["passed"] for r in results)]
        if printed is not None and printed != counted:
            raise ValueError(f"{kind}: the log's tally {printed} is not that "
                             f"of its lines {counted}")
    if kind == "check":
        results = block.pop("results")
        out = tally(results, CHECK_CASE, dict(seed=block.get("seed"),
                                              device=block.get("device")))
        for f, r in zip(out["failures"], [r for r in results
                                          if not r["passed"]]):
            if "pytorch_error" in r:
                f["pytorch_error"] = r["pytorch_error"]
        return out
    if kind == "attention_check":
        results = block.pop("results")
        return tally(results, ATT_CHECK_CASE, block)
    return block


# --- the run ---------------------------------------------------------------

def gpu_info(run_dir):
    """Card, driver, max SM clock and power limit from gpu.txt."""
    path = os.path.join(run_dir, "gpu.txt")
    if not os.path.exists(path):
        return {}
    lines = [x for x in read_text(path).splitlines() if x.strip()]
    if len(lines) < 2:
        return {}
    fields = [x.strip() for x in lines[1].split(",")]
    info = dict(gpu=fields[0], driver=fields[1] if len(fields) > 1 else None)
    if len(fields) > 3:
        info["max_sm_clock"] = fields[2]
        info["power_limit"] = fields[3]
    return info


def summarize(run_dir, date=None, commit=None, note=None, raw=None):
    files = sorted(os.listdir(run_dir))
    summary = dict(date=date, commit=commit, gpu=None, driver=None,
                   torch=None, sdpa_backend=None)
    summary.update(gpu_info(run_dir))
    build = os.path.join(run_dir, "build-info.json")
    if os.path.exists(build):
        info = json.load(open(build))
        summary["commit"] = commit or info.get("commit")
        summary["build"] = info
    if note:
        summary["note"] = note
    if raw:
        summary["raw_files"] = raw
    # Every kind a JSON holds, and compute-sanitizer's, from logs only.
    kinds = {k: {} for k in [*FROM_JSON, "sanitize"]}
    json_stems = set()
    for name in files:
        if not name.endswith(".json") or name in ("summary.json",
                                                  "build-info.json"):
            continue
        data = json.load(open(os.path.join(run_dir, name)))
        kind = json_kind(data)
        if kind:
            kinds[kind][name] = FROM_JSON[kind](data)
            json_stems.add(name[:-len(".json")])
    whole_run_logs = []
    for name in files:
        if not (name.endswith(".log") or name.endswith(".log.gz")):
            continue
        stem = name[:-len(".log.gz")] if name.endswith(".gz") else name[:-4]
        if stem in json_stems:
            continue
        if re.match(r"run\d*$", stem):
            whole_run_logs.append(name)
            continue
        add_log(kinds, name, read_text(os.path.join(run_dir, name)))
    for name in whole_run_logs:
        add_log(kinds, name, read_text(os.path.join(run_dir, name)),
                only_missing=True)
    for kind, sources in kinds.items():
        if sources:
            summary[kind] = sources
    # What the run's own outputs say about the software, where they say it.
    torch_versions, devices, backends = set(), set(), set()
    for kind in ("layer", "attention", "attention_check", "sweep",
                 "parity", "backward_check", "backward_bench"):
        for block in kinds[kind].values():
            if block.get("torch"):
                torch_versions.add(block["torch"])
            if block.get("device"):
                devices.add(block["device"])
            for row in block.get("rows", []):
                b = row.get("sdpa_backend")
                for v in (b.values() if isinstance(b, dict) else [b]):
                    if v:
                        backends.add(v)
    if torch_versions:
        summary["torch"] = ", ".join(sorted(torch_versions))
    if not summary["gpu"] and devices:
        summary["gpu"] = ", ".join(sorted(devices))
    if backends:
        summary["sdpa_backend"] = ", ".join(sorted(backends))
    for kind in kinds.values():  # said once, at the top, where all agree
        for block in kind.values():
            if isinstance(block, dict):
                for key, top in (("device", "gpu"), ("torch", "torch")):
                    if block.get(key) is not None and block[key] == summary[top]:
                        del block[key]
    return summary


def add_log(kinds, name, text, only_missing=False):
    for kind, blocks in parse_log(text).items():
        if only_missing and kinds[kind]:
            continue
        # Under Nsight Compute kernel_profile.py's own times mean nothing;
        # under compute-sanitizer only the sanitizer's verdict is kept.
        if name.startswith("ncu") and kind == "profile":
            continue
        if name.startswith("sanitize") and kind != "sanitize":
            continue
        if kind == "sanitize":
            kinds[kind][name] = [line for _, line in blocks]
            continue
        for i, (section, block) in enumerate(blocks):
            key = name
            if section:
                key += f"#{section}"
            if len([b for b in blocks if b[0] == section]) > 1:
                key += f"#{i + 1}"
            kinds[kind][key] = finish_log_block(kind, block)


def dump(value, indent=0):
    """JSON with every object or array that fits in 120 columns on one
    line: small to store, easy to read and diff."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= 120 or not isinstance(value, (dict, list)):
        return flat
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dump(v, indent + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + dump(v, indent + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--date", help="the run's date (default: today)")
    parser.add_argument("--commit", help="the commit the libraries were "
                        "built from (default: build-info.json's)")
    parser.add_argument("--note", help="one line on what the run measured")
    parser.add_argument("--raw", help="where the raw files stay, e.g. "
                        "COMMIT:benchmarks/gpu/results/RUN (git show)")
    parser.add_argument("--out", help="default: RUN_DIR/summary.json")
    args = parser.parse_args()
    date = args.date or datetime.date.today().isoformat()
    summary = summarize(args.run_dir, date, args.commit, args.note,
                        args.raw)
    out = args.out or os.path.join(args.run_dir, "summary.json")
    with open(out, "w") as f:
        f.write(dump(summary) + "\n")
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
