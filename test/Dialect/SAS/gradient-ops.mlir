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
