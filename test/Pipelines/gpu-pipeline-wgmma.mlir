// The sm_90a attention kernel in PTX: q k^T and p v on warpgroup tensor
// cores (wgmma.mma_async m64n64k16 on bf16, A from registers: q's and p's
// fragments; k K-major, the last immediate 0; v MN-major, 1), k and v
// staged by cp.async and made visible to wgmma's async proxy, no operand
// pair of shared-memory descriptors, exp2 on the special-function unit, no
// libdevice call, the max moved lazily (a warp vote), constants folded
// into the code (no 32-bit parameter). Per key block: 8 q k^T steps
// (E = 128) and 4 p v steps (64 keys), each batch fenced, committed and
// waited for; two key loops (unmasked, masked): 16 and 8 in all.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit=" -o %t.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: FileCheck %s --check-prefix=QK < %t.ptx
// RUN: FileCheck %s --check-prefix=PV < %t.ptx
// RUN: FileCheck %s --check-prefix=NONE < %t.ptx
// CHECK: .target sm_90a
// CHECK: .entry attn_attention_wgmma_0(
// CHECK-NOT: .param .{{[bfsu](8|16|32)}}
// Four blocks an SM (49 KiB of shared memory each): at most 128 registers.
// CHECK: .maxntid 128, 1, 1
// CHECK: .minnctapersm 4
// CHECK-DAG: cp.async.cg.shared.global
// CHECK-DAG: vote.sync.any.pred
// CHECK-DAG: fence.proxy.async.shared::cta
// CHECK-DAG: wgmma.fence.sync.aligned
// CHECK-DAG: wgmma.commit_group.sync.aligned
// CHECK-DAG: wgmma.wait_group.sync.aligned 0
// CHECK-DAG: ex2.approx.ftz.f32
// Anywhere in the PTX (a run of its own, not only after the last match):
// NONE-NOT: mma.sync
// NONE-NOT: %rd{{[0-9]+}}, %rd{{[0-9]+}}, p,
// NONE-NOT: __nv_
// QK-COUNT-16: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd{{[0-9]+}}, p, 1, 1, 0;
// QK-NOT: p, 1, 1, 0;
// PV-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd{{[0-9]+}}, p, 1, 1, 1;
// PV-NOT: p, 1, 1, 1;
// With 128 keys a step, q k^T is m64n128 (8 a block, E = 128) and p v has 8
// steps of 16 keys.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit= wgmma-key-tile=128" -o %t.k128.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.k128.mlir %t.k128.ptx
// RUN: FileCheck %s --check-prefix=QK128 < %t.k128.ptx
// RUN: FileCheck %s --check-prefix=PV128 < %t.k128.ptx
// QK128-COUNT-16: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}, %rd{{[0-9]+}}, p, 1, 1, 0;
// QK128-NOT: p, 1, 1, 0;
// PV128-COUNT-16: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd{{[0-9]+}}, p, 1, 1, 1;
// PV128-NOT: p, 1, 1, 1;
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.k128.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// Where ptxas exists: no spills (registers in docs/perf.md), and the wgmma
// not serialized (C7512: too few registers; C7513: a register of a wgmma
// in flight written before its wait; ptxas reports both before the
// function's name).
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// PTXAS-NOT: C751
// PTXAS: Compiling entry function 'attn_attention_wgmma_0'
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @attn(%q: tensor<?x?x4x128xbf16>, %k: tensor<?x?x4x128xbf16>,
                %v: tensor<?x?x4x64xbf16>) -> tensor<?x?x4x64xbf16> {
  %o = sas.attention %q, %k, %v causal
      : (tensor<?x?x4x128xbf16>, tensor<?x?x4x128xbf16>, tensor<?x?x4x64xbf16>)
      -> tensor<?x?x4x64xbf16>
  return %o : tensor<?x?x4x64xbf16>
}
