//===- ExpandLayer.cpp - Expand sas.layer into primitive ops ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASEXPAND
#include "sas/Dialect/SAS/Transforms/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {

/// Rewrites one `sas.layer` into the primitive ops of docs/spec.md.
struct ExpandLayerPattern : OpRewritePattern<LayerOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value q = HeadSimOp::create(rewriter, loc, op.getQ(), op.getQHeadW(),
                                op.getQHeadB(), op.getQHeadResW(),
                                op.getQHeadResB());
    q = FeatureSimOp::create(rewriter, loc, q, op.getQFeatW(), op.getQFeatB(),
                             op.getQFeatResW(), op.getQFeatResB());
    Value k = HeadSimOp::create(rewriter, loc, op.getK(), op.getKHeadW(),
                                op.getKHeadB(), op.getKHeadResW(),
                                op.getKHeadResB());
    k = FeatureSimOp::create(rewriter, loc, k, op.getKFeatW(), op.getKFeatB(),
                             op.getKFeatResW(), op.getKFeatResB());
    Value v = HeadSimOp::create(rewriter, loc, op.getV(), op.getVHeadW(),
                                op.getVHeadB(), op.getVHeadResW(),
                                op.getVHeadResB());
    Value attention = AttentionOp::create(rewriter, loc, q, k, v,
                                          op.getCausal(), op.getScaleAttr());
    rewriter.replaceOpWithNewOp<PeaaOp>(op, attention, op.getOutW(),
                                        op.getOutB());
    return success();
  }
};

struct SASExpandPass : sas::impl::SASExpandBase<SASExpandPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateExpandLayerPatterns(patterns);
    // One walk suffices (the new ops never match again), and unlike the
    // greedy driver it neither folds nor erases unrelated dead ops.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::sas::populateExpandLayerPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandLayerPattern>(patterns.getContext());
}
