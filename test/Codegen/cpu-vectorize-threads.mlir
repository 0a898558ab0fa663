// sas-cpu-vectorize splits large ops outside the attention's parallel loop
// into chunks for threads (an scf.forall over the outermost dimension the
// register tile steps through one at a time), and leaves the others alone.
// RUN: sas-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sas-cpu-vectorize))" | FileCheck %s

// 64 x 32 x 64 = 2^17 iterations: chunks of 4 of the 64 rows, 16 chunks.
// CHECK-LABEL: func @large
//       CHECK:   scf.forall (%{{.*}}) = (0) to (64) step (4)
//       CHECK:     scf.for {{.*}} to %c4 step %c1
//       CHECK:       scf.for {{.*}} to %c32 step %c1
//       CHECK:         arith.addf {{.*}} : vector<64xf32>
func.func @large(%x: tensor<64x32x64xf32>) -> tensor<64x32x64xf32> {
  %0 = linalg.add ins(%x, %x : tensor<64x32x64xf32>, tensor<64x32x64xf32>)
      outs(%x : tensor<64x32x64xf32>) -> tensor<64x32x64xf32>
  return %0 : tensor<64x32x64xf32>
}

// -----

// Below 2^16 iterations a parallel region costs more than the op.
// CHECK-LABEL: func @small
//   CHECK-NOT:   scf.forall
func.func @small(%x: tensor<32x32x63xf32>) -> tensor<32x32x63xf32> {
  %0 = linalg.add ins(%x, %x : tensor<32x32x63xf32>, tensor<32x32x63xf32>)
      outs(%x : tensor<32x32x63xf32>) -> tensor<32x32x63xf32>
  return %0 : tensor<32x32x63xf32>
}

// -----

// Inside a parallel loop already (the attention tiles): no second level.
// CHECK-LABEL: func @inside_forall
//       CHECK:   scf.forall (%{{.*}}) in (1)
//   CHECK-NOT:   = scf.forall
func.func @inside_forall(%x: tensor<64x32x64xf32>) -> tensor<64x32x64xf32> {
  %0 = scf.forall (%i) in (1) shared_outs(%o = %x) -> (tensor<64x32x64xf32>) {
    %1 = linalg.add ins(%x, %x : tensor<64x32x64xf32>, tensor<64x32x64xf32>)
        outs(%o : tensor<64x32x64xf32>) -> tensor<64x32x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %1 into %o[0, 0, 0] [64, 32, 64] [1, 1, 1]
          : tensor<64x32x64xf32> into tensor<64x32x64xf32>
    }
  }
  return %0 : tensor<64x32x64xf32>
}

// -----

// No dimension of at least 16 steps outside the vector: 8 rows of 8192
// elements stay on one thread.
// CHECK-LABEL: func @no_chunkable_dimension
//   CHECK-NOT:   scf.forall
func.func @no_chunkable_dimension(%x: tensor<8x8192xf32>) -> tensor<8x8192xf32> {
  %0 = linalg.add ins(%x, %x : tensor<8x8192xf32>, tensor<8x8192xf32>)
      outs(%x : tensor<8x8192xf32>) -> tensor<8x8192xf32>
  return %0 : tensor<8x8192xf32>
}
