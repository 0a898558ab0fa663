//===- AttentionGradMmaSync.cpp - Attention backward on mma.sync -*- C++
//-*-===//
//
// Part of the SAS-MLIR project.
//
// The products of the attention backward on mma.sync.m16n8k16 (sm_80 and
// later), tiles in padded rows: k and v rows by ldmatrix as A fragments, q
// and d_o as B (plain for S^T and dP^T, transposed for dK and dV), dA by
// ldmatrix.trans from dA^T.
//
//===----------------------------------------------------------------------===//

#include "AttentionGradKernelBuilder.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::attention_grad;

SmallVector<AFragment>
MmaSyncAttentionGradBuilder::loadWarpRows(Value tileBase, int64_t width,
                                          int64_t rowBytes) {
  Value base = mem.offset(
      tileBase, k.add(k.mulC(warp, 16 * rowBytes),
                      frag.tileLaneOffset(lane, rowBytes, /*forA=*/true)));
  SmallVector<AFragment> rows;
  for (int64_t kk = 0; kk < width / 16; ++kk) {
    std::array<Value, 4> m =
        frag.loadMatrixX4(mem.offset(base, k.i32(32 * kk)), false);
    rows.push_back({m[0], m[1], m[2], m[3]});
  }
  return rows;
}

std::pair<Tiles, Tiles>
MmaSyncAttentionGradBuilder::computeScores(Value stage) {
  const SharedTile &qt = plan.query, &dot = plan.gradOut;
  Value doTile = mem.offset(stage, k.i32(plan.gradOutOffset));
  Tiles s(1, SmallVector<AccFragment>(tile / 8, frag.splat(0.0)));
  Tiles dp = s;
  frag.multiplyTransposed(
      s, {loadWarpRows(kTile, e, plan.key.rowBytes())},
      mem.offset(stage, frag.tileLaneOffset(lane, qt.rowBytes(), false)),
      qt.rowBytes());
  frag.multiplyTransposed(
      dp, {loadWarpRows(vTile, f, plan.value.rowBytes())},
      mem.offset(doTile, frag.tileLaneOffset(lane, dot.rowBytes(), false)),
      dot.rowBytes());
  return {s, dp};
}

void MmaSyncAttentionGradBuilder::accumulateKeyGrads(Tiles &dK, Tiles &dV,
                                                     ArrayRef<AFragment> p,
                                                     ArrayRef<AFragment> ds,
                                                     Value stage) {
  const SharedTile &qt = plan.query, &dot = plan.gradOut;
  Value doTile = mem.offset(stage, k.i32(plan.gradOutOffset));
  SmallVector<SmallVector<AFragment>> pA{SmallVector<AFragment>(p)},
      dsA{SmallVector<AFragment>(ds)};
  frag.multiplyRowMajor(
      dV, pA,
      mem.offset(doTile, frag.rowMajorBLaneOffset(lane, dot.rowBytes())),
      dot.rowBytes());
  frag.multiplyRowMajor(
      dK, dsA, mem.offset(stage, frag.rowMajorBLaneOffset(lane, qt.rowBytes())),
      qt.rowBytes());
}

Tiles MmaSyncAttentionGradBuilder::computeQueryGrad() {
  // dA's A fragments read transposed from dA^T, k as a row-major B.
  const SharedTile &dst = plan.scoresGrad, &kt = plan.key;
  Value dsBase = mem.offset(
      dsTile, k.add(k.mulC(warp, 32),
                    frag.transposedALaneOffset(lane, dst.rowBytes())));
  SmallVector<SmallVector<AFragment>> dsRows(1);
  for (int64_t kk = 0; kk < tile / 16; ++kk) {
    std::array<Value, 4> m = frag.loadMatrixX4(
        mem.offset(dsBase, k.i32(16 * kk * dst.rowBytes())), true);
    dsRows[0].push_back({m[0], m[1], m[2], m[3]});
  }
  Tiles dq(1, SmallVector<AccFragment>(e / 8, frag.splat(0.0)));
  frag.multiplyRowMajor(
      dq, dsRows,
      mem.offset(kTile, frag.rowMajorBLaneOffset(lane, kt.rowBytes())),
      kt.rowBytes());
  return dq;
}
