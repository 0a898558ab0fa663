//===- SASToLinalg.h - Lower sas ops to linalg ------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_SASTOLINALG_SASTOLINALG_H
#define SAS_CONVERSION_SASTOLINALG_SASTOLINALG_H

#include "mlir/Pass/Pass.h"
#include "sas/Conversion/PassDefaults.h"

namespace mlir {
class RewritePatternSet;

namespace sas {

#define GEN_PASS_DECL_CONVERTSASTOLINALG
#include "sas/Conversion/Passes.h.inc"

/// Adds the patterns lowering sas.head_sim and sas.feature_sim; with
/// `simulationTokenTile` > 0, one of static B and T runs in a parallel loop
/// over tiles of at most that many tokens.
void populateLowerSimulationPatterns(RewritePatternSet &patterns,
                                     int64_t simulationTokenTile = 0);

/// Adds the pattern lowering sas.attention to an online-softmax loop nest
/// with `queryTile` x `keyTile` score blocks.
void populateLowerAttentionPatterns(RewritePatternSet &patterns,
                                    int64_t queryTile, int64_t keyTile);

/// What the fused attention lowering may absorb.
struct AttentionFusionOptions {
  int64_t queryTile = kDefaultQueryTile, keyTile = kDefaultKeyTile;
  /// Compute q's head and feature simulation inside each query tile (for all
  /// heads of its tokens at once) instead of materializing simulated q.
  bool fuseQSimulation = true;
  /// Accumulate PEAA's head-group mean in the tile epilogue, leaving only
  /// its dense layer as a separate op.
  bool fusePeaaMean = true;
  /// Where k and v are simulated.
  KVSimulation kvSimulation = KVSimulation::Auto;
  /// Report each decision as a remark on the attention op.
  bool fusionRemarks = false;
  /// The machine the cost model prices time on.
  double peakGflops = 100, bandwidthGbps = 20;
};

/// Adds the pattern lowering sas.attention together with the simulation of
/// its q and its PEAA consumer (each when single-use and enabled). It must
/// run before the per-op patterns lower those producers and consumers.
void populateFuseIntoAttentionPatterns(RewritePatternSet &patterns,
                                       const AttentionFusionOptions &options);

/// Reports, as remarks on each sas.attention under `root`, what
/// populateFuseIntoAttentionPatterns will fuse into it and why.
void remarkAttentionFusion(Operation *root,
                           const AttentionFusionOptions &options);

/// Adds the pattern lowering sas.peaa, reassociated unless `literal`.
void populateLowerPeaaPatterns(RewritePatternSet &patterns, bool literal);

/// Adds the patterns lowering the gradient ops (docs/spec.md, "Gradients"):
/// sas.head_sim_grad and sas.feature_sim_grad to contractions over all
/// tokens, sas.peaa_grad likewise, and sas.attention_grad to a blocked
/// backward of `queryTile` x `keyTile` probability blocks recomputed from
/// the log-sum-exp. Parameter gradients sum over the tokens in one
/// reduction, or with `tokenSumChunk` > 0 in partial sums over chunks of that
/// many tokens first (the GPU's choice: the chunks run in parallel).
void populateLowerSimulationGradPatterns(RewritePatternSet &patterns,
                                         int64_t tokenSumChunk);
void populateLowerPeaaGradPatterns(RewritePatternSet &patterns,
                                   int64_t tokenSumChunk);
void populateLowerAttentionGradPatterns(RewritePatternSet &patterns,
                                        int64_t queryTile, int64_t keyTile);

/// The fusion options among those of convert-sas-to-linalg. The literal
/// PEAA form applies the dense layer before the mean: there is no mean to
/// fuse.
AttentionFusionOptions
getAttentionFusionOptions(const ConvertSASToLinalgOptions &options);

/// Adds sas.layer expansion and the fused attention lowering, with the
/// fusion options of `options`. Apply these (greedily) first, while the
/// producers and consumers they absorb are still sas ops.
void populateSASToLinalgFusionPatterns(
    RewritePatternSet &patterns, const ConvertSASToLinalgOptions &options);

/// Adds the per-op lowerings of every sas op (what the fusion patterns left),
/// with the tile and PEAA options of `options`.
void populateSASToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertSASToLinalgOptions &options);

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_SASTOLINALG_SASTOLINALG_H
