// Round trip of the gradient ops and of sas.attention with its log-sum-exp,
// with static and dynamic batch/sequence sizes, through the custom and the
// generic printer.
// RUN: sas-opt %s | FileCheck %s
// RUN: sas-opt %s | sas-opt | FileCheck %s
// RUN: sas-opt %s --mlir-print-op-generic | sas-opt | FileCheck %s

// CHECK-LABEL: func @attention_lse
//       CHECK:   %{{.*}}, %{{.*}} = sas.attention %{{.*}}, %{{.*}}, %{{.*}} causal : ({{.*}}) -> (tensor<?x?x4x8xbf16>, tensor<?x?x4xf32>)
func.func @attention_lse(%q: tensor<?x?x4x12xbf16>, %v: tensor<?x?x4x8xbf16>)
    -> tensor<?x?x4xf32> {
  %o, %lse = sas.attention %q, %q, %v causal
      : (tensor<?x?x4x12xbf16>, tensor<?x?x4x12xbf16>, tensor<?x?x4x8xbf16>)
      -> (tensor<?x?x4x8xbf16>, tensor<?x?x4xf32>)
  return %lse : tensor<?x?x4xf32>
}

// CHECK-LABEL: func @attention_grad
//       CHECK:   sas.attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} scale(5.000000e-01) : ({{.*}}) -> (tensor<2x5x4x12xf32>, tensor<2x7x4x12xf32>, tensor<2x7x4x8xf32>)
func.func @attention_grad(%q: tensor<2x5x4x12xf32>, %k: tensor<2x7x4x12xf32>,
    %v: tensor<2x7x4x8xf32>, %o: tensor<2x5x4x8xf32>, %lse: tensor<2x5x4xf32>,
    %do: tensor<2x5x4x8xf32>) -> tensor<2x7x4x8xf32> {
  %dq, %dk, %dv = sas.attention_grad %q, %k, %v, %o, %lse, %do scale(0.5)
      : (tensor<2x5x4x12xf32>, tensor<2x7x4x12xf32>, tensor<2x7x4x8xf32>,
         tensor<2x5x4x8xf32>, tensor<2x5x4xf32>, tensor<2x5x4x8xf32>)
      -> (tensor<2x5x4x12xf32>, tensor<2x7x4x12xf32>, tensor<2x7x4x8xf32>)
  return %dv : tensor<2x7x4x8xf32>
}

// CHECK-LABEL: func @head_sim_grad
//       CHECK:   sas.head_sim_grad %{{.*}}, %{{.*}} weights(%{{.*}}, %{{.*}}) residual(%{{.*}}) : ({{.*}}) -> (tensor<?x?x2x8xf16>, tensor<4x2x3xf16>, tensor<4xf16>, tensor<4x4x3xf16>, tensor<4xf16>)
func.func @head_sim_grad(%x: tensor<?x?x2x8xf16>, %d: tensor<?x?x4x8xf16>,
    %w: tensor<4x2x3xf16>, %b: tensor<4xf16>, %rw: tensor<4x4x3xf16>)
    -> tensor<4x2x3xf16> {
  %dx, %dw, %db, %drw, %drb = sas.head_sim_grad %x, %d weights(%w, %b)
      residual(%rw)
      : (tensor<?x?x2x8xf16>, tensor<?x?x4x8xf16>, tensor<4x2x3xf16>,
         tensor<4xf16>, tensor<4x4x3xf16>)
      -> (tensor<?x?x2x8xf16>, tensor<4x2x3xf16>, tensor<4xf16>,
          tensor<4x4x3xf16>, tensor<4xf16>)
  return %dw : tensor<4x2x3xf16>
}

// CHECK-LABEL: func @feature_sim_grad
//       CHECK:   sas.feature_sim_grad %{{.*}}, %{{.*}} weights(%{{.*}}, %{{.*}}) residual(%{{.*}}) : ({{.*}}) -> (tensor<1x3x4x8xf32>, tensor<6x8xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>)
func.func @feature_sim_grad(%x: tensor<1x3x4x8xf32>, %d: tensor<1x3x4x6xf32>,
    %w: tensor<6x8xf32>, %b: tensor<6xf32>, %rw: tensor<6x6xf32>)
    -> tensor<6x6xf32> {
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %d weights(%w, %b)
      residual(%rw)
      : (tensor<1x3x4x8xf32>, tensor<1x3x4x6xf32>, tensor<6x8xf32>,
         tensor<6xf32>, tensor<6x6xf32>)
      -> (tensor<1x3x4x8xf32>, tensor<6x8xf32>, tensor<6xf32>,
          tensor<6x6xf32>, tensor<6xf32>)
  return %drw : tensor<6x6xf32>
}

// CHECK-LABEL: func @peaa_grad
//       CHECK:   sas.peaa_grad %{{.*}}, %{{.*}} dense(%{{.*}}) : ({{.*}}) -> (tensor<?x?x6x4xbf16>, tensor<8x8xbf16>, tensor<8xbf16>)
func.func @peaa_grad(%o: tensor<?x?x6x4xbf16>, %d: tensor<?x?x8xbf16>,
    %w: tensor<8x8xbf16>) -> tensor<8xbf16> {
  %do, %dw, %db = sas.peaa_grad %o, %d dense(%w)
      : (tensor<?x?x6x4xbf16>, tensor<?x?x8xbf16>, tensor<8x8xbf16>)
      -> (tensor<?x?x6x4xbf16>, tensor<8x8xbf16>, tensor<8xbf16>)
  return %db : tensor<8xbf16>
}

// A forward that returns the attention's output and log-sum-exp, and the
// gradient that takes them.
// CHECK-LABEL: func @layer_saved
//       CHECK:   %{{.*}}, %[[S:.*]]:2 = sas.layer %{{.*}} causal : ({{.*}}) -> (tensor<2x7x8xf32>, tensor<2x7x4x4xf32>, tensor<2x7x4xf32>)
//       CHECK:   %{{.*}}:25 = sas.layer_grad %{{.*}} grad(%{{.*}}) saved(%[[S]]#0, %[[S]]#1) causal : ({{.*}}, tensor<2x7x8xf32>, tensor<2x7x4x4xf32>, tensor<2x7x4xf32>) -> (
func.func @layer_saved(
    %q: tensor<2x7x2x4xf32>,
    %k: tensor<2x7x2x4xf32>,
    %v: tensor<2x7x2x4xf32>,
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
    %dy: tensor<2x7x8xf32>)
    -> (tensor<2x7x8xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %y, %o, %lse = sas.layer %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) causal
      : (tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
      -> (tensor<2x7x8xf32>, tensor<2x7x4x4xf32>, tensor<2x7x4xf32>)
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) saved(%o, %lse) causal
      : (tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<2x7x8xf32>, tensor<2x7x4x4xf32>, tensor<2x7x4xf32>)
      -> (tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %y, %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<2x7x8xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<2x7x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}

