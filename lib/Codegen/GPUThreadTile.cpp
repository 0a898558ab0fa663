//===- GPUThreadTile.cpp - A register tile per GPU thread -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "RegisterTile.h"
#include "sas/Codegen/Passes.h"
#include "sas/Conversion/PassDefaults.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASGPUTHREADTILE
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using sas::largestDivisorAtMost;

namespace {

/// Threads (tiles) a token-chunk sum keeps per chunk. A 24 x 24 tap weight
/// summed 8 tokens a chunk gets 4 x 2 tiles, 72 a chunk: 73,728 threads at
/// B*T = 8192 and 18,432 at 2048, where 4 x 6 tiles made 24,576 and 1,536
/// (the H100 holds 270,336); the 128 x 128 and 768 x 768 weights keep 4 x 8.
constexpr int64_t kMinTilesPerTokenChunk = 64;

/// The bytes of the narrowest operand an elementwise thread tile spans: one
/// 16-byte access (ld.global.v4), the widest a thread issues.
constexpr int64_t kVectorBytes = 16;
/// The longest innermost reduction a thread does alone (a row of d_O o).
constexpr int64_t kMaxRowReduction = 256;

struct SASGPUThreadTilePass
    : sas::impl::SASGPUThreadTileBase<SASGPUThreadTilePass> {
  using Base::Base;

  /// The forall tile of `op` (one thread each) and the scf.for tile of its
  /// reduction loops, or nullopt for ops left alone.
  struct Tiles {
    SmallVector<int64_t> thread;
    SmallVector<int64_t> reduction;
  };
  std::optional<Tiles> getTiles(linalg::LinalgOp op) const {
    std::optional<sas::OutputTileDims> dims =
        sas::getContractionOutputTileDims(op);
    if (!dims || op->getParentOfType<scf::ForallOp>())
      return std::nullopt;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // A dynamic row or column dimension (tokens) keeps tile 1.
    auto tileOf = [&](unsigned dim, int64_t target) -> int64_t {
      return ShapedType::isDynamic(ranges[dim])
                 ? 1
                 : largestDivisorAtMost(ranges[dim], target);
    };
    int64_t rows = tileOf(dims->row, rowTile);
    int64_t columns = tileOf(dims->column, columnTile);
    // A token-chunk sum's only parallelism besides its output is the chunk
    // count (B*T / chunk, 256 for 2048 tokens of 8): its tile shrinks until
    // a chunk's output still makes kMinTilesPerTokenChunk threads.
    if (op->hasAttr(sas::kTokenChunkSumAttrName)) {
      int64_t outputs = 1;
      for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray()))
        if (it == utils::IteratorType::parallel &&
            !ShapedType::isDynamic(ranges[i]))
          outputs *= ranges[i];
      while (rows * columns > 1 &&
             outputs / (rows * columns) < kMinTilesPerTokenChunk) {
        if (columns >= rows)
          columns = largestDivisorAtMost(ranges[dims->column], columns / 2);
        else
          rows = largestDivisorAtMost(ranges[dims->row], rows / 2);
      }
    }
    if (rows * columns == 1)
      return std::nullopt;
    Tiles tiles{SmallVector<int64_t>(ranges.size(), 1),
                SmallVector<int64_t>(ranges.size(), 0)};
    for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray())) {
      if (it == utils::IteratorType::parallel)
        continue;
      // A dynamic reduction would leave the tile without a static vector.
      if (ShapedType::isDynamic(ranges[i]))
        return std::nullopt;
      tiles.thread[i] = 0;
      int64_t step = largestDivisorAtMost(ranges[i], reductionTile);
      tiles.reduction[i] = step == ranges[i] ? 0 : step;
    }
    tiles.thread[dims->row] = rows;
    tiles.thread[dims->column] = columns;
    return tiles;
  }

  /// The forall tile of a loop whose innermost dimension every operand
  /// reads or writes contiguously, or nullopt: elementwise ops (fills,
  /// casts, roundings, broadcasts) get kVectorBytes of it a thread, an op
  /// reducing that dimension alone (a row sum) all of it. Lowered as they
  /// are, each element is one thread with its own 2- or 4-byte access.
  std::optional<SmallVector<int64_t>> getVectorTile(linalg::LinalgOp op) const {
    if (op->getParentOfType<scf::ForallOp>() || op.getNumLoops() == 0)
      return std::nullopt;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    unsigned inner = op.getNumLoops() - 1;
    if (ShapedType::isDynamic(ranges[inner]))
      return std::nullopt;
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    bool reduces = iterators[inner] == utils::IteratorType::reduction;
    if (op.getNumReductionLoops() != (reduces ? 1u : 0u) ||
        (reduces && ranges[inner] > kMaxRowReduction))
      return std::nullopt;
    // Each operand's innermost dimension is the loop's, or the operand does
    // not use the loop's at all (a broadcast along it).
    int64_t elementBytes = 16;
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (auto [i, result] : llvm::enumerate(map.getResults()))
        if (result.isFunctionOfDim(inner) &&
            (i + 1 != map.getNumResults() ||
             result != getAffineDimExpr(inner, op.getContext())))
          return std::nullopt;
      Type element = getElementTypeOrSelf(operand.get().getType());
      // Whole bytes only: masks (i1) stay as they are.
      if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8)
        return std::nullopt;
      elementBytes =
          std::min<int64_t>(elementBytes, element.getIntOrFloatBitWidth() / 8);
    }
    int64_t width = largestDivisorAtMost(
        ranges[inner], std::max<int64_t>(1, kVectorBytes / elementBytes));
    if (!reduces && (width == 1 || !llvm::isPowerOf2_64(width)))
      return std::nullopt;
    SmallVector<int64_t> tile(ranges.size(), 1);
    tile[inner] = reduces ? 0 : width;
    // One tile in all would be a one-iteration forall, which folds away and
    // would leave the vector ops in host code: such an op stays a kernel of
    // its elements.
    bool dynamic = false;
    int64_t tiles = 1;
    for (auto [range, size] : llvm::zip(ranges, tile)) {
      dynamic |= ShapedType::isDynamic(range);
      if (!ShapedType::isDynamic(range) && size)
        tiles *= range / size;
    }
    if (!dynamic && tiles == 1)
      return std::nullopt;
    return tile;
  }

  /// Whether `op` is a fill whose result only contraction tiles take: it
  /// moves into their tiles, where it folds into the accumulator.
  bool isFusedIntoContraction(linalg::LinalgOp op) const {
    if (!isa<linalg::FillOp>(op.getOperation()) || op->getNumResults() != 1 ||
        op->getResult(0).use_empty())
      return false;
    return llvm::all_of(op->getResult(0).getUsers(), [&](Operation *user) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
      return linalgOp && linalgOp.getNumReductionLoops() > 0 &&
             getTiles(linalgOp).has_value();
    });
  }

  void runOnOperation() override {
    if (rowTile <= 0 || columnTile <= 0 || reductionTile <= 0) {
      getOperation()->emitError(
          "sas-gpu-thread-tile: tile sizes must be positive");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<linalg::LinalgOp> ops;
    // Contractions on tensors; elementwise ops also on the buffers that the
    // kernel-op conversions write (their sums' fills and roundings).
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() || op.hasPureBufferSemantics())
        ops.push_back(op);
    });

    // Elementwise ops and row sums first: a contraction's tile below fuses
    // the fill of its output, which must still be there.
    SmallVector<linalg::LinalgOp> contractions;
    for (linalg::LinalgOp op : ops) {
      if (op.getNumReductionLoops() > 0 && op.hasPureTensorSemantics() &&
          getTiles(op)) {
        contractions.push_back(op);
        continue;
      }
      if (isFusedIntoContraction(op))
        continue;
      std::optional<SmallVector<int64_t>> tile = getVectorTile(op);
      if (!tile)
        continue;
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, *tile));
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      FailureOr<scf::SCFTilingResult> perThread = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(perThread))
        continue;
      if (op->getNumResults())
        rewriter.replaceOp(op, perThread->replacements);
      else
        rewriter.eraseOp(op);
      sas::vectorizeRegisterTile(rewriter, perThread->tiledOps.back());
    }

    for (linalg::LinalgOp op : contractions) {
      std::optional<Tiles> tiles = getTiles(op);
      if (!tiles)
        continue;
      // One forall iteration per thread: no mapping, so that
      // sas-gpu-map-to-launch spreads it over a grid like a parallel loop.
      // The zero fill of the output moves into the tile, where it folds into
      // the accumulator's initial value: no kernel writes zeros first.
      rewriter.setInsertionPoint(op);
      scf::SCFTileAndFuseOptions threadOptions;
      threadOptions.tilingOptions.setTileSizes(
          getAsIndexOpFoldResult(ctx, tiles->thread));
      threadOptions.tilingOptions.setLoopType(
          scf::SCFTilingOptions::LoopType::ForallOp);
      threadOptions.setFusionControlFn(
          [](tensor::ExtractSliceOp, OpResult producer, bool)
              -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
            if (!isa<linalg::FillOp>(producer.getOwner()))
              return std::nullopt;
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          });
      FailureOr<scf::SCFTileAndFuseResult> perThread =
          scf::tileConsumerAndFuseProducersUsingSCF(
              rewriter, cast<TilingInterface>(op.getOperation()),
              threadOptions);
      if (failed(perThread))
        continue;
      for (OpResult result : op->getResults())
        rewriter.replaceAllUsesWith(result,
                                    perThread->replacements.lookup(result));
      rewriter.eraseOp(op);
      Operation *target = perThread->tiledAndFusedOps.front();
      for (Operation *fill : llvm::drop_begin(perThread->tiledAndFusedOps))
        sas::vectorizeRegisterTile(rewriter, fill);

      if (llvm::any_of(tiles->reduction, [](int64_t t) { return t != 0; })) {
        rewriter.setInsertionPoint(target);
        scf::SCFTilingOptions steps;
        steps.setTileSizes(getAsIndexOpFoldResult(ctx, tiles->reduction));
        FailureOr<scf::SCFTilingResult> stepped =
            scf::tileUsingSCF(rewriter, cast<TilingInterface>(target), steps);
        if (succeeded(stepped)) {
          rewriter.replaceOp(target, stepped->replacements);
          target = stepped->tiledOps.back();
        }
      }
      sas::vectorizeRegisterTile(rewriter, target);
    }

    RewritePatternSet patterns(ctx);
    sas::populateRegisterTileCleanupPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // The accumulator tile read and written by every reduction step moves
    // out of the step loop: it stays in registers.
    SmallVector<scf::ForOp> stepLoops;
    getOperation().walk([&](scf::ForOp loop) {
      if (loop->getParentOfType<scf::ForallOp>() && !loop.getInitArgs().empty())
        stepLoops.push_back(loop);
    });
    for (scf::ForOp loop : stepLoops)
      hoistLoopInvariantSubsets(rewriter, loop);
  }
};

} // namespace
