// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="query-tile=32 key-tile=32" | FileCheck %s
// No T x S score tensor exists, only query x key blocks:
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="query-tile=32 key-tile=32" | FileCheck %s --check-prefix=BLOCKS
// BLOCKS-NOT: {{(100|128)x(100|128)x}}

// Causal, T = 100 (not a multiple of 32): key blocks [0, qb) need no mask,
// only block qb (the diagonal) is masked, blocks past it are never visited.
//   CHECK-DAG: #[[FULL:.*]] = affine_map<(d0) -> (d0, 3)>
//   CHECK-DAG: #[[END:.*]] = affine_map<(d0) -> (d0 + 1, 4)>
// CHECK-LABEL: func @causal
// q is extended to f32 and transposed to [B, N, T, E]; k to [B, N, E, S]:
//       CHECK:   %[[Q:.*]] = tensor.pad {{.*}} high[0, 0, 28, 0]
//       CHECK:   linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}, %[[QB:.*]]) in (2, 3, 4)
//       CHECK:     %[[FULL_END:.*]] = affine.min #[[FULL]](%[[QB]])
//       CHECK:     %[[MASKED_END:.*]] = affine.min #[[END]](%[[QB]])
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %[[FULL_END]]
//   CHECK-NOT:       linalg.index
//       CHECK:       linalg.matmul {{.*}} -> tensor<32x32xf32>
//       CHECK:       arith.maximumf
//       CHECK:       math.exp
//       CHECK:       linalg.matmul {{.*}} -> tensor<32x8xf32>
//       CHECK:     scf.for %{{.*}} = %[[FULL_END]] to %[[MASKED_END]]
//       CHECK:       linalg.matmul {{.*}} -> tensor<32x32xf32>
//       CHECK:       linalg.index 1
//       CHECK:       arith.cmpi sge
//       CHECK:       arith.cmpi sgt
//       CHECK:       arith.select
//       CHECK:     arith.divf
//       CHECK:     arith.truncf {{.*}} to bf16
//       CHECK:     tensor.parallel_insert_slice
//       CHECK:   tensor.extract_slice {{.*}} [2, 3, 100, 8]
//       CHECK:   linalg.transpose {{.*}} permutation = [0, 2, 1, 3]
func.func @causal(%q: tensor<2x100x3x16xbf16>, %k: tensor<2x100x3x16xbf16>,
    %v: tensor<2x100x3x8xbf16>) -> tensor<2x100x3x8xbf16> {
  %0 = sas.attention %q, %k, %v causal
      : (tensor<2x100x3x16xbf16>, tensor<2x100x3x16xbf16>,
         tensor<2x100x3x8xbf16>) -> tensor<2x100x3x8xbf16>
  return %0 : tensor<2x100x3x8xbf16>
}

// -----

// Without the mask every tile visits all key blocks; only the last one, which
// holds padded keys, is masked (no causal comparison). The scale (here
// given) is folded into q.
// CHECK-LABEL: func @not_causal
//       CHECK:   arith.constant 5.000000e-01 : f32
//       CHECK:   scf.forall
//       CHECK:     scf.for %{{.*}} = %c0{{.*}} to %c3
//       CHECK:     scf.for %{{.*}} = %c3{{.*}} to %c4
//       CHECK:       arith.cmpi sge
//   CHECK-NOT:       arith.cmpi sgt
//       CHECK:       linalg.matmul
func.func @not_causal(%q: tensor<2x100x3x16xf32>, %k: tensor<2x100x3x16xf32>,
    %v: tensor<2x100x3x8xf32>) -> tensor<2x100x3x8xf32> {
  %0 = sas.attention %q, %k, %v scale(0.5)
      : (tensor<2x100x3x16xf32>, tensor<2x100x3x16xf32>,
         tensor<2x100x3x8xf32>) -> tensor<2x100x3x8xf32>
  return %0 : tensor<2x100x3x8xf32>
}

// -----

// Dynamic B and T: the number of query blocks and the key bounds are
// computed at run time.
// CHECK-LABEL: func @dynamic
//       CHECK:   %[[T:.*]] = tensor.dim %{{.*}}, %c1
//       CHECK:   scf.forall ({{.*}}) in (%{{.*}}, 3, %{{.*}})
func.func @dynamic(%q: tensor<?x?x3x16xf32>, %k: tensor<?x?x3x16xf32>,
    %v: tensor<?x?x3x8xf32>) -> tensor<?x?x3x8xf32> {
  %0 = sas.attention %q, %k, %v causal
      : (tensor<?x?x3x16xf32>, tensor<?x?x3x16xf32>, tensor<?x?x3x8xf32>)
      -> tensor<?x?x3x8xf32>
  return %0 : tensor<?x?x3x8xf32>
}
