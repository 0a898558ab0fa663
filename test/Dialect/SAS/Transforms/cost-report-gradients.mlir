// The cost of the gradient ops and of a training step, for the layers of
// expand-layer-grad.mlir: B = 3, T = 5, H = 2, D = 4, H' = 4, D' = 6, K = 3,
// causal (15 tokens; 180 (query, key) pairs over the 4 simulated heads, 90
// over MHA's 2). Expected values worked out by hand from docs/spec.md:
//   head_sim_grad    15 * 2*K*D*H' * (3H + 2H')  = 15 * 96 * 14 = 20160
//   feature_sim_grad 15 * 2*H'*D' * (3D + 2D')   = 15 * 48 * 24 = 17280
//   attention_grad   2 * 180 * (3D' + 2D)        = 360 * 26     = 9360
//   peaa_grad        2 * 15 * 2 * (H*D)^2                       = 3840
//   forward  3 * 8640 + 2 * 7200 + 3600 + 1920                  = 45840
//   backward 3 * 20160 + 2 * 17280 + 9360 + 3840                = 108240
//   MHA forward  2 * 90 * 2D + 1920 = 3360; backward 2 * 90 * 5D + 3840 = 7440
//   sas.layer_grad: 45840 - 1920 (no PEAA forward) + 108240     = 152160
// The training step's backward recomputes what the plan does not keep. Per
// token of one batch (f32): the attention's forward 1200 / 5 = 240 FLOP
// for its output and log-sum-exp's H' (4D + 4) = 80 bytes, 3 FLOP a byte;
// the simulations (3 * 2880 + 2 * 2400) / 5 = 2688 FLOP for
// H' (2D' + 3D) * 4 = 384 bytes, 7 FLOP a byte: both under 295, both
// recomputed, so
//   training backward 108240 + 3 * 8640 + 2 * 7200 + 3600       = 152160
//   both 45840 + 152160 = 198000; MHA's 10800; ratio 18.33
// Given the forward's saved output and log-sum-exp (@expand_saved), the
// sas.layer_grad itself skips the attention's forward: 152160 - 3600 = 148560.
// RUN: sas-opt %S/expand-layer-grad.mlir --sas-expand --sas-cost-report="format=json output=-" -o /dev/null | FileCheck %s --check-prefix=OPS
// RUN: sas-opt %S/expand-layer-grad.mlir --sas-cost-report="format=json output=-" -o /dev/null | FileCheck %s --check-prefix=STEP
// RUN: sas-opt %S/expand-layer-grad.mlir --sas-cost-report=output=- -o /dev/null | FileCheck %s --check-prefix=TEXT

// OPS: "flops": 3840,
// OPS-NEXT: "intensity"
// OPS: "op": "sas.peaa_grad"
// OPS: "flops": 9360,
// OPS: "op": "sas.attention_grad"
// OPS: "flops": 17280,
// OPS: "op": "sas.feature_sim_grad"
// OPS: "flops": 20160,
// OPS: "op": "sas.head_sim_grad"
// OPS: "total":
// OPS-NEXT: "bytes"
// OPS-NEXT: "dominant"
// OPS-NEXT: "flops": 152160,

// STEP: "flops": 152160,
// STEP: "op": "sas.layer_grad"
// STEP: "training": [
// STEP-NEXT: {
// STEP-NEXT: "backward_flops": 152160,
// STEP-NEXT: "flop_ratio": 18.333333
// STEP-NEXT: "forward_backward_flops": 198000,
// STEP-NEXT: "forward_flops": 45840,
// STEP-NEXT: "mha_backward_flops": 7440,
// STEP-NEXT: "mha_forward_flops": 3360
// STEP: "function": "expand_saved"
// STEP: "flops": 148560,
// STEP-NEXT: "intensity"
// STEP-NEXT: "op": "sas.layer_grad"

// TEXT: training step GFLOP: SAS forward 0.000046, backward 0.000152, both 0.000198; MHA (same B,T,H,D) forward 0.000003, backward 0.000007, both 0.000011; SAS / MHA 18.33x
