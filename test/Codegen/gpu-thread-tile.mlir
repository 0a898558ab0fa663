// RUN: sas-opt %s --sas-gpu-thread-tile --canonicalize --cse --split-input-file | FileCheck %s

// Static rows and columns: a 4 x 8 tile a thread, 4 reduction steps a
// vector.contract, the accumulator carried by the step loop (read before
// it, written after it).
#x = affine_map<(b, r, j, i) -> (b, r, i)>
#w = affine_map<(b, r, j, i) -> (j, i)>
#o = affine_map<(b, r, j, i) -> (b, r, j)>
// CHECK-LABEL: func.func @rows_static
// CHECK: scf.forall (%[[B:.*]], %[[R:.*]], %[[J:.*]]) = (0, 0, 0) to (%{{.*}}, 24, 128) step (1, 4, 8)
// CHECK-NOT: mapping
// CHECK: %[[ACC:.*]] = vector.transfer_read {{.*}} vector<4x8xf32>
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c4 iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<4x8xf32>)
// CHECK: vector.contract {{.*}} %[[A]] : vector<4x4xf32>, vector<8x4xf32> into vector<4x8xf32>
// CHECK: vector.transfer_write %[[SUM]]
// CHECK: tensor.parallel_insert_slice {{.*}} [1, 4, 8]
func.func @rows_static(%x: tensor<?x24x64xf32>, %w: tensor<128x64xf32>, %init: tensor<?x24x128xf32>) -> tensor<?x24x128xf32> {
  %r = linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x24x64xf32>, tensor<128x64xf32>) outs(%init : tensor<?x24x128xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x24x128xf32>
  return %r : tensor<?x24x128xf32>
}

// -----

// Dynamic rows (tokens) keep tile 1: a thread takes 8 columns of a row.
#x = affine_map<(b, t, j, i) -> (b, t, i)>
#w = affine_map<(b, t, j, i) -> (i, j)>
#o = affine_map<(b, t, j, i) -> (b, t, j)>
// CHECK-LABEL: func.func @rows_dynamic
// CHECK: scf.forall {{.*}} to (%{{.*}}, %{{.*}}, 32) step (1, 1, 8)
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>)
// CHECK: vector.contract {{.*}} : vector<4xf32>, vector<4x8xf32> into vector<8xf32>
func.func @rows_dynamic(%x: tensor<?x?x64xf32>, %w: tensor<64x32xf32>, %init: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %r = linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x?x64xf32>, tensor<64x32xf32>) outs(%init : tensor<?x?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x?x32xf32>
  return %r : tensor<?x?x32xf32>
}

// -----

// A parameter gradient's partial sum over a chunk of tokens: f32 operands
// widened in the body, f64 accumulators; 6 columns (the largest divisor
// of 12 not above 8), the chunk and feature reductions both step by 4.
#a = affine_map<(c, i, j, t, f) -> (c, t, i, f)>
#b = affine_map<(c, i, j, t, f) -> (c, t, j, f)>
#o = affine_map<(c, i, j, t, f) -> (c, i, j)>
// CHECK-LABEL: func.func @token_sum
// CHECK: scf.forall {{.*}} to (%{{.*}}, 24, 12) step (1, 4, 6)
// CHECK: scf.for {{.*}} to %c8 step %c4 {{.*}} -> (vector<4x6xf64>)
// CHECK: scf.for {{.*}} to %c64 step %c4 {{.*}} -> (vector<4x6xf64>)
// CHECK: arith.extf {{.*}} to vector<4x4x4xf64>
// CHECK: vector.contract {{.*}} : vector<4x4x4xf64>, vector<4x6x4xf64> into vector<4x6xf64>
func.func @token_sum(%dy: tensor<?x8x24x64xf32>, %x: tensor<?x8x12x64xf32>, %init: tensor<?x24x12xf64>) -> tensor<?x24x12xf64> {
  %r = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%dy, %x : tensor<?x8x24x64xf32>, tensor<?x8x12x64xf32>) outs(%init : tensor<?x24x12xf64>) {
  ^bb0(%p: f32, %q: f32, %acc: f64):
    %pw = arith.extf %p : f32 to f64
    %qw = arith.extf %q : f32 to f64
    %m = arith.mulf %pw, %qw : f64
    %s = arith.addf %acc, %m : f64
    linalg.yield %s : f64
  } -> tensor<?x24x12xf64>
  return %r : tensor<?x24x12xf64>
}

// -----

// The same sum marked as a token-chunk sum (its chunks are its only other
// parallelism): the tile shrinks until the 24 x 24 output still makes 64
// tiles a chunk, 4 x 2 (72).
#a = affine_map<(c, i, j, t, f) -> (c, t, i, f)>
#b = affine_map<(c, i, j, t, f) -> (c, t, j, f)>
#o = affine_map<(c, i, j, t, f) -> (c, i, j)>
// CHECK-LABEL: func.func @token_chunk_sum
// CHECK: scf.forall {{.*}} to (%{{.*}}, 24, 24) step (1, 4, 2)
// CHECK: vector.contract {{.*}} into vector<4x2xf64>
func.func @token_chunk_sum(%dy: tensor<?x8x24x64xf32>, %x: tensor<?x8x24x64xf32>, %init: tensor<?x24x24xf64>) -> tensor<?x24x24xf64> {
  %r = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%dy, %x : tensor<?x8x24x64xf32>, tensor<?x8x24x64xf32>) outs(%init : tensor<?x24x24xf64>) attrs = {sas.token_chunk_sum} {
  ^bb0(%p: f32, %q: f32, %acc: f64):
    %pw = arith.extf %p : f32 to f64
    %qw = arith.extf %q : f32 to f64
    %m = arith.mulf %pw, %qw : f64
    %s = arith.addf %acc, %m : f64
    linalg.yield %s : f64
  } -> tensor<?x24x24xf64>
  return %r : tensor<?x24x24xf64>
}

// -----

// The output's zero fill moves into the tile and folds into the
// accumulator's first value: no fill of the whole output is left.
#x = affine_map<(b, r, j, i) -> (b, r, i)>
#w = affine_map<(b, r, j, i) -> (j, i)>
#o = affine_map<(b, r, j, i) -> (b, r, j)>
// CHECK-LABEL: func.func @fill_fused
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<4x8xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.forall
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<4x8xf32>)
func.func @fill_fused(%x: tensor<?x24x64xf32>, %w: tensor<128x64xf32>) -> tensor<?x24x128xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x24x64xf32>
  %e = tensor.empty(%n) : tensor<?x24x128xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x24x128xf32>) -> tensor<?x24x128xf32>
  %r = linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x24x64xf32>, tensor<128x64xf32>) outs(%init : tensor<?x24x128xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x24x128xf32>
  return %r : tensor<?x24x128xf32>
}

// -----

// Left alone: a reduction that is not a contraction, and a contraction
// inside a block-mapped forall (the attention's tiles).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK: scf.forall
// CHECK: linalg.matmul
// CHECK: mapping = [#gpu.block<x>]
#i = affine_map<(t, j) -> (t, j)>
#s = affine_map<(t, j) -> (j)>
func.func @left_alone(%x: tensor<?x64xf32>, %init: tensor<64xf32>, %a: tensor<4x16x16xf32>, %b: tensor<16x16xf32>, %c: tensor<4x16x16xf32>) -> (tensor<64xf32>, tensor<4x16x16xf32>) {
  %sum = linalg.generic {indexing_maps = [#i, #s], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %r = arith.addf %acc, %in : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %blocks = scf.forall (%k) in (4) shared_outs(%o = %c) -> (tensor<4x16x16xf32>) {
    %ak = tensor.extract_slice %a[%k, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<4x16x16xf32> to tensor<16x16xf32>
    %ok = tensor.extract_slice %o[%k, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<4x16x16xf32> to tensor<16x16xf32>
    %m = linalg.matmul ins(%ak, %b : tensor<16x16xf32>, tensor<16x16xf32>) outs(%ok : tensor<16x16xf32>) -> tensor<16x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %m into %o[%k, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<16x16xf32> into tensor<4x16x16xf32>
    }
  } {mapping = [#gpu.block<x>]}
  return %sum, %blocks : tensor<64xf32>, tensor<4x16x16xf32>
}

// -----

// Elementwise ops, also on buffers (the kernel ops' conversions write their
// fills and roundings so): 16 bytes of the narrowest operand a thread, as
// one vector.
// CHECK-LABEL: func.func @round_elementwise
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %[[J:.*]]) = (0, 0, 0) to (%{{.*}}, 24, 128) step (1, 1, 8)
// CHECK: %[[V:.*]] = vector.transfer_read {{.*}} vector<8xf32>
// CHECK: %[[R:.*]] = arith.truncf %[[V]] : vector<8xf32> to vector<8xbf16>
// CHECK: vector.transfer_write %[[R]]
#e = affine_map<(b, n, e) -> (b, n, e)>
func.func @round_elementwise(%x: memref<?x24x128xf32>, %y: memref<?x24x128xbf16>) {
  linalg.generic {indexing_maps = [#e, #e], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<?x24x128xf32>) outs(%y : memref<?x24x128xbf16>) {
  ^bb0(%a: f32, %b: bf16):
    %t = arith.truncf %a : f32 to bf16
    linalg.yield %t : bf16
  }
  return
}

// -----

// A fill of f32: four elements a thread.
// CHECK-LABEL: func.func @fill_buffer
// CHECK: scf.forall {{.*}} to (%{{.*}}, 128) step (1, 4)
// CHECK: vector.transfer_write {{.*}} vector<4xf32>
func.func @fill_buffer(%x: memref<?x128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%x : memref<?x128xf32>)
  return
}

// -----

// A sum of the innermost dimension alone (rowsum(d_O o)): a row a thread,
// read as vectors.
// CHECK-LABEL: func.func @row_sum
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (%{{.*}}, 24)
// CHECK-COUNT-2: vector.transfer_read {{.*}} vector<64xbf16>
#r = affine_map<(t, n, e) -> (t, n, e)>
#o = affine_map<(t, n, e) -> (t, n)>
func.func @row_sum(%a: memref<?x24x64xbf16>, %b: memref<?x24x64xbf16>, %s: memref<?x24xf32>) {
  linalg.generic {indexing_maps = [#r, #r, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<?x24x64xbf16>, memref<?x24x64xbf16>) outs(%s : memref<?x24xf32>) {
  ^bb0(%x: bf16, %y: bf16, %acc: f32):
    %xf = arith.extf %x : bf16 to f32
    %yf = arith.extf %y : bf16 to f32
    %m = arith.mulf %xf, %yf : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Left as they are: an op that is one tile in all (its forall would fold
// away, leaving the vectors in host code), one whose operand reads the
// innermost loop dimension with a stride (a transpose), and one whose
// innermost size no power of two divides (a kernel tap of 3).
// CHECK-LABEL: func.func @elementwise_left_alone
// CHECK-NOT: scf.forall
// CHECK-NOT: vector.
#id = affine_map<(i, j) -> (i, j)>
#tr = affine_map<(i, j) -> (j, i)>
func.func @elementwise_left_alone(%a: memref<4xf32>, %b: memref<4xbf16>, %c: memref<64x64xf32>, %d: memref<64x64xf32>, %e: memref<24x3xf32>, %f: memref<24x3xbf16>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%a : memref<4xf32>) outs(%b : memref<4xbf16>) {
  ^bb0(%x: f32, %y: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x64xf32>) outs(%d : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%e : memref<24x3xf32>) outs(%f : memref<24x3xbf16>) {
  ^bb0(%x: f32, %y: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  }
  return
}

// -----

func.func @bad_tile(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// RUN: not sas-opt %s --sas-gpu-thread-tile="row-tile=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: sas-gpu-thread-tile: tile sizes must be positive
