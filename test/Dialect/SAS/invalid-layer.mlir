// Every verifier message that only sas.layer has, and the primitive rules as
// sas.layer reports them: intermediate values are named after the primitive
// that makes them ('head_sim(q)', 'feature_sim(k)', 'attention').
// H = 2, D = 4, H' = 4, D' = 6, K = 3 unless a case says otherwise.
// RUN: sas-opt %s -split-input-file -verify-diagnostics
// RUN: %check_each_split 1 %s sas-opt | FileCheck %s --check-prefix=EACH
// EACH: chunks, 0 failed

func.func @layer_key_heads(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x3x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension H of 'k' is 3, but 'q' has H = 2}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x3x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_value_length(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x6x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension T of 'v' is 6, but 'k' has T = 5}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x6x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_q_head_w(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x3x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension H of 'q_head_w' is 3, but 'q' has H = 2}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x3x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_v_head_even_kernel(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x2xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x2xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{kernel size K (dimension 2 of 'v_head_w') must be odd, got 2}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x2xf32>, tensor<4xf32>,
         tensor<4x4x2xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_k_feat_w(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x5xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension D of 'k_feat_w' is 5, but 'head_sim(k)' has D = 4}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x5xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_q_feat_res_b(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<5xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension D' of 'q_feat_res_b' is 5, but 'q_feat_w' has D' = 6}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<5xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_qk_sizes(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<8x4xf32>, %kfb: tensor<8xf32>, %kfrw: tensor<8x8xf32>,
    %kfrb: tensor<8xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension E of 'feature_sim(k)' is 8, but 'feature_sim(q)' has E = 6}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x4xf32>, tensor<8xf32>, tensor<8x8xf32>,
         tensor<8xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_simulated_heads(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<6x2x3xf32>, %vhb: tensor<6xf32>,
    %vhrw: tensor<6x6x3xf32>, %vhrb: tensor<6xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{dimension N of 'head_sim(v)' is 6, but 'feature_sim(q)' has N = 4}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<6x2x3xf32>, tensor<6xf32>,
         tensor<6x6x3xf32>, tensor<6xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_causal_lengths(
    %q: tensor<1x4x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{causal attention needs as many queries as keys, but 'feature_sim(q)' has T = 4 and 'feature_sim(k)' has S = 5}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob) causal
      : (tensor<1x4x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @layer_scale(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{'scale' must be a positive finite number, got -1.000000e+00}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob) scale(-1.0)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_peaa_groups(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<12x12xf32>,
    %ob: tensor<12xf32>) {
  // expected-error @+1 {{the 4 heads H' of 'attention' must be a multiple of H = 3 (H*F = 12 of 'out_w' over F = 4)}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<12x12xf32>,
         tensor<12xf32>) -> tensor<1x5x12xf32>
  return
}

// -----

func.func @layer_out_w(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<4x4xf32>,
    %ob: tensor<4xf32>) {
  // expected-error @+1 {{dimension H*F of 'out_w' is 4, but 'v' has H*D = 2*4 = 8}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<4x4xf32>,
         tensor<4xf32>) -> tensor<1x5x4xf32>
  return
}

// -----

func.func @layer_out_b(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<6xf32>) {
  // expected-error @+1 {{dimension H*F of 'out_b' is 6, but 'out_w' has H*F = 8}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<6xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_element_type(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf16>) {
  // expected-error @+1 {{operands must share one element type, but 'q' has 'f32' and 'out_b' has 'f16'}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf16>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @layer_result(
    %q: tensor<1x5x2x4xf32>, %k: tensor<1x5x2x4xf32>, %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{result type 'tensor<1x5x16xf32>' does not match the expected 'tensor<1x5x8xf32>' [B, T, H*D]}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x16xf32>
  return
}

// -----

func.func @layer_result_dynamic(
    %q: tensor<?x5x2x4xf32>, %k: tensor<?x5x2x4xf32>, %v: tensor<?x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>, %qhb: tensor<4xf32>, %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>, %qfw: tensor<6x4xf32>, %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>, %qfrb: tensor<6xf32>, %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>, %khrw: tensor<4x4x3xf32>, %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>, %kfb: tensor<6xf32>, %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>, %vhrb: tensor<4xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{result type 'tensor<1x5x8xf32>' does not match the expected 'tensor<?x5x8xf32>' [B, T, H*D]}}
  %0 = sas.layer %q, %k, %v q_head(%qhw, %qhb, %qhrw, %qhrb)
      q_feat(%qfw, %qfb, %qfrw, %qfrb) k_head(%khw, %khb, %khrw, %khrb)
      k_feat(%kfw, %kfb, %kfrw, %kfrb) v_head(%vhw, %vhb, %vhrw, %vhrb)
      out(%ow, %ob)
      : (tensor<?x5x2x4xf32>, tensor<?x5x2x4xf32>, tensor<?x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>,
         tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>,
         tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>,
         tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>,
         tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>,
         tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>,
         tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

// Sizes whose product does not fit in 64 bits are an error, not an overflow.
func.func @layer_huge_width(
    %q: tensor<1x5x2x4611686018427387904xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<6x4611686018427387904xf32>, %fb: tensor<6xf32>, %frw: tensor<6x6xf32>,
    %frb: tensor<6xf32>, %vhw: tensor<4x2x3xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) {
  // expected-error @+1 {{q, k and v [B, T, H, D] would have more elements than 64 bits can count (B (dimension 0 of 'q') = 1, T (dimension 1 of 'q') = 5, H (dimension 2 of 'q') = 2, D (dimension 3 of 'q') = 4611686018427387904)}}
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%vhw, %hb, %hrw, %hrb)
      out(%ow, %ob)
      : (tensor<1x5x2x4611686018427387904xf32>, tensor<1x5x2x4611686018427387904xf32>,
         tensor<1x5x2x4611686018427387904xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4611686018427387904xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4611686018427387904xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  return
}
