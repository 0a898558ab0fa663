//===- LowerTokenOpsToGPU.cpp - Per-token ops as GPU kernel ops -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.head_sim, sas.feature_sim and sas.peaa on 16-bit tensors become
// sas.mma_head_sim, sas.mma_feature_sim and sas.mma_peaa on their buffers
// (and sas.head_sim_grad, sas.feature_sim_grad and sas.peaa_grad theirs,
// LowerTokenGradsToGPU.cpp):
// one kernel each instead of one linalg kernel per step (convolution tap,
// matmul, bias, ReLU, residual add, cast). What the kernels do not take
// stays for the linalg path, with a remark naming the reason.
//
//===----------------------------------------------------------------------===//

#include "OpBuffers.h"
#include "TokenKernelTiling.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Conversion/PassDefaults.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_CONVERTSASTOKENOPSTOGPU
#include "sas/Conversion/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {

struct LowerHeadSim : OpRewritePattern<HeadSimOp> {
  LowerHeadSim(MLIRContext *ctx, const TokenKernelTiling &t)
      : OpRewritePattern(ctx), tiling(t) {}

  LogicalResult matchAndRewrite(HeadSimOp op,
                                PatternRewriter &rewriter) const override {
    if (!isHalf(op.getX().getType()))
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    auto x = cast<RankedTensorType>(op.getX().getType());
    int64_t h = x.getDimSize(2), d = x.getDimSize(3), k = op.getKernelSize();
    int64_t hs = cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    FailureOr<int64_t> warps = selectHeadSimWarps(
        op, tiling, hs, d, [&](int64_t w, EmitErrorFn emitError) {
          return checkHeadSimTiling(tiling.target, h, hs, d, k, w, emitError);
        });
    if (failed(warps))
      return failure();
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    ValueRange in = buffers.inputs;
    MmaHeadSimOp::create(rewriter, op.getLoc(), in[0], in[1], in[2], in[3],
                         in[4], buffers.out, *warps);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenKernelTiling tiling;
};

struct LowerFeatureSim : OpRewritePattern<FeatureSimOp> {
  LowerFeatureSim(MLIRContext *ctx, const TokenKernelTiling &t)
      : OpRewritePattern(ctx), tiling(t) {}

  LogicalResult matchAndRewrite(FeatureSimOp op,
                                PatternRewriter &rewriter) const override {
    if (!isHalf(op.getX().getType()))
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    auto w = cast<RankedTensorType>(op.getW().getType());
    int64_t d = w.getDimSize(1), ds = w.getDimSize(0);
    if (failed(checkMmaFeatureSimTiling(tiling.target, d, ds,
                                        tiling.featureSimWarps,
                                        tiling.featureSimRowTiles,
                                        Declined(op))))
      return failure();
    // The sm_90a kernel where it fits (the pass checked its warps), else
    // the mma.sync kernel, which keeps only the weights in shared memory
    // (D = 128, D' = 256: the wgmma kernel's weights and x ring do not fit
    // beside each other), with a remark saying why.
    bool wgmma = tiling.target.hasWgmma && d % 64 == 0 && ds % 64 == 0 &&
                 succeeded(checkWgmmaFeatureSimTiling(
                     tiling.target, d, ds, tiling.featureSimWarps,
                     tiling.featureSimRowTiles,
                     Declined(op, " takes the mma.sync kernel: ")));
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    ValueRange in = buffers.inputs;
    MmaFeatureSimOp::create(rewriter, op.getLoc(), in[0], in[1], in[2], in[3],
                            in[4], buffers.out, tiling.featureSimWarps,
                            tiling.featureSimRowTiles, wgmma);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenKernelTiling tiling;
};

struct LowerPeaa : OpRewritePattern<PeaaOp> {
  LowerPeaa(MLIRContext *ctx, const TokenKernelTiling &t)
      : OpRewritePattern(ctx), tiling(t) {}

  LogicalResult matchAndRewrite(PeaaOp op,
                                PatternRewriter &rewriter) const override {
    if (!isHalf(op.getO().getType()))
      return rewriter.notifyMatchFailure(op, "f32 stays on the linalg path");
    auto o = cast<RankedTensorType>(op.getO().getType());
    int64_t width = cast<RankedTensorType>(op.getW().getType()).getDimSize(0);
    int64_t groups = o.getDimSize(2) / (width / o.getDimSize(3));
    FailureOr<PeaaKernelTiling> peaa =
        selectPeaaTiling(op, tiling, groups, width);
    if (failed(peaa))
      return failure();
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    ValueRange in = buffers.inputs;
    MmaPeaaOp::create(rewriter, op.getLoc(), in[0], in[1], in[2], buffers.out,
                      peaa->warps, peaa->rowTiles, peaa->columnTile,
                      peaa->kTile, peaa->stages, peaa->wgmma);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  TokenKernelTiling tiling;
};

struct ConvertSASTokenOpsToGPUPass
    : sas::impl::ConvertSASTokenOpsToGPUBase<ConvertSASTokenOpsToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    FailureOr<TargetDescription> target = getTargetDescription(getOperation());
    if (failed(target))
      return signalPassFailure();
    bool wgmma = target->hasWgmma;
    // The options alone; sizes are checked per op (tiles are fitted to the
    // width there).
    auto error = [&] {
      return emitError(getOperation()->getLoc())
             << "convert-sas-token-ops-to-gpu: ";
    };
    if (headSimWarps < 0 || headSimWarps > kMaxMmaWarps) {
      error() << "head-sim-warps must be 0 (automatic) or at most "
              << kMaxMmaWarps << ", got " << static_cast<int64_t>(headSimWarps);
      return signalPassFailure();
    }
    if (peaaColumnTile != 0 && (peaaColumnTile < 16 || peaaColumnTile > 256 ||
                                peaaColumnTile % 16 != 0)) {
      error() << "peaa-column-tile must be 0 (automatic) or a multiple of 16 "
                 "between 16 and 256, got "
              << static_cast<int64_t>(peaaColumnTile);
      return signalPassFailure();
    }
    int64_t wgmmaColumns = getPeaaColumnTile(peaaColumnTile, true);
    int64_t mmaColumns = getPeaaColumnTile(peaaColumnTile, false);
    if (weightGradRowChunk <= 0 || weightGradRowChunk % kWeightGradStepRows) {
      error() << "weight-grad-row-chunk must be a positive multiple of "
              << kWeightGradStepRows << ", got "
              << static_cast<int64_t>(weightGradRowChunk);
      return signalPassFailure();
    }
    if (peaaKTile < 16 || peaaKTile > 64 || peaaKTile % 16 != 0) {
      error() << "peaa-k-tile must be a multiple of 16 between 16 and 64, got "
              << static_cast<int64_t>(peaaKTile);
      return signalPassFailure();
    }
    if (failed(checkMmaFeatureSimTiling(*target, 16, 16, featureSimWarps,
                                        featureSimRowTiles, error)) ||
        (wgmma && failed(checkWgmmaFeatureSimTiling(*target, 64, 64,
                                                    featureSimWarps,
                                                    featureSimRowTiles,
                                                    error))) ||
        (wgmma && failed(checkWgmmaPeaaTiling(
                      *target, 1, wgmmaColumns * kWgmmaPeaaKTile, peaaWarps,
                      1, wgmmaColumns, kWgmmaPeaaKTile, peaaStages, error))) ||
        failed(checkMmaPeaaTiling(*target, 1, mmaColumns * peaaKTile,
                                  peaaWarps, peaaRowTiles, mmaColumns,
                                  peaaKTile, peaaStages, error)))
      return signalPassFailure();
    TokenKernelTiling tiling{featureSimWarps,    featureSimRowTiles,
                             peaaWarps,          peaaRowTiles,
                             peaaColumnTile,     peaaKTile,
                             peaaStages,         headSimWarps,
                             weightGradRowChunk, *target};
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerHeadSim, LowerFeatureSim, LowerPeaa>(&getContext(),
                                                           tiling);
    if (gradKernels)
      populateLowerTokenGradsToGPUPatterns(patterns, tiling);
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<HeadSimOp, FeatureSimOp, PeaaOp>(op) ||
          (gradKernels && isa<HeadSimGradOp, FeatureSimGradOp, PeaaGradOp>(op)))
        ops.push_back(op);
    });
    rewriteOpsToBuffers(ops, std::move(patterns));
    if (!gradKernels)
      getOperation()->walk([&](Operation *op) {
        if (isa<HeadSimGradOp, FeatureSimGradOp, PeaaGradOp>(op))
          op->emitRemark() << op->getName()
                           << " stays on the linalg path: grad-kernels is off";
      });
  }
};

} // namespace
