//===- SASToGPU.h - Lower sas.attention to GPU block tiles ------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_SASTOGPU_SASTOGPU_H
#define SAS_CONVERSION_SASTOGPU_SASTOGPU_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace sas {

#define GEN_PASS_DECL_CONVERTSASATTENTIONTOGPU
#include "sas/Conversion/Passes.h.inc"

/// Tile sizes of the GPU attention lowering.
struct GPUAttentionTiling {
  int64_t queryTile = 32, keyTile = 32;
  /// Bytes of workgroup (shared) memory one block may use for its tiles.
  int64_t sharedMemoryBytes = 48 * 1024;
};

/// Adds the pattern lowering sas.attention to an scf.forall over (batch,
/// simulated head, query block) mapped to GPU blocks, whose body runs the
/// online-softmax steps as linalg ops on workgroup-memory tiles.
void populateLowerAttentionToGPUPatterns(RewritePatternSet &patterns,
                                         const GPUAttentionTiling &tiling);

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_SASTOGPU_SASTOGPU_H
