// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu --verify-diagnostics --split-input-file

func.func @too_large(%q: tensor<1x8x1x8192xf32>, %v: tensor<1x8x1x8192xf32>)
    -> tensor<1x8x1x8192xf32> {
  // expected-error @below {{heads of size 8192 (q, k) and 8192 (v) do not fit in 49152 bytes of shared memory}}
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x1x8192xf32>, tensor<1x8x1x8192xf32>, tensor<1x8x1x8192xf32>)
      -> tensor<1x8x1x8192xf32>
  return %0 : tensor<1x8x1x8192xf32>
}

// -----

// The GPU backward runs on tensor cores only: f32 gradients are refused,
// naming the CPU pipeline that compiles them.
func.func @grad_f32(%q: tensor<1x8x1x16xf32>, %lse: tensor<1x8x1xf32>)
    -> (tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>) {
  // expected-error @below {{has no GPU kernel for 'f32' heads: the GPU backward takes f16 and bf16 (with tensor-cores on); f32 gradients compile for the CPU (sas-cpu-pipeline)}}
  %dq, %dk, %dv = sas.attention_grad %q, %q, %q, %q, %lse, %q
      : (tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>,
         tensor<1x8x1x16xf32>, tensor<1x8x1xf32>, tensor<1x8x1x16xf32>)
      -> (tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>)
  return %dq, %dk, %dv : tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>
}

// -----

// d_k and d_v of 256-wide heads take 256 registers a thread: no tiling of
// the tensor-core backward fits.
func.func @grad_too_wide(%q: tensor<1x8x1x256xbf16>, %lse: tensor<1x8x1xf32>)
    -> (tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>) {
  // expected-error @below {{has no GPU kernel for these heads: the attention backward with 1 warps at head sizes 256 (q, k) and 256 (v) keeps 272 registers a thread in fragments, above the 208 that leave room for the rest}}
  %dq, %dk, %dv = sas.attention_grad %q, %q, %q, %q, %lse, %q
      : (tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>,
         tensor<1x8x1x256xbf16>, tensor<1x8x1xf32>, tensor<1x8x1x256xbf16>)
      -> (tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>)
  return %dq, %dk, %dv : tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>, tensor<1x8x1x256xbf16>
}

// -----

// The forward of a backward on heads no tensor-core kernel takes.
func.func @lse_f32(%q: tensor<1x8x1x16xf32>) -> (tensor<1x8x1x16xf32>, tensor<1x8x1xf32>) {
  // expected-error @below {{with its log-sum-exp (the forward of a backward) has no GPU kernel for these heads: the GPU backward takes f16 and bf16 heads of sizes that are multiples of 16 up to 256, got 'f32', 16 (q, k) and 16 (v); other gradients compile for the CPU (sas-cpu-pipeline)}}
  %o, %lse = sas.attention %q, %q, %q
      : (tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>)
      -> (tensor<1x8x1x16xf32>, tensor<1x8x1xf32>)
  return %o, %lse : tensor<1x8x1x16xf32>, tensor<1x8x1xf32>
}
