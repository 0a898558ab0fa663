// RUN: sas-opt %s --sas-expand -split-input-file 2>/dev/null | FileCheck %s

// sas.layer_grad becomes the layer's forward, the attention returning its
// log-sum-exp, then the gradient ops last step first, each fed the forward
// values and weights it differentiates; their results are the layer
// gradient's 25, in operand order.
// CHECK-LABEL: func @expand_grad
//   CHECK-NOT:   sas.layer_grad
//       CHECK:   %[[QS:.*]] = sas.head_sim %[[Q:[^ ]*]] weights(%[[QHW:[^,]*]], %[[QHB:[^)]*]]) residual(%[[QHRW:[^,]*]],
//       CHECK:   %[[QZ:.*]] = sas.feature_sim %[[QS]] weights(%[[QFW:[^,]*]], %[[QFB:[^)]*]]) residual(%[[QFRW:[^,]*]],
//       CHECK:   %[[KS:.*]] = sas.head_sim %[[K:[^ ]*]] weights
//       CHECK:   %[[KZ:.*]] = sas.feature_sim %[[KS]] weights
//       CHECK:   %[[VS:.*]] = sas.head_sim %[[V:[^ ]*]] weights
//       CHECK:   %[[O:.*]], %[[LSE:.*]] = sas.attention %[[QZ]], %[[KZ]], %[[VS]] causal : {{.*}} -> (tensor<3x5x4x4xf32>, tensor<3x5x4xf32>)
//       CHECK:   %[[DO:.*]], %[[DOW:.*]], %[[DOB:.*]] = sas.peaa_grad %[[O]], %[[DY:[^ ]*]] dense(%[[OW:[^)]*]])
//       CHECK:   %[[DQZ:.*]], %[[DKZ:.*]], %[[DVS:.*]] = sas.attention_grad %[[QZ]], %[[KZ]], %[[VS]], %[[O]], %[[LSE]], %[[DO]] causal
//       CHECK:   %[[DQS:[^,]*]], %[[DQFW:[^,]*]], %[[DQFB:[^,]*]], %[[DQFRW:[^,]*]], %[[DQFRB:[^,]*]] = sas.feature_sim_grad %[[QS]], %[[DQZ]] weights(%[[QFW]], %[[QFB]]) residual(%[[QFRW]])
//       CHECK:   %[[DQ:[^,]*]], %[[DQHW:[^,]*]], %[[DQHB:[^,]*]], %[[DQHRW:[^,]*]], %[[DQHRB:[^,]*]] = sas.head_sim_grad %[[Q]], %[[DQS]] weights(%[[QHW]], %[[QHB]]) residual(%[[QHRW]])
//       CHECK:   %[[DKS:[^,]*]], %[[DKF:.*]] = sas.feature_sim_grad %[[KS]], %[[DKZ]]
//       CHECK:   %[[DK:[^,]*]], %[[DKH:.*]] = sas.head_sim_grad %[[K]], %[[DKS]]
//       CHECK:   %[[DV:[^,]*]], %[[DVH:.*]] = sas.head_sim_grad %[[V]], %[[DVS]]
//       CHECK:   return %[[DQ]], %[[DK]], %[[DV]], %[[DQHW]], %[[DQHB]], %[[DQHRW]], %[[DQHRB]], %[[DQFW]], %[[DQFB]], %[[DQFRW]], %[[DQFRB]], {{.*}}, %[[DOW]], %[[DOB]] :
func.func @expand_grad(
    %q: tensor<3x5x2x4xf32>,
    %k: tensor<3x5x2x4xf32>,
    %v: tensor<3x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>,
    %qhb: tensor<4xf32>,
    %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>,
    %qfw: tensor<6x4xf32>,
    %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>,
    %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>,
    %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>,
    %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>,
    %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>,
    %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>,
    %dy: tensor<3x5x8xf32>)
    -> (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) causal
      : (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<3x5x8xf32>)
      -> (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}

// -----

// A forward sas.layer with saved results returns the attention's output and
// log-sum-exp; the sas.layer_grad that takes them recomputes only the
// simulations: one attention in all, whose output feeds PEAA forward and
// PEAA's gradient, and whose log-sum-exp feeds the attention's gradient.
// CHECK-LABEL: func @expand_saved
//   CHECK-NOT:   sas.layer
//       CHECK:   %[[O:.*]], %[[LSE:.*]] = sas.attention {{.*}} causal : {{.*}} -> (tensor<3x5x4x4xf32>, tensor<3x5x4xf32>)
//       CHECK:   %[[Y:.*]] = sas.peaa %[[O]]
//   CHECK-NOT:   sas.attention
//       CHECK:   %[[DO:.*]], %{{.*}}, %{{.*}} = sas.peaa_grad %[[O]], %[[DY:[^ ]*]] dense(
//   CHECK-NOT:   sas.attention
//       CHECK:   sas.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[O]], %[[LSE]], %[[DO]] causal
//   CHECK-NOT:   sas.attention
//       CHECK:   return %[[Y]],
func.func @expand_saved(
    %q: tensor<3x5x2x4xf32>,
    %k: tensor<3x5x2x4xf32>,
    %v: tensor<3x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>,
    %qhb: tensor<4xf32>,
    %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>,
    %qfw: tensor<6x4xf32>,
    %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>,
    %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>,
    %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>,
    %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>,
    %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>,
    %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>,
    %dy: tensor<3x5x8xf32>)
    -> (tensor<3x5x8xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %y, %o, %lse = sas.layer %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) causal
      : (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
      -> (tensor<3x5x8xf32>, tensor<3x5x4x4xf32>, tensor<3x5x4xf32>)
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) saved(%o, %lse) causal
      : (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<3x5x8xf32>, tensor<3x5x4x4xf32>, tensor<3x5x4xf32>)
      -> (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %y, %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<3x5x8xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}

