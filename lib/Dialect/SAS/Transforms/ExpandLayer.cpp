//===- ExpandLayer.cpp - Expand sas.layer into primitive ops ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASCostModel.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/Support/Format.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASEXPAND
#include "sas/Dialect/SAS/Transforms/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {

/// The simulated q, k and v of a layer, built from the operands of a
/// `sas.layer` or a `sas.layer_grad` (the same accessors).
struct Simulations {
  Value simQ, simK; // head_sim(q), head_sim(k): [B, T, H', D]
  Value zq, zk, sv; // the attention's q, k, v

  template <typename OpT> Simulations(PatternRewriter &rewriter, OpT op) {
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
  }

  template <typename OpT>
  AttentionOp attend(PatternRewriter &rewriter, OpT op, bool withLse) const {
    return AttentionOp::create(rewriter, op.getLoc(), zq, zk, sv,
                               op.getCausal(), op.getScaleAttr(), withLse);
  }
};

/// Rewrites one `sas.layer` into the primitive ops of docs/spec.md; with
/// saved results, the attention returns its log-sum-exp and both are
/// returned.
struct ExpandLayerPattern : OpRewritePattern<LayerOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerOp op,
                                PatternRewriter &rewriter) const override {
    bool saves = !op.getSaved().empty();
    AttentionOp attention =
        Simulations(rewriter, op).attend(rewriter, op, /*withLse=*/saves);
    Value result = PeaaOp::create(rewriter, op.getLoc(), attention.getResult(),
                                  op.getOutW(), op.getOutB());
    if (saves)
      rewriter.replaceOp(op,
                         {result, attention.getResult(), attention.getLse()});
    else
      rewriter.replaceOp(op, result);
    return success();
  }
};

/// Remarks, on a `sas.layer_grad`, what its backward recomputes and what it
/// takes from the forward, by the cost model's plan (per token, at the
/// op's T; a dynamic T is taken as long, which keeps the attention's).
static void remarkSavedForward(LayerGradOp op) {
  auto q = cast<RankedTensorType>(op.getQ().getType());
  auto dim = [](Value v, unsigned i) {
    return cast<RankedTensorType>(v.getType()).getDimSize(i);
  };
  int64_t t = q.getDimSize(1);
  bool dynamic = ShapedType::isDynamic(t);
  cost::SavedForwardPlan plan = cost::planSavedForward(
      dynamic ? 1 : t, dynamic ? 1 : t, dim(op.getQ(), 2),
      dim(op.getQHeadW(), 0), dim(op.getQ(), 3), dim(op.getQFeatW(), 0),
      dim(op.getQHeadW(), 2), op.getCausal(),
      q.getElementType().getIntOrFloatBitWidth() / 8);
  std::string text;
  llvm::raw_string_ostream os(text);
  auto perByte = [](double flops, double bytes) { return flops / bytes; };
  os << llvm::format("backward plan (per token; kept when recomputing costs "
                     "more than %.0f FLOP a byte kept): ",
                     cost::kTrainingFlopsPerByte);
  if (op.getSaved().empty()) {
    os << "the attention's forward is recomputed";
    if (dynamic)
      os << " (quadratic in T)";
    else
      os << llvm::format(" (%.0f FLOP, %.0f a byte of its output and "
                         "log-sum-exp)",
                         plan.attentionFlops,
                         perByte(plan.attentionFlops, plan.attentionBytes));
    if (dynamic || plan.keepAttention())
      os << llvm::format(": a forward sas.layer that returns its output and "
                         "log-sum-exp (%.0f bytes) spares it; pass them as "
                         "saved(...)",
                         plan.attentionBytes);
  } else {
    os << llvm::format("the attention's output and log-sum-exp are taken "
                       "from the forward (%.0f bytes)",
                       plan.attentionBytes);
  }
  os << llvm::format("; the simulated q, k and v are recomputed (%.0f FLOP, "
                     "%.0f a byte of the %.0f bytes keeping them would take)",
                     plan.simulationFlops,
                     perByte(plan.simulationFlops, plan.simulationBytes),
                     plan.simulationBytes);
  if (plan.keepSimulations())
    os << ", though keeping them would cost less: not supported yet";
  op.emitRemark(text);
}

/// Rewrites one `sas.layer_grad` into the layer's forward (all of it, or
/// without the attention when its output and log-sum-exp are given) and
/// the gradient ops, last step first.
struct ExpandLayerGradPattern : OpRewritePattern<LayerGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    remarkSavedForward(op);
    Simulations fw(rewriter, op);
    Value o, lse;
    if (op.getSaved().empty()) {
      AttentionOp attention = fw.attend(rewriter, op, /*withLse=*/true);
      o = attention.getResult();
      lse = attention.getLse();
    } else {
      o = op.getSaved()[0];
      lse = op.getSaved()[1];
    }
    auto peaa = PeaaGradOp::create(
        rewriter, loc,
        TypeRange{o.getType(), op.getOutW().getType(), op.getOutB().getType()},
        o, op.getDResult(), op.getOutW());
    auto attention = AttentionGradOp::create(rewriter, loc, fw.zq, fw.zk, fw.sv,
                                             o, lse, peaa.getDO(),
                                             op.getCausal(), op.getScaleAttr());
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
