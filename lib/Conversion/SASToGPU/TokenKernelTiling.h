//===- TokenKernelTiling.h - Tilings of the per-token kernels ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// What convert-sas-token-ops-to-gpu's patterns share: the pass's options as
// they read them, the remark a declined op gets, and the choice of a PEAA
// GEMM's tiling (the forward's, and the one its gradient reuses).
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CONVERSION_SASTOGPU_TOKENKERNELTILING_H
#define SAS_LIB_CONVERSION_SASTOGPU_TOKENKERNELTILING_H

#include "sas/Codegen/NVVM/TargetDescription.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"

namespace mlir {
class RewritePatternSet;
namespace sas {

/// The options of the pass, as the patterns read them.
struct TokenKernelTiling {
  int64_t featureSimWarps, featureSimRowTiles;
  int64_t peaaWarps, peaaRowTiles, peaaColumnTile, peaaKTile, peaaStages;
  int64_t headSimWarps;
  /// Rows a block of a weight gradient's kernel sums.
  int64_t weightGradRowChunk;
  /// The module's target: the sm_90a kernels where it has wgmma.
  TargetDescription target;
};

/// Whether `t` is a shaped type of f16 or bf16 elements.
bool isHalf(Type t);

/// A diagnostic that collects its message and reports it as a remark on
/// `op` after `outcome`: the kernels' limit checks speak through
/// InFlightDiagnostic.
struct Declined {
  explicit Declined(Operation *op,
                    StringRef outcome = " stays on the linalg path: ")
      : op(op), outcome(outcome) {}
  InFlightDiagnostic operator()() {
    return op->emitRemark() << op->getName() << outcome;
  }
  Operation *op;
  StringRef outcome;
};

/// The attributes of a sas.mma_peaa.
struct PeaaKernelTiling {
  int64_t warps, rowTiles, columnTile, kTile, stages;
  bool wgmma;
};

/// The tiling of a PEAA GEMM of `groups` head groups and width `width` for
/// `op`: the sm_90a kernel where the target has wgmma and the width is a
/// multiple of its k tile, else mma.sync; a ring too large for a block's
/// shared memory takes fewer stages, down to two (with a remark). Fails,
/// with a remark on `op` saying why, where no tiling fits.
FailureOr<PeaaKernelTiling> selectPeaaTiling(Operation *op,
                                             const TokenKernelTiling &tiling,
                                             int64_t groups, int64_t width);

/// The warps of a head-simulation kernel (the forward's or the
/// gradient's) for `op` at H' = `simHeads`, D = `dim`: the pass's
/// head-sim-warps, or where that is 0 the most, up to kMaxMmaWarps, that
/// `check` accepts among the warps of a token (getHeadSimWarpsPerToken)
/// times a power of two. Fails, with `check`'s remark on `op`, where none
/// does.
FailureOr<int64_t> selectHeadSimWarps(
    Operation *op, const TokenKernelTiling &tiling, int64_t simHeads,
    int64_t dim,
    function_ref<LogicalResult(int64_t warps,
                               function_ref<InFlightDiagnostic()> emitError)>
        check);

/// sas.head_sim_grad, sas.feature_sim_grad and sas.peaa_grad on 16-bit
/// tensors ->
/// their tensor-core kernel ops on buffers (LowerTokenGradsToGPU.cpp).
void populateLowerTokenGradsToGPUPatterns(RewritePatternSet &patterns,
                                          const TokenKernelTiling &tiling);

} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CONVERSION_SASTOGPU_TOKENKERNELTILING_H
