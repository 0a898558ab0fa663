// A layer with dynamic B and T for sas-run --input: H = 2, D = 8, H' = 4,
// D' = 12, K = 3, causal.
func.func @small_layer(
    %q: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<12x8xf32>, %qfb: tensor<12xf32>,
    %qfrw: tensor<12x12xf32>, %qfrb: tensor<12xf32>,
    %khw: tensor<4x2x3xf32>, %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>, %kfw: tensor<12x8xf32>, %kfb: tensor<12xf32>,
    %kfrw: tensor<12x12xf32>, %kfrb: tensor<12xf32>,
    %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>, %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>, %ow: tensor<16x16xf32>, %ob: tensor<16xf32>)
    -> tensor<?x?x16xf32> {
  %r = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob) causal
      : (tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %r : tensor<?x?x16xf32>
}
