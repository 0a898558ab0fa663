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
    // [B, T, H', F] -> [B, T, G, H, F]: group g is heads gH .. gH+H-1.
    auto groupedType = RankedTensorType::get(
        {oType.getDimSize(0), oType.getDimSize(1), g, h, f},
        oType.getElementType());
    Value grouped = expandLike(
        rewriter, loc, op.getO(), groupedType, {{0}, {1}, {2, 3}, {4}},
        {oShape[0], oShape[1], rewriter.getIndexAttr(g),
         rewriter.getIndexAttr(h), rewriter.getIndexAttr(f)});
    // [B*T, G, H*F]
    Value rows = collapse(rewriter, loc, grouped, {{0, 1}, {2}, {3, 4}});
    OpFoldResult numRows = tensor::getMixedSize(rewriter, loc, rows, 0);
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);

    Value y;
    if (!literal) {
      // mean[r, k] = 1/G sum_g rows[r, g, k]; y = mean * W^T + b.
      Value mean = buildScaledSum(
          rewriter, loc, rows,
          buildFilled(rewriter, loc, {numRows, rewriter.getIndexAttr(hf)}, f32,
                      0.0),
          {AffineMap::get(3, 0, {d0, d2, d1}, ctx),
           AffineMap::get(3, 0, {d0, d1}, ctx)},
          1.0 / g);
      y = buildMatmulTransposedB(
          rewriter, loc, mean, op.getW(),
          broadcastBias(rewriter, loc, op.getB(),
                        {numRows, rewriter.getIndexAttr(hf)}, 1));
    } else {
      // dense[r, g, n] = b[n] + sum_k rows[r, g, k] * W[n, k]; y = mean_g.
      Value init = broadcastBias(
          rewriter, loc, op.getB(),
          {numRows, rewriter.getIndexAttr(g), rewriter.getIndexAttr(hf)}, 2);
      auto dense = linalg::GenericOp::create(
          rewriter, loc, init.getType(), ValueRange{rows, op.getW()}, init,
          ArrayRef<AffineMap>{AffineMap::get(4, 0, {d0, d1, d3}, ctx),
                              AffineMap::get(4, 0, {d2, d3}, ctx),
                              AffineMap::get(4, 0, {d0, d1, d2}, ctx)},
          ArrayRef<utils::IteratorType>{
              utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::parallel, utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value a = castScalar(nb, nloc, args[0], f32);
            Value w = castScalar(nb, nloc, args[1], f32);
            Value sum = arith::AddFOp::create(
                nb, nloc, args[2], arith::MulFOp::create(nb, nloc, a, w));
            linalg::YieldOp::create(nb, nloc, sum);
          });
      y = buildScaledSum(
          rewriter, loc, dense.getResult(0),
          buildFilled(rewriter, loc, {numRows, rewriter.getIndexAttr(hf)}, f32,
                      0.0),
          {AffineMap::get(3, 0, {d0, d2, d1}, ctx),
           AffineMap::get(3, 0, {d0, d1}, ctx)},
          1.0 / g);
    }
    y = buildCast(rewriter, loc, y, resultType.getElementType());
    rewriter.replaceOp(
        op, expandLike(rewriter, loc, y, resultType, {{0, 1}, {2}},
                       {oShape[0], oShape[1], rewriter.getIndexAttr(hf)}));
    return success();
  }

  bool literal;
};

} // namespace

void mlir::sas::populateLowerPeaaPatterns(RewritePatternSet &patterns,
                                          bool literal) {
  patterns.add<LowerPeaa>(patterns.getContext(), literal);
}
