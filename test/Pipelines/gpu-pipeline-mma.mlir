// The mma.sync attention kernel (sm_80 and sm_90; sm_90a has its own, see
// gpu-pipeline-wgmma.mlir) in PTX (LLVM's NVPTX backend only): mma.sync on
// bf16, k by ldmatrix, v by ldmatrix.trans, k/v by cp.async, exp2 on the
// special-function unit, no libdevice call left to link.
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_90 format=isa toolkit=" -o %t.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: FileCheck %s --check-prefix=NOLIBDEVICE < %t.ptx
// CHECK: .target sm_90{{$}}
// CHECK: .entry attn_attention_mma_0(
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// CHECK-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-DAG: ex2.approx.ftz.f32
// NOLIBDEVICE-NOT: __nv_
// Where ptxas exists: the kernel fits in registers (no spills).
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90 -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS: Compiling entry function 'attn_attention_mma_0'
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @attn(%q: tensor<2x100x4x128xbf16>, %k: tensor<2x100x4x128xbf16>,
                %v: tensor<2x100x4x64xbf16>) -> tensor<2x100x4x64xbf16> {
  %o = sas.attention %q, %k, %v causal
      : (tensor<2x100x4x128xbf16>, tensor<2x100x4x128xbf16>, tensor<2x100x4x64xbf16>)
      -> tensor<2x100x4x64xbf16>
  return %o : tensor<2x100x4x64xbf16>
}
