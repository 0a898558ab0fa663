//===- LowerAttentionGradToGPU.cpp - Attention backward on the GPU -*- C++ -*-//
//
// Part of the SAS-MLIR project.
//
// sas.attention_grad on 16-bit heads that the tensor-core kernel takes
// becomes, on buffers:
//
//   delta     = rowsum(d_o * o)                 linalg.generic  [B, T, N] f32
//   d_q_accum = 0                               linalg.fill     f32
//   sas.mma_attention_grad                      d_k, d_v; d_q_accum += dA k
//                                               (with attention-grad-wgmma,
//                                               wgmma on sm_90a where the
//                                               heads are multiples of 64)
//   d_q       = scale * d_q_accum               linalg.generic  16-bit
//
// The linalg ops on buffers become their own small kernels (the GPU
// pipeline's parallel-loop mapping); the main kernel is built after
// bufferization, like the forward's.
//
//===----------------------------------------------------------------------===//

#include "OpBuffers.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::sas;

namespace {

struct LowerAttentionGradToGPUPattern : OpRewritePattern<AttentionGradOp> {
  LowerAttentionGradToGPUPattern(MLIRContext *ctx,
                                 const GPUAttentionTiling &tiling)
      : OpRewritePattern(ctx), tiling(tiling) {}

  LogicalResult matchAndRewrite(AttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    int64_t e = qType.getDimSize(3), f = op.getV().getType().getDimSize(3);
    Type element = qType.getElementType();
    if (!tiling.tensorCores || !(element.isF16() || element.isBF16()))
      return op.emitOpError()
             << "has no GPU kernel for " << element
             << " heads: the GPU backward takes f16 and bf16 (with "
                "tensor-cores on); f32 gradients compile for the CPU "
                "(sas-cpu-pipeline)";
    // The sm_90a kernel where the target and the heads allow it; else the
    // most mma.sync warps (keys a block) that fit, from the forward's count.
    bool wgmma = tiling.target.hasWgmma && tiling.attentionGradWgmma;
    if (wgmma) {
      std::string why;
      {
        ScopedDiagnosticHandler capture(op->getContext(), [&](Diagnostic &d) {
          why = d.str();
          return success();
        });
        wgmma = succeeded(checkWgmmaAttentionGradTiling(
            tiling.target, e, f, /*warps=*/4,
            [&] { return emitError(op.getLoc()); }));
      }
      if (!wgmma)
        op.emitRemark() << "takes the mma.sync attention backward on "
                        << tiling.target.chip << ": " << why;
    }
    int64_t warps =
        wgmma ? 4
              : selectMmaAttentionGradWarps(op->getContext(), tiling.target, e,
                                            f, tiling.mmaWarps);
    if (!warps) {
      (void)checkMmaAttentionGradTiling(tiling.target, e, f, /*warps=*/1, [&] {
        return op.emitOpError() << "has no GPU kernel for these heads: ";
      });
      return failure();
    }

    Location loc = op.getLoc();
    // d_q, d_k, d_v with the sizes of q, k, v.
    OpBuffers buffers = OpBuffers::create(op, rewriter, {0, 1, 2});
    Value q = buffers.inputs[0], k = buffers.inputs[1], v = buffers.inputs[2],
          o = buffers.inputs[3], lse = buffers.inputs[4],
          dO = buffers.inputs[5];
    auto alloc = [&](ArrayRef<int64_t> shape, Type type, Value like) {
      return allocateLike(rewriter, loc, MemRefType::get(shape, type), like);
    };
    ArrayRef<int64_t> qShape = qType.getShape();
    Type f32 = rewriter.getF32Type();
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0.0));

    // delta = rowsum(d_o * o), in f32.
    Value delta = alloc(qShape.take_front(3), f32, q);
    linalg::FillOp::create(rewriter, loc, ValueRange{zero}, ValueRange{delta});
    MLIRContext *ctx = rewriter.getContext();
    auto map = [&](ArrayRef<unsigned> dims) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d : dims)
        exprs.push_back(getAffineDimExpr(d, ctx));
      return AffineMap::get(4, 0, exprs, ctx);
    };
    using utils::IteratorType;
    linalg::GenericOp::create(
        rewriter, loc, TypeRange{}, ValueRange{dO, o}, ValueRange{delta},
        ArrayRef<AffineMap>{map({0, 1, 2, 3}), map({0, 1, 2, 3}),
                            map({0, 1, 2})},
        ArrayRef<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                               IteratorType::parallel, IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value product = arith::MulFOp::create(
              b, l, arith::ExtFOp::create(b, l, f32, args[0]),
              arith::ExtFOp::create(b, l, f32, args[1]));
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, args[2], product)});
        });

    Value dqAccum = alloc(qShape, f32, q);
    linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                           ValueRange{dqAccum});
    Value dQ = buffers.outs[0], dK = buffers.outs[1], dV = buffers.outs[2];
    float scale = static_cast<float>(op.getScaleValue());
    MmaAttentionGradOp::create(rewriter, loc, q, k, v, lse, delta, dO, dqAccum,
                               dK, dV, op.getCausal(), llvm::APFloat(scale),
                               warps, wgmma);

    // d_q = scale * d_q_accum, rounded once.
    Value scaleValue = arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(scale));
    linalg::GenericOp::create(
        rewriter, loc, TypeRange{}, ValueRange{dqAccum}, ValueRange{dQ},
        ArrayRef<AffineMap>{map({0, 1, 2, 3}), map({0, 1, 2, 3})},
        SmallVector<IteratorType>(4, IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value scaled = arith::MulFOp::create(b, l, args[0], scaleValue);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::TruncFOp::create(b, l, element, scaled)});
        });

    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  GPUAttentionTiling tiling;
};

} // namespace

void mlir::sas::populateLowerAttentionGradToGPUPatterns(
    RewritePatternSet &patterns, const GPUAttentionTiling &tiling) {
  patterns.add<LowerAttentionGradToGPUPattern>(patterns.getContext(), tiling);
}
