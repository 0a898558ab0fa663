//===- RegisterTile.cpp - Register tiles of linalg ops ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "RegisterTile.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"

#include <algorithm>

using namespace mlir;

int64_t sas::largestDivisorAtMost(int64_t size, int64_t target) {
  for (int64_t t = std::min(size, target); t > 1; --t)
    if (size % t == 0)
      return t;
  return 1;
}

std::optional<sas::OutputTileDims>
sas::getContractionOutputTileDims(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op) || op.getNumDpsInits() != 1)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() < 2)
    return std::nullopt;
  unsigned rows = outMap.getNumResults() - 2;
  return OutputTileDims{outMap.getDimPosition(rows),
                        outMap.getDimPosition(rows + 1)};
}

void sas::vectorizeRegisterTile(RewriterBase &rewriter, Operation *target) {
  if (auto generic = dyn_cast<linalg::GenericOp>(target)) {
    linalg::ControlDropUnitDims control;
    control.rankReductionStrategy =
        linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
    control.controlFn = [](Operation *op) {
      auto g = cast<linalg::GenericOp>(op);
      SmallVector<unsigned> dims;
      SmallVector<int64_t> ranges = g.getStaticLoopRanges();
      for (auto [i, it] : llvm::enumerate(g.getIteratorTypesArray()))
        if (it == utils::IteratorType::parallel && ranges[i] == 1)
          dims.push_back(i);
      return dims;
    };
    rewriter.setInsertionPoint(generic);
    FailureOr<linalg::DropUnitDimsResult> dropped =
        linalg::dropUnitDims(rewriter, generic, control);
    if (succeeded(dropped)) {
      rewriter.replaceOp(generic, dropped->replacements);
      target = dropped->resultOp;
    }
  }
  rewriter.setInsertionPoint(target);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, target, /*inputVectorSizes=*/{},
      /*inputScalableVecDims=*/{}, /*vectorizeNDExtract=*/false,
      /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (succeeded(vectorized))
    rewriter.replaceOp(target, vectorized->replacements);
}

void sas::populateRegisterTileCleanupPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  vector::populateVectorReductionToContractPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  vector::populateSinkVectorOpsPatterns(patterns);
  tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
}
