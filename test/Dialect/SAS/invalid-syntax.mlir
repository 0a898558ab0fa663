// Malformed sas IR is a parse or verify error, never a crash.
// RUN: sas-opt %s -split-input-file -verify-diagnostics
// RUN: %check_each_split 1 %s sas-opt | FileCheck %s --check-prefix=EACH
// EACH: chunks, 0 failed

func.func @missing_residual(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>) {
  // expected-error @+1 {{expected 'residual'}}
  %0 = sas.head_sim %x weights(%w, %b) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @too_few_types(%x: tensor<1x2x2x4xf32>, %w: tensor<4x2x3xf32>,
    %b: tensor<4xf32>) {
  // expected-error @+1 {{number of operands and types do not match: got 5 operands and 3 types}}
  %0 = sas.head_sim %x weights(%w, %b) residual(%w, %b) : (tensor<1x2x2x4xf32>,
      tensor<4x2x3xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @generic_operand_count(%q: tensor<1x5x4x6xf32>) {
  // expected-error @+1 {{'sas.attention' op expected 3 operands, but found 2}}
  %0 = "sas.attention"(%q, %q) : (tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>)
      -> tensor<1x5x4x6xf32>
  return
}

// -----

func.func @generic_no_result(%q: tensor<1x5x4x6xf32>) {
  // expected-error @+1 {{'sas.attention' op expected 1 or more results}}
  "sas.attention"(%q, %q, %q) : (tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>) -> ()
  return
}

// -----

func.func @causal_with_value(%q: tensor<1x5x4x6xf32>) {
  // expected-error @+1 {{'sas.attention' op attribute 'causal' failed to satisfy constraint: unit attribute}}
  %0 = "sas.attention"(%q, %q, %q) {causal = 1 : i32} : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>) -> tensor<1x5x4x6xf32>
  return
}

// -----

func.func @scale_not_a_number(%q: tensor<1x5x4x6xf32>) {
  // expected-error @+1 {{expected attribute value}}
  %0 = sas.attention %q, %q, %q scale(abc) : (tensor<1x5x4x6xf32>,
      tensor<1x5x4x6xf32>, tensor<1x5x4x6xf32>) -> tensor<1x5x4x6xf32>
  return
}
