//===- SASToLinalg.h - Lower sas ops to linalg ------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_SASTOLINALG_SASTOLINALG_H
#define SAS_CONVERSION_SASTOLINALG_SASTOLINALG_H

#include "mlir/Pass/Pass.h"

#include <string>

namespace mlir {
class RewritePatternSet;

namespace sas {

#define GEN_PASS_DECL_CONVERTSASTOLINALG
#include "sas/Conversion/Passes.h.inc"

/// Adds the patterns lowering sas.head_sim and sas.feature_sim.
void populateLowerSimulationPatterns(RewritePatternSet &patterns);

/// Adds the pattern lowering sas.attention to an online-softmax loop nest
/// with `queryTile` x `keyTile` score blocks.
void populateLowerAttentionPatterns(RewritePatternSet &patterns,
                                    int64_t queryTile, int64_t keyTile);

/// What the fused attention lowering may absorb.
struct AttentionFusionOptions {
  int64_t queryTile = 64, keyTile = 64;
  /// Compute q's head and feature simulation inside each query tile (for all
  /// heads of its tokens at once) instead of materializing simulated q.
  bool fuseQSimulation = true;
  /// Accumulate PEAA's head-group mean in the tile epilogue, leaving only
  /// its dense layer as a separate op.
  bool fusePeaaMean = true;
  /// Simulate k and v inside each query tile ("fuse"), once for all keys
  /// ("materialize"), or as the cost model decides ("auto").
  std::string kvSimulation = "auto";
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

/// Adds the pattern lowering sas.peaa, reassociated unless `literal`.
void populateLowerPeaaPatterns(RewritePatternSet &patterns, bool literal);

/// All of the above, with the options of convert-sas-to-linalg.
void populateSASToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertSASToLinalgOptions &options);

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_SASTOLINALG_SASTOLINALG_H
