// The verifier messages of the gradient ops and of the log-sum-exp result:
// the forward's rules hold on the same operands, the incoming gradient has
// the forward result's type, and each gradient its operand's.
// RUN: sas-opt %s -split-input-file -verify-diagnostics
// Each case alone is an error with exit code 1, never a crash:
// RUN: %check_each_split 1 %s sas-opt | FileCheck %s --check-prefix=EACH
// EACH: chunks, 0 failed

func.func @lse_element(%q: tensor<1x5x4x8xf32>) {
  // expected-error @+1 {{'sas.attention' op result #1 must be tensor of 32-bit float values, but got 'tensor<1x5x4xf16>'}}
  %o, %lse = sas.attention %q, %q, %q
      : (tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>)
      -> (tensor<1x5x4x8xf32>, tensor<1x5x4xf16>)
  return
}

// -----

func.func @lse_shape(%q: tensor<1x5x4x8xf32>) {
  // expected-error @+1 {{result 'lse' has type 'tensor<1x4x5xf32>', expected 'tensor<1x5x4xf32>' [B, T, N] in f32}}
  %o, %lse = sas.attention %q, %q, %q
      : (tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>)
      -> (tensor<1x5x4x8xf32>, tensor<1x4x5xf32>)
  return
}

// -----

func.func @attention_grad_lse(%q: tensor<1x5x4x8xbf16>, %lse: tensor<1x4x5xf32>) {
  // expected-error @+1 {{'lse' has type 'tensor<1x4x5xf32>', expected 'tensor<1x5x4xf32>' [B, T, N] in f32}}
  %dq, %dk, %dv = sas.attention_grad %q, %q, %q, %q, %lse, %q
      : (tensor<1x5x4x8xbf16>, tensor<1x5x4x8xbf16>, tensor<1x5x4x8xbf16>,
         tensor<1x5x4x8xbf16>, tensor<1x4x5xf32>, tensor<1x5x4x8xbf16>)
      -> (tensor<1x5x4x8xbf16>, tensor<1x5x4x8xbf16>, tensor<1x5x4x8xbf16>)
  return
}

// -----

func.func @attention_grad_output(%q: tensor<1x5x4x8xf32>, %v: tensor<1x5x4x6xf32>,
    %lse: tensor<1x5x4xf32>) {
  // expected-error @+1 {{'o' has type 'tensor<1x5x4x8xf32>', expected the attention output's type 'tensor<1x5x4x6xf32>' [B, T, N, F]}}
  %dq, %dk, %dv = sas.attention_grad %q, %q, %v, %q, %lse, %v
      : (tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>, tensor<1x5x4x6xf32>,
         tensor<1x5x4x8xf32>, tensor<1x5x4xf32>, tensor<1x5x4x6xf32>)
      -> (tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>, tensor<1x5x4x6xf32>)
  return
}

// -----

func.func @attention_grad_element(%q: tensor<1x5x4x8xf32>, %h: tensor<1x5x4x8xf16>,
    %lse: tensor<1x5x4xf32>) {
  // expected-error @+1 {{'q', 'k', 'v', 'o' and 'd_o' must share one element type, but 'q' has 'f32' and 'd_o' has 'f16'}}
  %dq, %dk, %dv = sas.attention_grad %q, %q, %q, %q, %lse, %h
      : (tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>,
         tensor<1x5x4x8xf32>, tensor<1x5x4xf32>, tensor<1x5x4x8xf16>)
      -> (tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>, tensor<1x5x4x8xf32>)
  return
}

// -----

func.func @attention_grad_forward_rule(%q: tensor<1x5x4x8xf32>, %k: tensor<1x6x4x8xf32>,
    %lse: tensor<1x5x4xf32>) {
  // expected-error @+1 {{causal attention needs as many queries as keys, but 'q' has T = 5 and 'k' has S = 6}}
  %dq, %dk, %dv = sas.attention_grad %q, %k, %k, %q, %lse, %q causal
      : (tensor<1x5x4x8xf32>, tensor<1x6x4x8xf32>, tensor<1x6x4x8xf32>,
         tensor<1x5x4x8xf32>, tensor<1x5x4xf32>, tensor<1x5x4x8xf32>)
      -> (tensor<1x5x4x8xf32>, tensor<1x6x4x8xf32>, tensor<1x6x4x8xf32>)
  return
}

// -----

func.func @head_sim_grad_incoming(%x: tensor<1x5x2x8xf32>, %d: tensor<1x5x2x8xf32>,
    %w: tensor<4x2x3xf32>, %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>) {
  // expected-error @+1 {{'d_result' has type 'tensor<1x5x2x8xf32>', expected the forward result's type 'tensor<1x5x4x8xf32>' [B, T, H', D]}}
  %0:5 = sas.head_sim_grad %x, %d weights(%w, %b) residual(%rw)
      : (tensor<1x5x2x8xf32>, tensor<1x5x2x8xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>)
      -> (tensor<1x5x2x8xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
          tensor<4x4x3xf32>, tensor<4xf32>)
  return
}

// -----

func.func @head_sim_grad_result(%x: tensor<1x5x2x8xf32>, %d: tensor<1x5x4x8xf32>,
    %w: tensor<4x2x3xf32>, %b: tensor<4xf32>, %rw: tensor<4x4x3xf32>) {
  // expected-error @+1 {{result 3 (the gradient of 'res_w') has type 'tensor<4x2x3xf32>', expected 'tensor<4x4x3xf32>'}}
  %0:5 = sas.head_sim_grad %x, %d weights(%w, %b) residual(%rw)
      : (tensor<1x5x2x8xf32>, tensor<1x5x4x8xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>)
      -> (tensor<1x5x2x8xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
          tensor<4x2x3xf32>, tensor<4xf32>)
  return
}

// -----

func.func @head_sim_grad_even_kernel(%x: tensor<1x5x2x8xf32>, %d: tensor<1x5x4x8xf32>,
    %w: tensor<4x2x2xf32>, %b: tensor<4xf32>, %rw: tensor<4x4x2xf32>) {
  // expected-error @+1 {{kernel size K (dimension 2 of 'w') must be odd, got 2}}
  %0:5 = sas.head_sim_grad %x, %d weights(%w, %b) residual(%rw)
      : (tensor<1x5x2x8xf32>, tensor<1x5x4x8xf32>, tensor<4x2x2xf32>,
         tensor<4xf32>, tensor<4x4x2xf32>)
      -> (tensor<1x5x2x8xf32>, tensor<4x2x2xf32>, tensor<4xf32>,
          tensor<4x4x2xf32>, tensor<4xf32>)
  return
}

// -----

func.func @feature_sim_grad_weight(%x: tensor<1x3x4x8xf32>, %d: tensor<1x3x4x6xf32>,
    %w: tensor<6x7xf32>, %b: tensor<6xf32>, %rw: tensor<6x6xf32>) {
  // expected-error @+1 {{dimension D of 'w' is 7, but 'x' has D = 8}}
  %0:5 = sas.feature_sim_grad %x, %d weights(%w, %b) residual(%rw)
      : (tensor<1x3x4x8xf32>, tensor<1x3x4x6xf32>, tensor<6x7xf32>,
         tensor<6xf32>, tensor<6x6xf32>)
      -> (tensor<1x3x4x8xf32>, tensor<6x7xf32>, tensor<6xf32>,
          tensor<6x6xf32>, tensor<6xf32>)
  return
}

// -----

func.func @peaa_grad_incoming(%o: tensor<1x3x6x4xf32>, %d: tensor<1x3x6xf32>,
    %w: tensor<8x8xf32>) {
  // expected-error @+1 {{'d_result' has type 'tensor<1x3x6xf32>', expected the forward result's type 'tensor<1x3x8xf32>' [B, T, H*F]}}
  %0:3 = sas.peaa_grad %o, %d dense(%w)
      : (tensor<1x3x6x4xf32>, tensor<1x3x6xf32>, tensor<8x8xf32>)
      -> (tensor<1x3x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @peaa_grad_bias(%o: tensor<1x3x6x4xf32>, %d: tensor<1x3x8xf32>,
    %w: tensor<8x8xf32>) {
  // expected-error @+1 {{result 2 (the gradient of 'b') has type 'tensor<6xf32>', expected 'tensor<8xf32>'}}
  %0:3 = sas.peaa_grad %o, %d dense(%w)
      : (tensor<1x3x6x4xf32>, tensor<1x3x8xf32>, tensor<8x8xf32>)
      -> (tensor<1x3x6x4xf32>, tensor<8x8xf32>, tensor<6xf32>)
  return
}

// -----

func.func @peaa_grad_groups(%o: tensor<1x3x5x4xf32>, %d: tensor<1x3x8xf32>,
    %w: tensor<8x8xf32>) {
  // expected-error @+1 {{the 5 heads H' of 'o' must be a multiple of H = 2 (H*F = 8 of 'w' over F = 4)}}
  %0:3 = sas.peaa_grad %o, %d dense(%w)
      : (tensor<1x3x5x4xf32>, tensor<1x3x8xf32>, tensor<8x8xf32>)
      -> (tensor<1x3x5x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @layer_grad_incoming(%q: tensor<1x3x2x4xf32>, %k: tensor<1x3x2x4xf32>, %v: tensor<1x3x2x4xf32>, %p0: tensor<4x2x1xf32>, %p1: tensor<4xf32>, %p2: tensor<4x4x1xf32>, %p3: tensor<4xf32>, %p4: tensor<6x4xf32>, %p5: tensor<6xf32>, %p6: tensor<6x6xf32>, %p7: tensor<6xf32>, %p8: tensor<4x2x1xf32>, %p9: tensor<4xf32>, %p10: tensor<4x4x1xf32>, %p11: tensor<4xf32>, %p12: tensor<6x4xf32>, %p13: tensor<6xf32>, %p14: tensor<6x6xf32>, %p15: tensor<6xf32>, %p16: tensor<4x2x1xf32>, %p17: tensor<4xf32>, %p18: tensor<4x4x1xf32>, %p19: tensor<4xf32>, %p20: tensor<8x8xf32>, %p21: tensor<8xf32>, %dy: tensor<1x3x4xf32>) {
  // expected-error @+1 {{'d_result' has type 'tensor<1x3x4xf32>', expected the forward result's type 'tensor<1x3x8xf32>' [B, T, H*D]}}
  %g:25 = sas.layer_grad %q, %k, %v q_head(%p0, %p1, %p2, %p3) q_feat(%p4, %p5, %p6, %p7) k_head(%p8, %p9, %p10, %p11) k_feat(%p12, %p13, %p14, %p15) v_head(%p16, %p17, %p18, %p19) out(%p20, %p21) grad(%dy)
      : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x3x4xf32>)
      -> (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @layer_grad_results(%q: tensor<1x3x2x4xf32>, %k: tensor<1x3x2x4xf32>, %v: tensor<1x3x2x4xf32>, %p0: tensor<4x2x1xf32>, %p1: tensor<4xf32>, %p2: tensor<4x4x1xf32>, %p3: tensor<4xf32>, %p4: tensor<6x4xf32>, %p5: tensor<6xf32>, %p6: tensor<6x6xf32>, %p7: tensor<6xf32>, %p8: tensor<4x2x1xf32>, %p9: tensor<4xf32>, %p10: tensor<4x4x1xf32>, %p11: tensor<4xf32>, %p12: tensor<6x4xf32>, %p13: tensor<6xf32>, %p14: tensor<6x6xf32>, %p15: tensor<6xf32>, %p16: tensor<4x2x1xf32>, %p17: tensor<4xf32>, %p18: tensor<4x4x1xf32>, %p19: tensor<4xf32>, %p20: tensor<8x8xf32>, %p21: tensor<8xf32>, %dy: tensor<1x3x8xf32>) {
  // expected-error @+1 {{must return the gradients of its 25 layer operands, returns 24}}
  %g:24 = sas.layer_grad %q, %k, %v q_head(%p0, %p1, %p2, %p3) q_feat(%p4, %p5, %p6, %p7) k_head(%p8, %p9, %p10, %p11) k_feat(%p12, %p13, %p14, %p15) v_head(%p16, %p17, %p18, %p19) out(%p20, %p21) grad(%dy)
      : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x3x8xf32>)
      -> (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>)
  return
}

// -----

func.func @layer_grad_one_saved(%q: tensor<1x3x2x4xf32>, %k: tensor<1x3x2x4xf32>, %v: tensor<1x3x2x4xf32>, %p0: tensor<4x2x1xf32>, %p1: tensor<4xf32>, %p2: tensor<4x4x1xf32>, %p3: tensor<4xf32>, %p4: tensor<6x4xf32>, %p5: tensor<6xf32>, %p6: tensor<6x6xf32>, %p7: tensor<6xf32>, %p8: tensor<4x2x1xf32>, %p9: tensor<4xf32>, %p10: tensor<4x4x1xf32>, %p11: tensor<4xf32>, %p12: tensor<6x4xf32>, %p13: tensor<6xf32>, %p14: tensor<6x6xf32>, %p15: tensor<6xf32>, %p16: tensor<4x2x1xf32>, %p17: tensor<4xf32>, %p18: tensor<4x4x1xf32>, %p19: tensor<4xf32>, %p20: tensor<8x8xf32>, %p21: tensor<8xf32>, %dy: tensor<1x3x8xf32>, %o: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{takes 0 or 2 saved operands (the attention's output and log-sum-exp), not 1}}
  %g:25 = sas.layer_grad %q, %k, %v q_head(%p0, %p1, %p2, %p3) q_feat(%p4, %p5, %p6, %p7) k_head(%p8, %p9, %p10, %p11) k_feat(%p12, %p13, %p14, %p15) v_head(%p16, %p17, %p18, %p19) out(%p20, %p21) grad(%dy) saved(%o)
      : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x3x8xf32>, tensor<1x3x4x4xf32>)
      -> (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @layer_grad_saved_o(%q: tensor<1x3x2x4xf32>, %k: tensor<1x3x2x4xf32>, %v: tensor<1x3x2x4xf32>, %p0: tensor<4x2x1xf32>, %p1: tensor<4xf32>, %p2: tensor<4x4x1xf32>, %p3: tensor<4xf32>, %p4: tensor<6x4xf32>, %p5: tensor<6xf32>, %p6: tensor<6x6xf32>, %p7: tensor<6xf32>, %p8: tensor<4x2x1xf32>, %p9: tensor<4xf32>, %p10: tensor<4x4x1xf32>, %p11: tensor<4xf32>, %p12: tensor<6x4xf32>, %p13: tensor<6xf32>, %p14: tensor<6x6xf32>, %p15: tensor<6xf32>, %p16: tensor<4x2x1xf32>, %p17: tensor<4xf32>, %p18: tensor<4x4x1xf32>, %p19: tensor<4xf32>, %p20: tensor<8x8xf32>, %p21: tensor<8xf32>, %dy: tensor<1x3x8xf32>, %o: tensor<1x3x4x6xf32>, %lse: tensor<1x3x4xf32>) {
  // expected-error @+1 {{saved operand 'o' has type 'tensor<1x3x4x6xf32>', expected 'tensor<1x3x4x4xf32>' [B, T, H', D]}}
  %g:25 = sas.layer_grad %q, %k, %v q_head(%p0, %p1, %p2, %p3) q_feat(%p4, %p5, %p6, %p7) k_head(%p8, %p9, %p10, %p11) k_feat(%p12, %p13, %p14, %p15) v_head(%p16, %p17, %p18, %p19) out(%p20, %p21) grad(%dy) saved(%o, %lse)
      : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x3x8xf32>, tensor<1x3x4x6xf32>, tensor<1x3x4xf32>)
      -> (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return
}

// -----

func.func @layer_saved_lse(%q: tensor<1x3x2x4xf32>, %k: tensor<1x3x2x4xf32>, %v: tensor<1x3x2x4xf32>, %p0: tensor<4x2x1xf32>, %p1: tensor<4xf32>, %p2: tensor<4x4x1xf32>, %p3: tensor<4xf32>, %p4: tensor<6x4xf32>, %p5: tensor<6xf32>, %p6: tensor<6x6xf32>, %p7: tensor<6xf32>, %p8: tensor<4x2x1xf32>, %p9: tensor<4xf32>, %p10: tensor<4x4x1xf32>, %p11: tensor<4xf32>, %p12: tensor<6x4xf32>, %p13: tensor<6xf32>, %p14: tensor<6x6xf32>, %p15: tensor<6xf32>, %p16: tensor<4x2x1xf32>, %p17: tensor<4xf32>, %p18: tensor<4x4x1xf32>, %p19: tensor<4xf32>, %p20: tensor<8x8xf32>, %p21: tensor<8xf32>, %dy: tensor<1x3x8xf32>) {
  // expected-error @+1 {{saved result 'lse' has type 'tensor<1x3x4xf16>', expected 'tensor<1x3x4xf32>' [B, T, H'] in f32}}
  %y, %o, %lse = sas.layer %q, %k, %v q_head(%p0, %p1, %p2, %p3) q_feat(%p4, %p5, %p6, %p7) k_head(%p8, %p9, %p10, %p11) k_feat(%p12, %p13, %p14, %p15) v_head(%p16, %p17, %p18, %p19) out(%p20, %p21)
      : (tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<1x3x2x4xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x1xf32>, tensor<4xf32>, tensor<4x4x1xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
      -> (tensor<1x3x8xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4xf16>)
  return
}
