// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_90a --convert-sas-mma-attention-to-nvvm | FileCheck %s

// q/k heads of 96 on the sm_90a kernel: k is one and a half swizzled
// panels (the second allocated whole, read only as far as E goes: wgmma
// reads k K-major, 16 columns a step), v one panel. Ring: 2 stages of
// (2 + 1) panels of 64 rows, 49152 bytes, and the alignment slack.
// A k row is 12 chunks of 16 bytes, no divisor of the 128 threads: its
// copy is cut into a segment of 8 chunks (16 rows a step, 4 steps) and one
// of 4 (32 rows a step, 2 steps), addresses computed once; v takes 4
// steps. A step: 6 q k^T wgmma (E / 16), 4 p v (64 keys / 16).
// CHECK-LABEL: func @partial_panel
//       CHECK:   dynamic_shared_memory_size %c50176_i32
//       CHECK:   scf.for
//       CHECK:     scf.if
// CHECK-COUNT-10:    nvvm.cp.async.shared.global {{.*}}, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
//   CHECK-NOT:       nvvm.cp.async.shared.global {{.*}}, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
//       CHECK:     } else {
// The scores start undefined and the first q k^T step does not accumulate
// (its scale-d operand, $37, is 0): no zeros are moved into the wgmma's
// registers after the fence, a write the fence would not order.
//       CHECK:   %[[FRESH:.*]] = llvm.mlir.undef : f32
//  CHECK-NEXT:   nvvm.wgmma.fence.aligned
//       CHECK:   wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}p, 1, 1, 0;{{.*}}, %c0_i32{{[_0-9]*}}, %[[FRESH]], %[[FRESH]],
// CHECK-COUNT-5:   wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}p, 1, 1, 0;{{.*}}, %c1_i32
//   CHECK-NOT:     gpu.barrier
// CHECK-COUNT-4:   wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{.*}}p, 1, 1, 1;
//   CHECK-NOT:     wgmma.mma_async
//       CHECK:     scf.yield
func.func @partial_panel(%q: memref<?x?x4x96xbf16>, %v: memref<?x?x4x64xbf16>,
                         %o: memref<?x?x4x64xbf16>) {
  sas.mma_attention %q, %q, %v, %o causal scale(0.1) warps(4) warp_rows(16)
      key_tile(64) stages(2) wgmma
      : memref<?x?x4x96xbf16>, memref<?x?x4x96xbf16>, memref<?x?x4x64xbf16>,
        memref<?x?x4x64xbf16>
  return
}
