// The GPU's forms of the gradients' sums give the same numbers as the
// CPU's: parameter-gradient sums in token chunks whose partial sums are
// added in two stages, and PEAA's input gradient with each sequence's tokens
// in groups of four rows (T = 7: the last group padded). Both lowerings of
// a feature simulation gradient and a PEAA gradient run here under
// mlir-runner, on integer-valued inputs whose sums are exact in any order.
// (The buffers' addresses are dropped from the printed headers.)
// RUN: sas-opt %s --sas-cpu-pipeline | %mlir_runner -e main -entry-point-result=void | sed 's/base@ = 0x[0-9a-f]*//' > %t.whole
// RUN: sas-opt %s --convert-sas-to-linalg="token-sum-chunk=1024" --sas-cpu-pipeline | %mlir_runner -e main -entry-point-result=void | sed 's/base@ = 0x[0-9a-f]*//' > %t.chunked
// RUN: diff %t.whole %t.chunked
// RUN: FileCheck %s < %t.chunked
// The chunked lowering does take two stages here (1100 tokens of 24 rows,
// 16 tokens a chunk: 69 partial sums, padded to 96 and added 32 at a time).
// RUN: sas-opt %s --convert-sas-to-linalg="token-sum-chunk=1024" | FileCheck %s --check-prefix=STAGES
// STAGES-DAG: tensor<?x32x12x8xf64>

// Four results (W_f's, b_f's, W_g's and b_g's gradients), then PEAA's
// input gradient; none all zero.
// CHECK-COUNT-4: Unranked Memref
// CHECK: sizes = [2, 7, 4, 4]
// CHECK: {{[1-9]}}
// PEAA's input gradient takes its rows in groups of four: [B, T', 4, J].
// STAGES-DAG: outs(%{{.*}} : tensor<?x?x4x8xf32>)

func.func @main() {
  %x0 = tensor.empty() : tensor<1x1100x24x8xf32>
  %x = linalg.generic {
      indexing_maps = [affine_map<(b, t, r, f) -> (b, t, r, f)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%x0 : tensor<1x1100x24x8xf32>) {
  ^bb0(%out: f32):
    %t = linalg.index 1 : index
    %r = linalg.index 2 : index
    %f = linalg.index 3 : index
    %e = affine.apply affine_map<(t, r, f) -> ((t * 3 + r * 5 + f) mod 7)>(%t, %r, %f)
    %i = arith.index_cast %e : index to i64
    %fl = arith.sitofp %i : i64 to f32
    %c3 = arith.constant 3.0 : f32
    %s = arith.subf %fl, %c3 : f32
    linalg.yield %s : f32
  } -> tensor<1x1100x24x8xf32>
  %dz0 = tensor.empty() : tensor<1x1100x24x12xf32>
  %dz = linalg.generic {
      indexing_maps = [affine_map<(b, t, r, j) -> (b, t, r, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%dz0 : tensor<1x1100x24x12xf32>) {
  ^bb0(%out: f32):
    %t = linalg.index 1 : index
    %r = linalg.index 2 : index
    %j = linalg.index 3 : index
    %e = affine.apply affine_map<(t, r, j) -> ((t + r * 2 + j * 3) mod 5)>(%t, %r, %j)
    %i = arith.index_cast %e : index to i64
    %fl = arith.sitofp %i : i64 to f32
    %c2 = arith.constant 2.0 : f32
    %s = arith.subf %fl, %c2 : f32
    linalg.yield %s : f32
  } -> tensor<1x1100x24x12xf32>
  %w = arith.constant dense<[[1.0, 0.0, -1.0, 1.0, 0.0, -1.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0, 1.0, 0.0, 0.0, 1.0], [-1.0, 0.0, 1.0, 0.0, 0.0, 1.0, -1.0, 0.0], [1.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0], [0.0, -1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0, 1.0, -1.0, 0.0, 1.0], [0.0, 0.0, -1.0, 1.0, 1.0, 0.0, 1.0, -1.0], [1.0, -1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, -1.0, 0.0, 0.0, -1.0, 1.0], [-1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0, -1.0, 0.0, 1.0, 0.0], [0.0, 1.0, -1.0, 0.0, 0.0, 1.0, 0.0, 1.0]]> : tensor<12x8xf32>
  %b = arith.constant dense<[1.0, 0.0, -1.0, 0.0, 1.0, 2.0, -2.0, 0.0, 1.0, -1.0, 0.0, 1.0]> : tensor<12xf32>
  %rw = arith.constant dense<1.0> : tensor<12x12xf32>
  %xd = tensor.cast %x : tensor<1x1100x24x8xf32> to tensor<?x?x24x8xf32>
  %dzd = tensor.cast %dz : tensor<1x1100x24x12xf32> to tensor<?x?x24x12xf32>
  %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %xd, %dzd weights(%w, %b) residual(%rw)
      : (tensor<?x?x24x8xf32>, tensor<?x?x24x12xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>)
      -> (tensor<?x?x24x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>)
  %u0 = tensor.cast %dw : tensor<12x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  %u1 = tensor.cast %db : tensor<12xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %u2 = tensor.cast %drw : tensor<12x12xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  %u3 = tensor.cast %drb : tensor<12xf32> to tensor<*xf32>
  call @printMemrefF32(%u3) : (tensor<*xf32>) -> ()

  // PEAA, H = 2, F = 4, G = 2: o [2, 7, 4, 4], d out [2, 7, 8].
  %o0 = tensor.empty() : tensor<2x7x4x4xf32>
  %o = linalg.generic {
      indexing_maps = [affine_map<(b, t, h, f) -> (b, t, h, f)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%o0 : tensor<2x7x4x4xf32>) {
  ^bb0(%out: f32):
    %bb = linalg.index 0 : index
    %t = linalg.index 1 : index
    %h = linalg.index 2 : index
    %f = linalg.index 3 : index
    %e = affine.apply affine_map<(b, t, h, f) -> ((b + t * 2 + h * 3 + f) mod 5)>(%bb, %t, %h, %f)
    %i = arith.index_cast %e : index to i64
    %fl = arith.sitofp %i : i64 to f32
    linalg.yield %fl : f32
  } -> tensor<2x7x4x4xf32>
  %dy0 = tensor.empty() : tensor<2x7x8xf32>
  %dy = linalg.generic {
      indexing_maps = [affine_map<(b, t, j) -> (b, t, j)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%dy0 : tensor<2x7x8xf32>) {
  ^bb0(%out: f32):
    %bb = linalg.index 0 : index
    %t = linalg.index 1 : index
    %j = linalg.index 2 : index
    %e = affine.apply affine_map<(b, t, j) -> ((b * 3 + t + j * 2) mod 4)>(%bb, %t, %j)
    %i = arith.index_cast %e : index to i64
    %fl = arith.sitofp %i : i64 to f32
    %c2 = arith.constant 2.0 : f32
    %s = arith.subf %fl, %c2 : f32
    linalg.yield %s : f32
  } -> tensor<2x7x8xf32>
  %ow = arith.constant dense<[[1.0, 0.0, -1.0, 2.0, 0.0, 1.0, 0.0, -1.0], [0.0, 2.0, 1.0, 0.0, -1.0, 0.0, 1.0, 1.0], [-1.0, 1.0, 0.0, 0.0, 2.0, -2.0, 0.0, 1.0], [2.0, 0.0, 1.0, -1.0, 0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 2.0, 1.0, 1.0, 0.0, -2.0, 0.0], [1.0, 1.0, 0.0, 0.0, -1.0, 2.0, 0.0, 1.0], [0.0, 0.0, -2.0, 1.0, 0.0, 1.0, 2.0, -1.0], [1.0, -1.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0]]> : tensor<8x8xf32>
  %od = tensor.cast %o : tensor<2x7x4x4xf32> to tensor<?x?x4x4xf32>
  %dyd = tensor.cast %dy : tensor<2x7x8xf32> to tensor<?x?x8xf32>
  %do, %dow, %dob = sas.peaa_grad %od, %dyd dense(%ow)
      : (tensor<?x?x4x4xf32>, tensor<?x?x8xf32>, tensor<8x8xf32>)
      -> (tensor<?x?x4x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  %u4 = tensor.cast %do : tensor<?x?x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u4) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)
