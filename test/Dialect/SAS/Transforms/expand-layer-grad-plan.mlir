// RUN: sas-opt %s --sas-expand -split-input-file -verify-diagnostics -o /dev/null

// sas-expand says, on each sas.layer_grad, what its backward recomputes and
// what it takes from the forward, by the cost model's plan
// (cost::planSavedForward): a value is worth keeping when recomputing it
// costs more than 295 FLOP a byte kept. Numbers per token, f32, H = 2,
// D = 4, H' = 4, D' = 6, K = 3, worked out by hand:
//   the attention's output and log-sum-exp: H' (4 D + 4) = 80 bytes; its
//     forward 2 (D' + D) H' = 80 FLOP a (query, key) pair, (T + 1) / 2
//     pairs a query under the causal mask;
//   the simulations: 3 * 576 + 2 * 480 = 2688 FLOP for H' (2 D' + 3 D) 4 =
//     384 bytes, 7 a byte.
// At T = 5 (3 pairs a query: 240 FLOP, 3 a byte) nothing is worth keeping.

// -----

func.func @short(
    %q: tensor<1x5x2x4xf32>,
    %k: tensor<1x5x2x4xf32>,
    %v: tensor<1x5x2x4xf32>,
    %qhw: tensor<4x2x3xf32>,
    %qhb: tensor<4xf32>,
    %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>,
    %qfw: tensor<6x4xf32>,
    %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>,
    %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>,
    %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>,
    %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>,
    %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>,
    %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>,
    %dy: tensor<1x5x8xf32>)
    -> (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  // expected-remark @+1 {{backward plan (per token; kept when recomputing costs more than 295 FLOP a byte kept): the attention's forward is recomputed (240 FLOP, 3 a byte of its output and log-sum-exp); the simulated q, k and v are recomputed (2688 FLOP, 7 a byte of the 384 bytes keeping them would take)}}
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) causal
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x5x8xf32>)
      -> (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}


// -----

// At T = 4096 (2048.5 pairs a query: 163880 FLOP, 2048.5 a byte, printed
// 2048) the
// attention's are worth keeping: the remark names the forward that keeps
// them.
func.func @long(
    %q: tensor<1x4096x2x4xf32>,
    %k: tensor<1x4096x2x4xf32>,
    %v: tensor<1x4096x2x4xf32>,
    %qhw: tensor<4x2x3xf32>,
    %qhb: tensor<4xf32>,
    %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>,
    %qfw: tensor<6x4xf32>,
    %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>,
    %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>,
    %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>,
    %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>,
    %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>,
    %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>,
    %dy: tensor<1x4096x8xf32>)
    -> (tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  // expected-remark @+1 {{the attention's forward is recomputed (163880 FLOP, 2048 a byte of its output and log-sum-exp): a forward sas.layer that returns its output and log-sum-exp (80 bytes) spares it; pass them as saved(...); the simulated q, k and v are recomputed (2688 FLOP, 7 a byte of the 384 bytes keeping them would take)}}
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) causal
      : (tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x4096x8xf32>)
      -> (tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}


// -----

// Given them, it says so.
func.func @kept(
    %q: tensor<1x4096x2x4xf32>,
    %k: tensor<1x4096x2x4xf32>,
    %v: tensor<1x4096x2x4xf32>,
    %qhw: tensor<4x2x3xf32>,
    %qhb: tensor<4xf32>,
    %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>,
    %qfw: tensor<6x4xf32>,
    %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>,
    %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>,
    %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>,
    %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>,
    %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>,
    %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>,
    %dy: tensor<1x4096x8xf32>)
    -> (tensor<1x4096x8xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  %y, %o, %lse = sas.layer %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) causal
      : (tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
      -> (tensor<1x4096x8xf32>, tensor<1x4096x4x4xf32>, tensor<1x4096x4xf32>)
  // expected-remark @+1 {{the attention's output and log-sum-exp are taken from the forward (80 bytes); the simulated q, k and v are recomputed}}
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) saved(%o, %lse) causal
      : (tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<1x4096x8xf32>, tensor<1x4096x4x4xf32>, tensor<1x4096x4xf32>)
      -> (tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %y, %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<1x4096x8xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<1x4096x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}


// -----

// A dynamic T is taken as long.
func.func @dyn(
    %q: tensor<?x?x2x4xf32>,
    %k: tensor<?x?x2x4xf32>,
    %v: tensor<?x?x2x4xf32>,
    %qhw: tensor<4x2x3xf32>,
    %qhb: tensor<4xf32>,
    %qhrw: tensor<4x4x3xf32>,
    %qhrb: tensor<4xf32>,
    %qfw: tensor<6x4xf32>,
    %qfb: tensor<6xf32>,
    %qfrw: tensor<6x6xf32>,
    %qfrb: tensor<6xf32>,
    %khw: tensor<4x2x3xf32>,
    %khb: tensor<4xf32>,
    %khrw: tensor<4x4x3xf32>,
    %khrb: tensor<4xf32>,
    %kfw: tensor<6x4xf32>,
    %kfb: tensor<6xf32>,
    %kfrw: tensor<6x6xf32>,
    %kfrb: tensor<6xf32>,
    %vhw: tensor<4x2x3xf32>,
    %vhb: tensor<4xf32>,
    %vhrw: tensor<4x4x3xf32>,
    %vhrb: tensor<4xf32>,
    %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>,
    %dy: tensor<?x?x8xf32>)
    -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>) {
  // expected-remark @+1 {{the attention's forward is recomputed (quadratic in T): a forward sas.layer that returns its output and log-sum-exp (80 bytes) spares it}}
  %g:25 = sas.layer_grad %q, %k, %v
      q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
      k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
      v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) causal
      : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<?x?x8xf32>)
      -> (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>)
  return %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11, %g#12, %g#13, %g#14, %g#15, %g#16, %g#17, %g#18, %g#19, %g#20, %g#21, %g#22, %g#23, %g#24
      : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>, tensor<8x8xf32>, tensor<8xf32>
}

