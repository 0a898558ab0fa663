// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="query-tile=32 key-tile=32" | FileCheck %s
// No T x S score tensor exists, only query x key blocks:
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="query-tile=32 key-tile=32" | FileCheck %s --check-prefix=BLOCKS
// BLOCKS-NOT: {{(100|128)x(100|128)x}}

// Causal, T = 100 (not a multiple of 32): each tile of 32 queries owns all
// three heads; key blocks [0, qb) need no mask, only block qb (the diagonal)
// is masked, blocks past it are never visited.
//   CHECK-DAG: #[[FULL:.*]] = affine_map<(d0) -> (d0, 3)>
//   CHECK-DAG: #[[END:.*]] = affine_map<(d0) -> (d0 + 1, 4)>
//   CHECK-DAG: #[[FROM_END:.*]] = affine_map<(d0) -> (-(d0 floordiv 2) + 3)>
// CHECK-LABEL: func @causal
// q is padded to whole query blocks, k is laid out [B, N, E, S]:
//       CHECK:   %[[Q:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 28, 0, 0]
//       CHECK:   linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
//       CHECK:   scf.forall (%{{.*}}, %[[I:.*]]) in (2, 4)
// Query blocks in the order 0, 3, 1, 2 (balanced causal work per thread):
//       CHECK:     affine.apply #[[FROM_END]](%[[I]])
//       CHECK:     %[[QB:.*]] = arith.select
//       CHECK:     %[[FULL_END:.*]] = affine.min #[[FULL]](%[[QB]])
//       CHECK:     %[[MASKED_END:.*]] = affine.min #[[END]](%[[QB]])
//       CHECK:     scf.for %{{.*}} = %{{.*}} to %c3
//       CHECK:       scf.for %{{.*}} = %{{.*}} to %[[FULL_END]]
//   CHECK-NOT:         linalg.index
//       CHECK:         linalg.matmul {{.*}} -> tensor<32x32xf32>
//       CHECK:         arith.maximumf
//       CHECK:         math.exp
//       CHECK:         linalg.matmul {{.*}} -> tensor<32x8xf32>
//       CHECK:       scf.for %{{.*}} = %[[FULL_END]] to %[[MASKED_END]]
//       CHECK:         linalg.matmul {{.*}} -> tensor<32x32xf32>
//       CHECK:         linalg.index 1
//       CHECK:         arith.cmpi sge
//       CHECK:         arith.cmpi sgt
//       CHECK:         arith.select
//       CHECK:       arith.divf
//       CHECK:       arith.truncf {{.*}} to bf16
//       CHECK:       tensor.insert_slice {{.*}} : tensor<32x8xbf16> into tensor<3x32x8xbf16>
//       CHECK:     tensor.parallel_insert_slice {{.*}} [1, 3, 32, 8]
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
//       CHECK:   scf.forall
//       CHECK:     arith.constant 5.000000e-01 : f32
//       CHECK:     scf.for {{.*}} -> (tensor<3x32x8xf32>)
//       CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c3{{.*}} iter_args
//       CHECK:       scf.for %{{.*}} = %c3{{.*}} to %c4
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
//       CHECK:   tensor.dim %{{.*}}, %c1
//       CHECK:   scf.forall ({{.*}}) in (%{{.*}}, %{{.*}})
func.func @dynamic(%q: tensor<?x?x3x16xf32>, %k: tensor<?x?x3x16xf32>,
    %v: tensor<?x?x3x8xf32>) -> tensor<?x?x3x8xf32> {
  %0 = sas.attention %q, %k, %v causal
      : (tensor<?x?x3x16xf32>, tensor<?x?x3x16xf32>, tensor<?x?x3x8xf32>)
      -> tensor<?x?x3x8xf32>
  return %0 : tensor<?x?x3x8xf32>
}

// -----

// The whole layer: q's simulation runs inside each query tile (once for all
// heads of its tokens), and PEAA's head-group mean is accumulated in the
// tile epilogue; k and v simulation and PEAA's dense layer stay outside.
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="query-tile=16" | FileCheck %s --check-prefix=FUSED
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="query-tile=16 fuse-q-simulation=false fuse-peaa-mean=false" | FileCheck %s --check-prefix=UNFUSED
// FUSED-LABEL: func @layer
// Mean of G = 2 groups: head n adds 1/2 of its output at column (n mod 2) * 4.
//       FUSED:   arith.constant 5.000000e-01 : f32
//       FUSED:   scf.forall
//       FUSED:     tensor.extract_slice %{{.*}} [1, 16, 2, 4]
// The q head convolution (K = 3 taps) on the tile's tokens:
//       FUSED:     } -> tensor<1x16x4x4xf32>
//       FUSED:     scf.for
//       FUSED:       scf.for
//       FUSED:       scf.for
//       FUSED:       tensor.insert_slice {{.*}} : tensor<16x4xf32> into tensor<16x8xf32>
//       FUSED:     tensor.parallel_insert_slice {{.*}} [1, 16, 8]
//       FUSED:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x37x8xf32>, tensor<8x8xf32>)
//       FUSED:   return
// UNFUSED-LABEL: func @layer
// The simulated q is materialized for all tokens before the attention:
//       UNFUSED:   } -> tensor<1x37x4x6xf32>
//       UNFUSED:   scf.forall
//   UNFUSED-NOT:     tensor<1x16x4x4xf32>
//       UNFUSED:     tensor.parallel_insert_slice {{.*}} [1, 4, 16, 4]
func.func @layer(%q: tensor<1x37x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<6x4xf32>, %fb: tensor<6xf32>, %frw: tensor<6x6xf32>,
    %frb: tensor<6xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<1x37x8xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x37x2x4xf32>, tensor<1x37x2x4xf32>, tensor<1x37x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x37x8xf32>
  return %0 : tensor<1x37x8xf32>
}
