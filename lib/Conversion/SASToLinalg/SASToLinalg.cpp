//===- SASToLinalg.cpp - The convert-sas-to-linalg pass ---------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_CONVERTSASTOLINALG
#include "sas/Conversion/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

AttentionFusionOptions
mlir::sas::getAttentionFusionOptions(const ConvertSASToLinalgOptions &options) {
  AttentionFusionOptions fusion;
  fusion.queryTile = options.queryTile;
  fusion.keyTile = options.keyTile;
  fusion.fuseQSimulation = options.fuseQSimulation;
  fusion.fusePeaaMean = options.fusePeaaMean && !options.literalPeaa;
  fusion.kvSimulation = options.kvSimulation;
  fusion.fusionRemarks = options.fusionRemarks;
  fusion.peakGflops = options.peakGflops;
  fusion.bandwidthGbps = options.bandwidthGbps;
  return fusion;
}

void mlir::sas::populateSASToLinalgFusionPatterns(
    RewritePatternSet &patterns, const ConvertSASToLinalgOptions &options) {
  populateExpandLayerPatterns(patterns);
  populateFuseIntoAttentionPatterns(patterns,
                                    getAttentionFusionOptions(options));
}

void mlir::sas::populateSASToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertSASToLinalgOptions &options) {
  populateExpandLayerPatterns(patterns);
  populateLowerSimulationPatterns(patterns, options.simulationTokenTile);
  populateLowerAttentionPatterns(patterns, options.queryTile,
                                 options.keyTile);
  populateLowerPeaaPatterns(patterns, options.literalPeaa);
  populateLowerSimulationGradPatterns(patterns, options.tokenSumChunk);
  populateLowerPeaaGradPatterns(patterns, options.tokenSumChunk);
  populateLowerAttentionGradPatterns(patterns, options.queryTile,
                                     options.keyTile);
}

namespace {

struct ConvertSASToLinalgPass
    : sas::impl::ConvertSASToLinalgBase<ConvertSASToLinalgPass> {
  using Base::Base;

  /// The options this pass runs with, as one struct.
  ConvertSASToLinalgOptions getOptions() const {
    ConvertSASToLinalgOptions options;
    options.queryTile = queryTile;
    options.keyTile = keyTile;
    options.fuseQSimulation = fuseQSimulation;
    options.fusePeaaMean = fusePeaaMean;
    options.kvSimulation = kvSimulation;
    options.fusionRemarks = fusionRemarks;
    options.peakGflops = peakGflops;
    options.bandwidthGbps = bandwidthGbps;
    options.literalPeaa = literalPeaa;
    options.tokenSumChunk = tokenSumChunk;
    options.simulationTokenTile = simulationTokenTile;
    return options;
  }

  void runOnOperation() override {
    // Options whose 0 turns a transformation off.
    auto nonNegative = [&](StringRef name, int64_t value, StringRef zero) {
      if (value >= 0)
        return true;
      emitError(getOperation()->getLoc())
          << "convert-sas-to-linalg: " << name << " must be 0 (" << zero
          << ") or positive, got " << value;
      return false;
    };
    if (!nonNegative("token-sum-chunk", tokenSumChunk,
                     "one sum over all tokens") ||
        !nonNegative("simulation-token-tile", simulationTokenTile,
                     "each step over all tokens"))
      return signalPassFailure();
    if (queryTile <= 0 || keyTile <= 0) {
      emitError(getOperation()->getLoc())
          << "convert-sas-to-linalg: query-tile and key-tile must be "
             "positive, got "
          << static_cast<int64_t>(queryTile) << " and "
          << static_cast<int64_t>(keyTile);
      return signalPassFailure();
    }
    ConvertSASToLinalgOptions options = getOptions();
    // Layers are expanded first, so that the remarks see the attention ops
    // the fusion patterns will.
    {
      RewritePatternSet expand(&getContext());
      populateExpandLayerPatterns(expand);
      if (failed(applyPatternsGreedily(getOperation(), std::move(expand))))
        return signalPassFailure();
    }
    if (fusionRemarks)
      remarkAttentionFusion(getOperation(),
                            getAttentionFusionOptions(options));
    // Fused lowerings first, while the producers and consumers they absorb
    // are still sas ops.
    {
      RewritePatternSet fusion(&getContext());
      populateSASToLinalgFusionPatterns(fusion, options);
      if (failed(applyPatternsGreedily(getOperation(), std::move(fusion))))
        return signalPassFailure();
    }
    ConversionTarget target(getContext());
    target.addIllegalDialect<SASDialect>();
    // Ops already on buffers, for the GPU's hand-built kernels.
    target.addLegalOp<sas::MmaAttentionOp, sas::MmaAttentionGradOp,
                      sas::MmaHeadSimOp, sas::MmaFeatureSimOp, sas::MmaPeaaOp,
                      sas::MmaHeadSimGradOp, sas::MmaFeatureSimGradOp,
                      sas::MmaWeightGradOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateSASToLinalgConversionPatterns(patterns, options);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
