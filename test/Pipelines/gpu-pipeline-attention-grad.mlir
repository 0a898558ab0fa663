// The attention backward on the GPU (mma.sync, sm_80 and later): the
// forward saves the log-sum-exp (lg2 of the row sum, stored by the kernel),
// and the backward kernel recomputes P from it, with its products on
// mma.sync (q, d_o, k and dA^T by ldmatrix, plain and transposed) and d_q
// accumulated by f32 atomics. PTX from LLVM's NVPTX backend only.
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_80 format=isa toolkit=" -o %t.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.fwd.ptx attn_bwd_attention_mma_0
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.ptx attn_bwd_attention_grad_mma_0
// RUN: FileCheck %s --check-prefix=FWD < %t.fwd.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: FileCheck %s --check-prefix=NOLIBDEVICE < %t.ptx
// FWD: .entry attn_bwd_attention_mma_0(
// FWD: lg2.approx.ftz.f32
// FWD: st.global.b32
// CHECK: .entry attn_bwd_attention_grad_mma_0(
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG: ex2.approx.ftz.f32
// CHECK-DAG: atom.global.add.f32
// NOLIBDEVICE-NOT: __nv_
// Hopper adds a lane's two adjacent d_q columns in one vector reduction.
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_90 format=isa toolkit=" -o %t.90.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.90.mlir %t.90.ptx attn_bwd_attention_grad_mma_0
// RUN: FileCheck %s --check-prefix=HOPPER < %t.90.ptx
// HOPPER: .version 8.1
// HOPPER-NOT: atom.global.add.f32
// HOPPER: red.global.add.v2.f32
// HOPPER-NOT: atom.global.add.f32
// sm_90a with attention-grad-wgmma: the wgmma backward (heads of 128 and 64). S^T and dP^T with both
// operands in shared memory (m64n64), dV and dK with P^T and dA^T from
// registers (n = F, E), dQ with dA and k both read transposed (the last two
// immediates).
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_90a attention-grad-wgmma=true format=isa toolkit=" -o %t.90a.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.90a.mlir %t.90a.ptx attn_bwd_attention_grad_wgmma_0
// RUN: FileCheck %s --check-prefix=WGMMA < %t.90a.ptx
// WGMMA: .entry attn_bwd_attention_grad_wgmma_0(
// WGMMA-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}}, %rd{{[0-9]+}}, %rd{{[0-9]+}}, p, 1, 1, 0, 0;
// WGMMA-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}}, {%r{{.*}}}, %rd{{[0-9]+}}, p, 1, 1, 1;
// WGMMA-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}}, {%r{{.*}}}, %rd{{[0-9]+}}, p, 1, 1, 1;
// WGMMA-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}}, %rd{{[0-9]+}}, %rd{{[0-9]+}}, p, 1, 1, 1, 1;
// WGMMA-DAG: fence.proxy.async.shared::cta
// WGMMA-DAG: red.global.add.v2.f32
// WGMMA-NOT: ldmatrix
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.90a.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS90A %}
// PTXAS90A: Compiling entry function 'attn_bwd_attention_grad_wgmma_0'
// PTXAS90A-NOT: C7513
// PTXAS90A: Used {{[0-9]+}} registers
// Where nvdisasm exists too: no register an issued wgmma reads as its A
// operand (P^T, dA^T) is written before the wgmma is retired.
// RUN: %if ptxas && nvdisasm %{ %cuda_toolkit/bin/ptxas -arch=sm_90a %t.90a.ptx -o %t.90a.cubin %}
// RUN: %if ptxas && nvdisasm %{ %nvdisasm -c %t.90a.cubin > %t.90a.sass %}
// RUN: %if ptxas && nvdisasm %{ %python %S/../Utils/check_wgmma_operands.py %t.90a.sass | FileCheck %s --check-prefix=OPERANDS %}
// OPERANDS: 48 HGMMA; 0 writes to the A registers of one in flight
// Where ptxas exists: both kernels fit in registers (no spills).
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_80 -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90 -v %t.90.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: Compiling entry function 'attn_bwd_attention_grad_mma_0'
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @attn_bwd(%q: tensor<2x100x4x128xbf16>, %k: tensor<2x100x4x128xbf16>,
                    %v: tensor<2x100x4x64xbf16>, %do: tensor<2x100x4x64xbf16>)
    -> (tensor<2x100x4x64xbf16>, tensor<2x100x4x128xbf16>,
        tensor<2x100x4x128xbf16>, tensor<2x100x4x64xbf16>) {
  %o, %lse = sas.attention %q, %k, %v causal
      : (tensor<2x100x4x128xbf16>, tensor<2x100x4x128xbf16>, tensor<2x100x4x64xbf16>)
      -> (tensor<2x100x4x64xbf16>, tensor<2x100x4xf32>)
  %dq, %dk, %dv = sas.attention_grad %q, %k, %v, %o, %lse, %do causal
      : (tensor<2x100x4x128xbf16>, tensor<2x100x4x128xbf16>, tensor<2x100x4x64xbf16>,
         tensor<2x100x4x64xbf16>, tensor<2x100x4xf32>, tensor<2x100x4x64xbf16>)
      -> (tensor<2x100x4x128xbf16>, tensor<2x100x4x128xbf16>, tensor<2x100x4x64xbf16>)
  return %o, %dq, %dk, %dv : tensor<2x100x4x64xbf16>, tensor<2x100x4x128xbf16>,
                             tensor<2x100x4x128xbf16>, tensor<2x100x4x64xbf16>
}
