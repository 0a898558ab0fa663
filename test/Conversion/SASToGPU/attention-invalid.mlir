// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu --verify-diagnostics

func.func @too_large(%q: tensor<1x8x1x8192xf32>, %v: tensor<1x8x1x8192xf32>)
    -> tensor<1x8x1x8192xf32> {
  // expected-error @below {{heads of size 8192 (q, k) and 8192 (v) do not fit in 49152 bytes of shared memory}}
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x1x8192xf32>, tensor<1x8x1x8192xf32>, tensor<1x8x1x8192xf32>)
      -> tensor<1x8x1x8192xf32>
  return %0 : tensor<1x8x1x8192xf32>
}
