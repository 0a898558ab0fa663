// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-mma-attention-to-nvvm --verify-diagnostics

// The tilings sas.mma_attention take, checked against the target when the kernels are
// built (sas/Codegen/NVVM/KernelLimits.h).

func.func @head_size(%q: memref<1x8x2x40xbf16>, %v: memref<1x8x2x16xbf16>) {
  // expected-error @below {{head sizes must be multiples of 16 and at most 256 for the tensor-core kernel, got 40 (q, k) and 16 (v)}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(4) warp_rows(16) key_tile(64) stages(2)
      : memref<1x8x2x40xbf16>, memref<1x8x2x40xbf16>, memref<1x8x2x16xbf16>, memref<1x8x2x16xbf16>
  return
}

// -----

func.func @stages(%q: memref<1x8x2x32xbf16>, %v: memref<1x8x2x16xbf16>) {
  // expected-error @below {{stages must be between 2 and 4, got 5}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(4) warp_rows(16) key_tile(64) stages(5)
      : memref<1x8x2x32xbf16>, memref<1x8x2x32xbf16>, memref<1x8x2x16xbf16>, memref<1x8x2x16xbf16>
  return
}

// -----

func.func @wgmma_head(%q: memref<1x8x2x96xbf16>, %v: memref<1x8x2x96xbf16>) {
  // expected-error @below {{the wgmma kernel takes q/k head sizes that are multiples of 16 and v head sizes that are multiples of 64, at most 256, got 96 (q, k) and 96 (v)}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(8) warp_rows(16) key_tile(64) stages(2) wgmma
      : memref<1x8x2x96xbf16>, memref<1x8x2x96xbf16>, memref<1x8x2x96xbf16>, memref<1x8x2x96xbf16>
  return
}

// -----

func.func @registers(%q: memref<1x8x2x256xbf16>, %v: memref<1x8x2x256xbf16>) {
  // expected-error @below {{32 rows a warp and 64 keys a step at head sizes 256 (q, k) and 256 (v) keep 448 registers a thread in fragments, above the 208 that leave room for the rest}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(4) warp_rows(32) key_tile(64) stages(2)
      : memref<1x8x2x256xbf16>, memref<1x8x2x256xbf16>, memref<1x8x2x256xbf16>, memref<1x8x2x256xbf16>
  return
}

// -----

func.func @wgmma_warps(%q: memref<1x8x2x128xbf16>, %v: memref<1x8x2x64xbf16>) {
  // expected-error @below {{the wgmma kernel needs 4 or 8 warps (whole warpgroups), got 6}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(6) warp_rows(16) key_tile(64) stages(2) wgmma
      : memref<1x8x2x128xbf16>, memref<1x8x2x128xbf16>, memref<1x8x2x64xbf16>, memref<1x8x2x64xbf16>
  return
}

// -----

func.func @wgmma_keys(%q: memref<1x8x2x128xbf16>, %v: memref<1x8x2x64xbf16>) {
  // expected-error @below {{the wgmma kernel takes 16 rows a warp and 32, 64 or 128 keys a step, got 16 and 48}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(8) warp_rows(16) key_tile(48) stages(2) wgmma
      : memref<1x8x2x128xbf16>, memref<1x8x2x128xbf16>, memref<1x8x2x64xbf16>, memref<1x8x2x64xbf16>
  return
}

// -----

// The backward keeps its 16 keys' d_k and d_v in registers, and 16 registers
// of scores a warp: at E = F = 128, eight warps take 128 + 128.
func.func @grad_registers(%q: memref<1x8x2x128xbf16>, %rows: memref<1x8x2xf32>,
                          %acc: memref<1x8x2x128xf32>) {
  // expected-error @below {{the attention backward with 8 warps at head sizes 128 (q, k) and 128 (v) keeps 256 registers a thread in fragments, above the 208 that leave room for the rest}}
  sas.mma_attention_grad %q, %q, %q, %rows, %rows, %q, %acc, %q, %q scale(0.5) warps(8)
      : memref<1x8x2x128xbf16>, memref<1x8x2x128xbf16>, memref<1x8x2x128xbf16>,
        memref<1x8x2xf32>, memref<1x8x2xf32>, memref<1x8x2x128xbf16>,
        memref<1x8x2x128xf32>, memref<1x8x2x128xbf16>, memref<1x8x2x128xbf16>
  return
}

// -----

func.func @grad_wgmma_warps(%q: memref<1x8x2x128xbf16>, %v: memref<1x8x2x64xbf16>,
                            %rows: memref<1x8x2xf32>, %acc: memref<1x8x2x128xf32>) {
  // expected-error @below {{the wgmma attention backward takes 4 warps (one warpgroup), got 8}}
  sas.mma_attention_grad %q, %q, %v, %rows, %rows, %v, %acc, %q, %v scale(0.5) warps(8) wgmma
      : memref<1x8x2x128xbf16>, memref<1x8x2x128xbf16>, memref<1x8x2x64xbf16>,
        memref<1x8x2xf32>, memref<1x8x2xf32>, memref<1x8x2x64xbf16>,
        memref<1x8x2x128xf32>, memref<1x8x2x128xbf16>, memref<1x8x2x64xbf16>
  return
}

// -----

func.func @grad_wgmma_heads(%q: memref<1x8x2x96xbf16>, %v: memref<1x8x2x64xbf16>,
                            %rows: memref<1x8x2xf32>, %acc: memref<1x8x2x96xf32>) {
  // expected-error @below {{the wgmma attention backward takes head sizes that are multiples of 64, at most 256, got 96 (q, k) and 64 (v)}}
  sas.mma_attention_grad %q, %q, %v, %rows, %rows, %v, %acc, %q, %v scale(0.5) warps(4) wgmma
      : memref<1x8x2x96xbf16>, memref<1x8x2x96xbf16>, memref<1x8x2x64xbf16>,
        memref<1x8x2xf32>, memref<1x8x2xf32>, memref<1x8x2x64xbf16>,
        memref<1x8x2x96xf32>, memref<1x8x2x96xbf16>, memref<1x8x2x64xbf16>
  return
}
