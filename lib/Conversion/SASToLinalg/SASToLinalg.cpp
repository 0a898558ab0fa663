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

void mlir::sas::populateSASToLinalgConversionPatterns(
    RewritePatternSet &patterns, const ConvertSASToLinalgOptions &options) {
  populateExpandLayerPatterns(patterns);
  populateLowerSimulationPatterns(patterns);
  populateLowerAttentionPatterns(patterns, options.queryTile,
                                 options.keyTile);
  populateLowerPeaaPatterns(patterns, options.literalPeaa);
}

namespace {

struct ConvertSASToLinalgPass
    : sas::impl::ConvertSASToLinalgBase<ConvertSASToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (kvSimulation != "auto" && kvSimulation != "fuse" &&
        kvSimulation != "materialize") {
      emitError(getOperation()->getLoc())
          << "convert-sas-to-linalg: kv-simulation must be auto, fuse or "
             "materialize, got '"
          << kvSimulation << "'";
      return signalPassFailure();
    }
    if (queryTile <= 0 || keyTile <= 0) {
      emitError(getOperation()->getLoc())
          << "convert-sas-to-linalg: query-tile and key-tile must be "
             "positive, got "
          << static_cast<int64_t>(queryTile) << " and "
          << static_cast<int64_t>(keyTile);
      return signalPassFailure();
    }
    // Fused lowerings first, while the producers and consumers they absorb
    // are still sas ops.
    {
      RewritePatternSet fusion(&getContext());
      populateExpandLayerPatterns(fusion);
      // The literal PEAA form applies the dense layer before the mean: there
      // is no mean to fuse.
      AttentionFusionOptions fusionOptions;
      fusionOptions.queryTile = queryTile;
      fusionOptions.keyTile = keyTile;
      fusionOptions.fuseQSimulation = fuseQSimulation;
      fusionOptions.fusePeaaMean = fusePeaaMean && !literalPeaa;
      fusionOptions.kvSimulation = kvSimulation;
      fusionOptions.fusionRemarks = fusionRemarks;
      fusionOptions.peakGflops = peakGflops;
      fusionOptions.bandwidthGbps = bandwidthGbps;
      populateFuseIntoAttentionPatterns(fusion, fusionOptions);
      if (failed(applyPatternsGreedily(getOperation(), std::move(fusion))))
        return signalPassFailure();
    }
    ConversionTarget target(getContext());
    target.addIllegalDialect<SASDialect>();
    // Attention already on buffers, for the GPU's tensor-core kernel.
    target.addLegalOp<sas::MmaAttentionOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    ConvertSASToLinalgOptions options;
    options.queryTile = queryTile;
    options.keyTile = keyTile;
    options.literalPeaa = literalPeaa;
    populateSASToLinalgConversionPatterns(patterns, options);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
