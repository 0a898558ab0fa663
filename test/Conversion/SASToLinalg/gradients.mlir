// RUN: sas-opt %s --convert-sas-to-linalg="query-tile=32 key-tile=32" --split-input-file | FileCheck %s

// The attention backward: per (batch, head), per query block, a first pass
// over the key blocks up to the diagonal sums l and p dp in f64; delta =
// pdp / l and 1 / l; a second pass recomputes p, scales it by 1 / l in f64
// and accumulates dq (f64, [bq, E]), dk and dv (f64, the head's [Sp, .])
// from ds, in f64.
// CHECK-LABEL: func @attention_grad
//       CHECK:   scf.forall ({{.*}}) in (1, 4) {{.*}} -> (tensor<1x4x96x16xf32>, tensor<1x4x96x16xf32>, tensor<1x4x96x8xf32>)
//       CHECK:     scf.for {{.*}} -> (tensor<96x16xf32>, tensor<96x16xf64>, tensor<96x8xf64>)
//       CHECK:       %[[END:.*]] = affine.min
//       CHECK:       %[[SUMS:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[END]] {{.*}} -> (tensor<32xf64>, tensor<32xf64>)
//       CHECK:         math.exp
//       CHECK:       %[[NORM:.*]]:2 = linalg.generic {{.*}} ins(%[[SUMS]]#0, %[[SUMS]]#1 : tensor<32xf64>, tensor<32xf64>)
//       CHECK:         arith.divf {{.*}} : f64
//       CHECK:       scf.for %{{.*}} = %{{.*}} to %[[END]] {{.*}} -> (tensor<32x16xf64>, tensor<96x16xf64>, tensor<96x8xf64>)
//       CHECK:         math.exp
//       CHECK:         %[[PN:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[NORM]]#1 : tensor<32x32xf32>, tensor<32xf64>) outs(%{{.*}} : tensor<32x32xf64>)
//       CHECK:         linalg.generic {{.*}} ins(%[[PN]], %[[NORM]]#0, %{{.*}} : tensor<32x32xf64>, tensor<32xf64>, tensor<32x32xf32>) outs(%{{.*}} : tensor<32x32xf64>)
func.func @attention_grad(%q: tensor<1x70x4x16xf32>, %v: tensor<1x70x4x8xf32>,
    %lse: tensor<1x70x4xf32>)
    -> (tensor<1x70x4x16xf32>, tensor<1x70x4x16xf32>, tensor<1x70x4x8xf32>) {
  %dq, %dk, %dv = sas.attention_grad %q, %q, %v, %v, %lse, %v causal
      : (tensor<1x70x4x16xf32>, tensor<1x70x4x16xf32>, tensor<1x70x4x8xf32>,
         tensor<1x70x4x8xf32>, tensor<1x70x4xf32>, tensor<1x70x4x8xf32>)
      -> (tensor<1x70x4x16xf32>, tensor<1x70x4x16xf32>, tensor<1x70x4x8xf32>)
  return %dq, %dk, %dv
      : tensor<1x70x4x16xf32>, tensor<1x70x4x16xf32>, tensor<1x70x4x8xf32>
}

// -----

// The head simulation's gradient: weight gradients tap by tap, summed over
// every token in f64; the input gradients through the transposed kernels
// (one transpose a tap), the ReLU mask on Y.
// CHECK-LABEL: func @head_sim_grad
// The residual's weight gradient, three taps:
//   CHECK-COUNT-3:   linalg.generic {{.*}} outs(%{{.*}} : tensor<4x4xf64>)
//           CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<4xf64>)
//   CHECK-COUNT-3:   linalg.transpose ins(%{{.*}} : tensor<4x4xbf16>)
//           CHECK:   arith.cmpf ogt
//           CHECK:   arith.select
//   CHECK-COUNT-3:   linalg.generic {{.*}} outs(%{{.*}} : tensor<4x2xf64>)
//   CHECK-COUNT-3:   linalg.transpose ins(%{{.*}} : tensor<4x2xbf16>)
//           CHECK:   return
func.func @head_sim_grad(%x: tensor<2x5x2x8xbf16>, %d: tensor<2x5x4x8xbf16>,
    %w: tensor<4x2x3xbf16>, %b: tensor<4xbf16>, %rw: tensor<4x4x3xbf16>)
    -> (tensor<2x5x2x8xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>,
        tensor<4x4x3xbf16>, tensor<4xbf16>) {
  %dx, %dw, %db, %drw, %drb = sas.head_sim_grad %x, %d weights(%w, %b)
      residual(%rw)
      : (tensor<2x5x2x8xbf16>, tensor<2x5x4x8xbf16>, tensor<4x2x3xbf16>,
         tensor<4xbf16>, tensor<4x4x3xbf16>)
      -> (tensor<2x5x2x8xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>,
          tensor<4x4x3xbf16>, tensor<4xbf16>)
  return %dx, %dw, %db, %drw, %drb
      : tensor<2x5x2x8xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>,
        tensor<4x4x3xbf16>, tensor<4xbf16>
}

// -----

// PEAA's gradient: dW in f64 over every token against the recomputed group
// mean; the gradient of each head is its slot of W^T dy / G, broadcast to
// the G groups.
// CHECK-LABEL: func @peaa_grad
//       CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<8x8xf64>)
//       CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<8xf64>)
//       CHECK:   tensor.expand_shape {{.*}} into tensor<1x3x2x4xf32>
//       CHECK:   %[[B:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x3x2x4xf32>)
//       CHECK:     arith.constant 0.333333343 : f32
//       CHECK:   tensor.collapse_shape %[[B]] {{.*}} into tensor<1x3x6x4xf32>
func.func @peaa_grad(%o: tensor<1x3x6x4xf32>, %d: tensor<1x3x8xf32>,
    %w: tensor<8x8xf32>)
    -> (tensor<1x3x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %do, %dw, %db = sas.peaa_grad %o, %d dense(%w)
      : (tensor<1x3x6x4xf32>, tensor<1x3x8xf32>, tensor<8x8xf32>)
      -> (tensor<1x3x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %do, %dw, %db : tensor<1x3x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>
}
