//===- LowerPeaaGrad.cpp - Lower the PEAA gradient --------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.peaa_grad in the reassociated form of docs/spec.md: with u the
// head-group mean of o (recomputed), d b = sum d y, d W = d y^T u over every
// token, and the gradient of every head of group g is its slot of
// W^T d y / G: the group mean's broadcast. In f32; the sums over tokens in
// f64 (buildTokenSum). Where those sums run in token chunks (the GPU),
// W^T d y takes each sequence's tokens four rows at a time
// (buildTokenRowsMatmul).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sas/Codegen/PassDefaults.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::lowering;

namespace {

/// y[b, t, j] = sum_i x[b, t, i] * w[i, j] for x [B, T, I] and w [I, J].
Value buildTokenMatmul(OpBuilder &b, Location loc, Value x, Value w,
                       OpFoldResult batch, OpFoldResult length) {
  MLIRContext *ctx = b.getContext();
  int64_t columns = cast<RankedTensorType>(w.getType()).getDimSize(1);
  AffineExpr sb, st, sj, si;
  bindDims(ctx, sb, st, sj, si);
  return buildContraction(b, loc, x, w,
                          buildFilled(b, loc,
                                      {batch, length, b.getIndexAttr(columns)},
                                      b.getF32Type(), 0.0),
                          {AffineMap::get(4, 0, {sb, st, si}, ctx),
                           AffineMap::get(4, 0, {si, sj}, ctx),
                           AffineMap::get(4, 0, {sb, st, sj}, ctx)});
}

/// The same product with each sequence's tokens in groups of
/// kGPUThreadRowTile rows (the last group padded with zeros): [B, T', rows,
/// J], whose static rows give a GPU thread a rows x 8 tile of the output
/// instead of 1 x 8 (dynamic B and T leave sas-gpu-thread-tile no static
/// row dimension), so that a weight row loaded serves four tokens. Copied
/// back to [B, T, J]. (Grouping B*T instead would split one dynamic size
/// into two later, which expand-strided-metadata does not take.)
Value buildTokenRowsMatmul(OpBuilder &b, Location loc, Value x, Value w,
                           OpFoldResult batch, OpFoldResult length) {
  MLIRContext *ctx = b.getContext();
  int64_t rowTile = kDefaultGPUThreadRowTile;
  int64_t columns = cast<RankedTensorType>(w.getType()).getDimSize(1);
  Value padded = padToMultiple(b, loc, x, 1, rowTile);
  auto paddedType = cast<RankedTensorType>(padded.getType());
  SmallVector<OpFoldResult> paddedSizes = tensor::getMixedSizes(b, loc, padded);
  OpFoldResult groups = affine::makeComposedFoldedAffineApply(
      b, loc, b.getAffineDimExpr(0).floorDiv(rowTile), {paddedSizes[1]});
  int64_t paddedLength = paddedType.getDimSize(1);
  auto groupedType = RankedTensorType::get({paddedType.getDimSize(0),
                                            ShapedType::isDynamic(paddedLength)
                                                ? ShapedType::kDynamic
                                                : paddedLength / rowTile,
                                            rowTile, paddedType.getDimSize(2)},
                                           paddedType.getElementType());
  Value grouped = expandLike(
      b, loc, padded, groupedType, {{0}, {1, 2}, {3}},
      {paddedSizes[0], groups, b.getIndexAttr(rowTile), paddedSizes[2]});
  AffineExpr sb, sg, sr, sj, si;
  bindDims(ctx, sb, sg, sr, sj, si);
  Value y = buildContraction(
      b, loc, grouped, w,
      buildFilled(b, loc,
                  {paddedSizes[0], groups, b.getIndexAttr(rowTile),
                   b.getIndexAttr(columns)},
                  b.getF32Type(), 0.0),
      {AffineMap::get(5, 0, {sb, sg, sr, si}, ctx),
       AffineMap::get(5, 0, {si, sj}, ctx),
       AffineMap::get(5, 0, {sb, sg, sr, sj}, ctx)});
  Value tokens = collapse(b, loc, y, {{0}, {1, 2}, {3}});
  SmallVector<OpFoldResult> validSizes = {batch, length,
                                          b.getIndexAttr(columns)};
  Value slice = tensor::ExtractSliceOp::create(
      b, loc, tokens, SmallVector<OpFoldResult>(3, b.getIndexAttr(0)),
      validSizes, SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
  return linalg::CopyOp::create(b, loc, ValueRange{slice},
                                ValueRange{tensor::EmptyOp::create(
                                    b, loc, validSizes, b.getF32Type())})
      .getResult(0);
}

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
    Value dMean = tokenChunk > 0
                      ? buildTokenRowsMatmul(rewriter, loc, dy, op.getW(),
                                             oSizes[0], oSizes[1])
                      : buildTokenMatmul(rewriter, loc, dy, op.getW(),
                                         oSizes[0], oSizes[1]);

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
