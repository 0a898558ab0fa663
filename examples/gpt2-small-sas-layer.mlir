// A SAS layer of GPT-2 small: B = 1, T = 512, H = 12 heads of D = 64,
// simulating H' = 24 heads with query/key size D' = 128, kernel K = 3, causal.
//
// The function takes q, k and v ([B, T, H, D], the per-head projections of the
// MHA layer) and the 22 SAS parameters in PyTorch state-dict order and layout,
// and returns the layer output [B, T, H * D].
//
//   sas-opt examples/gpt2-small-sas-layer.mlir --sas-expand

func.func @gpt2_small_sas_layer(
    %q: tensor<1x512x12x64xf32>, %k: tensor<1x512x12x64xf32>,
    %v: tensor<1x512x12x64xf32>,
    // sas_q.0.*, sas_q.1.process.*, sas_q.2.*, sas_q.3.process.*
    %q_head_w: tensor<24x12x3xf32>, %q_head_b: tensor<24xf32>,
    %q_head_res_w: tensor<24x24x3xf32>, %q_head_res_b: tensor<24xf32>,
    %q_feat_w: tensor<128x64xf32>, %q_feat_b: tensor<128xf32>,
    %q_feat_res_w: tensor<128x128xf32>, %q_feat_res_b: tensor<128xf32>,
    // sas_k.*
    %k_head_w: tensor<24x12x3xf32>, %k_head_b: tensor<24xf32>,
    %k_head_res_w: tensor<24x24x3xf32>, %k_head_res_b: tensor<24xf32>,
    %k_feat_w: tensor<128x64xf32>, %k_feat_b: tensor<128xf32>,
    %k_feat_res_w: tensor<128x128xf32>, %k_feat_res_b: tensor<128xf32>,
    // sas_v.0.*, sas_v.1.process.*
    %v_head_w: tensor<24x12x3xf32>, %v_head_b: tensor<24xf32>,
    %v_head_res_w: tensor<24x24x3xf32>, %v_head_res_b: tensor<24xf32>,
    // output_dense.*
    %out_w: tensor<768x768xf32>, %out_b: tensor<768xf32>)
    -> tensor<1x512x768xf32> {
  %result = sas.layer %q, %k, %v
      q_head(%q_head_w, %q_head_b, %q_head_res_w, %q_head_res_b)
      q_feat(%q_feat_w, %q_feat_b, %q_feat_res_w, %q_feat_res_b)
      k_head(%k_head_w, %k_head_b, %k_head_res_w, %k_head_res_b)
      k_feat(%k_feat_w, %k_feat_b, %k_feat_res_w, %k_feat_res_b)
      v_head(%v_head_w, %v_head_b, %v_head_res_w, %v_head_res_b)
      out(%out_w, %out_b) causal
      : (tensor<1x512x12x64xf32>, tensor<1x512x12x64xf32>,
         tensor<1x512x12x64xf32>,
         tensor<24x12x3xf32>, tensor<24xf32>, tensor<24x24x3xf32>,
         tensor<24xf32>, tensor<128x64xf32>, tensor<128xf32>,
         tensor<128x128xf32>, tensor<128xf32>,
         tensor<24x12x3xf32>, tensor<24xf32>, tensor<24x24x3xf32>,
         tensor<24xf32>, tensor<128x64xf32>, tensor<128xf32>,
         tensor<128x128xf32>, tensor<128xf32>,
         tensor<24x12x3xf32>, tensor<24xf32>, tensor<24x24x3xf32>,
         tensor<24xf32>,
         tensor<768x768xf32>, tensor<768xf32>) -> tensor<1x512x768xf32>
  return %result : tensor<1x512x768xf32>
}
