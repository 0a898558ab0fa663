//===- KernelLimits.cpp - Limits and tiling rules of SAS's kernels --------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::sas;

int64_t sas::getHeadSimWarpsPerToken(int64_t simHeads, int64_t dim) {
  for (int64_t limit : {kHeadSimAccumulators, kMaxHeadSimAccumulators})
    for (int64_t w = 1; w <= kMaxMmaWarps; ++w)
      if (dim % (16 * w) == 0 &&
          int64_t(llvm::alignTo(simHeads, 16)) / 16 * (dim / w / 8) * 4 <=
              limit)
        return w;
  return 0;
}

bool sas::hasHeadSimStage(int64_t simHeads, int64_t dim) {
  int64_t perToken = getHeadSimWarpsPerToken(simHeads, dim);
  if (perToken == 0)
    return false;
  int64_t positions = dim / perToken;
  return positions == 32 || positions == 64;
}

int64_t sas::getFeatureSimChunk(int64_t dim, int64_t simDim) {
  for (int64_t chunk = simDim; chunk >= 16; chunk -= 16)
    if (simDim % chunk == 0 &&
        dim / 4 + simDim / 2 + chunk / 2 + chunk / 4 <= kMaxFragmentRegisters)
      return chunk;
  return 0;
}

int64_t sas::getFeatureSimGradChunk(int64_t dim, int64_t simDim) {
  int64_t kept = dim / 4 + simDim / 4 + dim / 2;
  for (int64_t chunk = std::min(simDim, kMaxFeatureSimGradChunk); chunk >= 16;
       chunk -= 16)
    if (simDim % chunk == 0 &&
        kept + chunk / 2 + chunk / 2 <= kMaxFragmentRegisters)
      return chunk;
  return 0;
}

int64_t sas::getWeightGradTile(int64_t size) {
  return size % 64 == 0 ? 64 : 32;
}

int64_t sas::getBlocksPerSMForSharedBytes(const TargetDescription &target,
                                          int64_t sharedBytes,
                                          int64_t maxBlocks) {
  int64_t perBlock = sharedBytes + target.reservedSharedBytesPerBlock;
  return std::clamp<int64_t>(target.sharedBytesPerSM / perBlock, 1, maxBlocks);
}

LogicalResult sas::checkMmaWarps(int64_t warps, EmitErrorFn emitError) {
  if (warps < 1 || warps > kMaxMmaWarps)
    return emitError() << "warps must be between 1 and " << kMaxMmaWarps
                       << ", got " << warps;
  return success();
}

LogicalResult sas::checkWgmmaWarps(int64_t warps, EmitErrorFn emitError) {
  if (warps % 4 != 0 || warps < 4 || warps > kMaxMmaWarps)
    return emitError() << "the wgmma kernel needs 4 or 8 warps (whole "
                          "warpgroups), got "
                       << warps;
  return success();
}

LogicalResult sas::checkMmaStages(int64_t stages, EmitErrorFn emitError) {
  if (stages < 2 || stages > kMaxMmaStages)
    return emitError() << "stages must be between 2 and " << kMaxMmaStages
                       << ", got " << stages;
  return success();
}

LogicalResult sas::checkSharedBytes(const TargetDescription &target,
                                    const Twine &what, int64_t bytes,
                                    EmitErrorFn emitError) {
  if (bytes <= target.maxSharedBytesPerBlock)
    return success();
  return emitError() << what << " needs " << bytes
                     << " bytes of shared memory, above the "
                     << target.maxSharedBytesPerBlock << " a block may use on "
                     << target.chip;
}

/// The wgmma kernels run only where the target has wgmma.
static LogicalResult checkHasWgmma(const TargetDescription &target,
                                   EmitErrorFn emitError) {
  if (target.hasWgmma)
    return success();
  return emitError() << "the wgmma kernels need an sm_90a target, got "
                     << target.chip;
}

int64_t sas::getAttentionFragmentRegisters(int64_t e, int64_t f,
                                           int64_t warpRows, int64_t keyTile) {
  return warpRows / 16 * (e / 4 + f / 2 + keyTile / 2);
}

int64_t sas::getWgmmaAttentionBlocksPerSM(const TargetDescription &target,
                                          int64_t e, int64_t f, int64_t warps,
                                          int64_t keyTile,
                                          int64_t sharedBytes) {
  int64_t registers = getAttentionFragmentRegisters(e, f, 16, keyTile) +
                      kAttentionOtherRegisters;
  int64_t byRegisters = target.registersPerSM / (32 * warps * registers);
  return getBlocksPerSMForSharedBytes(
      target, sharedBytes,
      std::max<int64_t>(1, std::min(16 / warps, byRegisters)));
}

/// The tiling's fragments fit a thread's registers.
static LogicalResult checkAttentionRegisters(int64_t e, int64_t f,
                                             int64_t warpRows, int64_t keyTile,
                                             EmitErrorFn emitError) {
  int64_t registers = getAttentionFragmentRegisters(e, f, warpRows, keyTile);
  if (registers <= kMaxFragmentRegisters)
    return success();
  return emitError() << warpRows << " rows a warp and " << keyTile
                     << " keys a step at head sizes " << e << " (q, k) and "
                     << f << " (v) keep " << registers
                     << " registers a thread in fragments, above the "
                     << kMaxFragmentRegisters
                     << " that leave room for the rest";
}

LogicalResult sas::checkMmaAttentionTiling(const TargetDescription &target,
                                           int64_t e, int64_t f, int64_t warps,
                                           int64_t warpRows, int64_t keyTile,
                                           int64_t stages,
                                           EmitErrorFn emitError) {
  if (e % 16 != 0 || f % 16 != 0 || e > kMaxMmaHeadSize || f > kMaxMmaHeadSize)
    return emitError() << "head sizes must be multiples of 16 and at most "
                       << kMaxMmaHeadSize << " for the tensor-core kernel, got "
                       << e << " (q, k) and " << f << " (v)";
  if (failed(checkMmaWarps(warps, emitError)))
    return failure();
  if (warpRows != 16 && warpRows != 32)
    return emitError() << "rows per warp must be 16 or 32, got " << warpRows;
  if (keyTile < 16 || keyTile > kMaxMmaKeyTile || keyTile % 16 != 0)
    return emitError() << "key tile must be a multiple of 16 between 16 and "
                       << kMaxMmaKeyTile << ", got " << keyTile;
  if (failed(checkMmaStages(stages, emitError)) ||
      failed(checkAttentionRegisters(e, f, warpRows, keyTile, emitError)))
    return failure();
  AttentionSharedPlan plan(e, f, keyTile, stages, /*wgmma=*/false);
  return checkSharedBytes(target, "the key/value ring", plan.plan.getSize(),
                          emitError);
}

int64_t sas::getAttentionGradFragmentRegisters(int64_t e, int64_t f,
                                               int64_t warps) {
  return (e + f) / 2 + 16 * warps;
}

/// Both attention backward kernels: their fragments within
/// kMaxFragmentRegisters, their tiles within the target's shared memory.
static LogicalResult
checkAttentionGradResources(const TargetDescription &target, int64_t e,
                            int64_t f, int64_t warps, bool wgmma,
                            EmitErrorFn emitError) {
  StringRef kernel =
      wgmma ? "the wgmma attention backward" : "the attention backward";
  int64_t registers = getAttentionGradFragmentRegisters(e, f, warps);
  if (registers > kMaxFragmentRegisters)
    return emitError() << kernel << " with " << warps << " warps at head sizes "
                       << e << " (q, k) and " << f << " (v) keeps " << registers
                       << " registers a thread in fragments, above the "
                       << kMaxFragmentRegisters
                       << " that leave room for the rest";
  AttentionGradSharedPlan plan(e, f, 16 * warps, 16 * warps, wgmma);
  return checkSharedBytes(target, kernel + "'s tiles", plan.plan.getSize(),
                          emitError);
}

LogicalResult sas::checkMmaAttentionGradTiling(const TargetDescription &target,
                                               int64_t e, int64_t f,
                                               int64_t warps,
                                               EmitErrorFn emitError) {
  if (e % 16 != 0 || f % 16 != 0 || e > kMaxMmaHeadSize || f > kMaxMmaHeadSize)
    return emitError() << "head sizes must be multiples of 16 and at most "
                       << kMaxMmaHeadSize
                       << " for the tensor-core attention backward, got " << e
                       << " (q, k) and " << f << " (v)";
  if (failed(checkMmaWarps(warps, emitError)))
    return failure();
  return checkAttentionGradResources(target, e, f, warps, /*wgmma=*/false,
                                     emitError);
}

LogicalResult
sas::checkWgmmaAttentionGradTiling(const TargetDescription &target, int64_t e,
                                   int64_t f, int64_t warps,
                                   EmitErrorFn emitError) {
  if (failed(checkHasWgmma(target, emitError)))
    return failure();
  if (e % 64 != 0 || f % 64 != 0 || e > kMaxMmaHeadSize || f > kMaxMmaHeadSize)
    return emitError() << "the wgmma attention backward takes head sizes that "
                          "are multiples of 64, at most "
                       << kMaxMmaHeadSize << ", got " << e << " (q, k) and "
                       << f << " (v)";
  if (warps != 4)
    return emitError() << "the wgmma attention backward takes 4 warps (one "
                          "warpgroup), got "
                       << warps;
  return checkAttentionGradResources(target, e, f, warps, /*wgmma=*/true,
                                     emitError);
}

int64_t sas::selectMmaAttentionGradWarps(MLIRContext *context,
                                         const TargetDescription &target,
                                         int64_t e, int64_t f,
                                         int64_t maxWarps) {
  ScopedDiagnosticHandler drop(context, [](Diagnostic &) { return success(); });
  for (int64_t warps = maxWarps; warps >= 1; warps /= 2)
    if (succeeded(checkMmaAttentionGradTiling(target, e, f, warps, [&] {
          return emitError(UnknownLoc::get(context));
        })))
      return warps;
  return 0;
}

LogicalResult sas::checkWgmmaAttentionTiling(const TargetDescription &target,
                                             int64_t e, int64_t f,
                                             int64_t warps, int64_t warpRows,
                                             int64_t keyTile, int64_t stages,
                                             EmitErrorFn emitError) {
  if (failed(checkHasWgmma(target, emitError)))
    return failure();
  // q k^T reads k K-major: a partial last panel is read only as far as E
  // goes. p v's n is F, read MN-major in whole panels.
  if (e % 16 != 0 || f % 64 != 0 || e > kMaxMmaHeadSize || f > kMaxMmaHeadSize)
    return emitError() << "the wgmma kernel takes q/k head sizes that are "
                          "multiples of 16 and v head sizes that are "
                          "multiples of 64, at most "
                       << kMaxMmaHeadSize << ", got " << e << " (q, k) and "
                       << f << " (v)";
  if (failed(checkWgmmaWarps(warps, emitError)))
    return failure();
  if (warpRows != 16 || (keyTile != 32 && keyTile != 64 && keyTile != 128))
    return emitError() << "the wgmma kernel takes 16 rows a warp and 32, 64 "
                          "or 128 keys a step, got "
                       << warpRows << " and " << keyTile;
  if (failed(checkMmaStages(stages, emitError)) ||
      failed(checkAttentionRegisters(e, f, warpRows, keyTile, emitError)))
    return failure();
  AttentionSharedPlan plan(e, f, keyTile, stages, /*wgmma=*/true);
  return checkSharedBytes(target, "the wgmma kernel", plan.plan.getSize(),
                          emitError);
}

/// The warps a head-simulation kernel's block may have at H' and D.
static LogicalResult checkHeadSimWarps(int64_t simHeads, int64_t dim,
                                       int64_t warps, EmitErrorFn emitError) {
  int64_t perToken = getHeadSimWarpsPerToken(simHeads, dim);
  if (!perToken)
    return emitError() << "head size " << dim << " with " << simHeads
                       << " simulated heads: the head-simulation kernel "
                          "needs a head size that is a multiple of 16 and a "
                          "part of each token of at most "
                       << kMaxHeadSimAccumulators << " accumulators a thread";
  if (warps < perToken || warps > kMaxMmaWarps || warps % perToken != 0)
    return emitError() << "head simulation needs a multiple of " << perToken
                       << " warps (a token's) up to " << kMaxMmaWarps
                       << ", got " << warps;
  return success();
}

LogicalResult sas::checkHeadSimTiling(const TargetDescription &target,
                                      int64_t heads, int64_t simHeads,
                                      int64_t dim, int64_t kernel,
                                      int64_t warps, EmitErrorFn emitError) {
  if (failed(checkHeadSimWarps(simHeads, dim, warps, emitError)))
    return failure();
  HeadSimSharedPlan plan(heads, simHeads, dim, kernel, warps);
  return checkSharedBytes(target,
                          "head simulation with " + Twine(warps) + " warps",
                          plan.plan.getSize(), emitError);
}

LogicalResult sas::checkHeadSimGradTiling(const TargetDescription &target,
                                          int64_t heads, int64_t simHeads,
                                          int64_t dim, int64_t kernel,
                                          int64_t warps,
                                          EmitErrorFn emitError) {
  if (failed(checkHeadSimWarps(simHeads, dim, warps, emitError)))
    return failure();
  HeadSimGradSharedPlan plan(heads, simHeads, dim, kernel, warps);
  return checkSharedBytes(
      target, "the head simulation's gradient with " + Twine(warps) + " warps",
      plan.plan.getSize(), emitError);
}

/// The feature sizes and row tiles both feature-simulation kernels check:
/// D and D' multiples of `multiple` up to kMaxMmaFeatureSize.
static LogicalResult checkFeatureSimShape(int64_t dim, int64_t simDim,
                                          int64_t rowTiles, int64_t multiple,
                                          StringRef kernel,
                                          EmitErrorFn emitError) {
  if (dim % multiple != 0 || simDim % multiple != 0 ||
      dim > kMaxMmaFeatureSize || simDim > kMaxMmaFeatureSize)
    return emitError() << "feature sizes must be multiples of " << multiple
                       << " and at most " << kMaxMmaFeatureSize << " for the "
                       << kernel << " kernel, got " << dim << " (D) and "
                       << simDim << " (D')";
  if (rowTiles < 1)
    return emitError() << "row tiles must be positive, got " << rowTiles;
  if (getFeatureSimChunk(dim, simDim) == 0)
    return emitError() << "feature sizes " << dim << " (D) and " << simDim
                       << " (D') leave no chunk of f that fits a thread's "
                          "registers";
  return success();
}

LogicalResult sas::checkMmaFeatureSimTiling(const TargetDescription &target,
                                            int64_t dim, int64_t simDim,
                                            int64_t warps, int64_t rowTiles,
                                            EmitErrorFn emitError) {
  if (failed(checkFeatureSimShape(dim, simDim, rowTiles, 16, "tensor-core",
                                  emitError)) ||
      failed(checkMmaWarps(warps, emitError)))
    return failure();
  FeatureSimSharedPlan plan(dim, simDim, warps, /*wgmma=*/false);
  return checkSharedBytes(target, "feature simulation", plan.plan.getSize(),
                          emitError);
}

LogicalResult sas::checkWgmmaFeatureSimTiling(const TargetDescription &target,
                                              int64_t dim, int64_t simDim,
                                              int64_t warps, int64_t rowTiles,
                                              EmitErrorFn emitError) {
  if (failed(checkHasWgmma(target, emitError)) ||
      failed(checkFeatureSimShape(dim, simDim, rowTiles, 64, "wgmma",
                                  emitError)) ||
      failed(checkWgmmaWarps(warps, emitError)))
    return failure();
  FeatureSimSharedPlan plan(dim, simDim, warps, /*wgmma=*/true);
  return checkSharedBytes(target, "the wgmma kernel", plan.plan.getSize(),
                          emitError);
}

LogicalResult sas::checkMmaFeatureSimGradTiling(const TargetDescription &target,
                                                int64_t dim, int64_t simDim,
                                                int64_t warps, int64_t rowTiles,
                                                EmitErrorFn emitError) {
  if (dim % 16 != 0 || simDim % 16 != 0 || dim > kMaxMmaFeatureSize ||
      simDim > kMaxMmaFeatureSize)
    return emitError() << "feature sizes must be multiples of 16 and at most "
                       << kMaxMmaFeatureSize
                       << " for the tensor-core gradient kernel, got " << dim
                       << " (D) and " << simDim << " (D')";
  if (rowTiles < 1)
    return emitError() << "row tiles must be positive, got " << rowTiles;
  if (getFeatureSimGradChunk(dim, simDim) == 0)
    return emitError() << "feature sizes " << dim << " (D) and " << simDim
                       << " (D') leave no chunk of f that fits a thread's "
                          "registers";
  if (failed(checkMmaWarps(warps, emitError)))
    return failure();
  // The same weights in the same padded rows as the forward's kernel.
  FeatureSimSharedPlan plan(dim, simDim, warps, /*wgmma=*/false);
  return checkSharedBytes(target, "the feature simulation's gradient",
                          plan.plan.getSize(), emitError);
}

LogicalResult sas::checkMmaWeightGradTiling(const TargetDescription &target,
                                            int64_t p, int64_t q,
                                            int64_t rowChunk,
                                            EmitErrorFn emitError) {
  if (p % 32 != 0 || q % 32 != 0)
    return emitError() << "the weight gradient's sizes must be multiples of "
                          "32 for the tensor-core kernel, got "
                       << p << " x " << q;
  if (rowChunk % kWeightGradStepRows != 0)
    return emitError() << "the row chunk must be a multiple of "
                       << kWeightGradStepRows << ", got " << rowChunk;
  WeightGradSharedPlan plan(getWeightGradTile(p), getWeightGradTile(q));
  return checkSharedBytes(target, "the weight gradient", plan.plan.getSize(),
                          emitError);
}

/// A PEAA kernel's column tile: a multiple of `multiple` (the kernel's n
/// granule) up to 256 that divides the output width.
static LogicalResult checkPeaaColumnTile(int64_t columnTile, int64_t multiple,
                                         int64_t width, EmitErrorFn emitError) {
  if (columnTile % multiple != 0 || columnTile > 256 || width % columnTile != 0)
    return emitError() << "the column tile must be a multiple of " << multiple
                       << ", at most 256, and divide the output width " << width
                       << ", got " << columnTile;
  return success();
}

LogicalResult sas::checkMmaPeaaTiling(const TargetDescription &target,
                                      int64_t groups, int64_t width,
                                      int64_t warps, int64_t rowTiles,
                                      int64_t columnTile, int64_t kTile,
                                      int64_t stages, EmitErrorFn emitError) {
  if (failed(checkMmaWarps(warps, emitError)))
    return failure();
  // A warp's accumulators: 16 R rows by the column tile, R * BN / 2 a
  // thread.
  if (rowTiles < 1 || rowTiles * columnTile > 256)
    return emitError() << "row tiles times the column tile must be at most "
                          "256 (the accumulators of a warp), got "
                       << rowTiles << " x " << columnTile;
  if (failed(checkPeaaColumnTile(columnTile, 16, width, emitError)))
    return failure();
  if (kTile % 16 != 0 || kTile > 64 || width % kTile != 0)
    return emitError() << "the k tile must be a multiple of 16, at most 64, "
                          "and divide the output width "
                       << width << ", got " << kTile;
  if (failed(checkMmaStages(stages, emitError)))
    return failure();
  PeaaSharedPlan plan(groups, 16 * warps * rowTiles, columnTile, kTile, stages,
                      /*wgmma=*/false);
  return checkSharedBytes(target, "the PEAA ring", plan.plan.getSize(),
                          emitError);
}

LogicalResult sas::checkWgmmaPeaaTiling(const TargetDescription &target,
                                        int64_t groups, int64_t width,
                                        int64_t warps, int64_t rowTiles,
                                        int64_t columnTile, int64_t kTile,
                                        int64_t stages, EmitErrorFn emitError) {
  if (failed(checkHasWgmma(target, emitError)) ||
      failed(checkWgmmaWarps(warps, emitError)))
    return failure();
  if (rowTiles != 1 || kTile != kWgmmaPeaaKTile)
    return emitError() << "the wgmma kernel takes one row tile a warp and "
                       << kWgmmaPeaaKTile << " inputs a step, got " << rowTiles
                       << " and " << kTile;
  if (width % kWgmmaPeaaKTile != 0)
    return emitError() << "the wgmma kernel needs a width that is a multiple "
                          "of "
                       << kWgmmaPeaaKTile << ", got " << width;
  if (failed(checkPeaaColumnTile(columnTile, 8, width, emitError)) ||
      failed(checkMmaStages(stages, emitError)))
    return failure();
  PeaaSharedPlan plan(groups, 16 * warps, columnTile, kWgmmaPeaaKTile, stages,
                      /*wgmma=*/true);
  return checkSharedBytes(target, "the wgmma PEAA ring", plan.plan.getSize(),
                          emitError);
}
