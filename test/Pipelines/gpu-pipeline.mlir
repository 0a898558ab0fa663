// sas-gpu-pipeline takes a whole layer to LLVM host code and NVVM kernels:
// nothing but the LLVM and GPU dialects is left on the host; the kernels are
// PTX for sm_90a (PTX 8.1: wgmma/TMA need 8.0, vector reductions 8.1), the attention kernel with
// workgroup memory, barriers between its steps and exp2; temporaries are
// stream-ordered device allocations.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa" | FileCheck %s
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa" | FileCheck %s --check-prefix=LOWERED
// One attention kernel (block-mapped); the other 25 are per-token loops.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa" | FileCheck %s --check-prefix=BLOCKS
// BLOCKS-COUNT-1: gpu.launch_func @layer_blocks_{{[0-9]+}}::@layer_blocks_{{[0-9]+}} blocks in
// BLOCKS-NOT: gpu.launch_func @layer_blocks_
// LOWERED-NOT: {{(= |^ *)(sas|linalg|tensor|vector|scf|memref|arith)\.}}
// CHECK: llvm.func @layer
// CHECK: llvm.call @mgpuMemAlloc
// CHECK-COUNT-26: gpu.launch_func @layer_{{(loop|blocks)_[0-9]+}}::@layer_
// CHECK: llvm.call @mgpuMemFree
// CHECK: gpu.binary @layer_{{(loop|blocks)_[0-9]+}} [#gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx81">
// CHECK-DAG: .version 8.1
// CHECK-DAG: .target sm_90a
// CHECK-DAG: .shared .align 4 .b8
// CHECK-DAG: bar.sync
// CHECK-DAG: ex2.approx.f32

// With the CUDA toolkit, the kernels are a cubin (an ELF) made by ptxas.
// RUN: %if ptxas %{ sas-opt %s --sas-gpu-pipeline="toolkit=%cuda_toolkit chip=sm_90" | FileCheck %s --check-prefix=CUBIN %}
// CUBIN: gpu.binary @layer_{{(loop|blocks)_[0-9]+}} [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx81">, properties = {{.*}}, bin = "\7FELF

// Unknown chips are rejected before any kernel is built.
// RUN: not sas-opt %s --sas-gpu-pipeline="chip=sm_42" 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: sas-gpu-pipeline: chip must be sm_90a, sm_90 or sm_80, got 'sm_42'
func.func @layer(%q: tensor<1x37x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<8x4xf32>, %fb: tensor<8xf32>, %frw: tensor<8x8xf32>,
    %frb: tensor<8xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<1x37x8xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x37x2x4xf32>, tensor<1x37x2x4xf32>, tensor<1x37x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x4xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x4xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x37x8xf32>
  return %0 : tensor<1x37x8xf32>
}
