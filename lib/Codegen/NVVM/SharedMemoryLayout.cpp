//===- SharedMemoryLayout.cpp - The kernels' shared-memory plans ----------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/SharedMemoryLayout.h"
#include "sas/Codegen/NVVM/KernelLimits.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::sas;

static int64_t roundUp16(int64_t n) { return llvm::alignTo(n, 16); }

AttentionSharedPlan::AttentionSharedPlan(int64_t e, int64_t f, int64_t keyTile,
                                         int64_t stages, bool wgmma) {
  if (wgmma) {
    key = SharedTile::swizzled(keyTile, e);
    value = SharedTile::swizzled(keyTile, f);
    plan.reserveAlignmentSlack();
  } else {
    key = SharedTile::padded(keyTile, e);
    value = SharedTile::padded(keyTile, f);
  }
  valueOffset = key.bytes();
  stageBytes = key.bytes() + value.bytes();
  plan.allocate(stages * stageBytes);
}

AttentionGradSharedPlan::AttentionGradSharedPlan(int64_t e, int64_t f,
                                                 int64_t keys, int64_t queries,
                                                 bool wgmma) {
  auto tile = wgmma ? SharedTile::swizzled : SharedTile::padded;
  key = tile(keys, e);
  value = tile(keys, f);
  query = tile(queries, e);
  gradOut = tile(queries, f);
  scoresGrad = tile(keys, queries);
  // Swizzled tiles are whole atoms: with the base aligned, each starts on
  // one.
  int64_t align = wgmma ? kSwizzleAtomBytes : 16;
  if (wgmma)
    plan.reserveAlignmentSlack();
  plan.allocate(key.bytes(), align);
  valueOffset = plan.allocate(value.bytes(), align);
  scoresGradOffset = plan.allocate(scoresGrad.bytes(), align);
  // One stage, laid out on its own plan.
  SharedMemoryPlan stage;
  stage.allocate(query.bytes(), align);
  gradOutOffset = stage.allocate(gradOut.bytes(), align);
  lseOffset = stage.allocate(4 * queries);
  deltaOffset = stage.allocate(4 * queries);
  stageBytes = llvm::alignTo(stage.getSize(), align);
  firstStageOffset = plan.allocate(kQueryStages * stageBytes, align);
}

HeadSimSharedPlan::HeadSimSharedPlan(int64_t heads, int64_t simHeads,
                                     int64_t dim, int64_t kernel,
                                     int64_t warps) {
  int64_t headsPadded = roundUp16(heads), simHeadsPadded = roundUp16(simHeads);
  int64_t tokens =
      warps / std::max<int64_t>(getHeadSimWarpsPerToken(simHeads, dim), 1);
  int64_t positions = tokens * (dim + kernel - 1);
  weights = SharedTile::padded(kernel * simHeadsPadded, headsPadded);
  resWeights = SharedTile::padded(kernel * simHeadsPadded, simHeadsPadded);
  inputs = SharedTile::padded(positions, headsPadded);
  relus = SharedTile::padded(positions, simHeadsPadded);
  stageBytes = hasHeadSimStage(simHeads, dim) ? kHeadSimStageBytes : 0;
  plan.allocate(weights.bytes());
  resWeightsOffset = plan.allocate(resWeights.bytes());
  inputsOffset = plan.allocate(inputs.bytes());
  relusOffset = plan.allocate(relus.bytes());
  stagesOffset = plan.allocate(warps * stageBytes);
}

HeadSimGradSharedPlan::HeadSimGradSharedPlan(int64_t heads, int64_t simHeads,
                                             int64_t dim, int64_t kernel,
                                             int64_t warps) {
  HeadSimSharedPlan forward(heads, simHeads, dim, kernel, warps);
  weights = forward.weights;
  resWeights = forward.resWeights;
  inputs = forward.inputs;
  simRows = forward.relus;
  stageBytes = forward.stageBytes;
  plan.allocate(weights.bytes());
  resWeightsOffset = plan.allocate(resWeights.bytes());
  inputsOffset = plan.allocate(inputs.bytes());
  gradsOffset = plan.allocate(simRows.bytes());
  relusOffset = plan.allocate(simRows.bytes());
  rowGradsOffset = plan.allocate(simRows.bytes());
  stagesOffset = plan.allocate(warps * stageBytes);
}

FeatureSimSharedPlan::FeatureSimSharedPlan(int64_t dim, int64_t simDim,
                                           int64_t warps, bool wgmma) {
  if (!wgmma) {
    weights = SharedTile::padded(simDim, dim);
    resWeights = SharedTile::padded(simDim, simDim);
    plan.allocate(weights.bytes());
    resWeightsOffset = plan.allocate(resWeights.bytes());
    return;
  }
  weights = SharedTile::swizzled(simDim, dim);
  resWeights = SharedTile::swizzled(simDim, simDim);
  // A warpgroup's 64 rows of x; a slot holds every warpgroup's.
  groupRows = SharedTile::swizzled(64, dim);
  slotBytes = (warps / 4) * groupRows.bytes();
  plan.reserveAlignmentSlack();
  plan.allocate(weights.bytes());
  resWeightsOffset = plan.allocate(resWeights.bytes());
  ringOffset = plan.allocate(kWgmmaFeatureSimStages * slotBytes);
}

PeaaSharedPlan::PeaaSharedPlan(int64_t groups, int64_t rows, int64_t columnTile,
                               int64_t kTile, int64_t stages, bool wgmma) {
  a = SharedTile::padded(rows, groups * kTile);
  wOffset = a.bytes();
  if (wgmma) {
    // The swizzled w tile must start on a swizzle atom.
    w = SharedTile::swizzled(columnTile, kTile);
    wOffset = llvm::alignTo(wOffset, kSwizzleAtomBytes);
    plan.reserveAlignmentSlack();
  } else {
    w = SharedTile::padded(columnTile, kTile);
  }
  stageBytes = wOffset + w.bytes();
  plan.allocate(stages * stageBytes);
}

WeightGradSharedPlan::WeightGradSharedPlan(int64_t pTile, int64_t qTile) {
  grad = SharedTile::padded(kWeightGradStepRows, pTile);
  input = SharedTile::padded(kWeightGradStepRows, qTile);
  inputOffset = grad.bytes();
  stageBytes = inputOffset + input.bytes();
  plan.allocate(kWeightGradStages * stageBytes);
}
