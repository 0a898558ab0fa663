// The generic form written by hand, operands in the documented order, parses,
// verifies and prints in the custom form.
// RUN: sas-opt %s --verify-each | FileCheck %s

// CHECK-LABEL: func @primitives
func.func @primitives(%x: tensor<1x7x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<6x4xf32>, %fb: tensor<6xf32>, %frw: tensor<6x6xf32>,
    %frb: tensor<6xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<1x7x8xf32> {
  // CHECK: %[[S:.*]] = sas.head_sim %arg0 weights(%arg1, %arg2) residual(%arg3, %arg4)
  %s = "sas.head_sim"(%x, %hw, %hb, %hrw, %hrb)
      : (tensor<1x7x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>) -> tensor<1x7x4x4xf32>
  // CHECK: %[[Z:.*]] = sas.feature_sim %[[S]] weights(%arg5, %arg6) residual(%arg7, %arg8)
  %z = "sas.feature_sim"(%s, %fw, %fb, %frw, %frb)
      : (tensor<1x7x4x4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>) -> tensor<1x7x4x6xf32>
  // Inherent attributes in the attribute dictionary and in properties.
  // CHECK: %[[O:.*]] = sas.attention %[[Z]], %[[Z]], %[[S]] causal :
  %o = "sas.attention"(%z, %z, %s) {causal}
      : (tensor<1x7x4x6xf32>, tensor<1x7x4x6xf32>, tensor<1x7x4x4xf32>)
      -> tensor<1x7x4x4xf32>
  // CHECK: sas.attention %[[Z]], %[[Z]], %[[S]] scale(3.000000e+00) :
  %o2 = "sas.attention"(%z, %z, %s) <{scale = 3.0 : f32}>
      : (tensor<1x7x4x6xf32>, tensor<1x7x4x6xf32>, tensor<1x7x4x4xf32>)
      -> tensor<1x7x4x4xf32>
  // CHECK: sas.peaa %[[O]] dense(%arg9, %arg10)
  %r = "sas.peaa"(%o, %ow, %ob)
      : (tensor<1x7x4x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
      -> tensor<1x7x8xf32>
  return %r : tensor<1x7x8xf32>
}

// CHECK-LABEL: func @layer
//       CHECK:   sas.layer %arg0, %arg1, %arg2 q_head(%arg3, %arg4, %arg5, %arg6) q_feat(%arg7, %arg8, %arg9, %arg10) k_head(%arg11, %arg12, %arg13, %arg14) k_feat(%arg15, %arg16, %arg17, %arg18) v_head(%arg19, %arg20, %arg21, %arg22) out(%arg23, %arg24) causal :
func.func @layer(%q: tensor<?x7x2x4xf32>, %k: tensor<?x7x2x4xf32>,
    %v: tensor<?x7x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>, %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>, %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>, %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>, %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<?x7x8xf32> {
  %r = "sas.layer"(%q, %k, %v, %qhw, %qhb, %qhrw, %qhrb, %qfw, %qfb, %qfrw,
                   %qfrb, %khw, %khb, %khrw, %khrb, %kfw, %kfb, %kfrw, %kfrb,
                   %vhw, %vhb, %vhrw, %vhrb, %ow, %ob) {causal}
      : (tensor<?x7x2x4xf32>, tensor<?x7x2x4xf32>, tensor<?x7x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x7x8xf32>
  return %r : tensor<?x7x8xf32>
}
