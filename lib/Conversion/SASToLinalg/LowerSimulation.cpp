//===- LowerSimulation.cpp - Lower head and feature simulation --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Head and feature simulation are per token: tokens never mix. Both lower to
// whole-tensor linalg ops over the flattened tokens, and the bias and the
// residual are folded into the init operand of the second contraction.
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

/// out[n, o, j] = init[n, o, j] + sum_{c, i} w[o, c, i] * x[n, c, j + i - p]
/// with x zero outside 0..D-1: a 1-D NCW convolution whose channels are the
/// heads.
static Value buildHeadConv(OpBuilder &b, Location loc, Value x, Value w,
                           Value init, int64_t kernel) {
  Value padded = padLastDim(b, loc, x, (kernel - 1) / 2);
  auto conv = linalg::Conv1DNcwFcwOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{padded, w},
      ValueRange{init},
      {b.getNamedAttr("strides", b.getI64TensorAttr({1})),
       b.getNamedAttr("dilations", b.getI64TensorAttr({1}))});
  return conv.getResult(0);
}

namespace {

/// S = Y + conv_r(relu(Y)), Y = conv(x) + b, over [B*T, H, D].
struct LowerHeadSim : OpRewritePattern<HeadSimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(HeadSimOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    int64_t kernel = op.getKernelSize();
    SmallVector<OpFoldResult> outShape =
        tensor::getMixedSizes(rewriter, loc, op.getX());
    outShape[2] = rewriter.getIndexAttr(resultType.getDimSize(2));

    Value x = collapse(rewriter, loc, op.getX(), {{0, 1}, {2}, {3}});
    SmallVector<OpFoldResult> tokenShape =
        tensor::getMixedSizes(rewriter, loc, x);
    tokenShape[1] = outShape[2];

    Value y = buildHeadConv(rewriter, loc, x, op.getW(),
                            broadcastBias(rewriter, loc, op.getB(), tokenShape,
                                          /*dim=*/1),
                            kernel);
    Value residualInit = buildAddBias(rewriter, loc, y, op.getResB(), 1);
    Value s = buildHeadConv(rewriter, loc, buildRelu(rewriter, loc, y),
                            op.getResW(), residualInit, kernel);
    s = buildCast(rewriter, loc, s, resultType.getElementType());
    rewriter.replaceOp(op, expandLike(rewriter, loc, s, resultType,
                                      {{0, 1}, {2}, {3}}, outShape));
    return success();
  }
};

/// Z = F + relu(F) * Wg^T + bg, F = X * Wf^T + bf, over [B*T*H', D].
struct LowerFeatureSim : OpRewritePattern<FeatureSimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FeatureSimOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    SmallVector<OpFoldResult> outShape =
        tensor::getMixedSizes(rewriter, loc, op.getX());
    outShape[3] = rewriter.getIndexAttr(resultType.getDimSize(3));

    Value x = collapse(rewriter, loc, op.getX(), {{0, 1, 2}, {3}});
    SmallVector<OpFoldResult> rowShape = tensor::getMixedSizes(rewriter, loc, x);
    rowShape[1] = outShape[3];

    Value f = buildMatmulTransposedB(
        rewriter, loc, x, op.getW(),
        broadcastBias(rewriter, loc, op.getB(), rowShape, /*dim=*/1));
    Value residualInit = buildAddBias(rewriter, loc, f, op.getResB(), 1);
    Value z = buildMatmulTransposedB(rewriter, loc, buildRelu(rewriter, loc, f),
                                     op.getResW(), residualInit);
    z = buildCast(rewriter, loc, z, resultType.getElementType());
    rewriter.replaceOp(op, expandLike(rewriter, loc, z, resultType,
                                      {{0, 1, 2}, {3}}, outShape));
    return success();
  }
};

} // namespace

void mlir::sas::populateLowerSimulationPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerHeadSim, LowerFeatureSim>(patterns.getContext());
}
