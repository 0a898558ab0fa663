// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-attention-to-gpu --convert-sas-token-ops-to-gpu --verify-diagnostics | FileCheck %s

// Head and feature sizes past the five tuned shapes, on sm_90a: every one
// takes a tensor-core kernel; where the default tiling does not fit, the
// nearest that does, and a remark says which and why.

// q/k heads of 96 (no whole swizzled panel): the wgmma kernel, k read
// K-major from one and a half panels.
// CHECK-LABEL: func @attention_96
//       CHECK:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(64) stages(2) wgmma
func.func @attention_96(%q: tensor<2x37x4x96xbf16>, %v: tensor<2x37x4x64xbf16>)
    -> tensor<2x37x4x64xbf16> {
  %0 = sas.attention %q, %q, %v causal
      : (tensor<2x37x4x96xbf16>, tensor<2x37x4x96xbf16>, tensor<2x37x4x64xbf16>)
      -> tensor<2x37x4x64xbf16>
  return %0 : tensor<2x37x4x64xbf16>
}

// -----

// Heads of 256 and 128: the default tiling fits (64 + 64 + 32 registers).
// CHECK-LABEL: func @attention_256
//       CHECK:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(64) stages(2) wgmma
func.func @attention_256(%q: tensor<1x9x2x256xf16>, %v: tensor<1x9x2x128xf16>)
    -> tensor<1x9x2x128xf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x9x2x256xf16>, tensor<1x9x2x256xf16>, tensor<1x9x2x128xf16>)
      -> tensor<1x9x2x128xf16>
  return %0 : tensor<1x9x2x128xf16>
}

// -----

// Heads of 256 and 256: 64 keys a step would keep 224 registers in
// fragments; 32 keep 208.
// CHECK-LABEL: func @attention_256_256
//       CHECK:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(32) stages(2) wgmma
func.func @attention_256_256(%q: tensor<1x9x2x256xbf16>)
    -> tensor<1x9x2x256xbf16> {
  // expected-remark @below {{sas.attention takes 16 rows a warp and 32 keys a step, not 16 and 64: 16 rows a warp and 64 keys a step at head sizes 256 (q, k) and 256 (v) keep 224 registers a thread in fragments, above the 208 that leave room for the rest}}
  %0 = sas.attention %q, %q, %q causal
      : (tensor<1x9x2x256xbf16>, tensor<1x9x2x256xbf16>, tensor<1x9x2x256xbf16>)
      -> tensor<1x9x2x256xbf16>
  return %0 : tensor<1x9x2x256xbf16>
}

// -----

// D' = 256 at D = 64: the wgmma kernel (f four chunks of 64 columns).
// CHECK-LABEL: func @feature_sim_256
//       CHECK:   sas.mma_feature_sim {{.*}} warps(4) row_tiles(4) wgmma
func.func @feature_sim_256(%x: tensor<?x?x8x64xbf16>, %w: tensor<256x64xbf16>,
                           %b: tensor<256xbf16>, %rw: tensor<256x256xbf16>,
                           %rb: tensor<256xbf16>) -> tensor<?x?x8x256xbf16> {
  %z = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x8x64xbf16>, tensor<256x64xbf16>, tensor<256xbf16>,
         tensor<256x256xbf16>, tensor<256xbf16>) -> tensor<?x?x8x256xbf16>
  return %z : tensor<?x?x8x256xbf16>
}

// -----

// D = 128, D' = 256: the wgmma kernel's weights and x ring do not fit a
// block beside each other; the mma.sync kernel, which keeps only the
// weights (200 KiB).
// CHECK-LABEL: func @feature_sim_128_256
//       CHECK:   sas.mma_feature_sim {{.*}} warps(4) row_tiles(4) :
func.func @feature_sim_128_256(%x: tensor<?x?x8x128xbf16>,
                               %w: tensor<256x128xbf16>, %b: tensor<256xbf16>,
                               %rw: tensor<256x256xbf16>, %rb: tensor<256xbf16>)
    -> tensor<?x?x8x256xbf16> {
  // expected-remark @below {{sas.feature_sim takes the mma.sync kernel: the wgmma kernel needs 246784 bytes of shared memory, above the 232448 a block may use on sm_90a}}
  %z = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x8x128xbf16>, tensor<256x128xbf16>, tensor<256xbf16>,
         tensor<256x256xbf16>, tensor<256xbf16>) -> tensor<?x?x8x256xbf16>
  return %z : tensor<?x?x8x256xbf16>
}

// -----

// D = 112 is seven 16-position steps: at H' = 24 (two channel tiles) one
// warp a token would keep 112 accumulators; seven warps share a token, 16
// positions each.
// CHECK-LABEL: func @head_sim_112
//       CHECK:   sas.mma_head_sim {{.*}} warps(7)
func.func @head_sim_112(%x: tensor<?x?x6x112xf16>, %w: tensor<24x6x1xf16>,
                        %b: tensor<24xf16>, %rw: tensor<24x24x1xf16>,
                        %rb: tensor<24xf16>) -> tensor<?x?x24x112xf16> {
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x6x112xf16>, tensor<24x6x1xf16>, tensor<24xf16>,
         tensor<24x24x1xf16>, tensor<24xf16>) -> tensor<?x?x24x112xf16>
  return %s : tensor<?x?x24x112xf16>
}
