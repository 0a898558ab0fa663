//===- SASCost.cpp - Cost estimates of SAS ops ------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The formulas of docs/spec.md, per op, from the operand types: FLOPs
// of the contractions (a multiply-add is 2 FLOPs), the fewest bytes moved
// (operands read once, the result written once), and parameters.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASCostModel.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

using namespace mlir;
using namespace mlir::sas;

#include "sas/Dialect/SAS/IR/SASInterfaces.cpp.inc"

double cost::headSimFlops(double tokens, int64_t heads, int64_t simHeads,
                          int64_t headDim, int64_t kernel) {
  return tokens * 2.0 * simHeads * kernel * headDim * (heads + simHeads);
}

double cost::featureSimFlops(double tokens, int64_t simHeads, int64_t headDim,
                             int64_t simHeadDim) {
  return tokens * 2.0 * simHeads * simHeadDim * (headDim + simHeadDim);
}

double cost::attentionPairs(double batch, int64_t heads, double seqLen,
                            double keyLen, bool causal) {
  // Causal: query i sees keys 0..i, the lower triangle with its diagonal.
  double perHead = causal ? seqLen * (seqLen + 1) / 2 : seqLen * keyLen;
  return batch * heads * perHead;
}

/// Scores and weighted values of `pairs` (query, key) pairs.
static double attentionFlops(double pairs, int64_t qkHeadDim,
                             int64_t vHeadDim) {
  return 2 * pairs * (qkHeadDim + vHeadDim);
}

double cost::peaaFlops(double tokens, int64_t width) {
  return tokens * 2.0 * width * width;
}

double cost::headSimGradFlops(double tokens, int64_t heads, int64_t simHeads,
                              int64_t headDim, int64_t kernel) {
  return tokens * 2.0 * kernel * headDim * simHeads * (3 * heads + 2 * simHeads);
}

double cost::featureSimGradFlops(double tokens, int64_t simHeads,
                                 int64_t headDim, int64_t simHeadDim) {
  return tokens * 2.0 * simHeads * simHeadDim *
         (3 * headDim + 2 * simHeadDim);
}

double cost::attentionGradFlops(double pairs, int64_t qkHeadDim,
                                int64_t vHeadDim) {
  return 2.0 * pairs * (3 * qkHeadDim + 2 * vHeadDim);
}

/// Size `i` of `v`'s type, or the given size when it is dynamic.
static FailureOr<double> getSize(Value v, unsigned i,
                                 std::optional<int64_t> dynamicSize) {
  int64_t size = cast<ShapedType>(v.getType()).getDimSize(i);
  if (!ShapedType::isDynamic(size))
    return static_cast<double>(size);
  if (!dynamicSize)
    return failure();
  return static_cast<double>(*dynamicSize);
}

/// Bytes of `v`, whose dimensions 0 and 1 are batch and sequence when
/// dynamic.
static FailureOr<double> getBytes(Value v, const CostSizes &sizes) {
  auto type = cast<ShapedType>(v.getType());
  double n = type.getElementTypeBitWidth() / 8.0;
  for (unsigned i = 0, e = type.getRank(); i < e; ++i) {
    FailureOr<double> size =
        getSize(v, i, i == 0 ? sizes.batch : i == 1 ? sizes.seqLen
                                                    : std::nullopt);
    if (failed(size))
      return failure();
    n *= *size;
  }
  return n;
}

/// Operand and result bytes of `op`, and the elements of `parameters`.
static FailureOr<CostEstimate> getTraffic(Operation *op, ValueRange parameters,
                                          const CostSizes &sizes) {
  CostEstimate estimate;
  for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    FailureOr<double> bytes = getBytes(v, sizes);
    if (failed(bytes))
      return failure();
    estimate.bytes += *bytes;
  }
  for (Value v : parameters)
    estimate.parameters += cast<ShapedType>(v.getType()).getNumElements();
  return estimate;
}

/// The operands of `op` after its first `numActivations`.
static ValueRange parametersAfter(Operation *op, unsigned numActivations) {
  return op->getOperands().drop_front(numActivations);
}

/// Batch x sequence of an activation operand.
static FailureOr<double> getTokens(Value v, const CostSizes &sizes) {
  FailureOr<double> b = getSize(v, 0, sizes.batch);
  FailureOr<double> t = getSize(v, 1, sizes.seqLen);
  if (failed(b) || failed(t))
    return failure();
  return *b * *t;
}

static int64_t dim(Value v, unsigned i) {
  return cast<ShapedType>(v.getType()).getDimSize(i);
}

FailureOr<CostEstimate> HeadSimOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 1), sizes);
  FailureOr<double> tokens = getTokens(getX(), sizes);
  if (failed(estimate) || failed(tokens))
    return failure();
  int64_t h = dim(getX(), 2), d = dim(getX(), 3), hs = dim(getW(), 0);
  estimate->flops = cost::headSimFlops(*tokens, h, hs, d, getKernelSize());
  estimate->dominantTerm = hs >= h ? "residual convolution" : "convolution";
  return estimate;
}

FailureOr<CostEstimate> FeatureSimOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 1), sizes);
  FailureOr<double> tokens = getTokens(getX(), sizes);
  if (failed(estimate) || failed(tokens))
    return failure();
  int64_t hs = dim(getX(), 2), d = dim(getX(), 3), ds = dim(getW(), 0);
  estimate->flops = cost::featureSimFlops(*tokens, hs, d, ds);
  estimate->dominantTerm = ds >= d ? "residual MLP" : "linear";
  return estimate;
}

/// Batch, query length and key length of attention over `q` and `k`.
struct AttentionSizes {
  double batch, seqLen, keyLen;
};
static FailureOr<AttentionSizes> getAttentionSizes(Value q, Value k,
                                                   const CostSizes &sizes) {
  FailureOr<double> b = getSize(q, 0, sizes.batch);
  FailureOr<double> t = getSize(q, 1, sizes.seqLen);
  FailureOr<double> s = getSize(k, 1, sizes.seqLen);
  if (failed(b) || failed(t) || failed(s))
    return failure();
  return AttentionSizes{*b, *t, *s};
}

FailureOr<CostEstimate> AttentionOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 3), sizes);
  FailureOr<AttentionSizes> a = getAttentionSizes(getQ(), getK(), sizes);
  if (failed(estimate) || failed(a))
    return failure();
  int64_t n = dim(getQ(), 2), e = dim(getQ(), 3), f = dim(getV(), 3);
  double pairs =
      cost::attentionPairs(a->batch, n, a->seqLen, a->keyLen, getCausal());
  estimate->flops = attentionFlops(pairs, e, f);
  estimate->dominantTerm = e >= f ? "scores" : "weighted values";
  return estimate;
}

FailureOr<CostEstimate> PeaaOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 1), sizes);
  FailureOr<double> tokens = getTokens(getO(), sizes);
  if (failed(estimate) || failed(tokens))
    return failure();
  // Reassociated: the group mean, then one dense layer.
  estimate->flops = cost::peaaFlops(*tokens, dim(getW(), 0));
  estimate->dominantTerm = "dense layer";
  return estimate;
}

FailureOr<CostEstimate> LayerOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 3), sizes);
  FailureOr<AttentionSizes> a = getAttentionSizes(getQ(), getK(), sizes);
  if (failed(estimate) || failed(a))
    return failure();
  cost::LayerTerms terms = cost::getLayerTerms(
      a->batch, a->seqLen, a->keyLen, dim(getQ(), 2), dim(getQHeadW(), 0), dim(getQ(), 3),
      dim(getQFeatW(), 0), dim(getQHeadW(), 2), getCausal());
  estimate->flops = terms.total();
  estimate->dominantTerm = terms.dominant();
  return estimate;
}

namespace {
/// The FLOP formula of each step of a layer, forward or gradient.
struct StepFormulas {
  double (*headSim)(double, int64_t, int64_t, int64_t, int64_t);
  double (*featureSim)(double, int64_t, int64_t, int64_t);
  double (*attention)(double pairs, int64_t qkHeadDim, int64_t vHeadDim);
  /// Dense layers of PEAA's width per token: 1 forward, 2 backward (the
  /// input and the weight gradient).
  double peaaLayers;
};
} // namespace

/// The layer's terms by `f`: q, k and v simulated (k and v over the keys).
static cost::LayerTerms sumLayerTerms(const StepFormulas &f, double batch,
                                      double seqLen, double keyLen,
                                      int64_t heads, int64_t simHeads,
                                      int64_t headDim, int64_t simHeadDim,
                                      int64_t kernel, bool causal) {
  cost::LayerTerms terms;
  double queries = batch * seqLen, keys = batch * keyLen;
  terms.headSimulation =
      f.headSim(queries, heads, simHeads, headDim, kernel) +
      2 * f.headSim(keys, heads, simHeads, headDim, kernel);
  terms.featureSimulation = f.featureSim(queries, simHeads, headDim, simHeadDim) +
                            f.featureSim(keys, simHeads, headDim, simHeadDim);
  terms.attention = f.attention(
      cost::attentionPairs(batch, simHeads, seqLen, keyLen, causal),
      simHeadDim, headDim);
  terms.peaa = f.peaaLayers * cost::peaaFlops(queries, heads * headDim);
  return terms;
}

cost::LayerTerms cost::getLayerTerms(double batch, double seqLen,
                                     double keyLen, int64_t heads,
                                     int64_t simHeads, int64_t headDim,
                                     int64_t simHeadDim, int64_t kernel,
                                     bool causal) {
  return sumLayerTerms({headSimFlops, featureSimFlops, attentionFlops, 1},
                       batch, seqLen, keyLen, heads, simHeads, headDim,
                       simHeadDim, kernel, causal);
}

cost::LayerTerms cost::getLayerGradTerms(double batch, double seqLen,
                                         double keyLen, int64_t heads,
                                         int64_t simHeads, int64_t headDim,
                                         int64_t simHeadDim, int64_t kernel,
                                         bool causal) {
  return sumLayerTerms(
      {headSimGradFlops, featureSimGradFlops, attentionGradFlops, 2}, batch,
      seqLen, keyLen, heads, simHeads, headDim, simHeadDim, kernel, causal);
}

cost::SavedForwardPlan
cost::planSavedForward(double seqLen, double keyLen, int64_t heads,
                       int64_t simHeads, int64_t headDim, int64_t simHeadDim,
                       int64_t kernel, bool causal, int64_t elementBytes) {
  SavedForwardPlan plan;
  LayerTerms forward = getLayerTerms(1, seqLen, keyLen, heads, simHeads,
                                     headDim, simHeadDim, kernel, causal);
  // o [H', D] and the f32 log-sum-exp [H'] per token.
  plan.attentionBytes = simHeads * (headDim * elementBytes + 4.0);
  plan.attentionFlops = forward.attention / seqLen;
  // zq, zk [H', D'], sv [H', D], and head_sim(q), head_sim(k) [H', D].
  plan.simulationBytes =
      simHeads * (2.0 * simHeadDim + 3.0 * headDim) * elementBytes;
  plan.simulationFlops =
      (forward.headSimulation + forward.featureSimulation) / seqLen;
  return plan;
}

StringRef cost::LayerTerms::dominant() const {
  std::pair<double, StringRef> terms[] = {
      {headSimulation, "head simulation"},
      {featureSimulation, "feature simulation"},
      {attention, "attention"},
      {peaa, "PEAA"}};
  return llvm::max_element(terms, [](auto &a, auto &b) {
           return a.first < b.first;
         })->second;
}

cost::KeyValueFusionCost cost::priceKeyValueFusion(
    double batch, double keyLen, double numQueryTiles, int64_t heads,
    int64_t simHeads, int64_t headDim, int64_t simHeadDim, int64_t kernel,
    double peakFlops, double bandwidth) {
  double simFlopsPerKey = 2 * headSimFlops(1, heads, simHeads, headDim, kernel) +
                          featureSimFlops(1, simHeads, headDim, simHeadDim);
  // Simulated k ([H', D']) and v ([H', D]) in f32, written once and read back.
  double bytesPerKey = 2.0 * 4 * simHeads * (simHeadDim + headDim);
  KeyValueFusionCost c;
  c.recomputeFlops = batch * (numQueryTiles - 1) * keyLen * simFlopsPerKey;
  c.savedBytes = batch * keyLen * bytesPerKey;
  c.recomputeSeconds = c.recomputeFlops / peakFlops;
  c.savedSeconds = c.savedBytes / bandwidth;
  return c;
}

//===----------------------------------------------------------------------===//
// Gradient ops
//===----------------------------------------------------------------------===//

FailureOr<CostEstimate> HeadSimGradOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 2), sizes);
  FailureOr<double> tokens = getTokens(getX(), sizes);
  if (failed(estimate) || failed(tokens))
    return failure();
  int64_t h = dim(getX(), 2), d = dim(getX(), 3), hs = dim(getW(), 0);
  estimate->flops =
      cost::headSimGradFlops(*tokens, h, hs, d, dim(getW(), 2));
  estimate->dominantTerm =
      2 * hs >= 3 * h ? "residual convolution" : "convolution";
  return estimate;
}

FailureOr<CostEstimate>
FeatureSimGradOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 2), sizes);
  FailureOr<double> tokens = getTokens(getX(), sizes);
  if (failed(estimate) || failed(tokens))
    return failure();
  int64_t hs = dim(getX(), 2), d = dim(getX(), 3), ds = dim(getW(), 0);
  estimate->flops = cost::featureSimGradFlops(*tokens, hs, d, ds);
  estimate->dominantTerm = 2 * ds >= 3 * d ? "residual MLP" : "linear";
  return estimate;
}

FailureOr<CostEstimate> AttentionGradOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 6), sizes);
  FailureOr<AttentionSizes> a = getAttentionSizes(getQ(), getK(), sizes);
  if (failed(estimate) || failed(a))
    return failure();
  int64_t n = dim(getQ(), 2), e = dim(getQ(), 3), f = dim(getV(), 3);
  estimate->flops = cost::attentionGradFlops(
      cost::attentionPairs(a->batch, n, a->seqLen, a->keyLen, getCausal()), e,
      f);
  estimate->dominantTerm = 3 * e >= 2 * f ? "scores" : "weighted values";
  return estimate;
}

FailureOr<CostEstimate> PeaaGradOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate = getTraffic(*this, parametersAfter(*this, 2), sizes);
  FailureOr<double> tokens = getTokens(getO(), sizes);
  if (failed(estimate) || failed(tokens))
    return failure();
  estimate->flops = 2 * cost::peaaFlops(*tokens, dim(getW(), 0));
  estimate->dominantTerm = "dense layer";
  return estimate;
}

FailureOr<CostEstimate> LayerGradOp::estimateCost(const CostSizes &sizes) {
  FailureOr<CostEstimate> estimate =
      getTraffic(*this, getLayerOperands().drop_front(3), sizes);
  FailureOr<AttentionSizes> a = getAttentionSizes(getQ(), getK(), sizes);
  if (failed(estimate) || failed(a))
    return failure();
  auto terms = [&](auto getTerms) {
    return getTerms(a->batch, a->seqLen, a->keyLen, dim(getQ(), 2),
                    dim(getQHeadW(), 0), dim(getQ(), 3), dim(getQFeatW(), 0),
                    dim(getQHeadW(), 2), getCausal());
  };
  // The forward is recomputed up to the attention (PEAA's gradient needs
  // only its group mean), or only its simulations when the attention's
  // output and log-sum-exp are given, then differentiated.
  cost::LayerTerms forward = terms(cost::getLayerTerms);
  cost::LayerTerms backward = terms(cost::getLayerGradTerms);
  estimate->flops = forward.total() - forward.peaa + backward.total();
  if (!getSaved().empty())
    estimate->flops -= forward.attention;
  estimate->dominantTerm = backward.dominant();
  return estimate;
}
