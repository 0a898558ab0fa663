"""Builds the layer libraries of the GPU check and benchmark (cases.py)
with sas-run --target cuda, in parallel, into DIR/, and packs them into
DIR.tar.xz (the cubins compress about 20 times) for the GPU machine, with
build-info.json (the commit they were built from, for the run's summary).

    /usr/bin/python3 benchmarks/gpu/build_libs.py [--sas-run build/bin/sas-run]
        [--out gpu-libs] [--jobs 2]
        [--only check|bench|attention|target|sweep|parity|layer-backward
                |training|variants ...]
        [--force] [--chip CHIP] [--gpu-pipeline-options OPTIONS]

--only sweep builds the libraries of issue 21's shape sweep (each for its
own B and T), --only parity the any-size libraries whose attention
sweep.py --parity times at every q/k head size, --only layer-backward the
libraries built with the layer's backward (sas-run --backward,
cases.LAYER_BACKWARD_CASES, named *_backward.so; layer_backward.py),
--only training the tiny LM's (cases.TRAINING_CASE, with the backward;
run_on_gpu.sh training); none of these is in the default. A library that two sets share is built once; one already in DIR
is reused only if it is newer than sas-run (--force: rebuild all). The archive holds
the libraries of this invocation only: name every set the GPU run needs.

--chip and --gpu-pipeline-options build the same libraries (same names)
another way, for a same-run comparison of their kernels: e.g. --only bench
--out gpu-libs/peaa192 --gpu-pipeline-options peaa-column-tile=192, then
kernel_profile.py --libs gpu-libs/peaa192/libs on the GPU machine.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases  # noqa: E402


def is_current(path, sas_run):
    """A library is reused only if it is newer than the sas-run that would
    build it (the code generators are linked into sas-run)."""
    return (os.path.exists(path)
            and os.path.getmtime(path) > os.path.getmtime(sas_run))


def build(sas_run, out_dir, case, force, chip=None, options=None,
          backward=False):
    b, t, h, d, hs, ds, k, causal, dtype = case[:9]
    path = os.path.join(out_dir, cases.layer_backward_name(case) if backward
                        else cases.lib_name(*case))
    chip = chip or (case[9] if len(case) > 9 else "sm_90a")
    if is_current(path, sas_run) and not force:
        return path
    cmd = [sas_run, "--target", "cuda", "--emit-lib", path, "--heads", str(h),
           "--head-dim", str(d), "--sim-heads", str(hs), "--sim-head-dim",
           str(ds), "--kernel", str(k), "--dtype", dtype, "--chip", chip]
    if b is not None:
        cmd += ["--batch", str(b), "--seq-len", str(t)]
    if not causal:
        cmd.append("--no-causal")
    if options:
        cmd += ["--gpu-pipeline-options", options]
    if backward:
        cmd.append("--backward")
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{result.stderr}")
    return path


def build_variant(sas_run, out_dir, variant, force):
    """A tiling variant of cases.tiling_variants() (kernel size 1: only its
    attention entry is timed)."""
    name, b, t, h, d, hs, ds, options, chip = variant
    path = os.path.join(out_dir, name)
    if is_current(path, sas_run) and not force:
        return path
    cmd = [sas_run, "--target", "cuda", "--emit-lib", path, "--batch", str(b),
           "--seq-len", str(t), "--heads", str(h), "--head-dim", str(d),
           "--sim-heads", str(hs), "--sim-head-dim", str(ds), "--kernel", "1",
           "--dtype", "bf16", "--chip", chip, "--gpu-pipeline-options",
           options]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{result.stderr}")
    return path


def build_info(args):
    """What the libraries were built from, for the run's summary
    (summarize.py): the commit, whether the tree had changes, the options."""
    def git(*cmd):
        # GIT_OPTIONAL_LOCKS=0: git status leaves the index alone.
        r = subprocess.run(["git", *cmd], capture_output=True, text=True,
                           env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"))
        return r.stdout.strip() if r.returncode == 0 else None
    status = git("status", "--porcelain", "--untracked-files=no")
    return dict(commit=git("rev-parse", "--short", "HEAD"),
                uncommitted_changes=bool(status) if status is not None else None,
                built=datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%d %H:%M UTC"),
                only=args.only, chip=args.chip,
                gpu_pipeline_options=args.gpu_pipeline_options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sas-run", default="build/bin/sas-run")
    parser.add_argument("--out", default="gpu-libs")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="+",
                        choices=("check", "bench", "attention", "target",
                                 "sweep", "parity", "layer-backward",
                                 "training", "variants"),
                        help="these sets of libraries (default: check, "
                             "bench, attention, target)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild libraries that exist")
    parser.add_argument("--chip", help="build every library for this chip")
    parser.add_argument("--gpu-pipeline-options",
                        help="sas-gpu-pipeline options for every library")
    parser.add_argument("--dtype", choices=("bf16", "f16", "f32"),
                        help="only the libraries of this storage type (f32: "
                             "the layers whose every op runs on the linalg "
                             "path)")
    args = parser.parse_args()
    todo = []
    def wanted(name):
        return args.only is None or name in args.only

    if wanted("check"):
        todo += cases.check_libraries()
    if wanted("bench"):
        todo += list(cases.bench_libraries())
    if wanted("attention"):
        todo += list(cases.attention_libraries())
    if wanted("target"):
        todo += list(cases.target_libraries())
    if args.only and "sweep" in args.only:  # issue 21's shape sweep
        todo += list(cases.sweep_libraries())
    if args.only and "parity" in args.only:  # sweep.py --parity
        todo += list(cases.parity_libraries())
    # One build a library file: sets share some (check's any-size
    # libraries and attention's, check's extra cases and the sweep's), and
    # two builds of one path at once would race.
    todo = list({cases.lib_name(*case): case for case in todo}.values())
    if args.dtype:
        todo = [case for case in todo if case[8] == args.dtype]
    if args.only and "variants" in args.only:  # the tiling sweep, not packed
        out = os.path.join(args.out, "variants")
        os.makedirs(out, exist_ok=True)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            paths = list(pool.map(
                lambda v: build_variant(args.sas_run, out, v, args.force),
                cases.tiling_variants()))
        print(f"built {len(paths)} tiling variants into {out}")
        return
    libs = os.path.join(args.out, "libs")
    os.makedirs(libs, exist_ok=True)
    # The layer backward's libraries (sas-run --backward; layer_backward.py).
    backward = []
    if args.only and "layer-backward" in args.only:
        backward += cases.LAYER_BACKWARD_CASES + \
            cases.LAYER_BACKWARD_BENCH_CASES
    if args.only and "training" in args.only:
        backward.append(cases.TRAINING_CASE)
    backward = [case for case in dict.fromkeys(backward)
                if args.dtype is None or case[8] == args.dtype]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        paths = list(pool.map(
            lambda c: build(args.sas_run, libs, c, args.force, args.chip,
                            args.gpu_pipeline_options), todo))
        paths += list(pool.map(
            lambda c: build(args.sas_run, libs, c, args.force, args.chip,
                            args.gpu_pipeline_options, backward=True),
            backward))
    info = os.path.join(libs, "build-info.json")
    with open(info, "w") as f:
        json.dump(build_info(args), f, indent=1)
    archive = os.path.join(args.out, "libs.tar.xz")
    with tarfile.open(archive, "w:xz") as tar:
        for path in paths + [info]:
            tar.add(path, arcname=os.path.basename(path))
    print(f"built {len(paths)} libraries into {libs}, packed into {archive} "
          f"({os.path.getsize(archive) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
