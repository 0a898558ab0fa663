// RUN: sas-opt %s --split-input-file --verify-diagnostics

func.func @head_sim_types(%x: memref<1x8x2x16xbf16>, %w: memref<4x2x3xf16>,
                          %b: memref<4xbf16>, %rw: memref<4x4x3xbf16>,
                          %out: memref<1x8x4x16xbf16>) {
  // expected-error @below {{'w' has element type 'f16', expected 'bf16'}}
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %b) into %out warps(8)
      : memref<1x8x2x16xbf16>, memref<4x2x3xf16>, memref<4xbf16>,
        memref<4x4x3xbf16>, memref<4xbf16>, memref<1x8x4x16xbf16>
  return
}

// -----

func.func @head_sim_residual(%x: memref<1x8x2x16xbf16>, %w: memref<4x2x3xbf16>,
                             %b: memref<4xbf16>, %rw: memref<4x4x1xbf16>,
                             %out: memref<1x8x4x16xbf16>) {
  // expected-error @below {{dimension 2 of 'res_w' must be 3, got 1}}
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %b) into %out warps(8)
      : memref<1x8x2x16xbf16>, memref<4x2x3xbf16>, memref<4xbf16>,
        memref<4x4x1xbf16>, memref<4xbf16>, memref<1x8x4x16xbf16>
  return
}

// -----

func.func @head_sim_tokens(%x: memref<1x8x2x16xbf16>, %w: memref<4x2x3xbf16>,
                           %b: memref<4xbf16>, %rw: memref<4x4x3xbf16>,
                           %out: memref<1x9x4x16xbf16>) {
  // expected-error @below {{input and result differ in dimension 1}}
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %b) into %out warps(8)
      : memref<1x8x2x16xbf16>, memref<4x2x3xbf16>, memref<4xbf16>,
        memref<4x4x3xbf16>, memref<4xbf16>, memref<1x9x4x16xbf16>
  return
}

// -----

func.func @feature_sim_heads(%x: memref<1x8x2x16xbf16>, %w: memref<32x16xbf16>,
                             %b: memref<32xbf16>, %rw: memref<32x32xbf16>,
                             %out: memref<1x8x3x32xbf16>) {
  // expected-error @below {{dimension 2 of 'out' must be 2, got 3}}
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %b) into %out
      warps(4) row_tiles(4)
      : memref<1x8x2x16xbf16>, memref<32x16xbf16>, memref<32xbf16>,
        memref<32x32xbf16>, memref<32xbf16>, memref<1x8x3x32xbf16>
  return
}

// -----

func.func @peaa_width(%o: memref<1x8x4x16xbf16>, %w: memref<24x24xbf16>,
                      %b: memref<24xbf16>, %out: memref<1x8x24xbf16>) {
  // expected-error @below {{the dense layer's width 24 must be H * F with H dividing the 4 heads of 'o' (F = 16)}}
  sas.mma_peaa %o dense(%w, %b) into %out warps(8) row_tiles(1) column_tile(16) k_tile(16) stages(2)
      : memref<1x8x4x16xbf16>, memref<24x24xbf16>, memref<24xbf16>, memref<1x8x24xbf16>
  return
}

// -----

func.func @head_sim_grad_param(%x: memref<1x8x2x16xbf16>, %w: memref<4x2x3xbf16>,
                               %b: memref<4xbf16>, %rw: memref<4x4x3xbf16>,
                               %ds: memref<1x8x4x16xbf16>,
                               %dx: memref<1x8x2x16xbf16>,
                               %dw: memref<4x2x1xf32>, %db: memref<4xf32>,
                               %drw: memref<4x4x3xf32>) {
  // expected-error @below {{dimension 2 of 'd_w' must be 3, got 1}}
  sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
      into %dx params(%dw, %db, %drw, %db) warps(4)
      : memref<1x8x2x16xbf16>, memref<4x2x3xbf16>, memref<4xbf16>,
        memref<4x4x3xbf16>, memref<1x8x4x16xbf16>, memref<1x8x2x16xbf16>,
        memref<4x2x1xf32>, memref<4xf32>, memref<4x4x3xf32>, memref<4xf32>
  return
}

// -----

func.func @head_sim_grad_f16_sums(%x: memref<1x8x2x16xbf16>, %w: memref<4x2x3xbf16>,
                                  %b: memref<4xbf16>, %rw: memref<4x4x3xbf16>,
                                  %ds: memref<1x8x4x16xbf16>,
                                  %dx: memref<1x8x2x16xbf16>,
                                  %dw: memref<4x2x3xf32>, %db: memref<4xbf16>,
                                  %drw: memref<4x4x3xf32>, %drb: memref<4xf32>) {
  // expected-error @below {{operand #7 must be 1D memref of 32-bit float values}}
  sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
      into %dx params(%dw, %db, %drw, %drb) warps(4)
      : memref<1x8x2x16xbf16>, memref<4x2x3xbf16>, memref<4xbf16>,
        memref<4x4x3xbf16>, memref<1x8x4x16xbf16>, memref<1x8x2x16xbf16>,
        memref<4x2x3xf32>, memref<4xbf16>, memref<4x4x3xf32>, memref<4xf32>
  return
}

// -----

func.func @head_sim_grad_tokens(%x: memref<1x8x2x16xbf16>, %w: memref<4x2x3xbf16>,
                                %b: memref<4xbf16>, %rw: memref<4x4x3xbf16>,
                                %ds: memref<1x9x4x16xbf16>,
                                %dx: memref<1x8x2x16xbf16>,
                                %dw: memref<4x2x3xf32>, %db: memref<4xf32>,
                                %drw: memref<4x4x3xf32>) {
  // expected-error @below {{input and result differ in dimension 1}}
  sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
      into %dx params(%dw, %db, %drw, %db) warps(4)
      : memref<1x8x2x16xbf16>, memref<4x2x3xbf16>, memref<4xbf16>,
        memref<4x4x3xbf16>, memref<1x9x4x16xbf16>, memref<1x8x2x16xbf16>,
        memref<4x2x3xf32>, memref<4xf32>, memref<4x4x3xf32>, memref<4xf32>
  return
}
