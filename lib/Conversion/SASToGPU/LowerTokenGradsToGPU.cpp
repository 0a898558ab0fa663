//===- LowerTokenGradsToGPU.cpp - Per-token gradients as kernels -*- C++ -*-==//
//
// Part of the SAS-MLIR project.
//
// sas.head_sim_grad, sas.feature_sim_grad and sas.peaa_grad on 16-bit
// tensors that the kernels take become kernel ops on buffers. The head
// simulation's is one kernel (sas.mma_head_sim_grad) that adds the
// parameters' gradients to f32 buffers, rounded after it. The feature
// simulation's:
//
//   sas.mma_feature_sim_grad                 d_x; d_f, relu(f)   (16-bit)
//   d_res_w, d_res_b, d_w, d_b = 0           linalg.fill         (f32)
//   sas.mma_weight_grad d_z, relu(f)         d_res_w, d_res_b   += ...
//   sas.mma_weight_grad d_f, x               d_w, d_b           += ...
//   the four parameter gradients rounded     linalg.generic      (16-bit)
//
// d_f and relu(f) are what the weight gradients read; they are kept in the
// 16-bit type, as PyTorch's 16-bit autograd keeps them. PEAA's: the
// forward's GEMM (sas.mma_peaa) on d_y with w transposed, the group mean's
// broadcast, and a sas.mma_weight_grad for d_w and d_b
// (LowerPeaaGradToGPU). Sizes the kernels do not take stay for
// convert-sas-to-linalg, with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "OpBuffers.h"
#include "TokenKernelTiling.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::sas;

/// `value` (f32) rounded to `into`'s 16-bit element type, elementwise.
static void buildTruncate(OpBuilder &b, Location loc, Value value, Value into) {
  auto type = cast<MemRefType>(into.getType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  linalg::GenericOp::create(
      b, loc, TypeRange{}, ValueRange{value}, ValueRange{into},
      ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(type.getRank(),
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l,
                                ValueRange{arith::TruncFOp::create(
                                    nb, l, type.getElementType(), args[0])});
      });
}

/// A new buffer of `shape` and `element` filled with `value`.
static Value buildFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                         Type element, double value) {
  Value buffer =
      memref::AllocOp::create(b, loc, MemRefType::get(shape, element));
  Value constant =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(element, value));
  linalg::FillOp::create(b, loc, ValueRange{constant}, ValueRange{buffer});
  return buffer;
}

/// The f32 sums of parameter gradients: zeroed buffers shaped like
/// `params` (the op's 16-bit parameter-gradient results).
static SmallVector<Value> buildParamSums(OpBuilder &b, Location loc,
                                         ValueRange params) {
  return llvm::map_to_vector(params, [&](Value param) -> Value {
    return buildFilled(b, loc, cast<MemRefType>(param.getType()).getShape(),
                       b.getF32Type(), 0.0);
  });
}

/// Each of `sums` rounded into the parameter gradient beside it.
static void buildRoundSums(OpBuilder &b, Location loc, ValueRange sums,
                           ValueRange params) {
  for (auto [sum, param] : llvm::zip_equal(sums, params))
    buildTruncate(b, loc, sum, param);
}

/// `buffer` with its (static) dimension `dim` split into `sizes`.
static Value expandDim(OpBuilder &b, Location loc, Value buffer, int64_t dim,
                       ArrayRef<int64_t> sizes) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> groups;
  SmallVector<OpFoldResult> outputSizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    ReassociationIndices group;
    if (d == dim) {
      for (int64_t size : sizes) {
        group.push_back(shape.size());
        shape.push_back(size);
        outputSizes.push_back(b.getIndexAttr(size));
      }
    } else {
      group.push_back(shape.size());
      shape.push_back(type.getDimSize(d));
      outputSizes.push_back(
          type.isDynamicDim(d)
              ? OpFoldResult(
                    memref::DimOp::create(b, loc, buffer, d).getResult())
              : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
    }
    groups.push_back(group);
  }
  return memref::ExpandShapeOp::create(
      b, loc, MemRefType::get(shape, type.getElementType()), buffer, groups,
      outputSizes);
}

/// `buffer` with its last (static) dimension split into `sizes`.
static Value expandLastDim(OpBuilder &b, Location loc, Value buffer,
                           ArrayRef<int64_t> sizes) {
  return expandDim(b, loc, buffer,
                   cast<MemRefType>(buffer.getType()).getRank() - 1, sizes);
}

/// heads[b, t, g * H + h, f] = d[b, t, h, f] / G for every group g: `d`
/// [B, T, H, F], `heads` [B, T, G * H, F] (written through a [B, T, G, H,
/// F] view), in `heads`' type.
static void buildGroupBroadcast(OpBuilder &b, Location loc, Value d,
                                Value heads, int64_t groups) {
  auto headsType = cast<MemRefType>(heads.getType());
  Value view = expandDim(b, loc, heads, 2,
                         {groups, cast<MemRefType>(d.getType()).getDimSize(2)});
  MLIRContext *ctx = b.getContext();
  AffineExpr bb, t, g, hh, ff;
  bindDims(ctx, bb, t, g, hh, ff);
  Type f32 = b.getF32Type();
  Value inverse = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(1.0 / static_cast<double>(groups)));
  linalg::GenericOp::create(
      b, loc, TypeRange{}, ValueRange{d}, ValueRange{view},
      ArrayRef<AffineMap>{AffineMap::get(5, 0, {bb, t, hh, ff}, ctx),
                          AffineMap::getMultiDimIdentityMap(5, ctx)},
      SmallVector<utils::IteratorType>(5, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value scaled = arith::MulFOp::create(
            nb, l, arith::ExtFOp::create(nb, l, f32, args[0]), inverse);
        linalg::YieldOp::create(
            nb, l,
            ValueRange{arith::TruncFOp::create(
                nb, l, headsType.getElementType(), scaled)});
      });
}

/// mean[b, t, h, f] = (1/G) sum_g o[b, t, g * H + h, f], summed in f32 and
/// rounded once: `o` [B, T, G * H, F] read through a [B, T, G, H, F] view,
/// once a group (one input a group, so no f32 buffer between two kernels).
static void buildGroupMean(OpBuilder &b, Location loc, Value o, Value mean,
                           int64_t groups) {
  auto meanType = cast<MemRefType>(mean.getType());
  Value view = expandDim(b, loc, o, 2, {groups, meanType.getDimSize(2)});
  MLIRContext *ctx = b.getContext();
  AffineExpr bb, t, hh, ff;
  bindDims(ctx, bb, t, hh, ff);
  SmallVector<AffineMap> maps;
  for (int64_t g = 0; g < groups; ++g)
    maps.push_back(AffineMap::get(
        4, 0, {bb, t, getAffineConstantExpr(g, ctx), hh, ff}, ctx));
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Type f32 = b.getF32Type();
  Value inverse = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(1.0 / static_cast<double>(groups)));
  linalg::GenericOp::create(
      b, loc, TypeRange{}, SmallVector<Value>(groups, view), ValueRange{mean},
      maps, SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value sum = arith::ExtFOp::create(nb, l, f32, args[0]);
        for (int64_t g = 1; g < groups; ++g)
          sum = arith::AddFOp::create(
              nb, l, sum, arith::ExtFOp::create(nb, l, f32, args[g]));
        Value scaled = arith::MulFOp::create(nb, l, sum, inverse);
        linalg::YieldOp::create(nb, l,
                                ValueRange{arith::TruncFOp::create(
                                    nb, l, meanType.getElementType(), scaled)});
      });
}

namespace {

/// The head simulation's gradient: one kernel (sas.mma_head_sim_grad)
/// writes d_x and adds the four parameter gradients to f32 buffers, which
/// are then rounded to the parameters' type.
struct LowerHeadSimGradToGPU : OpRewritePattern<HeadSimGradOp> {
  LowerHeadSimGradToGPU(MLIRContext *ctx, const TokenKernelTiling &tiling)
      : OpRewritePattern(ctx), tiling(tiling) {}

  LogicalResult matchAndRewrite(HeadSimGradOp op,
                                PatternRewriter &rewriter) const override {
    auto x = cast<RankedTensorType>(op.getX().getType());
    if (!isHalf(x))
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    auto wType = cast<RankedTensorType>(op.getW().getType());
    int64_t h = x.getDimSize(2), d = x.getDimSize(3), hs = wType.getDimSize(0),
            k = wType.getDimSize(2);
    FailureOr<int64_t> warps = selectHeadSimWarps(
        op, tiling, hs, d, [&](int64_t w, EmitErrorFn emitError) {
          return checkHeadSimGradTiling(tiling.target, h, hs, d, k, w,
                                        emitError);
        });
    if (failed(warps))
      return failure();

    Location loc = op.getLoc();
    // Operands: x, d_result, w, b, res_w; results: d_x (like x), then the
    // parameters' gradients (static shapes).
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    ValueRange in = buffers.inputs;
    ValueRange params = ValueRange(buffers.outs).drop_front();
    SmallVector<Value> sums = buildParamSums(rewriter, loc, params);
    MmaHeadSimGradOp::create(rewriter, loc, in[0], in[2], in[3], in[4], in[1],
                             buffers.outs[0], sums[0], sums[1], sums[2],
                             sums[3], *warps);
    buildRoundSums(rewriter, loc, sums, params);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenKernelTiling tiling;
};

struct LowerFeatureSimGradToGPU : OpRewritePattern<FeatureSimGradOp> {
  LowerFeatureSimGradToGPU(MLIRContext *ctx, const TokenKernelTiling &tiling)
      : OpRewritePattern(ctx), tiling(tiling) {}

  LogicalResult matchAndRewrite(FeatureSimGradOp op,
                                PatternRewriter &rewriter) const override {
    auto x = cast<RankedTensorType>(op.getX().getType());
    if (!isHalf(x))
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    int64_t d = x.getDimSize(3);
    int64_t ds = cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    Declined declined(op);
    if (failed(checkMmaFeatureSimGradTiling(
            tiling.target, d, ds, tiling.featureSimWarps,
            tiling.featureSimRowTiles, declined)) ||
        failed(checkMmaWeightGradTiling(tiling.target, ds, ds,
                                        tiling.weightGradRowChunk, declined)) ||
        failed(checkMmaWeightGradTiling(tiling.target, ds, d,
                                        tiling.weightGradRowChunk, declined)))
      return failure();

    Location loc = op.getLoc();
    // Operands: x, d_result, w, b, res_w; results: d_x (like x), then the
    // parameters' gradients (static shapes).
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    Value xBuffer = buffers.inputs[0], dZ = buffers.inputs[1],
          w = buffers.inputs[2], b = buffers.inputs[3],
          resW = buffers.inputs[4];
    auto dZType = cast<MemRefType>(dZ.getType());
    Value dF = allocateLike(rewriter, loc, dZType, dZ);
    Value reluF = allocateLike(rewriter, loc, dZType, dZ);
    MmaFeatureSimGradOp::create(
        rewriter, loc, xBuffer, w, b, resW, dZ, buffers.outs[0], dF, reluF,
        tiling.featureSimWarps, tiling.featureSimRowTiles);

    // Results 1 to 4: d w, d b, d res_w, d res_b.
    ValueRange params = ValueRange(buffers.outs).drop_front();
    SmallVector<Value> sums = buildParamSums(rewriter, loc, params);
    MmaWeightGradOp::create(rewriter, loc, dZ, reluF, sums[2], sums[3],
                            tiling.weightGradRowChunk);
    MmaWeightGradOp::create(rewriter, loc, dF, xBuffer, sums[0], sums[1],
                            tiling.weightGradRowChunk);
    buildRoundSums(rewriter, loc, sums, params);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenKernelTiling tiling;
};

/// d_y: the gradient of PEAA's output ([B, T, W], W = H * F); u: the mean
/// of o's G head groups ([B, T, H, F]). Per token
///   d_u = d_y w                 (sas.mma_peaa on d_y as one group, with w^T
///                                and a zero bias: the forward's GEMM)
///   d_o[g * H + h] = d_u[h] / G (the group mean's broadcast)
///   d_w += d_y^T u, d_b += sum d_y   (sas.mma_weight_grad, f32)
struct LowerPeaaGradToGPU : OpRewritePattern<PeaaGradOp> {
  LowerPeaaGradToGPU(MLIRContext *ctx, const TokenKernelTiling &tiling)
      : OpRewritePattern(ctx), tiling(tiling) {}

  LogicalResult matchAndRewrite(PeaaGradOp op,
                                PatternRewriter &rewriter) const override {
    auto oType = cast<RankedTensorType>(op.getO().getType());
    if (!isHalf(oType))
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    int64_t width = cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    int64_t f = oType.getDimSize(3), heads = width / f;
    int64_t groups = oType.getDimSize(2) / heads;
    FailureOr<PeaaKernelTiling> peaa =
        selectPeaaTiling(op, tiling, /*groups=*/1, width);
    if (failed(peaa) || failed(checkMmaWeightGradTiling(
                            tiling.target, width, width,
                            tiling.weightGradRowChunk, Declined(op))))
      return failure();

    Location loc = op.getLoc();
    // Operands: o, d_result, w; results: d_o (like o), d_w, d_b.
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    Value o = buffers.inputs[0], dY = buffers.inputs[1], w = buffers.inputs[2];
    Type element = oType.getElementType();
    auto dYType = cast<MemRefType>(dY.getType());
    // d_y and u as [B, T, 1, W]: one row a token for both kernels.
    auto asRows = [&](Value tokens) {
      return expandLastDim(rewriter, loc, tokens, {1, width});
    };

    Value wT = memref::AllocOp::create(
        rewriter, loc, MemRefType::get({width, width}, element));
    linalg::TransposeOp::create(rewriter, loc, w, wT, ArrayRef<int64_t>{1, 0});
    Value zeroBias = buildFilled(rewriter, loc, {width}, element, 0.0);
    Value dU = allocateLike(rewriter, loc, dYType, dY);
    MmaPeaaOp::create(rewriter, loc, asRows(dY), wT, zeroBias, dU, peaa->warps,
                      peaa->rowTiles, peaa->columnTile, peaa->kTile,
                      peaa->stages, peaa->wgmma);
    buildGroupBroadcast(rewriter, loc,
                        expandLastDim(rewriter, loc, dU, {heads, f}),
                        buffers.outs[0], groups);

    Value u = allocateLike(rewriter, loc, dYType, dY);
    buildGroupMean(rewriter, loc, o,
                   expandLastDim(rewriter, loc, u, {heads, f}), groups);
    Value dW =
        buildFilled(rewriter, loc, {width, width}, rewriter.getF32Type(), 0.0);
    Value dB = buildFilled(rewriter, loc, {width}, rewriter.getF32Type(), 0.0);
    MmaWeightGradOp::create(rewriter, loc, asRows(dY), asRows(u), dW, dB,
                            tiling.weightGradRowChunk);
    buildTruncate(rewriter, loc, dW, buffers.outs[1]);
    buildTruncate(rewriter, loc, dB, buffers.outs[2]);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenKernelTiling tiling;
};

} // namespace

void mlir::sas::populateLowerTokenGradsToGPUPatterns(
    RewritePatternSet &patterns, const TokenKernelTiling &tiling) {
  patterns
      .add<LowerHeadSimGradToGPU, LowerFeatureSimGradToGPU, LowerPeaaGradToGPU>(
          patterns.getContext(), tiling);
}
