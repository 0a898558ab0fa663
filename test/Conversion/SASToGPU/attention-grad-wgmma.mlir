// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-attention-to-gpu="attention-grad-wgmma=true" -verify-diagnostics | FileCheck %s
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-attention-to-gpu | FileCheck %s --check-prefix=OFF

// With attention-grad-wgmma on sm_90a, heads that are multiples of 64 take
// the wgmma backward: one warpgroup. By default (until the kernel has run
// on a GPU) the mma.sync kernel stays.
// CHECK-LABEL: func @wgmma_heads
//       CHECK:   sas.mma_attention_grad {{.*}} causal scale({{.*}}) warps(4) wgmma
// OFF-LABEL: func @wgmma_heads
//       OFF:   sas.mma_attention_grad {{.*}} causal scale({{.*}}) warps(4) :
func.func @wgmma_heads(%q: tensor<2x?x4x128xbf16>, %k: tensor<2x?x4x128xbf16>,
                       %v: tensor<2x?x4x64xbf16>, %o: tensor<2x?x4x64xbf16>,
                       %lse: tensor<2x?x4xf32>, %do: tensor<2x?x4x64xbf16>)
    -> (tensor<2x?x4x128xbf16>, tensor<2x?x4x128xbf16>, tensor<2x?x4x64xbf16>) {
  %dq, %dk, %dv = sas.attention_grad %q, %k, %v, %o, %lse, %do causal
      : (tensor<2x?x4x128xbf16>, tensor<2x?x4x128xbf16>, tensor<2x?x4x64xbf16>,
         tensor<2x?x4x64xbf16>, tensor<2x?x4xf32>, tensor<2x?x4x64xbf16>)
      -> (tensor<2x?x4x128xbf16>, tensor<2x?x4x128xbf16>, tensor<2x?x4x64xbf16>)
  return %dq, %dk, %dv : tensor<2x?x4x128xbf16>, tensor<2x?x4x128xbf16>, tensor<2x?x4x64xbf16>
}

// -----

// Other head sizes keep the mma.sync kernel, and a remark says why.
// CHECK-LABEL: func @other_heads
//       CHECK:   sas.mma_attention_grad {{.*}} warps(4) :
func.func @other_heads(%q: tensor<1x?x2x96xf16>, %v: tensor<1x?x2x64xf16>,
                       %lse: tensor<1x?x2xf32>)
    -> (tensor<1x?x2x96xf16>, tensor<1x?x2x96xf16>, tensor<1x?x2x64xf16>) {
  // expected-remark @below {{takes the mma.sync attention backward on sm_90a: the wgmma attention backward takes head sizes that are multiples of 64, at most 256, got 96 (q, k) and 64 (v)}}
  %dq, %dk, %dv = sas.attention_grad %q, %q, %v, %v, %lse, %v
      : (tensor<1x?x2x96xf16>, tensor<1x?x2x96xf16>, tensor<1x?x2x64xf16>,
         tensor<1x?x2x64xf16>, tensor<1x?x2xf32>, tensor<1x?x2x64xf16>)
      -> (tensor<1x?x2x96xf16>, tensor<1x?x2x96xf16>, tensor<1x?x2x64xf16>)
  return %dq, %dk, %dv : tensor<1x?x2x96xf16>, tensor<1x?x2x96xf16>, tensor<1x?x2x64xf16>
}
