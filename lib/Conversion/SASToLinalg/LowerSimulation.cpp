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

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
Value lowering::buildHeadConv(OpBuilder &b, Location loc, Value x, Value w,
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
    Value window = extractTapWindow(b, loc, padded, windowSizes, tap);
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
Value lowering::buildTokenLinear(OpBuilder &b, Location loc, Value x, Value w,
                                Value init) {
  MLIRContext *ctx = b.getContext();
  AffineExpr bt, t, h, n, k;
  bindDims(ctx, bt, t, h, n, k);
  return buildContraction(b, loc, x, transposeWeight(b, loc, w), init,
                          {AffineMap::get(5, 0, {bt, t, h, k}, ctx),
                           AffineMap::get(5, 0, {k, n}, ctx),
                           AffineMap::get(5, 0, {bt, t, h, n}, ctx)});
}

Value lowering::buildHeadSim(OpBuilder &b, Location loc, Value x, Value w,
                            Value bias, Value resW, Value resBias) {
  int64_t kernel = cast<RankedTensorType>(w.getType()).getDimSize(2);
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, x);
  shape[2] = b.getIndexAttr(cast<RankedTensorType>(w.getType()).getDimSize(0));
  Value y = buildHeadConv(b, loc, x, w,
                          broadcastBias(b, loc, bias, shape, /*dim=*/2), kernel);
  Value residualInit = buildAddBias(b, loc, y, resBias, 2);
  return buildHeadConv(b, loc, buildRelu(b, loc, y), resW, residualInit,
                       kernel);
}

Value lowering::buildFeatureSim(OpBuilder &b, Location loc, Value x, Value w,
                               Value bias, Value resW, Value resBias) {
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, x);
  shape[3] = b.getIndexAttr(cast<RankedTensorType>(w.getType()).getDimSize(0));
  Value f = buildTokenLinear(b, loc, x, w,
                             broadcastBias(b, loc, bias, shape, /*dim=*/3));
  Value residualInit = buildAddBias(b, loc, f, resBias, 3);
  return buildTokenLinear(b, loc, buildRelu(b, loc, f), resW, residualInit);
}

namespace {

/// Lowers a simulation op with `build` (buildHeadSim or buildFeatureSim) on
/// `x` and truncates the f32 result to the op's storage type.
template <typename OpTy, Value (*build)(OpBuilder &, Location, Value, Value,
                                        Value, Value, Value)>
static Value lowerSimulation(OpBuilder &b, OpTy op, Value x) {
  Value result = build(b, op.getLoc(), x, op.getW(), op.getB(), op.getResW(),
                       op.getResB());
  return buildCast(b, op.getLoc(), result, op.getType().getElementType());
}

/// Lowers sas.head_sim or sas.feature_sim (`build`: buildHeadSim or
/// buildFeatureSim). Over all tokens at once, each step of the chain (a
/// head simulation's six per-tap contractions, padding copies and ReLU; a
/// feature simulation's two products and ReLU) is a pass over a [B, T, H',
/// *] tensor in memory: bound by memory bandwidth on the CPU (the head
/// simulation at 31-36% of sgemm at GPT-2 sizes, docs/perf-log/cpu.md).
/// With `tokenTile` > 0 and static B and T it is an scf.forall over (batch
/// element, tile of tokens), the whole chain per tile, so that a tile's
/// intermediates stay in cache; the forall is also the threads' loop.
template <typename OpTy, Value (*build)(OpBuilder &, Location, Value, Value,
                                        Value, Value, Value)>
struct LowerSimulation : OpRewritePattern<OpTy> {
  LowerSimulation(MLIRContext *ctx, int64_t tokenTile)
      : OpRewritePattern<OpTy>(ctx), tokenTile(tokenTile) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xType = cast<RankedTensorType>(op.getX().getType());
    RankedTensorType type = op.getType();
    int64_t batch = xType.getDimSize(0), tokens = xType.getDimSize(1);
    if (tokenTile <= 0 || ShapedType::isDynamic(batch) ||
        ShapedType::isDynamic(tokens)) {
      rewriter.replaceOp(op,
                         lowerSimulation<OpTy, build>(rewriter, op, op.getX()));
      return success();
    }
    // A divisor of T: every tile full and static.
    int64_t tile = std::min(tokens, tokenTile);
    while (tokens % tile)
      --tile;
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    auto forall = scf::ForallOp::create(
        rewriter, loc,
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(batch),
                               rewriter.getIndexAttr(tokens / tile)},
        ValueRange{init}, std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(forall.getBody());
    Value first = affine::makeComposedAffineApply(
        rewriter, loc, rewriter.getAffineDimExpr(0) * tile,
        {forall.getInductionVars()[1]});
    auto slice = [&](RankedTensorType t) {
      return std::make_tuple(
          SmallVector<OpFoldResult>{forall.getInductionVars()[0], first,
                                    rewriter.getIndexAttr(0),
                                    rewriter.getIndexAttr(0)},
          SmallVector<OpFoldResult>{rewriter.getIndexAttr(1),
                                    rewriter.getIndexAttr(tile),
                                    rewriter.getIndexAttr(t.getDimSize(2)),
                                    rewriter.getIndexAttr(t.getDimSize(3))},
          SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
    };
    auto [xOffsets, xSizes, xStrides] = slice(xType);
    Value xTile = tensor::ExtractSliceOp::create(rewriter, loc, op.getX(),
                                                 xOffsets, xSizes, xStrides);
    Value result = lowerSimulation<OpTy, build>(rewriter, op, xTile);
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    auto [offsets, sizes, strides] = slice(type);
    tensor::ParallelInsertSliceOp::create(rewriter, loc, result,
                                          forall.getRegionIterArgs()[0],
                                          offsets, sizes, strides);
    rewriter.replaceOp(op, forall.getResults());
    return success();
  }

  int64_t tokenTile;
};

} // namespace

void mlir::sas::populateLowerSimulationPatterns(RewritePatternSet &patterns,
                                                int64_t tokenTile) {
  patterns.add<LowerSimulation<HeadSimOp, buildHeadSim>,
               LowerSimulation<FeatureSimOp, buildFeatureSim>>(
      patterns.getContext(), tokenTile);
}
