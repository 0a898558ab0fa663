// The layer's backward on the GPU (sm_90a): the attention's, the head
// simulations' and PEAA's gradients on tensor-core kernels; the feature
// simulations' on the linalg path (at D = 16: the weight-gradient kernel
// takes multiples of 32), each saying so in a remark. Their parameter gradients sum the
// tokens in parallel chunks (token-sum-chunk), so that no kernel is
// launched once per token from a loop of host code.
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_90a format=isa toolkit=" --mlir-print-ir-after=sas-gpu-map-to-launch -o %t.mlir 2> %t.after
// RUN: FileCheck %s --check-prefix=REMARK < %t.after
// RUN: %python %S/../Utils/host_loop_launches.py %t.after | FileCheck %s --check-prefix=HOST
// RUN: FileCheck %s < %t.mlir
// REMARK-DAG: remark: sas.feature_sim_grad stays on the linalg path: the weight gradient's sizes must be multiples of 32 for the tensor-core kernel, got 32 x 16
// REMARK-NOT: sas.head_sim_grad
// HOST: kernels launched in host loops: 0
// The counter itself finds a launch in a host loop:
// RUN: %python %S/../Utils/host_loop_launches.py %S/Inputs/host-loop-launch.mlir | FileCheck %s --check-prefix=COUNTS
// COUNTS: kernels launched in host loops: 1
// CHECK-DAG: gpu.binary @grad_attention_grad_mma_0
// CHECK-DAG: gpu.binary @grad_head_sim_grad_0
// CHECK-DAG: gpu.binary @grad_head_sim_grad_2
// CHECK-DAG: gpu.binary @grad_peaa_0
// CHECK-DAG: gpu.binary @grad_weight_grad_0
// CHECK-DAG: llvm.func @grad(
func.func @grad(
    %q: tensor<2x5x2x16xbf16>,
    %k: tensor<2x5x2x16xbf16>,
    %v: tensor<2x5x2x16xbf16>,
    %p0: tensor<4x2x3xbf16>,
    %p1: tensor<4xbf16>,
    %p2: tensor<4x4x3xbf16>,
    %p3: tensor<4xbf16>,
    %p4: tensor<32x16xbf16>,
    %p5: tensor<32xbf16>,
    %p6: tensor<32x32xbf16>,
    %p7: tensor<32xbf16>,
    %p8: tensor<4x2x3xbf16>,
    %p9: tensor<4xbf16>,
    %p10: tensor<4x4x3xbf16>,
    %p11: tensor<4xbf16>,
    %p12: tensor<32x16xbf16>,
    %p13: tensor<32xbf16>,
    %p14: tensor<32x32xbf16>,
    %p15: tensor<32xbf16>,
    %p16: tensor<4x2x3xbf16>,
    %p17: tensor<4xbf16>,
    %p18: tensor<4x4x3xbf16>,
    %p19: tensor<4xbf16>,
    %p20: tensor<32x32xbf16>,
    %p21: tensor<32xbf16>,
    %dy: tensor<2x5x32xbf16>)
    -> (tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x32xbf16>, tensor<32xbf16>) {
  %g:25 = sas.layer_grad %q, %k, %v q_head(%p0, %p1, %p2, %p3)
      q_feat(%p4, %p5, %p6, %p7)
      k_head(%p8, %p9, %p10, %p11)
      k_feat(%p12, %p13, %p14, %p15)
      v_head(%p16, %p17, %p18, %p19) out(%p20, %p21) grad(%dy) causal
      : (tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<2x5x32xbf16>)
      -> (tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x32xbf16>, tensor<32xbf16>)
  return %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<2x5x2x16xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x16xbf16>, tensor<32xbf16>, tensor<32x32xbf16>, tensor<32xbf16>, tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>, tensor<32x32xbf16>, tensor<32xbf16>
}
