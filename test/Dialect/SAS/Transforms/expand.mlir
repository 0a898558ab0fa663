// RUN: sas-opt %s --sas-expand --split-input-file | FileCheck %s

// sas.layer becomes the seven primitive ops, each fed the right operands.
// CHECK-LABEL: func @expand_causal
//  CHECK-SAME:   (%[[Q:.*]]: tensor<3x5x2x4xf32>, %[[K:.*]]: tensor<3x5x2x4xf32>, %[[V:.*]]: tensor<3x5x2x4xf32>,
//  CHECK-SAME:    %[[QHW:[^:]*]]: {{[^,]*}}, %[[QHB:[^:]*]]: {{[^,]*}}, %[[QHRW:[^:]*]]: {{[^,]*}}, %[[QHRB:[^:]*]]: {{[^,]*}},
//  CHECK-SAME:    %[[QFW:[^:]*]]: {{[^,]*}}, %[[QFB:[^:]*]]: {{[^,]*}}, %[[QFRW:[^:]*]]: {{[^,]*}}, %[[QFRB:[^:]*]]: {{[^,]*}},
//  CHECK-SAME:    %[[KHW:[^:]*]]: {{[^,]*}}, %[[KHB:[^:]*]]: {{[^,]*}}, %[[KHRW:[^:]*]]: {{[^,]*}}, %[[KHRB:[^:]*]]: {{[^,]*}},
//  CHECK-SAME:    %[[KFW:[^:]*]]: {{[^,]*}}, %[[KFB:[^:]*]]: {{[^,]*}}, %[[KFRW:[^:]*]]: {{[^,]*}}, %[[KFRB:[^:]*]]: {{[^,]*}},
//  CHECK-SAME:    %[[VHW:[^:]*]]: {{[^,]*}}, %[[VHB:[^:]*]]: {{[^,]*}}, %[[VHRW:[^:]*]]: {{[^,]*}}, %[[VHRB:[^:]*]]: {{[^,]*}},
//  CHECK-SAME:    %[[OW:[^:]*]]: {{[^,]*}}, %[[OB:[^:]*]]: {{[^,)]*}})
//   CHECK-NOT:   sas.layer
//       CHECK:   %[[QS:.*]] = sas.head_sim %[[Q]] weights(%[[QHW]], %[[QHB]]) residual(%[[QHRW]], %[[QHRB]]) : {{.*}} -> tensor<3x5x4x4xf32>
//       CHECK:   %[[QZ:.*]] = sas.feature_sim %[[QS]] weights(%[[QFW]], %[[QFB]]) residual(%[[QFRW]], %[[QFRB]]) : {{.*}} -> tensor<3x5x4x6xf32>
//       CHECK:   %[[KS:.*]] = sas.head_sim %[[K]] weights(%[[KHW]], %[[KHB]]) residual(%[[KHRW]], %[[KHRB]]) : {{.*}} -> tensor<3x5x4x4xf32>
//       CHECK:   %[[KZ:.*]] = sas.feature_sim %[[KS]] weights(%[[KFW]], %[[KFB]]) residual(%[[KFRW]], %[[KFRB]]) : {{.*}} -> tensor<3x5x4x6xf32>
//       CHECK:   %[[VS:.*]] = sas.head_sim %[[V]] weights(%[[VHW]], %[[VHB]]) residual(%[[VHRW]], %[[VHRB]]) : {{.*}} -> tensor<3x5x4x4xf32>
//       CHECK:   %[[O:.*]] = sas.attention %[[QZ]], %[[KZ]], %[[VS]] causal : {{.*}} -> tensor<3x5x4x4xf32>
//   CHECK-NOT:   scale
//       CHECK:   %[[R:.*]] = sas.peaa %[[O]] dense(%[[OW]], %[[OB]]) : {{.*}} -> tensor<3x5x8xf32>
//       CHECK:   return %[[R]]
func.func @expand_causal(%q: tensor<3x5x2x4xf32>, %k: tensor<3x5x2x4xf32>,
    %v: tensor<3x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>, %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>, %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>, %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>, %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<3x5x8xf32> {
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob) causal
      : (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<3x5x8xf32>
  return %0 : tensor<3x5x8xf32>
}

// -----

// Dynamic B and T, an explicit scale and no causal mask carry over; ops
// around the layer, dead ones included, are left alone.
// CHECK-LABEL: func @expand_dynamic_scaled
//       CHECK:   arith.constant 1.0
//       CHECK:   sas.head_sim {{.*}} -> tensor<?x?x4x4xbf16>
//       CHECK:   sas.feature_sim {{.*}} -> tensor<?x?x4x4xbf16>
//       CHECK:   sas.head_sim {{.*}} -> tensor<?x?x4x4xbf16>
//       CHECK:   sas.feature_sim {{.*}} -> tensor<?x?x4x4xbf16>
//       CHECK:   sas.head_sim {{.*}} -> tensor<?x?x4x4xbf16>
//       CHECK:   sas.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} scale(2.500000e-01) : {{.*}} -> tensor<?x?x4x4xbf16>
//       CHECK:   sas.peaa {{.*}} -> tensor<?x?x8xbf16>
//       CHECK:   tensor.cast
func.func @expand_dynamic_scaled(%q: tensor<?x?x2x4xbf16>,
    %hw: tensor<4x2x1xbf16>, %hb: tensor<4xbf16>, %hrw: tensor<4x4x1xbf16>,
    %hrb: tensor<4xbf16>, %fw: tensor<4x4xbf16>, %fb: tensor<4xbf16>,
    %frw: tensor<4x4xbf16>, %frb: tensor<4xbf16>, %ow: tensor<8x8xbf16>,
    %ob: tensor<8xbf16>) -> tensor<2x3x8xbf16> {
  %unused = arith.constant 1.0 : f32
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) scale(0.25)
      : (tensor<?x?x2x4xbf16>, tensor<?x?x2x4xbf16>, tensor<?x?x2x4xbf16>,
         tensor<4x2x1xbf16>, tensor<4xbf16>, tensor<4x4x1xbf16>, tensor<4xbf16>,
         tensor<4x4xbf16>, tensor<4xbf16>, tensor<4x4xbf16>, tensor<4xbf16>,
         tensor<4x2x1xbf16>, tensor<4xbf16>, tensor<4x4x1xbf16>, tensor<4xbf16>,
         tensor<4x4xbf16>, tensor<4xbf16>, tensor<4x4xbf16>, tensor<4xbf16>,
         tensor<4x2x1xbf16>, tensor<4xbf16>, tensor<4x4x1xbf16>, tensor<4xbf16>,
         tensor<8x8xbf16>, tensor<8xbf16>) -> tensor<?x?x8xbf16>
  %1 = tensor.cast %0 : tensor<?x?x8xbf16> to tensor<2x3x8xbf16>
  return %1 : tensor<2x3x8xbf16>
}

// -----

// Primitive ops are not touched.
// CHECK-LABEL: func @primitives_untouched
//       CHECK:   sas.attention %arg0, %arg0, %arg0 causal
func.func @primitives_untouched(%q: tensor<1x5x4x6xf32>) -> tensor<1x5x4x6xf32> {
  %0 = sas.attention %q, %q, %q causal : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>) -> tensor<1x5x4x6xf32>
  return %0 : tensor<1x5x4x6xf32>
}
