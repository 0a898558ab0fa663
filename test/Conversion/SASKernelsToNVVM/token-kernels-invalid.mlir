// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-kernels-to-nvvm --verify-diagnostics

// The tilings the per-token kernel ops take, checked against the target when the kernels are
// built (sas/Codegen/NVVM/KernelLimits.h).

func.func @head_sim_size(%x: memref<1x8x2x8xbf16>, %w: memref<4x2x3xbf16>,
                         %b: memref<4xbf16>, %rw: memref<4x4x3xbf16>,
                         %out: memref<1x8x4x8xbf16>) {
  // expected-error @below {{head size 8 with 4 simulated heads: the head-simulation kernel needs a head size that is a multiple of 16}}
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %b) into %out warps(8)
      : memref<1x8x2x8xbf16>, memref<4x2x3xbf16>, memref<4xbf16>,
        memref<4x4x3xbf16>, memref<4xbf16>, memref<1x8x4x8xbf16>
  return
}

// -----

func.func @head_sim_warps(%x: memref<1x8x32x64xbf16>, %w: memref<64x32x3xbf16>,
                          %b: memref<64xbf16>, %rw: memref<64x64x3xbf16>,
                          %out: memref<1x8x64x64xbf16>) {
  // expected-error @below {{head simulation needs a multiple of 4 warps (a token's) up to 8, got 3}}
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %b) into %out warps(3)
      : memref<1x8x32x64xbf16>, memref<64x32x3xbf16>, memref<64xbf16>,
        memref<64x64x3xbf16>, memref<64xbf16>, memref<1x8x64x64xbf16>
  return
}

// -----

func.func @feature_sim_size(%x: memref<1x8x2x16xbf16>, %w: memref<272x16xbf16>,
                            %b: memref<272xbf16>, %rw: memref<272x272xbf16>,
                            %out: memref<1x8x2x272xbf16>) {
  // expected-error @below {{feature sizes must be multiples of 16 and at most 256 for the tensor-core kernel, got 16 (D) and 272 (D')}}
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %b) into %out
      warps(4) row_tiles(4)
      : memref<1x8x2x16xbf16>, memref<272x16xbf16>, memref<272xbf16>,
        memref<272x272xbf16>, memref<272xbf16>, memref<1x8x2x272xbf16>
  return
}

// -----

func.func @peaa_tile(%o: memref<1x8x4x16xbf16>, %w: memref<32x32xbf16>,
                     %b: memref<32xbf16>, %out: memref<1x8x32xbf16>) {
  // expected-error @below {{the column tile must be a multiple of 16, at most 256, and divide the output width 32, got 64}}
  sas.mma_peaa %o dense(%w, %b) into %out warps(8) row_tiles(1) column_tile(64) k_tile(16) stages(2)
      : memref<1x8x4x16xbf16>, memref<32x32xbf16>, memref<32xbf16>, memref<1x8x32xbf16>
  return
}

// -----

func.func @peaa_stages(%o: memref<1x8x4x16xbf16>, %w: memref<32x32xbf16>,
                       %b: memref<32xbf16>, %out: memref<1x8x32xbf16>) {
  // expected-error @below {{stages must be between 2 and 4, got 5}}
  sas.mma_peaa %o dense(%w, %b) into %out warps(8) row_tiles(1) column_tile(32) k_tile(16) stages(5)
      : memref<1x8x4x16xbf16>, memref<32x32xbf16>, memref<32xbf16>, memref<1x8x32xbf16>
  return
}

// -----

func.func @feature_sim_wgmma_size(%x: memref<1x8x2x64xbf16>, %w: memref<48x64xbf16>,
                                  %b: memref<48xbf16>, %rw: memref<48x48xbf16>,
                                  %out: memref<1x8x2x48xbf16>) {
  // expected-error @below {{feature sizes must be multiples of 64 and at most 256 for the wgmma kernel, got 64 (D) and 48 (D')}}
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %b) into %out
      warps(4) row_tiles(4) wgmma
      : memref<1x8x2x64xbf16>, memref<48x64xbf16>, memref<48xbf16>,
        memref<48x48xbf16>, memref<48xbf16>, memref<1x8x2x48xbf16>
  return
}

// -----

func.func @feature_sim_wgmma_warps(%x: memref<1x8x2x64xbf16>, %w: memref<64x64xbf16>,
                                   %b: memref<64xbf16>, %rw: memref<64x64xbf16>,
                                   %out: memref<1x8x2x64xbf16>) {
  // expected-error @below {{the wgmma kernel needs 4 or 8 warps (whole warpgroups), got 2}}
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %b) into %out
      warps(2) row_tiles(4) wgmma
      : memref<1x8x2x64xbf16>, memref<64x64xbf16>, memref<64xbf16>,
        memref<64x64xbf16>, memref<64xbf16>, memref<1x8x2x64xbf16>
  return
}

// -----

func.func @peaa_wgmma_k_tile(%o: memref<?x?x8x64xbf16>, %w: memref<256x256xbf16>,
                             %b: memref<256xbf16>, %out: memref<?x?x256xbf16>) {
  // expected-error @below {{the wgmma kernel takes one row tile a warp and 64 inputs a step, got 1 and 32}}
  sas.mma_peaa %o dense(%w, %b) into %out warps(8) row_tiles(1)
      column_tile(128) k_tile(32) stages(3) wgmma
      : memref<?x?x8x64xbf16>, memref<256x256xbf16>, memref<256xbf16>,
        memref<?x?x256xbf16>
  return
}

// -----

func.func @peaa_wgmma_width(%o: memref<?x?x4x48xbf16>, %w: memref<96x96xbf16>,
                            %b: memref<96xbf16>, %out: memref<?x?x96xbf16>) {
  // expected-error @below {{the wgmma kernel needs a width that is a multiple of 64, got 96}}
  sas.mma_peaa %o dense(%w, %b) into %out warps(4) row_tiles(1)
      column_tile(32) k_tile(64) stages(3) wgmma
      : memref<?x?x4x48xbf16>, memref<96x96xbf16>, memref<96xbf16>,
        memref<?x?x96xbf16>
  return
}

// -----

func.func @peaa_wgmma_shared(%o: memref<?x?x8x128xbf16>, %w: memref<512x512xbf16>,
                             %b: memref<512xbf16>, %out: memref<?x?x512xbf16>) {
  // expected-error @below {{the wgmma PEAA ring needs 271360 bytes of shared memory, above the 232448 a block may use}}
  sas.mma_peaa %o dense(%w, %b) into %out warps(8) row_tiles(1)
      column_tile(256) k_tile(64) stages(4) wgmma
      : memref<?x?x8x128xbf16>, memref<512x512xbf16>, memref<512xbf16>,
        memref<?x?x512xbf16>
  return
}

// -----

func.func @weight_grad_narrow(%g: memref<?x?x4x48xbf16>, %x: memref<?x?x4x32xbf16>,
                              %dw: memref<48x32xf32>) {
  // expected-error @below {{the weight gradient's sizes must be multiples of 32 for the tensor-core kernel, got 48 x 32}}
  sas.mma_weight_grad %g, %x into %dw row_chunk(1024)
      : memref<?x?x4x48xbf16>, memref<?x?x4x32xbf16>, memref<48x32xf32>
  return
}

// -----

func.func @weight_grad_chunk(%g: memref<?x?x4x32xbf16>, %x: memref<?x?x4x32xbf16>,
                             %dw: memref<32x32xf32>) {
  // expected-error @below {{the row chunk must be a multiple of 32, got 100}}
  sas.mma_weight_grad %g, %x into %dw row_chunk(100)
      : memref<?x?x4x32xbf16>, memref<?x?x4x32xbf16>, memref<32x32xf32>
  return
}

// -----

func.func @feature_sim_grad_sizes(
    %x: memref<?x?x4x24xbf16>, %w: memref<32x24xbf16>, %b: memref<32xbf16>,
    %rw: memref<32x32xbf16>, %dz: memref<?x?x4x32xbf16>,
    %dx: memref<?x?x4x24xbf16>, %df: memref<?x?x4x32xbf16>,
    %r: memref<?x?x4x32xbf16>) {
  // expected-error @below {{feature sizes must be multiples of 16 and at most 256 for the tensor-core gradient kernel, got 24 (D) and 32 (D')}}
  sas.mma_feature_sim_grad %x weights(%w, %b) residual(%rw) grad(%dz)
      into %dx, %df, %r warps(4) row_tiles(1)
      : memref<?x?x4x24xbf16>, memref<32x24xbf16>, memref<32xbf16>,
        memref<32x32xbf16>, memref<?x?x4x32xbf16>, memref<?x?x4x24xbf16>,
        memref<?x?x4x32xbf16>, memref<?x?x4x32xbf16>
  return
}

// -----

func.func @head_sim_grad_warps(%x: memref<?x?x12x64xbf16>, %w: memref<24x12x3xbf16>,
                               %b: memref<24xbf16>, %rw: memref<24x24x3xbf16>,
                               %ds: memref<?x?x24x64xbf16>,
                               %dx: memref<?x?x12x64xbf16>,
                               %dw: memref<24x12x3xf32>, %db: memref<24xf32>,
                               %drw: memref<24x24x3xf32>) {
  // expected-error @below {{head simulation needs a multiple of 2 warps (a token's) up to 8, got 3}}
  sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
      into %dx params(%dw, %db, %drw, %db) warps(3)
      : memref<?x?x12x64xbf16>, memref<24x12x3xbf16>, memref<24xbf16>,
        memref<24x24x3xbf16>, memref<?x?x24x64xbf16>, memref<?x?x12x64xbf16>,
        memref<24x12x3xf32>, memref<24xf32>, memref<24x24x3xf32>, memref<24xf32>
  return
}

// -----

func.func @head_sim_grad_shared(%x: memref<?x?x64x128xbf16>, %w: memref<128x64x7xbf16>,
                                %b: memref<128xbf16>, %rw: memref<128x128x7xbf16>,
                                %ds: memref<?x?x128x128xbf16>,
                                %dx: memref<?x?x64x128xbf16>,
                                %dw: memref<128x64x7xf32>, %db: memref<128xf32>,
                                %drw: memref<128x128x7xf32>) {
  // expected-error-re @below {{the head simulation's gradient with 8 warps needs {{[0-9]+}} bytes of shared memory, above the 232448 a block may use}}
  sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
      into %dx params(%dw, %db, %drw, %db) warps(8)
      : memref<?x?x64x128xbf16>, memref<128x64x7xbf16>, memref<128xbf16>,
        memref<128x128x7xbf16>, memref<?x?x128x128xbf16>, memref<?x?x64x128xbf16>,
        memref<128x64x7xf32>, memref<128xf32>, memref<128x128x7xf32>, memref<128xf32>
  return
}
