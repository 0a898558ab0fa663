//===- RegisterTile.h - Register tiles of linalg ops ------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// What the CPU's sas-cpu-vectorize and the GPU's sas-gpu-thread-tile share:
// which output dimensions of a contraction a register tile spans, how a
// tile size divides its dimension, and how a tiled op becomes vector ops.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CODEGEN_REGISTERTILE_H
#define SAS_LIB_CODEGEN_REGISTERTILE_H

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir {
namespace sas {

/// The largest divisor of `size` that is at most `target`: tiles then cover
/// the dimension exactly and stay static.
int64_t largestDivisorAtMost(int64_t size, int64_t target);

/// The loop dimensions of a contraction's output rows and columns (its
/// output's two innermost dimensions), or nullopt for ops that are not
/// contractions with an output of rank 2 or more.
struct OutputTileDims {
  unsigned row;
  unsigned column;
};
std::optional<OutputTileDims> getContractionOutputTileDims(linalg::LinalgOp op);

/// Drops the unit parallel loops of a tiled generic (so that a contraction
/// vectorizes to a plain [mr, nr, kc] vector.contract) and vectorizes it,
/// contractions straight to vector.contract with their own indexing maps.
/// `target` is replaced; nothing happens to an op that does not vectorize.
void vectorizeRegisterTile(RewriterBase &rewriter, Operation *target);

/// What cleans up vectorized register tiles on tensors: mul + multi_reduction
/// -> vector.contract, unit dimensions away, slices of tensors folded into
/// the transfers that read and write them.
void populateRegisterTileCleanupPatterns(RewritePatternSet &patterns);

} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CODEGEN_REGISTERTILE_H
