// sas-primitives-pipeline expands sas.layer, then CSE merges the head and
// feature simulations that self-attention with shared weights computes twice.
// RUN: sas-opt %s --sas-primitives-pipeline | FileCheck %s

// CHECK-LABEL: func @shared
//       CHECK:   %[[S:.*]] = sas.head_sim %arg0
//       CHECK:   %[[Z:.*]] = sas.feature_sim %[[S]]
//   CHECK-NOT:   sas.head_sim
//   CHECK-NOT:   sas.feature_sim
//       CHECK:   %[[O:.*]] = sas.attention %[[Z]], %[[Z]], %[[S]] causal
//       CHECK:   sas.peaa %[[O]]
func.func @shared(%q: tensor<?x?x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<4x4xf32>, %fb: tensor<4xf32>, %frw: tensor<4x4xf32>,
    %frb: tensor<4xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<?x?x8xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %0 : tensor<?x?x8xf32>
}
