//===- LowerSimulation.cpp - Lower head and feature simulation --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Head and feature simulation are per token: tokens never mix. Both lower to
// contractions over all tokens that keep [B, T] as leading loop dimensions
// (never collapsed, so dynamic B and T stay independent), and the bias and
// the residual are folded into the init operand of the second contraction.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::lowering;

/// out[b, t, o, j] = init[b, t, o, j]
///                 + sum_{c, i} w[o, c, i] * x[b, t, c, j + i - p]
/// with x zero outside 0..D-1: a 1-D convolution whose channels are the
/// heads. Emitted as K contractions over shifted windows of the padded input
/// (one per tap): each is a small matmul (H' x H times H x D per token) that
/// vectorizes like one.
static Value buildHeadConv(OpBuilder &b, Location loc, Value x, Value w,
                           Value init, int64_t kernel) {
  MLIRContext *ctx = b.getContext();
  Value padded = padLastDim(b, loc, x, (kernel - 1) / 2);
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t heads = xType.getDimSize(2);
  int64_t outHeads = wType.getDimSize(0);
  SmallVector<OpFoldResult> windowSizes = tensor::getMixedSizes(b, loc, x);
  AffineExpr bt, t, o, j, c;
  bindDims(ctx, bt, t, o, j, c);
  SmallVector<AffineMap> maps = {AffineMap::get(5, 0, {o, c}, ctx),
                                 AffineMap::get(5, 0, {bt, t, c, j}, ctx),
                                 AffineMap::get(5, 0, {bt, t, o, j}, ctx)};

  Value acc = init;
  for (int64_t tap = 0; tap < kernel; ++tap) {
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
    offsets[3] = b.getIndexAttr(tap);
    Value window = tensor::ExtractSliceOp::create(
        b, loc, padded, offsets, windowSizes,
        SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
    Value tapWeights = tensor::ExtractSliceOp::create(
        b, loc,
        RankedTensorType::get({outHeads, heads}, wType.getElementType()), w,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                               b.getIndexAttr(tap)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(outHeads), b.getIndexAttr(heads),
                               b.getIndexAttr(1)},
        SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
    acc = buildContraction(b, loc, tapWeights, window, acc, maps);
  }
  return acc;
}

/// out[b, t, h, n] = init[b, t, h, n] + sum_k x[b, t, h, k] * w[n, k].
static Value buildTokenLinear(OpBuilder &b, Location loc, Value x, Value w,
                              Value init) {
  MLIRContext *ctx = b.getContext();
  AffineExpr bt, t, h, n, k;
  bindDims(ctx, bt, t, h, n, k);
  return buildContraction(b, loc, x, transposeWeight(b, loc, w), init,
                          {AffineMap::get(5, 0, {bt, t, h, k}, ctx),
                           AffineMap::get(5, 0, {k, n}, ctx),
                           AffineMap::get(5, 0, {bt, t, h, n}, ctx)});
}

namespace {

/// S = Y + conv_r(relu(Y)), Y = conv(x) + b.
struct LowerHeadSim : OpRewritePattern<HeadSimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(HeadSimOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    int64_t kernel = op.getKernelSize();
    SmallVector<OpFoldResult> shape =
        tensor::getMixedSizes(rewriter, loc, op.getX());
    shape[2] = rewriter.getIndexAttr(resultType.getDimSize(2));

    Value y = buildHeadConv(
        rewriter, loc, op.getX(), op.getW(),
        broadcastBias(rewriter, loc, op.getB(), shape, /*dim=*/2), kernel);
    Value residualInit = buildAddBias(rewriter, loc, y, op.getResB(), 2);
    Value s = buildHeadConv(rewriter, loc, buildRelu(rewriter, loc, y),
                            op.getResW(), residualInit, kernel);
    rewriter.replaceOp(op,
                       buildCast(rewriter, loc, s, resultType.getElementType()));
    return success();
  }
};

/// Z = F + relu(F) * Wg^T + bg, F = X * Wf^T + bf.
struct LowerFeatureSim : OpRewritePattern<FeatureSimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FeatureSimOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    SmallVector<OpFoldResult> shape =
        tensor::getMixedSizes(rewriter, loc, op.getX());
    shape[3] = rewriter.getIndexAttr(resultType.getDimSize(3));

    Value f = buildTokenLinear(
        rewriter, loc, op.getX(), op.getW(),
        broadcastBias(rewriter, loc, op.getB(), shape, /*dim=*/3));
    Value residualInit = buildAddBias(rewriter, loc, f, op.getResB(), 3);
    Value z = buildTokenLinear(rewriter, loc, buildRelu(rewriter, loc, f),
                               op.getResW(), residualInit);
    rewriter.replaceOp(op,
                       buildCast(rewriter, loc, z, resultType.getElementType()));
    return success();
  }
};

} // namespace

void mlir::sas::populateLowerSimulationPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerHeadSim, LowerFeatureSim>(patterns.getContext());
}
