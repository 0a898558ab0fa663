//===- LowerPeaaGrad.cpp - Lower the PEAA gradient --------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.peaa_grad in the reassociated form of docs/spec.md: with u the
// head-group mean of o (recomputed), d b = sum d y, d W = d y^T u over every
// token, and the gradient of every head of group g is its slot of
// W^T d y / G: the group mean's broadcast. In f32; the sums over tokens in
// f64 (buildTokenSum).
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

namespace {

struct LowerPeaaGrad : OpRewritePattern<PeaaGradOp> {
  LowerPeaaGrad(MLIRContext *ctx, int64_t tokenChunk)
      : OpRewritePattern(ctx), tokenChunk(tokenChunk) {}

  LogicalResult matchAndRewrite(PeaaGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type f32 = rewriter.getF32Type();
    auto oType = cast<RankedTensorType>(op.getO().getType());
    int64_t numSimHeads = oType.getDimSize(2), f = oType.getDimSize(3);
    int64_t hf = cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    int64_t h = hf / f, g = numSimHeads / h;
    SmallVector<OpFoldResult> oSizes =
        tensor::getMixedSizes(rewriter, loc, op.getO());

    Value dy = buildCast(rewriter, loc, op.getDResult(), f32);
    Value mean = buildPeaaGroupMean(rewriter, loc, op.getO(), hf);
    AffineExpr i, j, bb, t;
    bindDims(ctx, i, j, bb, t);
    // dW[i, j] = sum_{b, t} dy[b, t, i] * mean[b, t, j].
    Value dW = buildTokenSum(
        rewriter, loc, dy, mean, {hf, hf},
        {AffineMap::get(4, 0, {bb, t, i}, ctx),
         AffineMap::get(4, 0, {bb, t, j}, ctx),
         AffineMap::get(4, 0, {i, j}, ctx)},
        tokenChunk);
    Value dB = buildSumAllBut(rewriter, loc, dy, 2, tokenChunk);
    // dMean[b, t, j] = sum_i dy[b, t, i] * W[i, j], the sum the innermost
    // loop (on the GPU, the outer loops become the threads).
    AffineExpr sb, st, sj, si;
    bindDims(ctx, sb, st, sj, si);
    Value dMean = buildContraction(
        rewriter, loc, dy, op.getW(),
        buildFilled(rewriter, loc,
                    {oSizes[0], oSizes[1], rewriter.getIndexAttr(hf)}, f32,
                    0.0),
        {AffineMap::get(4, 0, {sb, st, si}, ctx),
         AffineMap::get(4, 0, {si, sj}, ctx),
         AffineMap::get(4, 0, {sb, st, sj}, ctx)});

    // dO[b, t, gH + hh, ff] = dMean[b, t, hh F + ff] / G, written as
    // [B, T, G, H, F] and collapsed to [B, T, H', F].
    auto meanType = RankedTensorType::get(
        {oType.getDimSize(0), oType.getDimSize(1), h, f}, f32);
    Value heads = expandLike(rewriter, loc, dMean, meanType,
                             {{0}, {1}, {2, 3}},
                             {oSizes[0], oSizes[1], rewriter.getIndexAttr(h),
                              rewriter.getIndexAttr(f)});
    Value init = tensor::EmptyOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{oSizes[0], oSizes[1],
                                  rewriter.getIndexAttr(g),
                                  rewriter.getIndexAttr(h),
                                  rewriter.getIndexAttr(f)},
        f32);
    AffineExpr d0, d1, d2, d3, d4;
    bindDims(ctx, d0, d1, d2, d3, d4);
    Value broadcast =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), heads, init,
            ArrayRef<AffineMap>{AffineMap::get(5, 0, {d0, d1, d3, d4}, ctx),
                                AffineMap::getMultiDimIdentityMap(5, ctx)},
            SmallVector<utils::IteratorType>(5, utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value inverse = arith::ConstantOp::create(
                  nb, nloc, nb.getF32FloatAttr(1.0f / g));
              linalg::YieldOp::create(
                  nb, nloc,
                  arith::MulFOp::create(nb, nloc, args[0], inverse).getResult());
            })
            .getResult(0);
    Value dO = collapse(rewriter, loc, broadcast, {{0}, {1}, {2, 3}, {4}});
    replaceWithCasts(rewriter, op, {dO, dW, dB});
    return success();
  }

  int64_t tokenChunk;
};

} // namespace

void mlir::sas::populateLowerPeaaGradPatterns(RewritePatternSet &patterns,
                                              int64_t tokenSumChunk) {
  patterns.add<LowerPeaaGrad>(patterns.getContext(), tokenSumChunk);
}
