// RUN: sas-opt %s --convert-sas-to-linalg="token-sum-chunk=64" | FileCheck %s

// token-sum-chunk is the most tokens a partial sum covers; each sum takes
// the power of two below it that keeps a thread's serial loop near 512
// multiply-adds (kTokenSumWork). The feature simulation's sums over its
// 64 rows a token take 512 / 64 = 8 tokens a chunk: B*T = 10 tokens in 2
// chunks. PEAA's sums take one multiply-add a token and output: the cap,
// 64 tokens, one chunk.
// CHECK-LABEL: func @feature_sim_grad_rows
//       CHECK:   tensor.expand_shape {{.*}} output_shape [2, 8, 64, 8] : tensor<16x64x8xf32> into tensor<2x8x64x8xf32>
//   CHECK-NOT:   tensor<1x64x64x
func.func @feature_sim_grad_rows(%x: tensor<2x5x64x8xf32>,
    %dz: tensor<2x5x64x12xf32>, %w: tensor<12x8xf32>, %b: tensor<12xf32>,
    %rw: tensor<12x12xf32>)
    -> (tensor<2x5x64x8xf32>, tensor<12x8xf32>, tensor<12xf32>,
        tensor<12x12xf32>, tensor<12xf32>) {
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %dz weights(%w, %b) residual(%rw)
      : (tensor<2x5x64x8xf32>, tensor<2x5x64x12xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>)
      -> (tensor<2x5x64x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x5x64x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>
}

// CHECK-LABEL: func @peaa_grad_cap
//       CHECK:   tensor.expand_shape {{.*}} output_shape [1, 64, 8] : tensor<64x8xf32> into tensor<1x64x8xf32>
func.func @peaa_grad_cap(%o: tensor<2x5x6x4xf32>, %d: tensor<2x5x8xf32>,
    %w: tensor<8x8xf32>)
    -> (tensor<2x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %do, %dw, %db = sas.peaa_grad %o, %d dense(%w)
      : (tensor<2x5x6x4xf32>, tensor<2x5x8xf32>, tensor<8x8xf32>)
      -> (tensor<2x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %do, %dw, %db : tensor<2x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>
}
