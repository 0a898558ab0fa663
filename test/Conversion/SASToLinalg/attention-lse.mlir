// RUN: sas-opt %s --convert-sas-to-linalg="query-tile=32 key-tile=32" | FileCheck %s

// With its log-sum-exp, the attention's tiles write a second output: each
// head's m + log(l), inserted after the output (the order of the forall's
// results) and returned as [B, T, N].
// CHECK-LABEL: func @attention_lse
//       CHECK:   %[[F:.*]]:2 = scf.forall {{.*}} shared_outs({{.*}}) -> (tensor<1x4x96x8xf32>, tensor<1x4x96xf32>)
//       CHECK:     scf.for {{.*}} -> (tensor<4x32x8xf32>, tensor<4x32xf32>)
//       CHECK:       math.log
//       CHECK:       arith.addf
//       CHECK:     scf.forall.in_parallel
//  CHECK-NEXT:       tensor.parallel_insert_slice %{{.*}}#0 into {{.*}} : tensor<4x32x8xf32> into tensor<1x4x96x8xf32>
//  CHECK-NEXT:       tensor.parallel_insert_slice %{{.*}}#1 into {{.*}} : tensor<4x32xf32> into tensor<1x4x96xf32>
//       CHECK:   %[[O:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x4x70x8xf32>) outs(%{{.*}} : tensor<1x70x4x8xf32>)
//       CHECK:   %[[L:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x4x70xf32>) outs(%{{.*}} : tensor<1x70x4xf32>) permutation = [0, 2, 1]
//       CHECK:   return %[[O]], %[[L]]
func.func @attention_lse(%q: tensor<1x70x4x16xf32>, %v: tensor<1x70x4x8xf32>)
    -> (tensor<1x70x4x8xf32>, tensor<1x70x4xf32>) {
  %o, %lse = sas.attention %q, %q, %v causal
      : (tensor<1x70x4x16xf32>, tensor<1x70x4x16xf32>, tensor<1x70x4x8xf32>)
      -> (tensor<1x70x4x8xf32>, tensor<1x70x4xf32>)
  return %o, %lse : tensor<1x70x4x8xf32>, tensor<1x70x4xf32>
}

// The output is needed beside the log-sum-exp (by a backward): PEAA's mean
// is not fused into such an attention.
// CHECK-LABEL: func @no_peaa_fusion
//       CHECK:   scf.forall {{.*}} -> (tensor<1x4x96x8xf32>, tensor<1x4x96xf32>)
// The group mean, read from the attention's output:
//       CHECK:   tensor.collapse_shape {{.*}} into tensor<1x70x2x16xf32>
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<1x70x2x16xf32>)
func.func @no_peaa_fusion(%q: tensor<1x70x4x16xf32>, %v: tensor<1x70x4x8xf32>,
    %w: tensor<16x16xf32>, %b: tensor<16xf32>)
    -> (tensor<1x70x16xf32>, tensor<1x70x4xf32>) {
  %o, %lse = sas.attention %q, %q, %v causal
      : (tensor<1x70x4x16xf32>, tensor<1x70x4x16xf32>, tensor<1x70x4x8xf32>)
      -> (tensor<1x70x4x8xf32>, tensor<1x70x4xf32>)
  %r = sas.peaa %o dense(%w, %b)
      : (tensor<1x70x4x8xf32>, tensor<16x16xf32>, tensor<16xf32>)
      -> tensor<1x70x16xf32>
  return %r, %lse : tensor<1x70x16xf32>, tensor<1x70x4xf32>
}
