//===- OnlineSoftmax.h - One online-softmax step's arithmetic -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// One definition of the scalar arithmetic of an online-softmax step, for
// every lowering of sas.attention: the CPU lowering calls it inside the
// bodies of its linalg.generic ops, the GPU block-body lowering likewise,
// the tensor-core kernels once per accumulator element of a lane. With m
// the running row max, l the running row sum and o the output accumulator,
// a key block of scores s does
//
//   s  = -inf where the key is hidden            maskScore(isHiddenKey(..))
//   m' = max(m, rowmax s)                        (the caller's max, below)
//   c  = exp(m - m')                             rescaleFactor
//   p  = exp(s - m')  or  exp(s * scale - m')    (scaled)probability
//   l  = l * c + rowsum p                        rescaledSum
//   o  = o * c + p v                             rescale (then the product)
//
// The tensor-core kernels rescale lazily (exceedsRescaleBound): m moves
// only when the block's max passes it by more than a bound, so most steps
// skip c and the rescaling of l and o; p may then exceed 1 by up to the
// bound's factor, which the final o / l cancels exactly.
//
// What differs between the lowerings is passed in, not redefined: the
// exponential (e^x on the CPU, whose q is pre-scaled; 2^x on the GPU, with
// log2(e) folded into the scale: math.exp2 in the block body, the ex2
// instruction in the tensor-core kernels), the fma (llvm.fma in the
// kernels: math.fma would become a libdevice call there), and whether the
// scale is applied here as one fma (the tensor-core kernels) or before the
// max (the others).
// The row max stays with the caller: the CPU and the block body take
// arith.maximumf, the kernels llvm.maxnum (one max.f32; no NaN reaches it).
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_COMMON_ONLINESOFTMAX_H
#define SAS_CONVERSION_COMMON_ONLINESOFTMAX_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include <limits>

namespace mlir {
namespace sas {
namespace online_softmax {

/// Emits the exponential of an f32 value (e^x or 2^x).
using ExpBuilder = function_ref<Value(OpBuilder &, Location, Value)>;
/// Emits a * b + c on f32 values, rounded once.
using FmaBuilder =
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)>;

/// Whether key `key` is hidden from query `query` (i32 or index): past the
/// keys, where `numKeys` is given, or under `causal` after the query.
inline Value isHiddenKey(OpBuilder &b, Location loc, Value key, Value query,
                         Value numKeys, bool causal) {
  Value hidden;
  if (numKeys)
    hidden = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, key,
                                   numKeys);
  if (causal) {
    Value future =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, key, query);
    hidden = hidden ? arith::OrIOp::create(b, loc, hidden, future).getResult()
                    : future;
  }
  return hidden;
}

/// -inf where `hidden`, else the f32 `score`.
inline Value maskScore(OpBuilder &b, Location loc, Value hidden, Value score) {
  Value minusInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  return arith::SelectOp::create(b, loc, hidden, minusInf, score);
}

/// c = exp(m - m'): what was accumulated under the old max `oldMax` is
/// multiplied by it when the max becomes `newMax`.
inline Value rescaleFactor(OpBuilder &b, Location loc, Value oldMax,
                           Value newMax, ExpBuilder exp) {
  return exp(b, loc, arith::SubFOp::create(b, loc, oldMax, newMax));
}

/// p = exp(s - m').
inline Value probability(OpBuilder &b, Location loc, Value score,
                         Value newMax, ExpBuilder exp) {
  return exp(b, loc, arith::SubFOp::create(b, loc, score, newMax));
}

/// -m', taken once per row for scaledProbability.
inline Value negatedMax(OpBuilder &b, Location loc, Value newMax) {
  return arith::NegFOp::create(b, loc, newMax);
}

/// p = exp(s * scale - m'), the scale applied here as one fma; `negMax` is
/// negatedMax(m').
inline Value scaledProbability(OpBuilder &b, Location loc, Value score,
                               Value scale, Value negMax, ExpBuilder exp,
                               FmaBuilder fma) {
  return exp(b, loc, fma(b, loc, score, scale, negMax));
}

/// x * c: the output accumulator (or the row sum) under the new max.
inline Value rescale(OpBuilder &b, Location loc, Value x, Value factor) {
  return arith::MulFOp::create(b, loc, x, factor);
}

/// Whether a row whose max was `oldMax` must move it to `newMax` (both in
/// the exponential's domain): when the new max exceeds the old by more
/// than `bound`, so that p = exp(s - oldMax) would exceed exp(bound). True
/// when `oldMax` is -inf and `newMax` is not.
inline Value exceedsRescaleBound(OpBuilder &b, Location loc, Value oldMax,
                                 Value newMax, double bound) {
  Value limit = arith::AddFOp::create(
      b, loc, oldMax,
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(bound)));
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, limit,
                               newMax);
}

/// l * c + `blockSum` as one fma: the row sum under the new max, where the
/// block's row sum is at hand (the tensor-core kernels; the other lowerings
/// rescale and then add each p).
inline Value rescaledSum(OpBuilder &b, Location loc, Value sum, Value factor,
                         Value blockSum, FmaBuilder fma) {
  return fma(b, loc, sum, factor, blockSum);
}

} // namespace online_softmax
} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_COMMON_ONLINESOFTMAX_H
