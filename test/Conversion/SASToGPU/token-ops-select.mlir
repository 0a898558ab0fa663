// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu --verify-diagnostics | FileCheck %s
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-ops-to-gpu --verify-diagnostics | FileCheck %s --check-prefix=WGMMA
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu="feature-sim-warps=8 feature-sim-row-tiles=2 peaa-warps=2 peaa-row-tiles=2 peaa-column-tile=64 peaa-k-tile=16 peaa-stages=2 head-sim-warps=4" --verify-diagnostics | FileCheck %s --check-prefix=TILING

// 16-bit head simulation, feature simulation and PEAA become one kernel op
// each on the operands' buffers. Heads (12, 24) padded to 16 inside the
// kernel: the sizes need not be multiples of 16, the head size must.
// CHECK-LABEL: func @head_sim
//   CHECK-DAG:   %[[X:.*]] = bufferization.to_buffer %arg0 read_only : tensor<2x37x12x64xbf16>
//   CHECK-DAG:   %[[OUT:.*]] = memref.alloc() : memref<2x37x24x64xbf16>
//       CHECK:   sas.mma_head_sim %[[X]] weights({{.*}}) residual({{.*}}) into %[[OUT]] warps(8)
//   CHECK-NOT:   sas.head_sim
//       CHECK:   bufferization.to_tensor %[[OUT]] restrict writable
// TILING-LABEL: func @head_sim
//       TILING:   sas.mma_head_sim {{.*}} warps(4)
func.func @head_sim(%x: tensor<2x37x12x64xbf16>, %w: tensor<24x12x3xbf16>,
                    %b: tensor<24xbf16>, %rw: tensor<24x24x3xbf16>,
                    %rb: tensor<24xbf16>) -> tensor<2x37x24x64xbf16> {
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x37x12x64xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>,
         tensor<24x24x3xbf16>, tensor<24xbf16>) -> tensor<2x37x24x64xbf16>
  return %s : tensor<2x37x24x64xbf16>
}

// -----

// 64 simulated heads of 64: a token's accumulators take four warps (32
// a thread), two tokens a block of eight.
// CHECK-LABEL: func @head_sim_wide
//       CHECK:   sas.mma_head_sim {{.*}} warps(8)
func.func @head_sim_wide(%x: tensor<?x?x32x64xf16>, %w: tensor<64x32x3xf16>,
                         %b: tensor<64xf16>, %rw: tensor<64x64x3xf16>,
                         %rb: tensor<64xf16>) -> tensor<?x?x64x64xf16> {
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x32x64xf16>, tensor<64x32x3xf16>, tensor<64xf16>,
         tensor<64x64x3xf16>, tensor<64xf16>) -> tensor<?x?x64x64xf16>
  return %s : tensor<?x?x64x64xf16>
}

// -----

// CHECK-LABEL: func @feature_sim
//       CHECK:   sas.mma_feature_sim {{.*}} warps(4) row_tiles(4) : memref<?x?x24x64xbf16>
// With wgmma (sm_90a), D and D' multiples of 64 take the wgmma kernel.
// WGMMA-LABEL: func @feature_sim
//       WGMMA:   sas.mma_feature_sim {{.*}} warps(4) row_tiles(4) wgmma : memref<?x?x24x64xbf16>
// TILING-LABEL: func @feature_sim
//       TILING:   sas.mma_feature_sim {{.*}} warps(8) row_tiles(2)
func.func @feature_sim(%x: tensor<?x?x24x64xbf16>, %w: tensor<128x64xbf16>,
                       %b: tensor<128xbf16>, %rw: tensor<128x128xbf16>,
                       %rb: tensor<128xbf16>) -> tensor<?x?x24x128xbf16> {
  %z = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x24x64xbf16>, tensor<128x64xbf16>, tensor<128xbf16>,
         tensor<128x128xbf16>, tensor<128xbf16>) -> tensor<?x?x24x128xbf16>
  return %z : tensor<?x?x24x128xbf16>
}

// -----

// D' = 48 is no whole swizzled panel: the mma.sync kernel, also with wgmma.
// WGMMA-LABEL: func @feature_sim_narrow
//       WGMMA:   sas.mma_feature_sim {{.*}} row_tiles(4) : memref<?x?x4x64xf16>
// CHECK-LABEL: func @feature_sim_narrow
func.func @feature_sim_narrow(%x: tensor<?x?x4x64xf16>, %w: tensor<48x64xf16>,
                              %b: tensor<48xf16>, %rw: tensor<48x48xf16>,
                              %rb: tensor<48xf16>) -> tensor<?x?x4x48xf16> {
  %z = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x4x64xf16>, tensor<48x64xf16>, tensor<48xf16>,
         tensor<48x48xf16>, tensor<48xf16>) -> tensor<?x?x4x48xf16>
  return %z : tensor<?x?x4x48xf16>
}

// -----

// PEAA's result stored into the caller's buffer is written there by the
// kernel: no temporary, no copy. The column tile is the largest of the
// option's (128), 64, 32, 16 that divides the width (96).
// CHECK-LABEL: func @peaa_into
//  CHECK-SAME:   %[[DEST:[^:]*]]: memref<2x37x96xbf16>
//       CHECK:   sas.mma_peaa {{.*}} into %[[DEST]] warps(8) row_tiles(1) column_tile(32) k_tile(32) stages(3)
//   CHECK-NOT:   materialize_in_destination
// TILING-LABEL: func @peaa_into
//       TILING:   sas.mma_peaa {{.*}} warps(2) row_tiles(2) column_tile(32) k_tile(16) stages(2)
func.func @peaa_into(%o: tensor<2x37x4x48xbf16>, %w: tensor<96x96xbf16>,
                     %b: tensor<96xbf16>, %dest: memref<2x37x96xbf16>) {
  %r = sas.peaa %o dense(%w, %b)
      : (tensor<2x37x4x48xbf16>, tensor<96x96xbf16>, tensor<96xbf16>)
      -> tensor<2x37x96xbf16>
  bufferization.materialize_in_destination %r in restrict writable %dest
      : (tensor<2x37x96xbf16>, memref<2x37x96xbf16>) -> ()
  return
}

// -----

// With wgmma, PEAA of width 256 (a multiple of 64) takes the sm_90a kernel:
// one row tile a warp, 64 inputs a step, 256 columns (its default); width
// 96 above keeps mma.sync and its 128-column default (fitted to 32).
// WGMMA-LABEL: func @peaa_into
//       WGMMA:   sas.mma_peaa {{.*}} column_tile(32) k_tile(32) stages(3) :
// WGMMA-LABEL: func @peaa_wide
//       WGMMA:   sas.mma_peaa {{.*}} warps(8) row_tiles(1) column_tile(256) k_tile(64) stages(3) wgmma
// CHECK-LABEL: func @peaa_wide
//       CHECK:   sas.mma_peaa {{.*}} warps(8) row_tiles(1) column_tile(128) k_tile(32) stages(3) :
func.func @peaa_wide(%o: tensor<?x?x8x64xbf16>, %w: tensor<256x256xbf16>,
                     %b: tensor<256xbf16>) -> tensor<?x?x256xbf16> {
  %r = sas.peaa %o dense(%w, %b)
      : (tensor<?x?x8x64xbf16>, tensor<256x256xbf16>, tensor<256xbf16>)
      -> tensor<?x?x256xbf16>
  return %r : tensor<?x?x256xbf16>
}

// -----

// f32 stays on the linalg path (exact), silently: it is the design.
// CHECK-LABEL: func @f32
//       CHECK:   sas.feature_sim
//   CHECK-NOT:   sas.mma_feature_sim
func.func @f32(%x: tensor<?x?x24x64xf32>, %w: tensor<128x64xf32>,
               %b: tensor<128xf32>, %rw: tensor<128x128xf32>,
               %rb: tensor<128xf32>) -> tensor<?x?x24x128xf32> {
  %z = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x24x64xf32>, tensor<128x64xf32>, tensor<128xf32>,
         tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x24x128xf32>
  return %z : tensor<?x?x24x128xf32>
}

// -----

// Sizes the kernels do not take stay, with a remark naming the limit.
// CHECK-LABEL: func @declined
//       CHECK:   sas.head_sim
//       CHECK:   sas.feature_sim
//       CHECK:   sas.peaa
func.func @declined(%x: tensor<1x8x2x8xbf16>, %w: tensor<4x2x3xbf16>,
                    %b: tensor<4xbf16>, %rw: tensor<4x4x3xbf16>,
                    %fw: tensor<24x8xbf16>, %fb: tensor<24xbf16>,
                    %frw: tensor<24x24xbf16>, %o: tensor<1x8x6x8xbf16>,
                    %ow: tensor<24x24xbf16>)
    -> (tensor<1x8x4x8xbf16>, tensor<1x8x2x24xbf16>, tensor<1x8x24xbf16>) {
  // expected-remark @+1 {{stays on the linalg path: head size 8 with 4 simulated heads: the head-simulation kernel needs a head size that is a multiple of 16}}
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %b)
      : (tensor<1x8x2x8xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>,
         tensor<4x4x3xbf16>, tensor<4xbf16>) -> tensor<1x8x4x8xbf16>
  // expected-remark @+1 {{stays on the linalg path: feature sizes must be multiples of 16 and at most 256 for the tensor-core kernel, got 8 (D) and 24 (D')}}
  %z = sas.feature_sim %x weights(%fw, %fb) residual(%frw, %fb)
      : (tensor<1x8x2x8xbf16>, tensor<24x8xbf16>, tensor<24xbf16>,
         tensor<24x24xbf16>, tensor<24xbf16>) -> tensor<1x8x2x24xbf16>
  // expected-remark @+1 {{stays on the linalg path: the width 24 is not a multiple of 16}}
  %r = sas.peaa %o dense(%ow, %fb)
      : (tensor<1x8x6x8xbf16>, tensor<24x24xbf16>, tensor<24xbf16>)
      -> tensor<1x8x24xbf16>
  return %s, %z, %r : tensor<1x8x4x8xbf16>, tensor<1x8x2x24xbf16>, tensor<1x8x24xbf16>
}
