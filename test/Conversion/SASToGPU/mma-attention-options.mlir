// Tiling outside the tensor-core kernel's limits is an error naming the limit.
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-warps=9" 2>&1 | FileCheck %s --check-prefix=WARPS
// WARPS: convert-sas-attention-to-gpu: warps must be between 1 and 8, got 9
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-key-tile=24" 2>&1 | FileCheck %s --check-prefix=KEYS
// KEYS: convert-sas-attention-to-gpu: key tile must be a multiple of 16 between 16 and 128, got 24
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-warp-rows=48" 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: convert-sas-attention-to-gpu: rows per warp must be 16 or 32, got 48
// 0 no longer picks by head size (32 is the default for every size).
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-warp-rows=0" 2>&1 | FileCheck %s --check-prefix=ROWS0
// ROWS0: convert-sas-attention-to-gpu: rows per warp must be 16 or 32, got 0
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-stages=1" 2>&1 | FileCheck %s --check-prefix=STAGES
// STAGES: convert-sas-attention-to-gpu: stages must be between 2 and 4, got 1
// A tiling whose fragments or ring do not fit these heads: the nearest that
// does, fewer rows a warp first, then fewer keys, and a remark saying so.
// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-key-tile=128 mma-stages=4" 2>&1 | FileCheck %s --check-prefix=SHARED
// SHARED: remark: sas.attention takes 16 rows a warp and 32 keys a step, not 32 and 128: 32 rows a warp and 128 keys a step at head sizes 128 (q, k) and 128 (v) keep 320 registers a thread in fragments, above the 208 that leave room for the rest
// SHARED: sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(32) stages(4)
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_90a --convert-sas-attention-to-gpu="wgmma-key-tile=96" 2>&1 | FileCheck %s --check-prefix=WGMMAKEYS
// WGMMAKEYS: convert-sas-attention-to-gpu: the wgmma kernel takes 16 rows a warp and 32, 64 or 128 keys a step, got 16 and 96
// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="tensor-cores=false mma-warps=9" | FileCheck %s --check-prefix=OFF
// OFF: scf.forall

func.func @f(%q: tensor<1x8x2x128xbf16>, %v: tensor<1x8x2x128xbf16>)
    -> tensor<1x8x2x128xbf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x128xbf16>, tensor<1x8x2x128xbf16>, tensor<1x8x2x128xbf16>)
      -> tensor<1x8x2x128xbf16>
  return %0 : tensor<1x8x2x128xbf16>
}
