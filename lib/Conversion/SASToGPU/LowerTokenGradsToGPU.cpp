//===- LowerTokenGradsToGPU.cpp - Per-token gradients as kernel ops -*- C++ -*-//
//
// Part of the SAS-MLIR project.
//
// sas.feature_sim_grad on 16-bit tensors that the kernels take becomes, on
// buffers:
//
//   sas.mma_feature_sim_grad                 d_x; d_f, relu(f)   (16-bit)
//   d_res_w, d_res_b, d_w, d_b = 0           linalg.fill         (f32)
//   sas.mma_weight_grad d_z, relu(f)         d_res_w, d_res_b   += ...
//   sas.mma_weight_grad d_f, x               d_w, d_b           += ...
//   the four parameter gradients rounded     linalg.generic      (16-bit)
//
// d_f and relu(f) are what the weight gradients read; they are kept in the
// 16-bit type, as PyTorch's 16-bit autograd keeps them. Sizes the kernels
// do not take stay for convert-sas-to-linalg, with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "OpBuffers.h"
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
        linalg::YieldOp::create(
            nb, l,
            ValueRange{arith::TruncFOp::create(nb, l, type.getElementType(),
                                               args[0])});
      });
}

namespace {

struct LowerFeatureSimGradToGPU : OpRewritePattern<FeatureSimGradOp> {
  LowerFeatureSimGradToGPU(MLIRContext *ctx, const TokenGradTiling &tiling)
      : OpRewritePattern(ctx), tiling(tiling) {}

  LogicalResult matchAndRewrite(FeatureSimGradOp op,
                                PatternRewriter &rewriter) const override {
    auto x = cast<RankedTensorType>(op.getX().getType());
    if (!x.getElementType().isF16() && !x.getElementType().isBF16())
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    int64_t d = x.getDimSize(3);
    int64_t ds = cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    auto declined = [&] {
      return op->emitRemark()
             << op->getName() << " stays on the linalg path: ";
    };
    if (failed(checkMmaFeatureSimGradTiling(tiling.target, d, ds,
                                            tiling.featureSimWarps,
                                            tiling.featureSimRowTiles,
                                            declined)) ||
        failed(checkMmaWeightGradTiling(tiling.target, ds, ds,
                                        tiling.weightGradRowChunk,
                                        declined)) ||
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
    MmaFeatureSimGradOp::create(rewriter, loc, xBuffer, w, b, resW, dZ,
                                buffers.outs[0], dF, reluF,
                                tiling.featureSimWarps,
                                tiling.featureSimRowTiles);

    Type f32 = rewriter.getF32Type();
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0));
    auto accumulator = [&](ArrayRef<int64_t> shape) {
      Value buffer =
          memref::AllocOp::create(rewriter, loc, MemRefType::get(shape, f32));
      linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                             ValueRange{buffer});
      return buffer;
    };
    Value dW = accumulator({ds, d}), dB = accumulator({ds}),
          dResW = accumulator({ds, ds}), dResB = accumulator({ds});
    MmaWeightGradOp::create(rewriter, loc, dZ, reluF, dResW, dResB,
                            tiling.weightGradRowChunk);
    MmaWeightGradOp::create(rewriter, loc, dF, xBuffer, dW, dB,
                            tiling.weightGradRowChunk);
    // Results 1 to 4, in this order.
    SmallVector<Value> accumulators = {dW, dB, dResW, dResB};
    for (auto [value, into] :
         llvm::zip(accumulators, ArrayRef(buffers.outs).drop_front()))
      buildTruncate(rewriter, loc, value, into);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenGradTiling tiling;
};

} // namespace

void mlir::sas::populateLowerTokenGradsToGPUPatterns(
    RewritePatternSet &patterns, const TokenGradTiling &tiling) {
  patterns.add<LowerFeatureSimGradToGPU>(patterns.getContext(), tiling);
}
