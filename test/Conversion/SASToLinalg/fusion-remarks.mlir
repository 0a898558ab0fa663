// The cost model decides where k and v are simulated: inside each query tile
// when that recomputes nothing (one query tile per batch: short T), once for
// all keys when the recomputation would cost more time than the
// materialization (long T). H = 2, D = 8, H' = 4, D' = 12, K = 3; one key
// costs 2 x 1152 (head simulation of k and v) + 1920 (feature simulation)
// = 4224 FLOPs to simulate, and 2 x 4 x 4 x (12 + 8) = 640 bytes to
// materialize (f32, written and read back).
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="fusion-remarks" -verify-diagnostics -o /dev/null
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg | FileCheck %s
// Both branches by force, whatever the model says:
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="kv-simulation=fuse fusion-remarks" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORCED
// FORCED-COUNT-2: k and v simulation fused into the query tiles (forced)
// FORCED: k and v simulation fused into the query tiles (forced): dynamic sizes leave the cost model nothing to price
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg="kv-simulation=fuse" | FileCheck %s --check-prefix=FUSED
// RUN: not sas-opt %s --convert-sas-to-linalg="kv-simulation=sometimes" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: for the --kv-simulation option: Cannot find option named 'sometimes'!

// T = 16, one query tile: recomputing costs nothing, materializing moves
// 16 x 640 bytes.
// CHECK-LABEL: func @short
// The simulated keys of a whole batch exist only inside the tile, where
// they are laid out [B, N, E, S] (simulated q never is):
//   CHECK-NOT:   -> tensor<1x16x4x12xf32>
//   CHECK-NOT:   linalg.transpose
//       CHECK:   scf.forall
//       CHECK:     linalg.transpose ins(%{{.*}} : tensor<1x16x4x12xf32>) outs(%{{.*}} : tensor<1x4x12x16xf32>) permutation = [0, 2, 3, 1]
func.func @short(%x: tensor<1x16x2x8xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<12x8xf32>, %fb: tensor<12xf32>, %frw: tensor<12x12xf32>,
    %frb: tensor<12xf32>, %ow: tensor<16x16xf32>, %ob: tensor<16xf32>)
    -> tensor<1x16x16xf32> {
  // Simulated q is 16 x 4 x 12 f32 (6144 bytes written and read back), the
  // attention output 16 x 4 x 8 (4096 bytes).
  // expected-remark @+2 {{sas fusion: q simulation fused into the query tiles (saves 0.006 MB, recomputes nothing); PEAA mean in the attention epilogue (saves 0.004 MB)}}
  // expected-remark @+1 {{sas fusion: k and v simulation fused into the query tiles (cost model): recomputing it per query tile costs 0.000 GFLOP (0.000 ms at 100.00 GFLOP/s), materializing it moves 0.010 MB (0.001 ms at 20.00 GB/s)}}
  %0 = sas.layer %x, %x, %x q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>, tensor<1x16x2x8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<1x16x16xf32>
  return %0 : tensor<1x16x16xf32>
}

// -----

// T = 256, four query tiles: three recompute all 256 keys, 3 x 256 x 4224 =
// 3.24 MFLOP (0.032 ms), against 256 x 640 bytes (0.008 ms) materialized.
// CHECK-LABEL: func @long
//       CHECK:   -> tensor<1x256x4x12xf32>
//       CHECK:   scf.forall
func.func @long(%x: tensor<1x256x2x8xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<12x8xf32>, %fb: tensor<12xf32>, %frw: tensor<12x12xf32>,
    %frb: tensor<12xf32>, %ow: tensor<16x16xf32>, %ob: tensor<16xf32>)
    -> tensor<1x256x16xf32> {
  // expected-remark @+2 {{sas fusion: q simulation fused into the query tiles}}
  // expected-remark @+1 {{sas fusion: k and v simulation materialized (cost model): recomputing it per query tile costs 0.003 GFLOP (0.032 ms at 100.00 GFLOP/s), materializing it moves 0.164 MB (0.008 ms at 20.00 GB/s)}}
  %0 = sas.layer %x, %x, %x q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x256x2x8xf32>, tensor<1x256x2x8xf32>, tensor<1x256x2x8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<1x256x16xf32>
  return %0 : tensor<1x256x16xf32>
}

// -----

// Dynamic B and T: the cost model has nothing to price, so k and v are
// materialized unless kv-simulation=fuse forces them into the query tiles.
// CHECK-LABEL: func @dynamic
//       CHECK:   linalg.transpose ins(%{{.*}} : tensor<?x?x4x12xf32>) outs(%{{.*}} : tensor<?x4x12x?xf32>) permutation = [0, 2, 3, 1]
//       CHECK:   scf.forall
// FUSED-LABEL: func @dynamic
//   FUSED-NOT:   linalg.transpose
//       FUSED:   scf.forall
//       FUSED:     linalg.transpose ins(%{{.*}} : tensor<1x?x4x12xf32>) outs(%{{.*}} : tensor<1x4x12x?xf32>) permutation = [0, 2, 3, 1]
func.func @dynamic(%x: tensor<?x?x2x8xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<12x8xf32>, %fb: tensor<12xf32>, %frw: tensor<12x12xf32>,
    %frb: tensor<12xf32>, %ow: tensor<16x16xf32>, %ob: tensor<16xf32>)
    -> tensor<?x?x16xf32> {
  // expected-remark @+1 {{sas fusion: k and v simulation materialized (cost model): dynamic sizes leave the cost model nothing to price}}
  %0 = sas.layer %x, %x, %x q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}
