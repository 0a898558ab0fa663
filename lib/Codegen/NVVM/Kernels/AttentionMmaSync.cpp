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
  Value matrix = arith::DivUIOp::create(b, loc, lane, k.i32(8));
  Value matrixRow = arith::RemUIOp::create(b, loc, lane, k.i32(8));
  Value matrixLow = arith::RemUIOp::create(b, loc, matrix, k.i32(2));
  Value matrixHigh = arith::DivUIOp::create(b, loc, matrix, k.i32(2));
  // v (transposed): matrices (keys 0-7, cols 0-7), (keys 8-15, cols 0-7),
  // (keys 0-7, cols 8-15), (keys 8-15, cols 8-15) -> B fragments of two
  // 8-column tiles.
  vLaneOffset = k.add(k.mulC(k.add(matrixRow, k.mulC(matrixLow, 8)), vRowBytes),
                      k.mulC(matrixHigh, 16));
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
  for (int64_t kk = 0; kk < bk / 16; ++kk)
    for (int64_t jj = 0; jj < f / 16; ++jj) {
      std::array<Value, 4> v = frag.loadMatrixX4(
          mem.offset(laneBase, k.i32(16 * kk * vRowBytes + 32 * jj)),
          /*transpose=*/true);
      for (int64_t m = 0; m < rowTiles; ++m) {
        SmallVector<AccFragment> &acc = state.acc[m];
        acc[2 * jj] = frag.mma(p[m][kk], {v[0], v[1]}, acc[2 * jj]);
        acc[2 * jj + 1] = frag.mma(p[m][kk], {v[2], v[3]}, acc[2 * jj + 1]);
      }
    }
}
