func.func @huge(%q: tensor<9223372036854775807x2x4x6xf32>, %k: tensor<1x99999999999x4x6xf32>,
    %v: tensor<?x?x4x3xf32>) -> tensor<1x2x4x3xf32> {
  %0 = sas.attention %q, %k, %v causal scale(1.0e38)
      : (tensor<9223372036854775807x2x4x6xf32>, tensor<1x99999999999x4x6xf32>, tensor<?x?x4x3xf32>)
      -> tensor<1x2x4x3xf32>
  return %0 : tensor<1x2x4x3xf32>
}
func.func @peaa(%o: tensor<1x3x4611686018427387904x4xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<1x3x8xf32> {
  %0 = sas.peaa %o dense(%w, %b) : (tensor<1x3x4611686018427387904x4xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}
