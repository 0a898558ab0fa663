// Costs against numbers worked out by hand from the formulas of docs/spec.md.
// RUN: sas-opt %s --sas-cost-report="format=json output=-" -o /dev/null | FileCheck %s
// RUN: sas-opt %s --sas-expand --sas-cost-report="format=json output=-" -o /dev/null | FileCheck %s --check-prefix=EXPANDED
// RUN: sas-opt %s --sas-cost-report=output=- -o /dev/null | FileCheck %s --check-prefix=TEXT
// RUN: not sas-opt %s --sas-cost-report=format=xml -o /dev/null 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: sas-cost-report: format must be 'text' or 'json', got 'xml'

// Config A: B = 1, T = 4, H = 1, H' = 2, D = 2, D' = 3, K = 1, causal, f32.
//   head simulation: 2 H' K D (H + H') = 24 per token and stream, x 4 x 3 = 288
//   feature simulation: 2 H' D' (D + D') = 60 per token and stream, x 4 x 2 = 480
//   attention: T (T + 1) / 2 = 10 pairs per head, x H' = 20; 2 x 20 x (D' + D) = 200
//   PEAA: 2 (H D)^2 = 8 per token, x 4 = 32          total 1000
//   parameters: q and k 2+2+4+2+6+3+9+3 = 31 each, v 10, output dense 6: 78
//   bytes: (3 x 8 inputs + 78 parameters + 8 outputs) x 4 = 440
//   MHA: 2 x 10 x 1 x (2 + 2) = 80 attention + 2 x 4 x 2^2 = 32 dense = 112;
//     bytes (3 x 8 inputs + 6 parameters + 8 outputs) x 4 = 152
//   heads of D' = 3 with 1000 FLOPs: 1000 / (2 x 10 x 6 + 2 x 4 x 3 x 2) = 5.952
//   1 head of w: 8 w^2 + 40 w = 1000, w = 8.956
// CHECK-LABEL: "function": "config_a"
//       CHECK: "layers": [
//       CHECK:   "flop_ratio": 8.928571
//       CHECK:   "mha": {
//  CHECK-NEXT:     "bytes": 152,
//       CHECK:     "flops": 112,
//       CHECK:   "mha_matched_heads": {
//       CHECK:     "head_dim": 3,
//  CHECK-NEXT:     "heads": 5.952380
//       CHECK:   "mha_matched_width": {
//       CHECK:     "head_dim": 8.956
//       CHECK:   "sas": {
//  CHECK-NEXT:     "bytes": 440,
//  CHECK-NEXT:     "dominant": "feature simulation",
//  CHECK-NEXT:     "flops": 1000,
//       CHECK:     "parameters": 78
// After expansion the primitives add up to the same 1000 FLOPs (q: head
// simulation 4 x 24 = 96, feature simulation 4 x 60 = 240):
// EXPANDED-LABEL: "function": "config_a"
//       EXPANDED: "dominant": "residual convolution",
//  EXPANDED-NEXT: "flops": 96,
//       EXPANDED: "dominant": "residual MLP",
//  EXPANDED-NEXT: "flops": 240,
//       EXPANDED: "flops": 200,
//       EXPANDED: "op": "sas.peaa",
//       EXPANDED: "total": {
//       EXPANDED:   "flops": 1000,
func.func @config_a(%q: tensor<1x4x1x2xf32>, %hw: tensor<2x1x1xf32>,
    %hb: tensor<2xf32>, %hrw: tensor<2x2x1xf32>, %hrb: tensor<2xf32>,
    %fw: tensor<3x2xf32>, %fb: tensor<3xf32>, %frw: tensor<3x3xf32>,
    %frb: tensor<3xf32>, %ow: tensor<2x2xf32>, %ob: tensor<2xf32>)
    -> tensor<1x4x2xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x4x1x2xf32>, tensor<1x4x1x2xf32>, tensor<1x4x1x2xf32>,
         tensor<2x1x1xf32>, tensor<2xf32>, tensor<2x2x1xf32>, tensor<2xf32>,
         tensor<3x2xf32>, tensor<3xf32>, tensor<3x3xf32>, tensor<3xf32>,
         tensor<2x1x1xf32>, tensor<2xf32>, tensor<2x2x1xf32>, tensor<2xf32>,
         tensor<3x2xf32>, tensor<3xf32>, tensor<3x3xf32>, tensor<3xf32>,
         tensor<2x1x1xf32>, tensor<2xf32>, tensor<2x2x1xf32>, tensor<2xf32>,
         tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  return %0 : tensor<1x4x2xf32>
}

// Config B: B = 2, T = 3, H = 2, H' = 4, D = D' = 2, K = 3, not causal, bf16.
//   head simulation: 2 x 4 x 3 x 2 x (2 + 4) = 288 per token and stream,
//     x 6 tokens x 3 = 5184
//   feature simulation: 2 x 4 x 2 x (2 + 2) = 64, x 6 x 2 = 768
//   attention: B H' T S = 72 pairs, 2 x 72 x (2 + 2) = 576
//   PEAA: 2 x 4^2 = 32 per token, x 6 = 192              total 6720
//   bytes: (3 x 24 inputs + 2 x (24+4+48+4+4+2+4+2) + (24+4+48+4) + 16+4
//           + 24 outputs) x 2 bytes = (72 + 184 + 80 + 20 + 24) x 2 = 760
// TEXT: sas-cost-report: @config_b
// TEXT:   sas.layer{{ +}}0.000007{{ +}}0.000760{{.*}}head simulation
// TEXT:   SAS / MHA FLOPs:
// CHECK-LABEL: "function": "config_b"
//       CHECK:   "sas": {
//  CHECK-NEXT:     "bytes": 760,
//  CHECK-NEXT:     "dominant": "head simulation",
//  CHECK-NEXT:     "flops": 6720,
func.func @config_b(%q: tensor<2x3x2x2xbf16>, %hw: tensor<4x2x3xbf16>,
    %hb: tensor<4xbf16>, %hrw: tensor<4x4x3xbf16>, %hrb: tensor<4xbf16>,
    %fw: tensor<2x2xbf16>, %fb: tensor<2xbf16>, %frw: tensor<2x2xbf16>,
    %frb: tensor<2xbf16>, %ow: tensor<4x4xbf16>, %ob: tensor<4xbf16>)
    -> tensor<2x3x4xbf16> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob)
      : (tensor<2x3x2x2xbf16>, tensor<2x3x2x2xbf16>, tensor<2x3x2x2xbf16>,
         tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>,
         tensor<2x2xbf16>, tensor<2xbf16>, tensor<2x2xbf16>, tensor<2xbf16>,
         tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>,
         tensor<2x2xbf16>, tensor<2xbf16>, tensor<2x2xbf16>, tensor<2xbf16>,
         tensor<4x2x3xbf16>, tensor<4xbf16>, tensor<4x4x3xbf16>, tensor<4xbf16>,
         tensor<4x4xbf16>, tensor<4xbf16>) -> tensor<2x3x4xbf16>
  return %0 : tensor<2x3x4xbf16>
}

// Dynamic sizes need values.
// RUN: not sas-opt %S/../ops.mlir --sas-cost-report -o /dev/null 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: error: sas-cost-report: dynamic batch or sequence size; give them with batch=N seq-len=N
// RUN: sas-opt %S/../ops.mlir --sas-cost-report="batch=2 seq-len=5 output=-" -o /dev/null | FileCheck %s --check-prefix=SIZED
// SIZED: sas-cost-report: @head_sim_dynamic
