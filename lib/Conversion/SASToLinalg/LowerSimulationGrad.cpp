//===- LowerSimulationGrad.cpp - Lower the simulation gradients -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.head_sim_grad and sas.feature_sim_grad become contractions over all
// tokens, like their forward ops (docs/spec.md, "Gradients"): the
// pre-activation is recomputed, an input gradient is the forward contraction
// with the weight transposed (and, for a convolution, its kernel flipped),
// and a weight gradient contracts the output gradient with the input over
// every token (summed in f64: buildTokenSum). Everything else is computed
// in f32 and truncated once at the end.
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

/// dy + g * [y > 0]: the gradient through `y + residual(relu(y))`, with `g`
/// the residual's input gradient; in f32.
static Value buildThroughRelu(OpBuilder &b, Location loc, Value dy, Value g,
                              Value y) {
  return buildElementwise(
      b, loc, {dy, g, y}, {}, b.getF32Type(),
      [](OpBuilder &nb, Location nloc, ValueRange v) -> Value {
        Value zero = arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(0));
        Value positive = arith::CmpFOp::create(
            nb, nloc, arith::CmpFPredicate::OGT, v[2], zero);
        Value masked = arith::SelectOp::create(nb, nloc, positive, v[1], zero);
        return arith::AddFOp::create(nb, nloc, v[0], masked);
      });
}

/// `sizes` with dimension `dim` set to `size`.
static SmallVector<OpFoldResult> withDim(OpBuilder &b,
                                         SmallVector<OpFoldResult> sizes,
                                         unsigned dim, int64_t size) {
  sizes[dim] = b.getIndexAttr(size);
  return sizes;
}

//===----------------------------------------------------------------------===//
// Head simulation
//===----------------------------------------------------------------------===//

/// The [A, C] slice of tap `tap` of a [A, C, K] kernel, and its inverse.
static Value extractTap(OpBuilder &b, Location loc, Value w, int64_t tap) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({rows, cols}, type.getElementType()), w,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                             b.getIndexAttr(tap)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(rows), b.getIndexAttr(cols),
                             b.getIndexAttr(1)},
      SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
}
static Value insertTap(OpBuilder &b, Location loc, Value slice, Value w,
                       int64_t tap) {
  auto type = cast<RankedTensorType>(slice.getType());
  return tensor::InsertSliceOp::create(
      b, loc, slice, w,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                             b.getIndexAttr(tap)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(type.getDimSize(0)),
                             b.getIndexAttr(type.getDimSize(1)),
                             b.getIndexAttr(1)},
      SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
}

/// dW[o, c, i] = sum_{b, t, j} dC[b, t, o, j] * x[b, t, c, j + i - p]: the
/// weight gradient of buildHeadConv. One contraction per tap over
/// the tap's window of the padded input, as in the forward convolution.
static Value buildHeadConvWeightGrad(OpBuilder &b, Location loc, Value dC,
                                     Value x, int64_t kernel,
                                     int64_t tokenChunk) {
  MLIRContext *ctx = b.getContext();
  // Widened once for all taps to what buildTokenSum multiplies: f64 on the
  // CPU, f32 in chunks (the GPU).
  Type wide = tokenChunk > 0 ? b.getF32Type() : b.getF64Type();
  Value padded =
      buildCast(b, loc, padLastDim(b, loc, x, (kernel - 1) / 2), wide);
  dC = buildCast(b, loc, dC, wide);
  int64_t outHeads = cast<RankedTensorType>(dC.getType()).getDimSize(2);
  int64_t heads = cast<RankedTensorType>(x.getType()).getDimSize(2);
  SmallVector<OpFoldResult> windowSizes = tensor::getMixedSizes(b, loc, x);
  AffineExpr o, c, bb, t, j;
  bindDims(ctx, o, c, bb, t, j);
  SmallVector<AffineMap> maps = {AffineMap::get(5, 0, {bb, t, o, j}, ctx),
                                 AffineMap::get(5, 0, {bb, t, c, j}, ctx),
                                 AffineMap::get(5, 0, {o, c}, ctx)};
  Value grad = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{outHeads, heads, kernel}, b.getF32Type());
  for (int64_t tap = 0; tap < kernel; ++tap) {
    Value window = extractTapWindow(b, loc, padded, windowSizes, tap);
    Value tapGrad =
        buildTokenSum(b, loc, dC, window, {outHeads, heads}, maps, tokenChunk);
    grad = insertTap(b, loc, tapGrad, grad, tap);
  }
  return grad;
}

/// w'[c, o, i] = w[o, c, K - 1 - i]: the kernel whose convolution is the
/// input gradient of the convolution with `w` (channels transposed, taps
/// flipped), tap by tap.
static Value buildTransposedKernel(OpBuilder &b, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t outHeads = type.getDimSize(0), heads = type.getDimSize(1),
          kernel = type.getDimSize(2);
  Value result = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{heads, outHeads, kernel},
      type.getElementType());
  for (int64_t tap = 0; tap < kernel; ++tap) {
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{heads, outHeads}, type.getElementType());
    Value transposed =
        linalg::TransposeOp::create(b, loc, extractTap(b, loc, w, kernel - 1 - tap),
                                    init, ArrayRef<int64_t>{1, 0})
            .getResult()[0];
    result = insertTap(b, loc, transposed, result, tap);
  }
  return result;
}

namespace {

/// S = Y + conv(relu(Y); res_w) + res_b, Y = conv(x; w) + b:
///   d res_w, d res_b from dS and relu(Y);
///   dY = dS + conv^T(dS; res_w) * [Y > 0];
///   d w, d b from dY and x; dx = conv^T(dY; w).
struct LowerHeadSimGrad : OpRewritePattern<HeadSimGradOp> {
  LowerHeadSimGrad(MLIRContext *ctx, int64_t tokenChunk)
      : OpRewritePattern(ctx), tokenChunk(tokenChunk) {}

  LogicalResult matchAndRewrite(HeadSimGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    int64_t kernel = cast<RankedTensorType>(op.getW().getType()).getDimSize(2);
    int64_t simHeads =
        cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    SmallVector<OpFoldResult> xSizes =
        tensor::getMixedSizes(rewriter, loc, op.getX());
    SmallVector<OpFoldResult> ySizes = withDim(rewriter, xSizes, 2, simHeads);

    Value y = buildHeadConv(rewriter, loc, op.getX(), op.getW(),
                            broadcastBias(rewriter, loc, op.getB(), ySizes, 2),
                            kernel);
    Value dS = buildCast(rewriter, loc, op.getDResult(), f32);
    Value dResW = buildHeadConvWeightGrad(
        rewriter, loc, dS, buildRelu(rewriter, loc, y), kernel, tokenChunk);
    Value dResB = buildSumAllBut(rewriter, loc, dS, 2, tokenChunk);
    Value g = buildHeadConv(rewriter, loc, dS,
                            buildTransposedKernel(rewriter, loc, op.getResW()),
                            buildFilled(rewriter, loc, ySizes, f32, 0.0),
                            kernel);
    Value dY = buildThroughRelu(rewriter, loc, dS, g, y);
    Value dW = buildHeadConvWeightGrad(rewriter, loc, dY, op.getX(), kernel,
                                       tokenChunk);
    Value dB = buildSumAllBut(rewriter, loc, dY, 2, tokenChunk);
    Value dX = buildHeadConv(rewriter, loc, dY,
                             buildTransposedKernel(rewriter, loc, op.getW()),
                             buildFilled(rewriter, loc, xSizes, f32, 0.0),
                             kernel);
    replaceWithCasts(rewriter, op, {dX, dW, dB, dResW, dResB});
    return success();
  }

  int64_t tokenChunk;
};

} // namespace

//===----------------------------------------------------------------------===//
// Feature simulation
//===----------------------------------------------------------------------===//

/// dW[n, k] = sum_{b, t, h} dOut[b, t, h, n] * x[b, t, h, k]: the weight
/// gradient of buildTokenLinear.
static Value buildTokenLinearWeightGrad(OpBuilder &b, Location loc,
                                        Value dOut, Value x,
                                        int64_t tokenChunk) {
  MLIRContext *ctx = b.getContext();
  int64_t n = cast<RankedTensorType>(dOut.getType()).getDimSize(3);
  int64_t k = cast<RankedTensorType>(x.getType()).getDimSize(3);
  AffineExpr dn, dk, bb, t, h;
  bindDims(ctx, dn, dk, bb, t, h);
  return buildTokenSum(b, loc, dOut, x, {n, k},
                       {AffineMap::get(5, 0, {bb, t, h, dn}, ctx),
                        AffineMap::get(5, 0, {bb, t, h, dk}, ctx),
                        AffineMap::get(5, 0, {dn, dk}, ctx)},
                       tokenChunk);
}

/// out[b, t, h, k] = init[b, t, h, k] + sum_n dOut[b, t, h, n] * w[n, k]:
/// the input gradient of buildTokenLinear (w read along its rows).
static Value buildTokenLinearInputGrad(OpBuilder &b, Location loc, Value dOut,
                                       Value w, Value init) {
  MLIRContext *ctx = b.getContext();
  AffineExpr bb, t, h, k, n;
  bindDims(ctx, bb, t, h, k, n);
  return buildContraction(b, loc, dOut, w, init,
                          {AffineMap::get(5, 0, {bb, t, h, n}, ctx),
                           AffineMap::get(5, 0, {n, k}, ctx),
                           AffineMap::get(5, 0, {bb, t, h, k}, ctx)});
}

namespace {

/// Z = F + relu(F) res_w^T + res_b, F = x w^T + b, row by row:
///   d res_w = dZ^T relu(F), d res_b = sum dZ;
///   dF = dZ + (dZ res_w) * [F > 0];
///   d w = dF^T x, d b = sum dF, dx = dF w.
struct LowerFeatureSimGrad : OpRewritePattern<FeatureSimGradOp> {
  LowerFeatureSimGrad(MLIRContext *ctx, int64_t tokenChunk)
      : OpRewritePattern(ctx), tokenChunk(tokenChunk) {}

  LogicalResult matchAndRewrite(FeatureSimGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    int64_t simHeadDim =
        cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    SmallVector<OpFoldResult> xSizes =
        tensor::getMixedSizes(rewriter, loc, op.getX());
    SmallVector<OpFoldResult> fSizes = withDim(rewriter, xSizes, 3, simHeadDim);

    Value f = buildTokenLinear(rewriter, loc, op.getX(), op.getW(),
                               broadcastBias(rewriter, loc, op.getB(), fSizes,
                                             3));
    Value dZ = buildCast(rewriter, loc, op.getDResult(), f32);
    Value dResW = buildTokenLinearWeightGrad(
        rewriter, loc, dZ, buildRelu(rewriter, loc, f), tokenChunk);
    Value dResB = buildSumAllBut(rewriter, loc, dZ, 3, tokenChunk);
    Value g = buildTokenLinearInputGrad(
        rewriter, loc, dZ, op.getResW(),
        buildFilled(rewriter, loc, fSizes, f32, 0.0));
    Value dF = buildThroughRelu(rewriter, loc, dZ, g, f);
    Value dW =
        buildTokenLinearWeightGrad(rewriter, loc, dF, op.getX(), tokenChunk);
    Value dB = buildSumAllBut(rewriter, loc, dF, 3, tokenChunk);
    Value dX = buildTokenLinearInputGrad(
        rewriter, loc, dF, op.getW(),
        buildFilled(rewriter, loc, xSizes, f32, 0.0));
    replaceWithCasts(rewriter, op, {dX, dW, dB, dResW, dResB});
    return success();
  }

  int64_t tokenChunk;
};

} // namespace

void mlir::sas::populateLowerSimulationGradPatterns(RewritePatternSet &patterns,
                                                    int64_t tokenSumChunk) {
  patterns.add<LowerHeadSimGrad, LowerFeatureSimGrad>(patterns.getContext(),
                                                      tokenSumChunk);
}
