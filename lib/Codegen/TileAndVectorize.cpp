//===- TileAndVectorize.cpp - Register tiling and vectorization -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "RegisterTile.h"
#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASCPUVECTORIZE
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using sas::largestDivisorAtMost;

/// Ops with fewer loop iterations than this run on one thread: a parallel
/// region costs microseconds, such an op less.
static constexpr int64_t kMinParallelWork = 1 << 16;
/// Chunks per parallel op: several per thread, so that uneven chunks (and
/// other processes) do not leave a core idle at the end.
static constexpr int64_t kNumChunks = 16;

namespace {

struct SASCPUVectorizePass
    : sas::impl::SASCPUVectorizeBase<SASCPUVectorizePass> {
  using Base::Base;

  /// Register tile of each loop of `op` (0: not tiled), or nullopt for ops
  /// that are left alone (dynamic shapes).
  std::optional<SmallVector<int64_t>> getTileSizes(linalg::LinalgOp op) const {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges.empty())
      return std::nullopt;
    SmallVector<int64_t> tiles(ranges.size(), 1);
    AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));

    if (std::optional<sas::OutputTileDims> dims =
            sas::getContractionOutputTileDims(op)) {
      // Output rows x columns in registers, one reduction step at a time.
      tiles[dims->row] = largestDivisorAtMost(ranges[dims->row], rowTile);
      tiles[dims->column] =
          largestDivisorAtMost(ranges[dims->column], columnTile);
      for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray()))
        if (it == utils::IteratorType::reduction)
          tiles[i] = largestDivisorAtMost(ranges[i], reductionTile);
    } else {
      // One vector dimension: the output's innermost for maps and
      // broadcasts, the first input's innermost (contiguous) for reductions.
      AffineMap vectorMap =
          op.getNumReductionLoops() > 0 && op.getNumDpsInputs() > 0
              ? op.getMatchingIndexingMap(op.getDpsInputOperand(0))
              : outMap;
      if (vectorMap.getNumResults() == 0)
        return std::nullopt;
      AffineExpr inner = vectorMap.getResults().back();
      auto dimExpr = dyn_cast<AffineDimExpr>(inner);
      if (!dimExpr)
        return std::nullopt;
      unsigned dim = dimExpr.getPosition();
      tiles[dim] = largestDivisorAtMost(ranges[dim], maxVectorSize);
    }
    // A tile as large as its dimension means no loop at all.
    for (auto [tile, range] : llvm::zip(tiles, ranges))
      if (tile == range)
        tile = 0;
    return tiles;
  }

  /// Tile sizes splitting the outermost parallel dimension of `op` that the
  /// register tile steps through one at a time into chunks for threads, or nullopt when `op` is already inside a parallel
  /// loop or too small to be worth a parallel region.
  std::optional<SmallVector<int64_t>>
  getThreadChunks(linalg::LinalgOp op, ArrayRef<int64_t> registerTiles) const {
    if (op->getParentOfType<scf::ForallOp>())
      return std::nullopt;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t work = 1;
    for (int64_t r : ranges)
      work *= r;
    if (work < kMinParallelWork)
      return std::nullopt;
    for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray())) {
      // Only dimensions the register tile steps through one at a time, so
      // chunking never shrinks a register tile.
      if (it != utils::IteratorType::parallel || ranges[i] < kNumChunks ||
          registerTiles[i] != 1)
        continue;
      SmallVector<int64_t> chunks(ranges.size(), 0);
      chunks[i] = largestDivisorAtMost(ranges[i], ranges[i] / kNumChunks);
      return chunks;
    }
    return std::nullopt;
  }

  void runOnOperation() override {
    if (rowTile <= 0 || columnTile <= 0 || reductionTile <= 0 ||
        maxVectorSize <= 0) {
      getOperation()->emitError(
          "sas-cpu-vectorize: tile and vector sizes must be positive");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });

    for (linalg::LinalgOp op : ops) {
      std::optional<SmallVector<int64_t>> tiles = getTileSizes(op);
      if (!tiles)
        continue;
      Operation *target = op;
      // Ops outside the attention's parallel loop get their own: chunks of
      // the outermost parallel dimension run on different threads.
      if (std::optional<SmallVector<int64_t>> chunks =
              getThreadChunks(op, *tiles)) {
        rewriter.setInsertionPoint(op);
        scf::SCFTilingOptions options;
        options.setTileSizes(getAsIndexOpFoldResult(ctx, *chunks));
        options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(op.getOperation()), options);
        if (succeeded(tiled)) {
          rewriter.replaceOp(op, tiled->replacements);
          target = tiled->tiledOps.back();
        }
      }
      if (llvm::any_of(*tiles, [](int64_t t) { return t != 0; })) {
        rewriter.setInsertionPoint(target);
        scf::SCFTilingOptions options;
        options.setTileSizes(getAsIndexOpFoldResult(ctx, *tiles));
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(target), options);
        if (failed(tiled))
          continue;
        rewriter.replaceOp(target, tiled->replacements);
        target = tiled->tiledOps.back();
      }
      // Unit parallel loops (batch and token of a register tile) go away, so
      // contractions vectorize to plain [mr, nr, kc] vector.contract ops.
      sas::vectorizeRegisterTile(rewriter, target);
    }

    RewritePatternSet patterns(ctx);
    sas::populateRegisterTileCleanupPatterns(patterns);
    // Softmax exponentials as polynomials: vectorizable, unlike libm's expf.
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
