//===- LowerPeaa.cpp - Lower parameter-efficient aggregation ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// PEAA applies one dense layer to each of the G head groups of a token and
// averages the G results. The dense layer is affine, so averaging first and
// applying it once gives the same result for G times fewer FLOPs: that is
// the default lowering. The literal form exists so tests can compare both.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::lowering;

/// A linalg.generic reducing the last loop dimension into `init`:
/// init[...] += x[...] * scale, with `maps` giving x's and init's indexing.
static Value buildScaledSum(OpBuilder &b, Location loc, Value x, Value init,
                            ArrayRef<AffineMap> maps, double scale) {
  unsigned numLoops = maps[0].getNumDims();
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), x, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value v = castScalar(nb, nloc, args[0], nb.getF32Type());
        Value s = arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(scale));
        Value sum = arith::AddFOp::create(
            nb, nloc, args[1], arith::MulFOp::create(nb, nloc, v, s));
        linalg::YieldOp::create(nb, nloc, sum);
      });
  return generic.getResult(0);
}

Value lowering::buildPeaaDense(OpBuilder &b, Location loc, Value mean, Value w,
                              Value bias) {
  MLIRContext *ctx = b.getContext();
  AffineExpr bt, t, n, k;
  bindDims(ctx, bt, t, n, k);
  return buildContraction(
      b, loc, mean, transposeWeight(b, loc, w),
      broadcastBias(b, loc, bias, tensor::getMixedSizes(b, loc, mean), 2),
      {AffineMap::get(4, 0, {bt, t, k}, ctx), AffineMap::get(4, 0, {k, n}, ctx),
       AffineMap::get(4, 0, {bt, t, n}, ctx)});
}

/// [B, T, H', F] -> [B, T, G, H*F]: row g holds heads gH .. gH+H-1. B and
/// T stay separate dimensions.
static Value buildGroupRows(OpBuilder &b, Location loc, Value o, int64_t hf) {
  auto oType = cast<RankedTensorType>(o.getType());
  int64_t numSimHeads = oType.getDimSize(2), f = oType.getDimSize(3);
  int64_t h = hf / f, g = numSimHeads / h;
  SmallVector<OpFoldResult> oShape = tensor::getMixedSizes(b, loc, o);
  auto groupedType = RankedTensorType::get(
      {oType.getDimSize(0), oType.getDimSize(1), g, h, f},
      oType.getElementType());
  Value grouped =
      expandLike(b, loc, o, groupedType, {{0}, {1}, {2, 3}, {4}},
                 {oShape[0], oShape[1], b.getIndexAttr(g), b.getIndexAttr(h),
                  b.getIndexAttr(f)});
  return collapse(b, loc, grouped, {{0}, {1}, {2}, {3, 4}});
}

Value lowering::buildPeaaGroupMean(OpBuilder &b, Location loc, Value o,
                                   int64_t hf) {
  MLIRContext *ctx = b.getContext();
  Value rows = buildGroupRows(b, loc, o, hf);
  int64_t g = cast<RankedTensorType>(rows.getType()).getDimSize(2);
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, rows);
  AffineExpr d0, d1, d2, d3;
  bindDims(ctx, d0, d1, d2, d3);
  // mean[b, t, k] = 1/G sum_g rows[b, t, g, k].
  return buildScaledSum(
      b, loc, rows,
      buildFilled(b, loc, {shape[0], shape[1], shape[3]}, b.getF32Type(), 0.0),
      {AffineMap::get(4, 0, {d0, d1, d3, d2}, ctx),
       AffineMap::get(4, 0, {d0, d1, d2}, ctx)},
      1.0 / g);
}

namespace {

struct LowerPeaa : OpRewritePattern<PeaaOp> {
  LowerPeaa(MLIRContext *ctx, bool literal)
      : OpRewritePattern(ctx), literal(literal) {}

  LogicalResult matchAndRewrite(PeaaOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType oType = op.getO().getType();
    RankedTensorType resultType = op.getType();
    int64_t numSimHeads = oType.getDimSize(2), f = oType.getDimSize(3);
    int64_t hf = resultType.getDimSize(2), h = hf / f, g = numSimHeads / h;
    Type f32 = rewriter.getF32Type();

    SmallVector<OpFoldResult> oShape =
        tensor::getMixedSizes(rewriter, loc, op.getO());
    OpFoldResult batch = oShape[0], seqLen = oShape[1];
    OpFoldResult hfSize = rewriter.getIndexAttr(hf);
    AffineExpr d0, d1, d2, d3, d4;
    bindDims(ctx, d0, d1, d2, d3, d4);

    Value y;
    if (!literal) {
      // y = mean * W^T + bias.
      y = buildPeaaDense(rewriter, loc,
                         buildPeaaGroupMean(rewriter, loc, op.getO(), hf),
                         op.getW(), op.getB());
    } else {
      // dense[b, t, g, n] = bias[n] + sum_k rows[b, t, g, k] * W[n, k];
      // y = mean over g.
      Value rows = buildGroupRows(rewriter, loc, op.getO(), hf);
      Value dense = buildContraction(
          rewriter, loc, rows, transposeWeight(rewriter, loc, op.getW()),
          broadcastBias(rewriter, loc, op.getB(),
                        {batch, seqLen, rewriter.getIndexAttr(g), hfSize}, 3),
          {AffineMap::get(5, 0, {d0, d1, d2, d4}, ctx),
           AffineMap::get(5, 0, {d4, d3}, ctx),
           AffineMap::get(5, 0, {d0, d1, d2, d3}, ctx)});
      y = buildScaledSum(
          rewriter, loc, dense,
          buildFilled(rewriter, loc, {batch, seqLen, hfSize}, f32, 0.0),
          {AffineMap::get(4, 0, {d0, d1, d3, d2}, ctx),
           AffineMap::get(4, 0, {d0, d1, d2}, ctx)},
          1.0 / g);
    }
    rewriter.replaceOp(op,
                       buildCast(rewriter, loc, y, resultType.getElementType()));
    return success();
  }

  bool literal;
};

} // namespace

void mlir::sas::populateLowerPeaaPatterns(RewritePatternSet &patterns,
                                          bool literal) {
  patterns.add<LowerPeaa>(patterns.getContext(), literal);
}
