// RUN: sas-opt %s --convert-sas-to-linalg="token-sum-chunk=4" --split-input-file | FileCheck %s
// RUN: not sas-opt %s --convert-sas-to-linalg="token-sum-chunk=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// With token-sum-chunk (sas-gpu-pipeline's choice), a parameter gradient
// sums its B*T = 10 tokens in chunks of 4: the tokens flattened, padded with
// zeros to 12 and split into 3 chunks; one partial sum per chunk, the chunk
// loop parallel and outside the token loop; then the 3 partial sums, the
// chunk loop innermost.
// The chunk loop is the outermost, the weight's columns the innermost
// parallel loop (a kernel's fastest thread index), the tokens reduced last.
// CHECK-DAG: affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG: affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @peaa_grad
//       CHECK:   tensor.collapse_shape {{.*}} into tensor<10x8xf32>
//       CHECK:   tensor.pad {{.*}} high[2, 0]
//       CHECK:   tensor.expand_shape {{.*}} output_shape [3, 4, 8] : tensor<12x8xf32> into tensor<3x4x8xf32>
// The operands stay f32, widened to f64 element by element in the body: no
// f64 copy of whole activations.
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins({{.*}} : tensor<3x4x8xf32>, tensor<3x4x8xf32>) outs({{.*}} : tensor<3x8x8xf64>)
//  CHECK-NEXT:   ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f64):
//  CHECK-NEXT:     arith.extf %{{.*}} : f32 to f64
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : tensor<3x8x8xf64>) outs({{.*}} : tensor<8x8xf64>)
// The bias: one thread a (chunk, column), then the chunks.
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : tensor<3x4x8xf32>) outs({{.*}} : tensor<3x8xf64>)
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins({{.*}} : tensor<3x8xf64>) outs({{.*}} : tensor<8xf64>)
// NEGATIVE: error: convert-sas-to-linalg: token-sum-chunk must be 0 (one sum over all tokens) or positive, got -1
func.func @peaa_grad(%o: tensor<2x5x6x4xf32>, %d: tensor<2x5x8xf32>,
    %w: tensor<8x8xf32>)
    -> (tensor<2x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %do, %dw, %db = sas.peaa_grad %o, %d dense(%w)
      : (tensor<2x5x6x4xf32>, tensor<2x5x8xf32>, tensor<8x8xf32>)
      -> (tensor<2x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %do, %dw, %db : tensor<2x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>
}

// -----

// Any B and T: the number of chunks is ceil(B*T / 4), known at run time.
// CHECK-LABEL: func @feature_sim_grad_dynamic
//       CHECK:   tensor.expand_shape {{.*}} : tensor<?x2x8xf32> into tensor<?x4x2x8xf32>
//       CHECK:   linalg.generic {{.*}} outs({{.*}} : tensor<?x12x8xf64>)
//       CHECK:   linalg.generic {{.*}} ins({{.*}} : tensor<?x12x8xf64>) outs({{.*}} : tensor<12x8xf64>)
func.func @feature_sim_grad_dynamic(%x: tensor<?x?x2x8xf32>,
    %dz: tensor<?x?x2x12xf32>, %w: tensor<12x8xf32>, %b: tensor<12xf32>,
    %rw: tensor<12x12xf32>)
    -> (tensor<?x?x2x8xf32>, tensor<12x8xf32>, tensor<12xf32>,
        tensor<12x12xf32>, tensor<12xf32>) {
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %x, %dz weights(%w, %b) residual(%rw)
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x12xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>)
      -> (tensor<?x?x2x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>)
  return %dx, %dw, %db, %drw, %drb : tensor<?x?x2x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>
}
