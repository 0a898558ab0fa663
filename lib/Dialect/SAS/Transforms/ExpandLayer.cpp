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

/// The forward values of a layer, built from the operands of a `sas.layer`
/// or a `sas.layer_grad` (the same accessors).
struct LayerForward {
  Value simQ, simK;           // head_sim(q), head_sim(k): [B, T, H', D]
  Value zq, zk, sv;           // the attention's q, k, v
  AttentionOp attention;

  template <typename OpT>
  LayerForward(PatternRewriter &rewriter, OpT op, bool withLse) {
    Location loc = op.getLoc();
    simQ = HeadSimOp::create(rewriter, loc, op.getQ(), op.getQHeadW(),
                             op.getQHeadB(), op.getQHeadResW(),
                             op.getQHeadResB());
    zq = FeatureSimOp::create(rewriter, loc, simQ, op.getQFeatW(),
                              op.getQFeatB(), op.getQFeatResW(),
                              op.getQFeatResB());
    simK = HeadSimOp::create(rewriter, loc, op.getK(), op.getKHeadW(),
                             op.getKHeadB(), op.getKHeadResW(),
                             op.getKHeadResB());
    zk = FeatureSimOp::create(rewriter, loc, simK, op.getKFeatW(),
                              op.getKFeatB(), op.getKFeatResW(),
                              op.getKFeatResB());
    sv = HeadSimOp::create(rewriter, loc, op.getV(), op.getVHeadW(),
                           op.getVHeadB(), op.getVHeadResW(),
                           op.getVHeadResB());
    attention = AttentionOp::create(rewriter, loc, zq, zk, sv, op.getCausal(),
                                    op.getScaleAttr(), withLse);
  }
};

/// Rewrites one `sas.layer` into the primitive ops of docs/spec.md.
struct ExpandLayerPattern : OpRewritePattern<LayerOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerOp op,
                                PatternRewriter &rewriter) const override {
    LayerForward forward(rewriter, op, /*withLse=*/false);
    rewriter.replaceOpWithNewOp<PeaaOp>(op, forward.attention.getResult(),
                                        op.getOutW(), op.getOutB());
    return success();
  }
};

/// Rewrites one `sas.layer_grad` into the layer's forward (the attention
/// with its log-sum-exp) and the gradient ops, last step first.
struct ExpandLayerGradPattern : OpRewritePattern<LayerGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    LayerForward fw(rewriter, op, /*withLse=*/true);
    Value o = fw.attention.getResult();
    auto peaa = PeaaGradOp::create(
        rewriter, loc,
        TypeRange{o.getType(), op.getOutW().getType(), op.getOutB().getType()},
        o, op.getDResult(), op.getOutW());
    auto attention = AttentionGradOp::create(
        rewriter, loc, fw.zq, fw.zk, fw.sv, o, fw.attention.getLse(),
        peaa.getDO(), op.getCausal(), op.getScaleAttr());
    auto qFeat = FeatureSimGradOp::create(rewriter, loc, fw.simQ,
                                          attention.getDQ(), op.getQFeatW(),
                                          op.getQFeatB(), op.getQFeatResW());
    auto qHead =
        HeadSimGradOp::create(rewriter, loc, op.getQ(), qFeat.getDX(),
                              op.getQHeadW(), op.getQHeadB(), op.getQHeadResW());
    auto kFeat = FeatureSimGradOp::create(rewriter, loc, fw.simK,
                                          attention.getDK(), op.getKFeatW(),
                                          op.getKFeatB(), op.getKFeatResW());
    auto kHead =
        HeadSimGradOp::create(rewriter, loc, op.getK(), kFeat.getDX(),
                              op.getKHeadW(), op.getKHeadB(), op.getKHeadResW());
    auto vHead =
        HeadSimGradOp::create(rewriter, loc, op.getV(), attention.getDV(),
                              op.getVHeadW(), op.getVHeadB(), op.getVHeadResW());
    // The layer's operand order: q, k, v, then the parameters of q_head,
    // q_feat, k_head, k_feat, v_head and out.
    SmallVector<Value> grads = {qHead.getDX(), kHead.getDX(), vHead.getDX()};
    for (Operation *step : {qHead.getOperation(), qFeat.getOperation(),
                            kHead.getOperation(), kFeat.getOperation(),
                            vHead.getOperation()})
      llvm::append_range(grads, step->getResults().drop_front());
    llvm::append_range(grads, peaa->getResults().drop_front());
    rewriter.replaceOp(op, grads);
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
  patterns.add<ExpandLayerPattern, ExpandLayerGradPattern>(
      patterns.getContext());
}
