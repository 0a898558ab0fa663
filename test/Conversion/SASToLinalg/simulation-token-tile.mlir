// RUN: sas-opt %s --convert-sas-to-linalg="simulation-token-tile=4" --split-input-file | FileCheck %s
// RUN: not sas-opt %s --convert-sas-to-linalg="simulation-token-tile=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// With simulation-token-tile (sas-cpu-pipeline's choice), a head or feature
// simulation of static B and T is a parallel loop over (batch element, tile
// of tokens):
// B = 2, T = 8 in tiles of 4, the padding, both convolutions and the ReLU on
// a [1, 4, H, D] slice, the result inserted at its tokens.
// CHECK-LABEL: func @tiled
//       CHECK:   scf.forall (%[[B:.*]], %[[I:.*]]) in (2, 2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<2x8x4x5xf32>)
//       CHECK:     %[[T:.*]] = affine.apply {{.*}}(%[[I]])
//       CHECK:     tensor.extract_slice %{{.*}}[%[[B]], %[[T]], 0, 0] [1, 4, 2, 5] [1, 1, 1, 1] : tensor<2x8x2x5xf32> to tensor<1x4x2x5xf32>
//       CHECK:     tensor.pad
//       CHECK:     scf.forall.in_parallel
//  CHECK-NEXT:       tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[B]], %[[T]], 0, 0] [1, 4, 4, 5] [1, 1, 1, 1] : tensor<1x4x4x5xf32> into tensor<2x8x4x5xf32>
// NEGATIVE: error: convert-sas-to-linalg: simulation-token-tile must be 0 (each step over all tokens) or positive, got -1
func.func @tiled(%x: tensor<2x8x2x5xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>)
    -> tensor<2x8x4x5xf32> {
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x8x2x5xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>) -> tensor<2x8x4x5xf32>
  return %s : tensor<2x8x4x5xf32>
}

// -----

// T = 6: the largest tile of at most 4 tokens that divides it, 3.
// CHECK-LABEL: func @tile_divides_length
//       CHECK:   scf.forall ({{.*}}) in (1, 2)
//       CHECK:     tensor.extract_slice {{.*}} [1, 3, 2, 5]
func.func @tile_divides_length(%x: tensor<1x6x2x5xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>)
    -> tensor<1x6x4x5xf32> {
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<1x6x2x5xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>) -> tensor<1x6x4x5xf32>
  return %s : tensor<1x6x4x5xf32>
}

// -----

// Any B and T: over all tokens, no loop.
// CHECK-LABEL: func @dynamic
//   CHECK-NOT:   scf.forall
//       CHECK:   return
func.func @dynamic(%x: tensor<?x?x2x5xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>)
    -> tensor<?x?x4x5xf32> {
  %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x2x5xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>) -> tensor<?x?x4x5xf32>
  return %s : tensor<?x?x4x5xf32>
}

// -----

// A feature simulation the same way: both products and the ReLU per tile.
// CHECK-LABEL: func @feature_sim
//       CHECK:   scf.forall (%[[B:.*]], %[[I:.*]]) in (2, 2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<2x8x3x6xf32>)
//       CHECK:     tensor.extract_slice %{{.*}} [1, 4, 3, 4] [1, 1, 1, 1] : tensor<2x8x3x4xf32> to tensor<1x4x3x4xf32>
//       CHECK:     scf.forall.in_parallel
//  CHECK-NEXT:       tensor.parallel_insert_slice %{{.*}} into %[[OUT]]{{.*}} [1, 4, 3, 6] [1, 1, 1, 1] : tensor<1x4x3x6xf32> into tensor<2x8x3x6xf32>
func.func @feature_sim(%x: tensor<2x8x3x4xf32>, %w: tensor<6x4xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6xf32>, %rb: tensor<6xf32>)
    -> tensor<2x8x3x6xf32> {
  %z = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x8x3x4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>) -> tensor<2x8x3x6xf32>
  return %z : tensor<2x8x3x6xf32>
}
