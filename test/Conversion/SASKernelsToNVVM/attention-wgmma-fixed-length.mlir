// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_90a --convert-sas-mma-attention-to-nvvm --canonicalize | FileCheck %s

// The sm_90a kernel, not causal, for a fixed T: the query and key counts
// pass through an opaque move, so that the kernel keeps the tail loop and
// the unknown trip count of the kernel for any T (built for T = 4096 with
// the counts folded in, it gave wrong results on the GPU:
// docs/perf-log/gpu-shapes.md). Causal kernels fold them.
// CHECK-LABEL: func @full
//       CHECK:   llvm.inline_asm "mov.b32 $0, $1;", "=r,r"
//       CHECK:   llvm.inline_asm "mov.b32 $0, $1;", "=r,r"
//       CHECK:   scf.for
//       CHECK:   scf.for
func.func @full(%q: memref<1x4096x4x128xbf16>, %v: memref<1x4096x4x64xbf16>,
                %o: memref<1x4096x4x64xbf16>) {
  sas.mma_attention %q, %q, %v, %o scale(0.1) warps(4) warp_rows(16)
      key_tile(64) stages(2) wgmma
      : memref<1x4096x4x128xbf16>, memref<1x4096x4x128xbf16>,
        memref<1x4096x4x64xbf16>, memref<1x4096x4x64xbf16>
  return
}

// CHECK-LABEL: func @causal
//   CHECK-NOT:   llvm.inline_asm "mov.b32
//       CHECK:   return
func.func @causal(%q: memref<1x4096x4x128xbf16>, %v: memref<1x4096x4x64xbf16>,
                  %o: memref<1x4096x4x64xbf16>) {
  sas.mma_attention %q, %q, %v, %o causal scale(0.1) warps(4) warp_rows(16)
      key_tile(64) stages(2) wgmma
      : memref<1x4096x4x128xbf16>, memref<1x4096x4x128xbf16>,
        memref<1x4096x4x64xbf16>, memref<1x4096x4x64xbf16>
  return
}
