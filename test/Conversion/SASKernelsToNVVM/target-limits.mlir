// The kernels are checked against the module's target: the same head
// simulation needs more shared memory than an sm_80 block may use (99 KiB,
// what sm_86 and sm_89 allow) and fits an sm_90a block (227 KiB); a wgmma
// kernel needs sm_90a; without a target the pass names what is missing.
// RUN: not sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-kernels-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-kernels-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90A
// RUN: not sas-opt %s --split-input-file --convert-sas-token-kernels-to-nvvm 2>&1 | FileCheck %s --check-prefix=NONE

// SM80: head simulation with 4 warps needs 187200 bytes of shared memory, above the 101376 a block may use on sm_80
// SM80: the wgmma kernels need an sm_90a target, got sm_80
// SM90A-NOT: error
// SM90A: gpu.launch {{.*}} dynamic_shared_memory_size %{{.*}}
// SM90A: gpu.launch {{.*}} dynamic_shared_memory_size %{{.*}}
// NONE: no GPU target: no enclosing op has 'sas.target'; run sas-gpu-attach-target first (sas-gpu-pipeline does)

func.func @head_sim_shared(%x: memref<1x8x64x64xbf16>, %w: memref<128x64x3xbf16>,
                           %b: memref<128xbf16>, %rw: memref<128x128x3xbf16>,
                           %out: memref<1x8x128x64xbf16>) {
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %b) into %out warps(4)
      : memref<1x8x64x64xbf16>, memref<128x64x3xbf16>, memref<128xbf16>,
        memref<128x128x3xbf16>, memref<128xbf16>, memref<1x8x128x64xbf16>
  return
}

// -----

func.func @feature_sim_wgmma(%x: memref<1x8x4x64xbf16>, %w: memref<64x64xbf16>,
                             %b: memref<64xbf16>, %out: memref<1x8x4x64xbf16>) {
  sas.mma_feature_sim %x weights(%w, %b) residual(%w, %b) into %out warps(4)
      row_tiles(1) wgmma
      : memref<1x8x4x64xbf16>, memref<64x64xbf16>, memref<64xbf16>,
        memref<64x64xbf16>, memref<64xbf16>, memref<1x8x4x64xbf16>
  return
}
