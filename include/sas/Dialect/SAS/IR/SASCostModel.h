//===- SASCostModel.h - FLOP formulas of SAS and MHA ------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The FLOP formulas of docs/spec.md (a multiply-add is 2 FLOPs), shared
// by the ops' CostOpInterface and the cost report.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASCOSTMODEL_H
#define SAS_DIALECT_SAS_IR_SASCOSTMODEL_H

#include "mlir/Support/LLVM.h"

#include <cstdint>

namespace mlir {
namespace sas {
namespace cost {

/// Head simulation of `tokens` tokens: 2 H' K D (H + H') each.
double headSimFlops(double tokens, int64_t heads, int64_t simHeads,
                    int64_t headDim, int64_t kernel);
/// Feature simulation: 2 H' D' (D + D') per token.
double featureSimFlops(double tokens, int64_t simHeads, int64_t headDim,
                       int64_t simHeadDim);
/// (query, key) pairs attention scores: T (T + 1) / 2 per head and batch
/// under the causal mask, T S otherwise.
double attentionPairs(double batch, int64_t heads, double seqLen,
                      double keyLen, bool causal);
/// PEAA, reassociated: one dense layer of `width` = H F per token.
double peaaFlops(double tokens, int64_t width);

/// The FLOPs of a whole SAS layer, by term.
struct LayerTerms {
  double headSimulation = 0, featureSimulation = 0, attention = 0, peaa = 0;
  double total() const {
    return headSimulation + featureSimulation + attention + peaa;
  }
  StringRef dominant() const;
};
LayerTerms getLayerTerms(double batch, double seqLen, double keyLen,
                         int64_t heads, int64_t simHeads, int64_t headDim,
                         int64_t simHeadDim, int64_t kernel, bool causal);

/// Gradients, as docs/spec.md derives them: each recomputes what of its
/// forward it needs (the pre-activations, the scores) and multiplies by the
/// transposed weights for the input gradient and by the inputs for the
/// weight gradient.
/// Head simulation gradient: 2 K D H' (3 H + 2 H') per token (Y recomputed;
/// input and weight gradients of both convolutions).
double headSimGradFlops(double tokens, int64_t heads, int64_t simHeads,
                        int64_t headDim, int64_t kernel);
/// Feature simulation gradient: 2 H' D' (3 D + 2 D') per token.
double featureSimGradFlops(double tokens, int64_t simHeads, int64_t headDim,
                           int64_t simHeadDim);
/// Attention gradient: 2 (3 E + 2 F) per pair (scores recomputed; dv, dp,
/// dq, dk).
double attentionGradFlops(double pairs, int64_t qkHeadDim, int64_t vHeadDim);
/// The backward of a whole SAS layer, by term (without its forward).
LayerTerms getLayerGradTerms(double batch, double seqLen, double keyLen,
                             int64_t heads, int64_t simHeads, int64_t headDim,
                             int64_t simHeadDim, int64_t kernel, bool causal);

/// What a training forward keeps for sas.layer_grad, per query token (k
/// and v simulated over as many keys), bytes in `elementBytes` storage.
/// A value is kept when recomputing it in the backward costs more FLOPs
/// per byte kept than kTrainingFlopsPerByte: an H100's dense bf16 tensor
/// rate over its memory bandwidth (989 TFLOP/s / 3.35 TB/s), the balance of
/// the GPUs SAS models train on, where a byte kept is written once and read
/// once but its recomputation runs at the tensor rate.
constexpr double kTrainingFlopsPerByte = 295;
struct SavedForwardPlan {
  /// The attention's output and log-sum-exp, and its forward's FLOPs.
  double attentionBytes = 0, attentionFlops = 0;
  /// The simulated q, k and v and the head simulations' outputs the
  /// feature simulations' gradients read, and their forward's FLOPs.
  double simulationBytes = 0, simulationFlops = 0;
  bool keepAttention() const {
    return attentionFlops > kTrainingFlopsPerByte * attentionBytes;
  }
  bool keepSimulations() const {
    return simulationFlops > kTrainingFlopsPerByte * simulationBytes;
  }
};
SavedForwardPlan planSavedForward(double seqLen, double keyLen, int64_t heads,
                                  int64_t simHeads, int64_t headDim,
                                  int64_t simHeadDim, int64_t kernel,
                                  bool causal, int64_t elementBytes);

/// Whether to simulate k and v inside each query tile instead of once for
/// all keys: per batch, every query tile after the first recomputes the
/// simulation of all `keyLen` keys, and fusing saves writing and reading back
/// the materialized simulated k and v. Priced as time at `peakFlops` FLOP/s
/// and `bandwidth` bytes/s.
struct KeyValueFusionCost {
  double recomputeFlops = 0, savedBytes = 0;
  double recomputeSeconds = 0, savedSeconds = 0;
  bool fuse() const { return recomputeSeconds < savedSeconds; }
};
KeyValueFusionCost priceKeyValueFusion(double batch, double keyLen,
                                       double numQueryTiles, int64_t heads,
                                       int64_t simHeads, int64_t headDim,
                                       int64_t simHeadDim, int64_t kernel,
                                       double peakFlops, double bandwidth);

} // namespace cost
} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_IR_SASCOSTMODEL_H
