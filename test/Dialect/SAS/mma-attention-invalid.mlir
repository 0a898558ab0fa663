// RUN: sas-opt %s --split-input-file --verify-diagnostics

func.func @element_types(%q: memref<1x8x2x32xbf16>, %v: memref<1x8x2x16xf16>) {
  // expected-error @below {{'v' has element type 'f16', 'q' has 'bf16'}}
  sas.mma_attention %q, %q, %v, %v scale(0.5) warps(4) warp_rows(16) key_tile(64) stages(2)
      : memref<1x8x2x32xbf16>, memref<1x8x2x32xbf16>, memref<1x8x2x16xf16>, memref<1x8x2x16xf16>
  return
}

// -----

func.func @lengths(%q: memref<1x8x2x32xbf16>, %k: memref<1x9x2x32xbf16>, %v: memref<1x8x2x16xbf16>) {
  // expected-error @below {{dimension 1 of 'k' (9) and dimension 1 of 'v' (8) must match}}
  sas.mma_attention %q, %k, %v, %v scale(0.5) warps(4) warp_rows(16) key_tile(64) stages(2)
      : memref<1x8x2x32xbf16>, memref<1x9x2x32xbf16>, memref<1x8x2x16xbf16>, memref<1x8x2x16xbf16>
  return
}

// -----

func.func @scale(%q: memref<1x8x2x32xbf16>, %v: memref<1x8x2x16xbf16>) {
  // expected-error @below {{'scale' must be positive}}
  sas.mma_attention %q, %q, %v, %v scale(-1.0) warps(4) warp_rows(16) key_tile(64) stages(2)
      : memref<1x8x2x32xbf16>, memref<1x8x2x32xbf16>, memref<1x8x2x16xbf16>, memref<1x8x2x16xbf16>
  return
}

// -----

func.func @lse_rows(%q: memref<1x8x2x32xbf16>, %v: memref<1x8x2x16xbf16>,
                    %lse: memref<1x9x2xf32>) {
  // expected-error @below {{dimension 1 of 'lse' (9) and of 'q' (8) must match}}
  sas.mma_attention %q, %q, %v, %v lse(%lse : memref<1x9x2xf32>) scale(0.5) warps(4) warp_rows(16) key_tile(64) stages(2)
      : memref<1x8x2x32xbf16>, memref<1x8x2x32xbf16>, memref<1x8x2x16xbf16>, memref<1x8x2x16xbf16>
  return
}

// -----

func.func @grad_element_types(%q: memref<1x8x2x32xbf16>, %v: memref<1x8x2x16xbf16>,
                              %dv: memref<1x8x2x16xf16>, %rows: memref<1x8x2xf32>,
                              %acc: memref<1x8x2x32xf32>) {
  // expected-error @below {{'d_v' has element type 'f16', 'q' has 'bf16'}}
  sas.mma_attention_grad %q, %q, %v, %rows, %rows, %v, %acc, %q, %dv scale(0.5) warps(4)
      : memref<1x8x2x32xbf16>, memref<1x8x2x32xbf16>, memref<1x8x2x16xbf16>,
        memref<1x8x2xf32>, memref<1x8x2xf32>, memref<1x8x2x16xbf16>,
        memref<1x8x2x32xf32>, memref<1x8x2x32xbf16>, memref<1x8x2x16xf16>
  return
}

// -----

func.func @grad_accumulator(%q: memref<1x8x2x32xbf16>, %v: memref<1x8x2x16xbf16>,
                            %rows: memref<1x8x2xf32>, %acc: memref<1x8x2x16xf32>) {
  // expected-error @below {{dimension 3 of 'q' (32) and of 'd_q_accum' (16) must match}}
  sas.mma_attention_grad %q, %q, %v, %rows, %rows, %v, %acc, %q, %v scale(0.5) warps(4)
      : memref<1x8x2x32xbf16>, memref<1x8x2x32xbf16>, memref<1x8x2x16xbf16>,
        memref<1x8x2xf32>, memref<1x8x2xf32>, memref<1x8x2x16xbf16>,
        memref<1x8x2x16xf32>, memref<1x8x2x32xbf16>, memref<1x8x2x16xbf16>
  return
}

// -----

func.func @grad_causal_lengths(%q: memref<1x8x2x32xbf16>, %k: memref<1x9x2x32xbf16>,
                               %v: memref<1x9x2x16xbf16>, %do: memref<1x8x2x16xbf16>,
                               %rows: memref<1x8x2xf32>, %acc: memref<1x8x2x32xf32>) {
  // expected-error @below {{dimension 1 of 'q' (8) and of 'k' (9) must match}}
  sas.mma_attention_grad %q, %k, %v, %rows, %rows, %do, %acc, %k, %v causal scale(0.5) warps(4)
      : memref<1x8x2x32xbf16>, memref<1x9x2x32xbf16>, memref<1x9x2x16xbf16>,
        memref<1x8x2xf32>, memref<1x8x2xf32>, memref<1x8x2x16xbf16>,
        memref<1x8x2x32xf32>, memref<1x9x2x32xbf16>, memref<1x9x2x16xbf16>
  return
}
