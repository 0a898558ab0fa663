// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_90a --convert-sas-mma-attention-to-nvvm --canonicalize | FileCheck %s

// The sm_90a attention pins the registers of its two warpgroup products the
// way the PTX ISA asks: what a wgmma reads (o, rescaled, and p) is held in
// place by a side-effecting move before wgmma.fence, so LLVM cannot compute
// it into the wgmma's registers after the fence; its accumulators are read
// only through a hold after the wait. (The wrong results of libraries for a
// fixed T, not causal, had another cause: gpu-pipeline-wgmma-query-live.)
// CHECK-LABEL: func @full
//       CHECK:   scf.for
// The scores: fresh accumulators, read after the wait.
//       CHECK:     nvvm.wgmma.fence.aligned
//       CHECK:     wgmma.mma_async
//       CHECK:     nvvm.wgmma.wait.group.sync.aligned 0
//  CHECK-NEXT:     llvm.inline_asm has_side_effects "", "=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,=f,0
// o += p v: o and p held before the fence, o and p after the wait.
//       CHECK:     llvm.inline_asm has_side_effects "", "{{.*}}=r,=r,=r,=r,0
//       CHECK:     nvvm.wgmma.fence.aligned
//       CHECK:     wgmma.mma_async
//       CHECK:     nvvm.wgmma.wait.group.sync.aligned 0
//  CHECK-NEXT:     llvm.inline_asm has_side_effects "", "{{.*}}=r,=r,=r,=r,0
//       CHECK:     scf.yield
func.func @full(%q: memref<1x4096x4x128xbf16>, %v: memref<1x4096x4x64xbf16>,
                %o: memref<1x4096x4x64xbf16>) {
  sas.mma_attention %q, %q, %v, %o scale(0.1) warps(4) warp_rows(16)
      key_tile(64) stages(2) wgmma
      : memref<1x4096x4x128xbf16>, memref<1x4096x4x128xbf16>,
        memref<1x4096x4x64xbf16>, memref<1x4096x4x64xbf16>
  return
}
