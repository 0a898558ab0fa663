// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg | FileCheck %s

// Head simulation: the features are zero-padded by p = 1 on both sides and
// each of the K = 3 taps of each convolution is one contraction over a
// shifted window ([B, T] stay loop dimensions). The first convolution starts
// from its bias, the residual one from Y + res_b.
//   CHECK-DAG: #[[TAP_W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d2, d4)>
//   CHECK-DAG: #[[TAP_X:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-LABEL: func @head_sim
//  CHECK-SAME:   (%[[X:[^:]*]]: tensor<?x?x4x8xbf16>, %[[W:[^:]*]]: tensor<6x4x3xbf16>
//       CHECK:   %[[B:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<6xbf16>) outs({{.*}} : tensor<?x?x6x8xf32>)
//       CHECK:   %[[XP:.*]] = tensor.pad %[[X]] low[0, 0, 0, 1] high[0, 0, 0, 1]
//       CHECK:   %[[WIN0:.*]] = tensor.extract_slice %[[XP]][0, 0, 0, 0]
//       CHECK:   %[[TAP0:.*]] = tensor.extract_slice %[[W]][0, 0, 0] [6, 4, 1]
//       CHECK:   %[[Y0:.*]] = linalg.generic {indexing_maps = [#[[TAP_W]], #[[TAP_X]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[TAP0]], %[[WIN0]] : {{.*}}) outs(%[[B]] :
//       CHECK:     arith.extf
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:   tensor.extract_slice %[[XP]][0, 0, 0, 1]
//       CHECK:   %[[Y1:.*]] = linalg.generic {{.*}} outs(%[[Y0]] :
//       CHECK:   tensor.extract_slice %[[XP]][0, 0, 0, 2]
//       CHECK:   %[[Y:.*]] = linalg.generic {{.*}} outs(%[[Y1]] :
//       CHECK:   %[[RES_INIT:.*]] = linalg.generic {{.*}} ins(%[[Y]], %arg4 :
//       CHECK:     arith.addf
//       CHECK:   %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[Y]] :
//       CHECK:     arith.maximumf
//       CHECK:   tensor.pad %[[RELU]] low[0, 0, 0, 1] high[0, 0, 0, 1]
// The f32 ReLU times bf16 weights: the tap weights are widened first.
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<6x6xbf16>) outs(%{{.*}} : tensor<6x6xf32>)
//       CHECK:   linalg.generic {{.*}} outs(%[[RES_INIT]] :
//       CHECK:   %[[OUT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<?x?x6x8xf32>) outs({{.*}} : tensor<?x?x6x8xbf16>)
//       CHECK:     arith.truncf
//       CHECK:   return %[[OUT]]
func.func @head_sim(%x: tensor<?x?x4x8xbf16>, %w: tensor<6x4x3xbf16>,
    %b: tensor<6xbf16>, %rw: tensor<6x6x3xbf16>, %rb: tensor<6xbf16>)
    -> tensor<?x?x6x8xbf16> {
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x4x8xbf16>, tensor<6x4x3xbf16>, tensor<6xbf16>,
         tensor<6x6x3xbf16>, tensor<6xbf16>) -> tensor<?x?x6x8xbf16>
  return %0 : tensor<?x?x6x8xbf16>
}

// -----

// K = 1: no padding, one contraction per convolution.
// CHECK-LABEL: func @head_sim_k1
//   CHECK-NOT:   tensor.pad
//       CHECK:   linalg.generic {{.*}}"reduction"
//       CHECK:   linalg.generic {{.*}}"reduction"
//   CHECK-NOT:   "reduction"
//       CHECK:   return
func.func @head_sim_k1(%x: tensor<2x5x4x8xf32>, %w: tensor<6x4x1xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6x1xf32>, %rb: tensor<6xf32>)
    -> tensor<2x5x6x8xf32> {
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x5x4x8xf32>, tensor<6x4x1xf32>, tensor<6xf32>,
         tensor<6x6x1xf32>, tensor<6xf32>) -> tensor<2x5x6x8xf32>
  return %0 : tensor<2x5x6x8xf32>
}

// -----

// Feature simulation: weights transposed to [D, D'] once, then two
// contractions over (B, T, H', D', D); the second starts from F + res_b.
//   CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
//   CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d4, d3)>
// CHECK-LABEL: func @feature_sim
//       CHECK:   %[[WT:.*]] = linalg.transpose ins(%arg1 : tensor<12x8xf32>) outs(%{{.*}} : tensor<8x12xf32>) permutation = [1, 0]
//       CHECK:   %[[F:.*]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %[[WT]] :
//       CHECK:   %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[F]], %arg4 :
//       CHECK:   %[[RELU:.*]] = linalg.generic {{.*}} ins(%[[F]] :
//       CHECK:   %[[GT:.*]] = linalg.transpose ins(%arg3 : tensor<12x12xf32>)
//       CHECK:   %[[Z:.*]] = linalg.generic {{.*}} ins(%[[RELU]], %[[GT]] : {{.*}}) outs(%[[INIT]] : tensor<2x5x6x12xf32>)
//       CHECK:   return %[[Z]]
func.func @feature_sim(%x: tensor<2x5x6x8xf32>, %w: tensor<12x8xf32>,
    %b: tensor<12xf32>, %rw: tensor<12x12xf32>, %rb: tensor<12xf32>)
    -> tensor<2x5x6x12xf32> {
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x5x6x8xf32>, tensor<12x8xf32>, tensor<12xf32>,
         tensor<12x12xf32>, tensor<12xf32>) -> tensor<2x5x6x12xf32>
  return %0 : tensor<2x5x6x12xf32>
}
