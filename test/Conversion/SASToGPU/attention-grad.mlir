// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu | FileCheck %s
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-warps=8" | FileCheck %s --check-prefix=WARPS

// The forward of a backward: the tensor-core kernel writes the output and
// the log-sum-exp, each into its own buffer.
// CHECK-LABEL: func @forward_with_lse
//   CHECK-DAG:   %[[OUT:.*]] = memref.alloc() : memref<2x37x4x16xbf16>
//   CHECK-DAG:   %[[LSE:.*]] = memref.alloc() : memref<2x37x4xf32>
//       CHECK:   sas.mma_attention %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]] lse(%[[LSE]] : memref<2x37x4xf32>) causal
//   CHECK-DAG:   bufferization.to_tensor %[[OUT]] restrict writable
//   CHECK-DAG:   bufferization.to_tensor %[[LSE]] restrict writable
func.func @forward_with_lse(%q: tensor<2x37x4x32xbf16>, %k: tensor<2x37x4x32xbf16>,
                            %v: tensor<2x37x4x16xbf16>)
    -> (tensor<2x37x4x16xbf16>, tensor<2x37x4xf32>) {
  %o, %lse = sas.attention %q, %k, %v causal
      : (tensor<2x37x4x32xbf16>, tensor<2x37x4x32xbf16>, tensor<2x37x4x16xbf16>)
      -> (tensor<2x37x4x16xbf16>, tensor<2x37x4xf32>)
  return %o, %lse : tensor<2x37x4x16xbf16>, tensor<2x37x4xf32>
}

// -----

// The gradient: delta = rowsum(d_o * o) in f32, a zeroed f32 d_q
// accumulator, the kernel op (d_k, d_v; d_q unscaled into the accumulator),
// then d_q = scale * accumulator rounded once. d_k and d_v take the sizes of
// k and v (here a dynamic key count), d_q those of q.
// CHECK-LABEL: func @gradient
//       CHECK:   %[[DELTA:.*]] = memref.alloc(%{{.*}}) : memref<2x?x4xf32>
//       CHECK:   linalg.fill ins(%{{.*}} : f32) outs(%[[DELTA]]
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
//  CHECK-SAME:     outs(%[[DELTA]] : memref<2x?x4xf32>)
//       CHECK:   arith.mulf
//       CHECK:   arith.addf
//       CHECK:   %[[ACC:.*]] = memref.alloc(%{{.*}}) : memref<2x?x4x32xf32>
//       CHECK:   linalg.fill ins(%{{.*}} : f32) outs(%[[ACC]]
//       CHECK:   sas.mma_attention_grad {{.*}}, %[[DELTA]], %{{.*}}, %[[ACC]], %[[DK:.*]], %[[DV:.*]] scale(0.176776{{[0-9]*}}) warps(4)
//       CHECK:   linalg.generic {{.*}} ins(%[[ACC]] : memref<2x?x4x32xf32>) outs(%[[DQ:.*]] : memref<2x?x4x32xbf16>)
//       CHECK:     arith.mulf %{{.*}}, %{{.*}} : f32
//       CHECK:     arith.truncf
// WARPS: sas.mma_attention_grad {{.*}} warps(8)
func.func @gradient(%q: tensor<2x?x4x32xbf16>, %k: tensor<2x?x4x32xbf16>,
                    %v: tensor<2x?x4x16xbf16>, %o: tensor<2x?x4x16xbf16>,
                    %lse: tensor<2x?x4xf32>, %do: tensor<2x?x4x16xbf16>)
    -> (tensor<2x?x4x32xbf16>, tensor<2x?x4x32xbf16>, tensor<2x?x4x16xbf16>) {
  %dq, %dk, %dv = sas.attention_grad %q, %k, %v, %o, %lse, %do
      : (tensor<2x?x4x32xbf16>, tensor<2x?x4x32xbf16>, tensor<2x?x4x16xbf16>,
         tensor<2x?x4x16xbf16>, tensor<2x?x4xf32>, tensor<2x?x4x16xbf16>)
      -> (tensor<2x?x4x32xbf16>, tensor<2x?x4x32xbf16>, tensor<2x?x4x16xbf16>)
  return %dq, %dk, %dv : tensor<2x?x4x32xbf16>, tensor<2x?x4x32xbf16>, tensor<2x?x4x16xbf16>
}

// -----

// Heads whose d_k and d_v take too many registers at four warps get fewer:
// E = 192, F = 176 keep 184 registers a thread in d_k and d_v, and the
// scores 16 more a warp, within 208 at one warp only.
// CHECK-LABEL: func @wide_heads
//       CHECK:   sas.mma_attention_grad {{.*}} warps(1)
func.func @wide_heads(%q: tensor<1x64x2x192xf16>, %v: tensor<1x64x2x176xf16>,
                      %lse: tensor<1x64x2xf32>)
    -> (tensor<1x64x2x192xf16>, tensor<1x64x2x192xf16>, tensor<1x64x2x176xf16>) {
  %dq, %dk, %dv = sas.attention_grad %q, %q, %v, %v, %lse, %v causal
      : (tensor<1x64x2x192xf16>, tensor<1x64x2x192xf16>, tensor<1x64x2x176xf16>,
         tensor<1x64x2x176xf16>, tensor<1x64x2xf32>, tensor<1x64x2x176xf16>)
      -> (tensor<1x64x2x192xf16>, tensor<1x64x2x192xf16>, tensor<1x64x2x176xf16>)
  return %dq, %dk, %dv : tensor<1x64x2x192xf16>, tensor<1x64x2x192xf16>, tensor<1x64x2x176xf16>
}
