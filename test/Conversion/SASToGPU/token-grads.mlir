// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu --verify-diagnostics | FileCheck %s

// A 16-bit feature simulation's gradient: the row kernel writes d_x and
// keeps d_f and relu(f) (16-bit, the sizes of d_z); four zeroed f32
// accumulators; d res_w, d res_b from d_z and relu(f), d w, d b from d_f
// and x; each rounded once into its 16-bit result.
// CHECK-LABEL: func @feature_sim_grad
//  CHECK-SAME:   %[[X:[^:]*]]: tensor<2x?x24x64xbf16>, %[[DZ:[^:]*]]: tensor<2x?x24x128xbf16>
//   CHECK-DAG:   %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only
//   CHECK-DAG:   %[[DZB:.*]] = bufferization.to_buffer %[[DZ]] read_only
//       CHECK:   %[[DX:.*]] = memref.alloc(%{{.*}}) : memref<2x?x24x64xbf16>
//       CHECK:   %[[DF:.*]] = memref.alloc(%{{.*}}) : memref<2x?x24x128xbf16>
//       CHECK:   %[[RELU:.*]] = memref.alloc(%{{.*}}) : memref<2x?x24x128xbf16>
//       CHECK:   sas.mma_feature_sim_grad %[[XB]] weights({{.*}}) residual({{.*}}) grad(%[[DZB]]) into %[[DX]], %[[DF]], %[[RELU]] warps(4) row_tiles(4)
//       CHECK:   %[[DW:.*]] = memref.alloc() : memref<128x64xf32>
//       CHECK:   linalg.fill {{.*}} outs(%[[DW]]
//       CHECK:   %[[DB:.*]] = memref.alloc() : memref<128xf32>
//       CHECK:   %[[DRW:.*]] = memref.alloc() : memref<128x128xf32>
//       CHECK:   %[[DRB:.*]] = memref.alloc() : memref<128xf32>
//       CHECK:   sas.mma_weight_grad %[[DZB]], %[[RELU]] into %[[DRW]], %[[DRB]] row_chunk(1024)
//       CHECK:   sas.mma_weight_grad %[[DF]], %[[XB]] into %[[DW]], %[[DB]] row_chunk(1024)
// CHECK-COUNT-4: arith.truncf {{.*}} : f32 to bf16
//   CHECK-NOT:   sas.feature_sim_grad
func.func @feature_sim_grad(%x: tensor<2x?x24x64xbf16>, %dz: tensor<2x?x24x128xbf16>,
                            %w: tensor<128x64xbf16>, %b: tensor<128xbf16>,
                            %rw: tensor<128x128xbf16>)
    -> (tensor<2x?x24x64xbf16>, tensor<128x64xbf16>, tensor<128xbf16>,
        tensor<128x128xbf16>, tensor<128xbf16>) {
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %dz weights(%w, %b) residual(%rw)
      : (tensor<2x?x24x64xbf16>, tensor<2x?x24x128xbf16>, tensor<128x64xbf16>,
         tensor<128xbf16>, tensor<128x128xbf16>)
      -> (tensor<2x?x24x64xbf16>, tensor<128x64xbf16>, tensor<128xbf16>,
          tensor<128x128xbf16>, tensor<128xbf16>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x?x24x64xbf16>, tensor<128x64xbf16>,
      tensor<128xbf16>, tensor<128x128xbf16>, tensor<128xbf16>
}

// -----

// A feature size that is not a multiple of 32: the weight-gradient kernel
// does not take it, so the whole gradient stays on the linalg path.
// CHECK-LABEL: func @narrow
//       CHECK:   sas.feature_sim_grad
//   CHECK-NOT:   sas.mma_
func.func @narrow(%x: tensor<2x3x4x16xbf16>, %dz: tensor<2x3x4x32xbf16>,
                  %w: tensor<32x16xbf16>, %b: tensor<32xbf16>,
                  %rw: tensor<32x32xbf16>)
    -> (tensor<2x3x4x16xbf16>, tensor<32x16xbf16>, tensor<32xbf16>,
        tensor<32x32xbf16>, tensor<32xbf16>) {
  // expected-remark @below {{sas.feature_sim_grad stays on the linalg path: the weight gradient's sizes must be multiples of 32 for the tensor-core kernel, got 32 x 16}}
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %dz weights(%w, %b) residual(%rw)
      : (tensor<2x3x4x16xbf16>, tensor<2x3x4x32xbf16>, tensor<32x16xbf16>,
         tensor<32xbf16>, tensor<32x32xbf16>)
      -> (tensor<2x3x4x16xbf16>, tensor<32x16xbf16>, tensor<32xbf16>,
          tensor<32x32xbf16>, tensor<32xbf16>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x3x4x16xbf16>, tensor<32x16xbf16>,
      tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>
}

// -----

// f32 stays on the linalg path, which is exact in f32.
// CHECK-LABEL: func @f32
//       CHECK:   sas.feature_sim_grad
//   CHECK-NOT:   sas.mma_
func.func @f32(%x: tensor<2x3x4x32xf32>, %dz: tensor<2x3x4x32xf32>,
               %w: tensor<32x32xf32>, %b: tensor<32xf32>,
               %rw: tensor<32x32xf32>)
    -> (tensor<2x3x4x32xf32>, tensor<32x32xf32>, tensor<32xf32>,
        tensor<32x32xf32>, tensor<32xf32>) {
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %dz weights(%w, %b) residual(%rw)
      : (tensor<2x3x4x32xf32>, tensor<2x3x4x32xf32>, tensor<32x32xf32>,
         tensor<32xf32>, tensor<32x32xf32>)
      -> (tensor<2x3x4x32xf32>, tensor<32x32xf32>, tensor<32xf32>,
          tensor<32x32xf32>, tensor<32xf32>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x3x4x32xf32>, tensor<32x32xf32>,
      tensor<32xf32>, tensor<32x32xf32>, tensor<32xf32>
}

// -----

// PEAA's gradient (H = 2 heads of 32, G = 2 groups, W = 64): d_u = d_y w
// by the forward's GEMM (d_y as one group of [B, T, 1, W], w transposed,
// a zero bias), d_o its broadcast over the groups (/ G); the group mean u
// ([B, T, 2, 32] written through a [B, T, 1, 64] buffer); d_w, d_b from
// d_y and u in f32, rounded once.
// CHECK-LABEL: func @peaa_grad
//   CHECK-DAG:   %[[O:.*]] = bufferization.to_buffer %arg0 read_only
//   CHECK-DAG:   %[[DY:.*]] = bufferization.to_buffer %arg1 read_only
//   CHECK-DAG:   %[[W:.*]] = bufferization.to_buffer %arg2 read_only
//       CHECK:   %[[DO:.*]] = memref.alloc(%{{.*}}) : memref<2x?x4x32xbf16>
//       CHECK:   linalg.transpose ins(%[[W]] : {{.*}}) outs(%[[WT:.*]] : memref<64x64xbf16>) permutation = [1, 0]
//       CHECK:   %[[ZERO:.*]] = memref.alloc() : memref<64xbf16>
//       CHECK:   %[[DU:.*]] = memref.alloc(%{{.*}}) : memref<2x?x64xbf16>
//       CHECK:   %[[DY4:.*]] = memref.expand_shape %[[DY]] {{\[\[}}0], [1], [2, 3]] {{.*}} : memref<2x?x64xbf16> into memref<2x?x1x64xbf16>
//       CHECK:   sas.mma_peaa %[[DY4]] dense(%[[WT]], %[[ZERO]]) into %[[DU]]
//       CHECK:   %[[DU4:.*]] = memref.expand_shape %[[DU]] {{.*}} into memref<2x?x2x32xbf16>
//       CHECK:   %[[DO5:.*]] = memref.expand_shape %[[DO]] {{\[\[}}0], [1], [2, 3], [4]] {{.*}} into memref<2x?x2x2x32xbf16>
//       CHECK:   linalg.generic {{.*}} ins(%[[DU4]] : {{.*}}) outs(%[[DO5]] :
//       CHECK:     arith.mulf %{{.*}}, %cst{{.*}} : f32
//       CHECK:   %[[U:.*]] = memref.alloc(%{{.*}}) : memref<2x?x64xbf16>
//       CHECK:   %[[O5:.*]] = memref.expand_shape %[[O]] {{.*}} into memref<2x?x2x2x32xbf16>
//       CHECK:   linalg.generic {{.*}} ins(%[[O5]], %[[O5]] : {{.*}}) outs(
//       CHECK:   sas.mma_weight_grad %{{.*}}, %{{.*}} into %{{.*}}, %{{.*}} row_chunk(1024) : memref<2x?x1x64xbf16>, memref<2x?x1x64xbf16>, memref<64x64xf32>, memref<64xf32>
// CHECK-COUNT-2: arith.truncf {{.*}} : f32 to bf16
//   CHECK-NOT:   sas.peaa_grad
func.func @peaa_grad(%o: tensor<2x?x4x32xbf16>, %dy: tensor<2x?x64xbf16>,
                     %w: tensor<64x64xbf16>)
    -> (tensor<2x?x4x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) {
  %do, %dw, %db = sas.peaa_grad %o, %dy dense(%w)
      : (tensor<2x?x4x32xbf16>, tensor<2x?x64xbf16>, tensor<64x64xbf16>)
      -> (tensor<2x?x4x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>)
  return %do, %dw, %db : tensor<2x?x4x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>
}


// -----

// A 16-bit head simulation's gradient: one kernel writes d_x and adds the
// four parameter gradients to zeroed f32 buffers (the shapes of the
// parameters), each rounded once into its 16-bit result. Two warps a
// token (H' = 24, D = 64); 4 warps, as 8 would take 102 KiB of shared
// memory, more than sm_80's 99 KiB a block.
// CHECK-LABEL: func @head_sim_grad
//  CHECK-SAME:   %[[X:[^:]*]]: tensor<2x?x12x64xbf16>, %[[DS:[^:]*]]: tensor<2x?x24x64xbf16>
//   CHECK-DAG:   %[[XB:.*]] = bufferization.to_buffer %[[X]] read_only
//   CHECK-DAG:   %[[DSB:.*]] = bufferization.to_buffer %[[DS]] read_only
//       CHECK:   %[[DX:.*]] = memref.alloc(%{{.*}}) : memref<2x?x12x64xbf16>
//       CHECK:   %[[DW:.*]] = memref.alloc() : memref<24x12x3xf32>
//       CHECK:   linalg.fill {{.*}} outs(%[[DW]]
//       CHECK:   %[[DB:.*]] = memref.alloc() : memref<24xf32>
//       CHECK:   %[[DRW:.*]] = memref.alloc() : memref<24x24x3xf32>
//       CHECK:   %[[DRB:.*]] = memref.alloc() : memref<24xf32>
//       CHECK:   sas.mma_head_sim_grad %[[XB]] weights({{.*}}) residual({{.*}}) grad(%[[DSB]]) into %[[DX]] params(%[[DW]], %[[DB]], %[[DRW]], %[[DRB]]) warps(4)
// CHECK-COUNT-4: arith.truncf {{.*}} : f32 to bf16
//   CHECK-NOT:   sas.head_sim_grad
func.func @head_sim_grad(%x: tensor<2x?x12x64xbf16>, %ds: tensor<2x?x24x64xbf16>,
                         %w: tensor<24x12x3xbf16>, %b: tensor<24xbf16>,
                         %rw: tensor<24x24x3xbf16>)
    -> (tensor<2x?x12x64xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>,
        tensor<24x24x3xbf16>, tensor<24xbf16>) {
  %dx, %dw, %db, %drw, %drb = sas.head_sim_grad %x, %ds weights(%w, %b) residual(%rw)
      : (tensor<2x?x12x64xbf16>, tensor<2x?x24x64xbf16>, tensor<24x12x3xbf16>,
         tensor<24xbf16>, tensor<24x24x3xbf16>)
      -> (tensor<2x?x12x64xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>,
          tensor<24x24x3xbf16>, tensor<24xbf16>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x?x12x64xbf16>, tensor<24x12x3xbf16>,
      tensor<24xbf16>, tensor<24x24x3xbf16>, tensor<24xbf16>
}

// -----

// A head size that is not a multiple of 16: no tile of positions fits,
// and the gradient stays on the linalg path saying why.
// CHECK-LABEL: func @head_sim_grad_narrow
//       CHECK:   sas.head_sim_grad
//   CHECK-NOT:   sas.mma_
func.func @head_sim_grad_narrow(%x: tensor<2x3x2x8xbf16>, %ds: tensor<2x3x4x8xbf16>,
                                %w: tensor<4x2x3xbf16>, %b: tensor<4xbf16>,
                                %rw: tensor<4x4x3xbf16>)
    -> (tensor<2x3x2x8xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>,
        tensor<4x4x3xbf16>, tensor<4xbf16>) {
  // expected-remark @below {{sas.head_sim_grad stays on the linalg path: head size 8 with 4 simulated heads: the head-simulation kernel needs a head size that is a multiple of 16}}
  %dx, %dw, %db, %drw, %drb = sas.head_sim_grad %x, %ds weights(%w, %b) residual(%rw)
      : (tensor<2x3x2x8xbf16>, tensor<2x3x4x8xbf16>, tensor<4x2x3xbf16>,
         tensor<4xbf16>, tensor<4x4x3xbf16>)
      -> (tensor<2x3x2x8xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>,
          tensor<4x4x3xbf16>, tensor<4xbf16>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x3x2x8xbf16>, tensor<4x2x3xbf16>,
      tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>
}
