// RUN: sas-opt %s --convert-sas-to-linalg="token-sum-chunk=1024" --canonicalize | FileCheck %s

// With dynamic B and T, a parameter gradient summed in small token chunks
// has many partial sums (B*T / 8 for the feature simulation's 64 rows a
// token): they are added in two stages, groups of 32 (the partial sums
// zero-padded to a multiple of 32), then the groups, instead of one thread
// an output adding all of them in a chain. The bias's sum over d z is
// chunked and staged the same way.
// CHECK-LABEL: func @feature_sim_grad_dynamic
//       CHECK:   tensor.pad
//       CHECK:   tensor.expand_shape {{.*}} into tensor<?x32x12x8xf64>
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME:     ins(%{{.*}} : tensor<?x32x12x8xf64>) outs(%{{.*}} : tensor<?x12x8xf64>)
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
//  CHECK-SAME:     ins(%{{.*}} : tensor<?x12x8xf64>) outs(%{{.*}} : tensor<12x8xf64>)
func.func @feature_sim_grad_dynamic(%x: tensor<?x?x64x8xf32>,
    %dz: tensor<?x?x64x12xf32>, %w: tensor<12x8xf32>, %b: tensor<12xf32>,
    %rw: tensor<12x12xf32>)
    -> (tensor<?x?x64x8xf32>, tensor<12x8xf32>, tensor<12xf32>,
        tensor<12x12xf32>, tensor<12xf32>) {
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %dz weights(%w, %b) residual(%rw)
      : (tensor<?x?x64x8xf32>, tensor<?x?x64x12xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>)
      -> (tensor<?x?x64x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>)
  return %dx, %dw, %db, %drw, %drb : tensor<?x?x64x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>
}

// PEAA's weight (8 x 8 here, 768 x 768 at GPT-2 sizes) takes the largest
// chunks, few partial sums: one stage.
// CHECK-LABEL: func @peaa_grad_dynamic
//   CHECK-NOT:   x32x8x8xf64
//       CHECK:   return
func.func @peaa_grad_dynamic(%o: tensor<?x?x6x4xf32>, %d: tensor<?x?x8xf32>,
    %w: tensor<8x8xf32>)
    -> (tensor<?x?x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %do, %dw, %db = sas.peaa_grad %o, %d dense(%w)
      : (tensor<?x?x6x4xf32>, tensor<?x?x8xf32>, tensor<8x8xf32>)
      -> (tensor<?x?x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %do, %dw, %db : tensor<?x?x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>
}
