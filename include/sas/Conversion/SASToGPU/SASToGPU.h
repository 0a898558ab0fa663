//===- SASToGPU.h - Lower sas.attention to GPU block tiles ------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_SASTOGPU_SASTOGPU_H
#define SAS_CONVERSION_SASTOGPU_SASTOGPU_H

#include "mlir/Pass/Pass.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Conversion/PassDefaults.h"

namespace mlir {
class RewritePatternSet;

namespace sas {

#define GEN_PASS_DECL_CONVERTSASATTENTIONTOGPU
#define GEN_PASS_DECL_CONVERTSASTOKENOPSTOGPU
#include "sas/Conversion/Passes.h.inc"

/// Tile sizes of the GPU attention lowering.
struct GPUAttentionTiling {
  int64_t queryTile = kDefaultGPUQueryTile, keyTile = kDefaultGPUKeyTile;
  /// Bytes of workgroup (shared) memory one block may use for its tiles.
  int64_t sharedMemoryBytes = 48 * 1024;
  /// The tensor-core kernel (sas.mma_attention) for f16/bf16 heads it takes,
  /// and its tiling.
  bool tensorCores = true;
  int64_t mmaWarps = kDefaultMmaWarps, mmaKeyTile = kDefaultMmaKeyTile,
          mmaStages = kDefaultMmaStages;
  /// 16 or 32.
  int64_t mmaWarpRows = kDefaultMmaWarpRows;
  /// The target the kernels are checked against; where it has wgmma, the
  /// sm_90a kernel for heads that are multiples of 64, with `wgmmaWarps`
  /// warps a block and `wgmmaKeyTile` keys a step.
  TargetDescription target;
  int64_t wgmmaWarps = kDefaultWgmmaWarps, wgmmaKeyTile = kDefaultWgmmaKeyTile;
  /// The sm_90a attention backward where the target has wgmma and the
  /// heads fit it. Off by default until the kernel has passed the GPU
  /// check: the mma.sync kernel everywhere.
  bool attentionGradWgmma = false;
};

/// Adds the pattern lowering sas.attention to an scf.forall over (batch,
/// simulated head, query block) mapped to GPU blocks, whose body runs the
/// online-softmax steps as linalg ops on workgroup-memory tiles, or, with
/// `tiling.tensorCores` and f16/bf16 heads the tensor-core kernel takes, to
/// sas.mma_attention on buffers.
void populateLowerAttentionToGPUPatterns(RewritePatternSet &patterns,
                                         const GPUAttentionTiling &tiling);

/// Adds the pattern lowering sas.attention_grad on f16/bf16 heads the
/// tensor-core backward takes to sas.mma_attention_grad on buffers, with
/// its delta and d_q as linalg ops on buffers; other attention gradients
/// are refused with an error that names the reason.
void populateLowerAttentionGradToGPUPatterns(RewritePatternSet &patterns,
                                             const GPUAttentionTiling &tiling);

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_SASTOGPU_SASTOGPU_H
