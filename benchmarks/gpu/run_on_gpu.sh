#!/usr/bin/env bash
# On the GPU machine (PyTorch, the CUDA driver, no MLIR): unpacks the layer
# libraries that build_libs.py packed and runs, writing logs and JSON to DIR
# (default $OUT, else gpu-results):
#   check      check.py (whole layers) and attention.py check (the attention
#              kernel alone), against float64 references; target_check.py
#              (a library for another chip is refused, naming both)
#   bench      bench.py (whole layers against PyTorch), attention.py bench
#              (the attention kernel against SDPA) and the per-kernel profile
#              of the first benchmark config
#   backward   attention_backward.py check (each 16-bit attention library's
#              sas_attention_forward_lse and sas_attention_backward against
#              float64 autograd, beside SDPA's own error), then its bench
#              (the backward, and forward + backward, against SDPA's on the
#              benchmark configs): backward-check and backward-bench .log
#              and .json (the libraries of build_libs.py's attention and
#              bench sets, built with the backward entries)
#   layer-backward  layer_backward.py check (the training step's pair of
#              each cases.LAYER_BACKWARD_CASES library against float64
#              autograd), its bench on the five configurations against
#              torch.compile, and torch_ops_cuda.py (the custom ops on CUDA:
#              gradients, opcheck, compile, export); needs build_libs.py
#              --only layer-backward
#   training   examples/train_tiny_lm.py, 1000 steps (TRAIN_STEPS) each of
#              SAS-MLIR, the official module and MHA under torch.compile
#              (mode COMPILE_MODE: default, or reduce-overhead for CUDA
#              graphs), same seed and data, then plot_training.py's
#              picture; first op_overhead.py (the SAS op's host time a call)
#              and training_profile.py of each (a step's wall and kernel
#              time); needs build_libs.py --only training
#   sanitize   compute-sanitizer memcheck and racecheck on check.py --extra
#              (every kernel of small bf16/f16 layers, tails included)
#   ncu        Nsight Compute (speed of light, occupancy, warp states) on
#              the kernels of config 2's layer, one call
#   ncu-stalls stall reasons, instructions and shared-memory bank conflicts
#              of config 2's head simulation, attention and PEAA
#   sass       cuobjdump -sass of the kernels dump_kernels.py wrote, with
#              their HMMA/LDSM/MUFU.EX2 counts
#   sweep      issue 21's shape sweep: sweep-shapes, then parity
#   sweep-shapes  sweep.py: every cases.SWEEP_CASES shape checked against
#              the float64 reference, its kernel paths, and (bf16 causal)
#              the layer against torch.compile and the attention against
#              SDPA; SWEEP_PART=I/N runs shapes I, I+N, ... only (to stay
#              under a time limit), as sweep-I-of-N.{log,json}
#   parity     sweep.py --parity: the attention against SDPA at every q/k
#              head size, T = 4096, B*H' = 96
#   (the sweep steps need build_libs.py --only sweep parity)
# check, bench and sass when no step is named. Last, summarize.py writes
# DIR/summary.json: card, driver, PyTorch, SDPA backend, the libraries'
# commit (build_libs.py's build-info.json), shapes, medians and pass/fail
# tallies (of the sweep: its pass count and worst ratios too; of the
# backward: its pass count, and each config's medians and ratios to SDPA).
#
#   bash benchmarks/gpu/run_on_gpu.sh [DIR] [check] [bench] [sass] [sweep]
#       [backward] [layer-backward] [training]
#
# What is kept in the repository, as benchmarks/gpu/results/RUN/: that
# summary.json, and only the logs a claim in docs/perf.md or docs/perf-log/
# cites (every check.py log too: error_spread.py reads them), those over
# 8 KB as gzip -9 .log.gz. The raw JSON, SASS and the rest stay out;
# benchmarks/gpu/report.py then regenerates perf.md's tables.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-gpu-results}}
shift || true
steps=${*:-check bench sass}
mkdir -p "$out" gpu-libs/libs
tar -xJf gpu-libs/libs.tar.xz -C gpu-libs/libs || exit 1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit \
  --format=csv > "$out/gpu.txt" 2>&1
cp gpu-libs/libs/build-info.json "$out/" 2>/dev/null
export PYTHONUNBUFFERED=1
status=0
run() { # NAME COMMAND...: the command's output to NAME.log
  local name=$1
  shift
  "$@" 2>&1 | tee "$out/$name.log" || status=1
}
for step in $steps; do
  case $step in
  check)
    run check python3 benchmarks/gpu/check.py --libs gpu-libs/libs \
      --json "$out/check.json"
    run attention-check python3 benchmarks/gpu/attention.py check \
      --libs gpu-libs/libs --json "$out/attention-check.json"
    run target-check python3 benchmarks/gpu/target_check.py \
      --libs gpu-libs/libs ;;
  bench)
    run bench python3 benchmarks/gpu/bench.py --libs gpu-libs/libs \
      --json "$out/bench.json"
    run attention-bench python3 benchmarks/gpu/attention.py bench \
      --libs gpu-libs/libs --json "$out/attention-bench.json"
    run profile python3 benchmarks/gpu/kernel_profile.py --libs gpu-libs/libs --config -1 \
      --json "$out/profile.json" ;;
  backward)
    run backward-check python3 benchmarks/gpu/attention_backward.py check \
      --libs gpu-libs/libs --json "$out/backward-check.json"
    run backward-bench python3 benchmarks/gpu/attention_backward.py bench \
      --libs gpu-libs/libs --json "$out/backward-bench.json" ;;
  layer-backward)
    run layer-backward-check python3 benchmarks/gpu/layer_backward.py check \
      --libs gpu-libs/libs --json "$out/layer-backward-check.json"
    run layer-backward-bench python3 benchmarks/gpu/layer_backward.py bench \
      --libs gpu-libs/libs --configs 1 2 3 4 5 --iters 10 \
      --json "$out/layer-backward-bench.json"
    run torch-ops-cuda python3 benchmarks/gpu/torch_ops_cuda.py \
      --libs gpu-libs/libs ;;
  training)
    lib=gpu-libs/libs/$(python3 -c "import sys; sys.path.insert(0, 'benchmarks/gpu'); import cases; print(cases.layer_backward_name(cases.TRAINING_CASE))")
    mode=${COMPILE_MODE:-default}
    run op-overhead python3 benchmarks/gpu/op_overhead.py --libs "$lib" \
      --json "$out/op-overhead.json"
    for a in sas_mlir official mha; do
      run "profile-$a" python3 benchmarks/gpu/training_profile.py \
        --attention "$a" --batch 8 --seed 1 --libs "$lib" \
        --compile-mode "$mode" --json "$out/profile-$a.json"
    done
    for a in sas_mlir official mha; do
      run "train-$a" python3 examples/train_tiny_lm.py --attention "$a" \
        --device cuda --dtype bf16 --compile --compile-mode "$mode" \
        --steps "${TRAIN_STEPS:-1000}" \
        --seed 1 --batch 8 --log-every 100 --libs "$lib" \
        --json "$out/train-$a.json"
    done
    run plot python3 benchmarks/gpu/plot_training.py \
      "$out"/train-{sas_mlir,official,mha}.json --out "$out/training-loss.svg" ;;
  sanitize)
    for tool in memcheck racecheck; do
      run "sanitize-$tool" timeout 240 compute-sanitizer --tool "$tool" \
        --error-exitcode 1 python3 benchmarks/gpu/check.py --extra \
        --libs gpu-libs/libs
    done ;;
  ncu)
    run ncu timeout 300 ncu --clock-control none --kernel-name regex:sas_layer_device \
      --launch-count 7 \
      --section SpeedOfLight --section Occupancy --section WarpStateStats \
      --section LaunchStats python3 benchmarks/gpu/kernel_profile.py \
      --libs gpu-libs/libs --config 1 --runs 1 ;;
  ncu-stalls)
    run ncu-stalls timeout 300 ncu --clock-control none \
      --kernel-name regex:"sas_layer_device_(head_sim_0|peaa_wgmma_0|attention_wgmma_0)" \
      --launch-count 3 \
      --metrics regex:smsp__average_warps_issue_stalled_.*_per_issue_active.ratio,smsp__inst_executed.sum,sm__warps_active.avg.pct_of_peak_sustained_active,l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum,l1tex__data_pipe_lsu_wavefronts_mem_shared.sum \
      python3 benchmarks/gpu/kernel_profile.py --libs gpu-libs/libs --config 1 --runs 1 ;;
  sweep | sweep-shapes | parity)
    if [ "$step" != parity ]; then
      name=sweep part=()
      if [ -n "${SWEEP_PART:-}" ]; then
        name="sweep-${SWEEP_PART%/*}-of-${SWEEP_PART#*/}"
        part=(--part "$SWEEP_PART")
      fi
      run "$name" python3 benchmarks/gpu/sweep.py --libs gpu-libs/libs \
        "${part[@]}" --json "$out/$name.json"
    fi
    if [ "$step" != sweep-shapes ]; then
      run parity python3 benchmarks/gpu/sweep.py --parity \
        --libs gpu-libs/libs --json "$out/parity.json"
    fi ;;
  sass)
    for cubin in gpu-libs/kernels/*.cubin; do
      name=$(basename "$cubin" .cubin)
      cuobjdump -sass "$cubin" > "$out/$name.sass" 2>&1 || status=1
      echo "$name: $(grep -c HGMMA "$out/$name.sass") HGMMA," \
        "$(grep -c HMMA "$out/$name.sass") HMMA," \
        "$(grep -c LDSM "$out/$name.sass") LDSM," \
        "$(grep -c MUFU.EX2 "$out/$name.sass") MUFU.EX2," \
        "$(grep -cE 'LDL|STL' "$out/$name.sass") local loads/stores" |
        tee -a "$out/sass.log"
    done ;;
  *) echo "run_on_gpu.sh: unknown step '$step'" >&2; exit 2 ;;
  esac
done
python3 benchmarks/gpu/summarize.py "$out" || status=1
exit $status
