// RUN: sas-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sas-cpu-vectorize))" | FileCheck %s

// A per-token contraction (B, T, H', D', D): register tiles of 4 x 16 outputs
// (the pass defaults), 4 reduction steps at a time; unit loops are dropped,
// so each step is a plain [4, 16, 4] vector.contract.
// CHECK-LABEL: func @token_linear
//       CHECK:   scf.for {{.*}} to %c2 step %c1
//       CHECK:     scf.for {{.*}} to %c8 step %c1
//       CHECK:       scf.for {{.*}} to %c24 step %c4
//       CHECK:         scf.for {{.*}} to %c32 step %c16
//       CHECK:           scf.for {{.*}} to %c64 step %c4
//       CHECK:             vector.contract {{.*}} : vector<4x4xf32>, vector<4x16xf32> into vector<4x16xf32>
//   CHECK-NOT:   linalg.generic
func.func @token_linear(%x: tensor<2x8x24x64xf32>, %w: tensor<64x32xf32>,
    %init: tensor<2x8x24x32xf32>) -> tensor<2x8x24x32xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(b, t, h, n, k) -> (b, t, h, k)>,
                       affine_map<(b, t, h, n, k) -> (k, n)>,
                       affine_map<(b, t, h, n, k) -> (b, t, h, n)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x8x24x64xf32>, tensor<64x32xf32>)
      outs(%init : tensor<2x8x24x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x8x24x32xf32>
  return %0 : tensor<2x8x24x32xf32>
}

// -----

// Elementwise ops and row reductions: one vector along the contiguous
// dimension, the polynomial exp instead of a libm call.
// CHECK-LABEL: func @softmax_parts
//       CHECK:   vector.multi_reduction <maximumf>, {{.*}} [0] : vector<64xf32> to f32
//       CHECK:   math.fma
//   CHECK-NOT:   math.exp
//       CHECK:   vector.transfer_write {{.*}} : vector<64xf32>
func.func @softmax_parts(%s: tensor<32x64xf32>, %m: tensor<32xf32>)
    -> (tensor<32xf32>, tensor<32x64xf32>) {
  %max = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<32x64xf32>) outs(%m : tensor<32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.maximumf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<32xf32>
  %p = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%max : tensor<32xf32>) outs(%s : tensor<32x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %b, %a : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<32x64xf32>
  return %max, %p : tensor<32xf32>, tensor<32x64xf32>
}

// -----

// Dynamic shapes are left to the loop lowering.
// CHECK-LABEL: func @dynamic
//       CHECK:   linalg.generic
//   CHECK-NOT:   vector.
func.func @dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %0 = linalg.generic {
      indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
      iterator_types = ["parallel"]}
      ins(%x : tensor<?xf32>) outs(%x : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
