// Options outside the per-token kernels' limits are errors naming the limit.
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="feature-sim-warps=9" 2>&1 | FileCheck %s --check-prefix=WARPS
// WARPS: convert-sas-token-ops-to-gpu: warps must be between 1 and 8, got 9
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="feature-sim-row-tiles=0" 2>&1 | FileCheck %s --check-prefix=TILES
// TILES: convert-sas-token-ops-to-gpu: row tiles must be positive, got 0
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="peaa-column-tile=24" 2>&1 | FileCheck %s --check-prefix=COLUMNS
// COLUMNS: convert-sas-token-ops-to-gpu: peaa-column-tile must be 0 (automatic) or a multiple of 16 between 16 and 256, got 24
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="peaa-k-tile=128" 2>&1 | FileCheck %s --check-prefix=KTILE
// KTILE: convert-sas-token-ops-to-gpu: peaa-k-tile must be a multiple of 16 between 16 and 64, got 128
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="peaa-stages=1" 2>&1 | FileCheck %s --check-prefix=STAGES
// STAGES: convert-sas-token-ops-to-gpu: stages must be between 2 and 4, got 1
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="peaa-row-tiles=2 peaa-column-tile=256" 2>&1 | FileCheck %s --check-prefix=ACCUMULATORS
// ACCUMULATORS: convert-sas-token-ops-to-gpu: row tiles times the column tile must be at most 256 (the accumulators of a warp), got 2 x 256
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="peaa-warps=4 peaa-column-tile=256 peaa-k-tile=64 peaa-stages=4" 2>&1 | FileCheck %s --check-prefix=SHARED
// SHARED: convert-sas-token-ops-to-gpu: the PEAA ring needs 184320 bytes of shared memory, above the 101376 a block may use
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="head-sim-warps=16" 2>&1 | FileCheck %s --check-prefix=HEADSIM
// HEADSIM: convert-sas-token-ops-to-gpu: head-sim-warps must be 0 (automatic) or at most 8, got 16
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-ops-to-gpu="feature-sim-warps=2" 2>&1 | FileCheck %s --check-prefix=WGMMA
// WGMMA: convert-sas-token-ops-to-gpu: the wgmma kernel needs 4 or 8 warps (whole warpgroups), got 2
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-ops-to-gpu="peaa-warps=2" 2>&1 | FileCheck %s --check-prefix=WGMMA-PEAA
// WGMMA-PEAA: convert-sas-token-ops-to-gpu: the wgmma kernel needs 4 or 8 warps (whole warpgroups), got 2
func.func @empty() {
  return
}
