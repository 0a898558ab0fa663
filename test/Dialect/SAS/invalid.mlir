// Every verifier message of the sas ops, one broken rule per case.
// RUN: sas-opt %s -split-input-file -verify-diagnostics
// Each case alone is an error with exit code 1, never a crash:
// RUN: %check_each_split 1 %s sas-opt | FileCheck %s --check-prefix=EACH
// EACH: chunks, 0 failed

//===----------------------------------------------------------------------===//
// Element types (checked by ODS and by the verifiers).
//===----------------------------------------------------------------------===//

func.func @non_float(%x: tensor<1x2x2x4xi32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x2x2x4xi32>'}}
  %0 = "sas.head_sim"(%x, %w, %b, %rw, %rb) : (tensor<1x2x2x4xi32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @f64(%x: tensor<1x2x2x4xf64>, %w: tensor<4x2x3xf64>,
    %b: tensor<4xf64>, %rw: tensor<4x4x3xf64>, %rb: tensor<4xf64>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<1x2x2x4xf64>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf64>,
      tensor<4x2x3xf64>, tensor<4xf64>, tensor<4x4x3xf64>, tensor<4xf64>)
      -> tensor<1x2x4x4xf64>
  return
}

// -----

func.func @unranked(%x: tensor<*xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values, but got 'tensor<*xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<*xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @mixed_element_types(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf16>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{operands must share one element type, but 'x' has 'f32' and 'w' has 'f16'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf16>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @result_element_type(%x: tensor<1x2x2x4xbf16>, %w: tensor<4x2x3xbf16>,
    %b: tensor<4xbf16>, %rw: tensor<4x4x3xbf16>, %rb: tensor<4xbf16>) {
  // expected-error @+1 {{result element type 'f32' does not match the operands' 'bf16'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xbf16>,
      tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>)
      -> tensor<1x2x4x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// sas.head_sim
//===----------------------------------------------------------------------===//

// -----

func.func @head_sim_x_rank(%x: tensor<2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{'x' must have rank 4 [B, T, H, D], got 'tensor<2x2x4xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_w_rank(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{'w' must have rank 3 [H', H, K], got 'tensor<4x2xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_b_rank(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<1x4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{'b' must have rank 1 [H'], got 'tensor<1x4xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<1x4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_res_w_rank(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{'res_w' must have rank 3 [H', H', K], got 'tensor<4x4xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_res_b_rank(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<f32>) {
  // expected-error @+1 {{'res_b' must have rank 1 [H'], got 'tensor<f32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<f32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_dynamic_heads(%x: tensor<1x2x?x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension H of 'x' must be static, got 'tensor<1x2x?x4xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x?x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_dynamic_features(%x: tensor<1x2x2x?xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension D of 'x' must be static, got 'tensor<1x2x2x?xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x?xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x?xf32>
  return
}

// -----

func.func @head_sim_dynamic_weight(%x: tensor<1x2x2x4xf32>, %w: tensor<?x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension H' of 'w' must be static, got 'tensor<?x2x3xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<?x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_zero_features(%x: tensor<1x2x2x0xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension D of 'x' must be positive, got 'tensor<1x2x2x0xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x0xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x0xf32>
  return
}

// -----

func.func @head_sim_zero_batch(%x: tensor<0x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension B of 'x' must be positive, got 'tensor<0x2x2x4xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<0x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<0x2x4x4xf32>
  return
}

// -----

func.func @head_sim_zero_kernel(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x0xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x0xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension K of 'w' must be positive, got 'tensor<4x2x0xf32>'}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x0xf32>, tensor<4xf32>, tensor<4x4x0xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_in_heads(%x: tensor<1x2x2x4xf32>, %w: tensor<4x3x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension H of 'w' is 3, but 'x' has H = 2}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x3x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_even_kernel(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x2xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x2xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{kernel size K (dimension 2 of 'w') must be odd, got 2}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x2xf32>, tensor<4xf32>, tensor<4x4x2xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_bias(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<5xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension H' of 'b' is 5, but 'w' has H' = 4}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<5xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_res_out_heads(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<6x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension H' of 'res_w' is 6, but 'w' has H' = 4}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<6x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_res_in_heads(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x2x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension H' of 'res_w' is 2, but 'w' has H' = 4}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x2x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_res_kernel(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x5xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{dimension K of 'res_w' is 5, but 'w' has K = 3}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x5xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_res_bias(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<3xf32>) {
  // expected-error @+1 {{dimension H' of 'res_b' is 3, but 'w' has H' = 4}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<3xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @head_sim_result(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{result type 'tensor<1x2x2x4xf32>' does not match the expected 'tensor<1x2x4x4xf32>' [B, T, H', D]}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x2x4xf32>
  return
}

// -----

func.func @head_sim_result_dynamic(%x: tensor<?x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>, %rb: tensor<4xf32>) {
  // expected-error @+1 {{result type 'tensor<1x2x4x4xf32>' does not match the expected 'tensor<?x2x4x4xf32>' [B, T, H', D]}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<?x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>)
      -> tensor<1x2x4x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// sas.feature_sim
//===----------------------------------------------------------------------===//

// -----

func.func @feature_sim_x_rank(%x: tensor<1x2x4xf32>, %w: tensor<6x4xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6xf32>, %rb: tensor<6xf32>) {
  // expected-error @+1 {{'x' must have rank 4 [B, T, H', D], got 'tensor<1x2x4xf32>'}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x4xf32>,
      tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>)
      -> tensor<1x2x4x6xf32>
  return
}

// -----

func.func @feature_sim_w_rank(%x: tensor<1x2x4x4xf32>, %w: tensor<6x4x1xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6xf32>, %rb: tensor<6xf32>) {
  // expected-error @+1 {{'w' must have rank 2 [D', D], got 'tensor<6x4x1xf32>'}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x4x4xf32>,
      tensor<6x4x1xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>)
      -> tensor<1x2x4x6xf32>
  return
}

// -----

func.func @feature_sim_in_features(%x: tensor<1x2x4x4xf32>, %w: tensor<6x5xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6xf32>, %rb: tensor<6xf32>) {
  // expected-error @+1 {{dimension D of 'w' is 5, but 'x' has D = 4}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x4x4xf32>,
      tensor<6x5xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>)
      -> tensor<1x2x4x6xf32>
  return
}

// -----

func.func @feature_sim_bias(%x: tensor<1x2x4x4xf32>, %w: tensor<6x4xf32>,
    %b: tensor<4xf32>, %rw: tensor<6x6xf32>, %rb: tensor<6xf32>) {
  // expected-error @+1 {{dimension D' of 'b' is 4, but 'w' has D' = 6}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x4x4xf32>,
      tensor<6x4xf32>, tensor<4xf32>, tensor<6x6xf32>, tensor<6xf32>)
      -> tensor<1x2x4x6xf32>
  return
}

// -----

func.func @feature_sim_res_w(%x: tensor<1x2x4x4xf32>, %w: tensor<6x4xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x4xf32>, %rb: tensor<6xf32>) {
  // expected-error @+1 {{dimension D' of 'res_w' is 4, but 'w' has D' = 6}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x4x4xf32>,
      tensor<6x4xf32>, tensor<6xf32>, tensor<6x4xf32>, tensor<6xf32>)
      -> tensor<1x2x4x6xf32>
  return
}

// -----

func.func @feature_sim_res_b(%x: tensor<1x2x4x4xf32>, %w: tensor<6x4xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6xf32>, %rb: tensor<7xf32>) {
  // expected-error @+1 {{dimension D' of 'res_b' is 7, but 'w' has D' = 6}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x2x4x4xf32>,
      tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<7xf32>)
      -> tensor<1x2x4x6xf32>
  return
}

// -----

func.func @feature_sim_result(%x: tensor<1x?x4x4xf32>, %w: tensor<6x4xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6xf32>, %rb: tensor<6xf32>) {
  // expected-error @+1 {{result type 'tensor<1x?x4x4xf32>' does not match the expected 'tensor<1x?x4x6xf32>' [B, T, H', D']}}
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb) : (tensor<1x?x4x4xf32>,
      tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>)
      -> tensor<1x?x4x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// sas.attention
//===----------------------------------------------------------------------===//

// -----

func.func @attention_q_rank(%q: tensor<1x5x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{'q' must have rank 4 [B, T, N, E], got 'tensor<1x5x6xf32>'}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x6xf32>, tensor<1x5x4x6xf32>,
      tensor<1x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_v_rank(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3x1xf32>) {
  // expected-error @+1 {{'v' must have rank 4 [B, S, N, F], got 'tensor<1x5x4x3x1xf32>'}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>,
      tensor<1x5x4x3x1xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<1x5x4x6xf32>, %k: tensor<2x5x4x6xf32>,
    %v: tensor<2x5x4x3xf32>) {
  // expected-error @+1 {{dimension B of 'k' is 2, but 'q' has B = 1}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x4x6xf32>, tensor<2x5x4x6xf32>,
      tensor<2x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_keys(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x6x4x3xf32>) {
  // expected-error @+1 {{dimension S of 'v' is 6, but 'k' has S = 5}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>,
      tensor<1x6x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_heads(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x2x3xf32>) {
  // expected-error @+1 {{dimension N of 'v' is 2, but 'q' has N = 4}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>,
      tensor<1x5x2x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_qk_size(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x8xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{dimension E of 'k' is 8, but 'q' has E = 6}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x4x6xf32>, tensor<1x5x4x8xf32>,
      tensor<1x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_causal_lengths(%q: tensor<1x4x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{causal attention needs as many queries as keys, but 'q' has T = 4 and 'k' has S = 5}}
  %0 = sas.attention %q, %k, %v causal : (tensor<1x4x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x3xf32>) -> tensor<1x4x4x3xf32>
  return
}

// -----

func.func @attention_negative_scale(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{'scale' must be a positive finite number, got -5.000000e-01}}
  %0 = sas.attention %q, %k, %v scale(-0.5) : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_zero_scale(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{'scale' must be a positive finite number, got 0.000000e+00}}
  %0 = sas.attention %q, %k, %v scale(0.0) : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_infinite_scale(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{'scale' must be a positive finite number, got INF}}
  %0 = sas.attention %q, %k, %v scale(0x7F800000) : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_scale_type(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %0 = "sas.attention"(%q, %k, %v) <{scale = 1.0 : f64}> : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x3xf32>) -> tensor<1x5x4x3xf32>
  return
}

// -----

func.func @attention_result(%q: tensor<1x5x4x6xf32>, %k: tensor<1x5x4x6xf32>,
    %v: tensor<1x5x4x3xf32>) {
  // expected-error @+1 {{result type 'tensor<1x5x4x6xf32>' does not match the expected 'tensor<1x5x4x3xf32>' [B, T, N, F]}}
  %0 = sas.attention %q, %k, %v : (tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>,
      tensor<1x5x4x3xf32>) -> tensor<1x5x4x6xf32>
  return
}

//===----------------------------------------------------------------------===//
// sas.peaa
//===----------------------------------------------------------------------===//

// -----

func.func @peaa_o_rank(%o: tensor<1x5x24xf32>, %w: tensor<12x12xf32>,
    %b: tensor<12xf32>) {
  // expected-error @+1 {{'o' must have rank 4 [B, T, H', F], got 'tensor<1x5x24xf32>'}}
  %0 = sas.peaa %o dense(%w, %b) : (tensor<1x5x24xf32>, tensor<12x12xf32>,
      tensor<12xf32>) -> tensor<1x5x12xf32>
  return
}

// -----

func.func @peaa_w_square(%o: tensor<1x5x6x4xf32>, %w: tensor<12x8xf32>,
    %b: tensor<12xf32>) {
  // expected-error @+1 {{'w' must be square [H*F, H*F], got 'tensor<12x8xf32>'}}
  %0 = sas.peaa %o dense(%w, %b) : (tensor<1x5x6x4xf32>, tensor<12x8xf32>,
      tensor<12xf32>) -> tensor<1x5x12xf32>
  return
}

// -----

func.func @peaa_bias(%o: tensor<1x5x6x4xf32>, %w: tensor<12x12xf32>,
    %b: tensor<8xf32>) {
  // expected-error @+1 {{dimension H*F of 'b' is 8, but 'w' has H*F = 12}}
  %0 = sas.peaa %o dense(%w, %b) : (tensor<1x5x6x4xf32>, tensor<12x12xf32>,
      tensor<8xf32>) -> tensor<1x5x12xf32>
  return
}

// -----

func.func @peaa_head_size(%o: tensor<1x5x6x4xf32>, %w: tensor<10x10xf32>,
    %b: tensor<10xf32>) {
  // expected-error @+1 {{dimension H*F of 'w' is 10, which is not a multiple of the head size F = 4 of 'o'}}
  %0 = sas.peaa %o dense(%w, %b) : (tensor<1x5x6x4xf32>, tensor<10x10xf32>,
      tensor<10xf32>) -> tensor<1x5x10xf32>
  return
}

// -----

func.func @peaa_groups(%o: tensor<1x5x6x4xf32>, %w: tensor<16x16xf32>,
    %b: tensor<16xf32>) {
  // expected-error @+1 {{the 6 heads H' of 'o' must be a multiple of H = 4 (H*F = 16 of 'w' over F = 4)}}
  %0 = sas.peaa %o dense(%w, %b) : (tensor<1x5x6x4xf32>, tensor<16x16xf32>,
      tensor<16xf32>) -> tensor<1x5x16xf32>
  return
}

// -----

func.func @peaa_result(%o: tensor<?x5x6x4xf32>, %w: tensor<12x12xf32>,
    %b: tensor<12xf32>) {
  // expected-error @+1 {{result type 'tensor<?x5x24xf32>' does not match the expected 'tensor<?x5x12xf32>' [B, T, H*F]}}
  %0 = sas.peaa %o dense(%w, %b) : (tensor<?x5x6x4xf32>, tensor<12x12xf32>,
      tensor<12xf32>) -> tensor<?x5x24xf32>
  return
}
