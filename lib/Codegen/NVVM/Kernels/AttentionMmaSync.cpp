//===- AttentionMmaSync.cpp - Attention on mma.sync ------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::attention;

/// The lanes' ldmatrix row addresses in a k and a v tile.
void MmaSyncAttentionBuilder::planLaneOffsets() {
  // ldmatrix row addresses: lane l points at row l % 8 of matrix l / 8.
  // k: B fragments of two key tiles.
  kLaneOffset = frag.tileLaneOffset(lane, kRowBytes, /*forA=*/false);
  // v (row-major, keys by columns): B fragments of two 8-column tiles by
  // ldmatrix.trans.
  vLaneOffset = frag.rowMajorBLaneOffset(lane, vRowBytes);
}

Value MmaSyncAttentionBuilder::tileChunkOffset(Value row, Value column,
                                               int64_t width,
                                               int64_t rowBytes) {
  return k.add(k.mulC(row, rowBytes), k.mulC(column, 16));
}

/// s = q k^T for this warp's rows and the bk keys of the slot at
/// `stageBase`: bk / 8 accumulator tiles per row tile. Each ldmatrix.x4
/// reads the k rows of two adjacent 8-key tiles at 16 columns (two B
/// fragments), used by every row tile.
AttentionKernelBuilder::Scores
MmaSyncAttentionBuilder::computeScores(Value stageBase) {
  Scores s(rowTiles, SmallVector<AccFragment>(bk / 8, frag.splat(0.0)));
  frag.multiplyTransposed(s, qFrags, mem.offset(stageBase, kLaneOffset),
                          kRowBytes);
  return s;
}

/// o += p v: v rows of 16 keys by ldmatrix.trans, two 8-column B fragments
/// per load, used by every row tile.
void MmaSyncAttentionBuilder::accumulateValues(
    SoftmaxState &state, ArrayRef<SmallVector<AFragment>> p, Value stageBase) {
  Value laneBase =
      mem.offset(mem.offset(stageBase, k.i32(kTileBytes)), vLaneOffset);
  frag.multiplyRowMajor(state.acc, p, laneBase, vRowBytes);
}
