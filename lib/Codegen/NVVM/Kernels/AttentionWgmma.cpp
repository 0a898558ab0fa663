//===- AttentionWgmma.cpp - Attention on sm_90a wgmma ---------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::attention;

/// Swizzled tiles start on a 1024-byte atom.
Value WgmmaAttentionBuilder::alignRing(Value smem) {
  return wg.alignToSwizzleAtom(smem);
}

/// wgmma reads shared memory through the async proxy: the copies this
/// thread waited for must be made visible to it before the barrier.
void WgmmaAttentionBuilder::makeCopiesVisible() {
  wg.fenceSharedForAsyncProxy();
}

/// Panel column / 8 of bk rows, chunk column % 8 of the row, swizzled.
Value WgmmaAttentionBuilder::tileChunkOffset(Value row, Value column,
                                             int64_t width, int64_t rowBytes) {
  Value panel = arith::DivUIOp::create(b, loc, column, k.i32(8));
  Value chunk = arith::RemUIOp::create(b, loc, column, k.i32(8));
  return k.add(k.mulC(panel, panelBytes), wg.swizzledOffset(row, chunk));
}

/// s = q k^T for this warpgroup's 64 rows (sm_90a): E / 16 wgmma steps of
/// m64 n`bk` k16, q from registers (each warp's A fragments), k K-major in
/// swizzled shared memory, then waited for; each warp gets its 16 rows as
/// bk / 8 accumulator tiles.
AttentionKernelBuilder::Scores
WgmmaAttentionBuilder::computeScores(Value stageBase) {
  SmallVector<Value> acc = wg.newAccumulators(bk / 2);
  wg.fence();
  for (int64_t kk = 0; kk < e / 16; ++kk)
    wg.mmaRegisterA(acc, qFrags[0][kk], wg.kMajorDescriptor(stageBase, bk, kk),
                    element, bk,
                    /*bKMajor=*/true, /*accumulate=*/kk > 0);
  wg.commitGroup();
  wg.waitGroups(0);
  // The scores are read after the wait, not before it.
  wg.holdUntilHere(acc);
  return Scores{unflattenTiles(acc)};
}

/// o += p v (sm_90a): p this warp's A fragments (registers), v MN-major in
/// swizzled shared memory (64-column panels bk rows apart), bk / 16 wgmma
/// steps of m64 nF k16.
void WgmmaAttentionBuilder::accumulateValues(SoftmaxState &state,
                                             ArrayRef<SmallVector<AFragment>> p,
                                             Value stageBase) {
  // o (rescaled by this step's correction) and p are in the wgmma's
  // registers before the fence, not computed into them after it; o is read
  // and p's registers reused only after the wait.
  SmallVector<Value> held = flattenTiles(state.acc[0]);
  size_t accCount = held.size();
  for (const AFragment &a : p[0])
    llvm::append_range(held, a);
  wg.holdUntilHere(held);
  SmallVector<Value> acc(ArrayRef<Value>(held).take_front(accCount));
  SmallVector<AFragment> pHeld;
  for (size_t i = accCount; i < held.size(); i += 4)
    pHeld.push_back({held[i], held[i + 1], held[i + 2], held[i + 3]});
  Value vTile = mem.offset(stageBase, k.i32(kTileBytes));
  wg.fence();
  for (int64_t kk = 0; kk < bk / 16; ++kk) {
    wg.mmaRegisterA(acc, pHeld[kk], wg.mnMajorDescriptor(vTile, bk, kk),
                    element, f);
  }
  wg.commitGroup();
  wg.waitGroups(0);
  llvm::append_range(acc, ArrayRef<Value>(held).drop_front(accCount));
  wg.holdUntilHere(acc);
  acc.resize(accCount);
  state.acc[0] = unflattenTiles(acc);
}

/// q's A fragments are read by every key block's q k^T wgmma and by nothing
/// after the loops. Where the masked loop folds away (non-causal, T a
/// multiple of the key tile, both known) ptxas 13.0 gave q's registers to
/// p within the loop: every block after the first multiplied its keys by
/// p (relative error about 1 against float64). Reading q after the loops
/// keeps them q's.
void WgmmaAttentionBuilder::finishKeyLoops() {
  SmallVector<Value> q;
  for (const SmallVector<AFragment> &tile : qFrags)
    for (const AFragment &a : tile)
      llvm::append_range(q, a);
  wg.keepLiveUntilHere(q);
}
