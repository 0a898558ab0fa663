// PEAA's head-group mean goes into the attention epilogue only when its dense
// layer's operands are available where the attention is: the fused lowering
// emits the dense layer there.
// RUN: sas-opt %s --split-input-file --convert-sas-to-linalg | FileCheck %s

// The weights are function arguments: fused, the tiles write the mean
// [B, T, H*F].
// CHECK-LABEL: func @available
//       CHECK:   scf.forall {{.*}} -> (tensor<1x8x4xf32>)
func.func @available(%q: tensor<1x8x2x4xf32>, %w: tensor<4x4xf32>,
    %b: tensor<4xf32>) -> tensor<1x8x4xf32> {
  %o = sas.attention %q, %q, %q causal
      : (tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>)
      -> tensor<1x8x2x4xf32>
  %y = sas.peaa %o dense(%w, %b)
      : (tensor<1x8x2x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
      -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}

// -----

// The weight is defined in a nested region after the attention: not fused,
// the tiles write the attention output [B, N, T, F].
// CHECK-LABEL: func @defined_in_nested_region
//       CHECK:   scf.forall {{.*}} -> (tensor<1x2x8x4xf32>)
//       CHECK:   scf.execute_region
func.func @defined_in_nested_region(%q: tensor<1x8x2x4xf32>,
    %b: tensor<4xf32>) -> tensor<1x8x4xf32> {
  %o = sas.attention %q, %q, %q causal
      : (tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>)
      -> tensor<1x8x2x4xf32>
  %y = scf.execute_region -> tensor<1x8x4xf32> {
    %w = func.call @weight() : () -> tensor<4x4xf32>
    %r = sas.peaa %o dense(%w, %b)
        : (tensor<1x8x2x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
        -> tensor<1x8x4xf32>
    scf.yield %r : tensor<1x8x4xf32>
  }
  return %y : tensor<1x8x4xf32>
}

func.func private @weight() -> tensor<4x4xf32>
