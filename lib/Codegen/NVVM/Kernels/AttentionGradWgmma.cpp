//===- AttentionGradWgmma.cpp - Attention backward on wgmma ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The products of the attention backward on sm_90a: one warpgroup of 64
// keys, query blocks of 64 rows, every tile in 128-byte-swizzled panels.
//
//   S^T, dP^T   m64 n64: k, v (A) and q, d_o (B) K-major in shared memory
//   dV, dK      m64 nF, nE: P^T, dA^T (A) from registers, d_o and q (B)
//               MN-major
//   dQ          m64 nE: dA (A) read transposed from dA^T, k (B) MN-major
//
// Each product is waited for before its results are used: the scores
// feed the softmax, and dA^T's shared tile is read by the whole group.
//
//===----------------------------------------------------------------------===//

#include "AttentionGradKernelBuilder.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::attention_grad;

Value WgmmaAttentionGradBuilder::alignBase(Value smem) {
  return wg.alignToSwizzleAtom(smem);
}

void WgmmaAttentionGradBuilder::makeSharedWritesVisible() {
  wg.fenceSharedForAsyncProxy();
}

std::pair<Tiles, Tiles> WgmmaAttentionGradBuilder::computeScores(Value stage) {
  Value doTile = mem.offset(stage, k.i32(plan.gradOutOffset));
  SmallVector<Value> s = wg.newAccumulators(tile / 2),
                     dp = wg.newAccumulators(tile / 2);
  wg.fence();
  for (int64_t kk = 0; kk < e / 16; ++kk)
    wg.mmaShared(s, wg.kMajorDescriptor(kTile, tile, kk),
                 wg.kMajorDescriptor(stage, tile, kk), element, tile,
                 /*accumulate=*/kk > 0);
  for (int64_t kk = 0; kk < f / 16; ++kk)
    wg.mmaShared(dp, wg.kMajorDescriptor(vTile, tile, kk),
                 wg.kMajorDescriptor(doTile, tile, kk), element, tile,
                 /*accumulate=*/kk > 0);
  wg.commitGroup();
  wg.waitGroups(0);
  // Read after the wait, not before it.
  SmallVector<Value> held(s);
  llvm::append_range(held, dp);
  wg.holdUntilHere(held);
  ArrayRef<Value> out(held);
  return {Tiles{unflattenTiles(out.take_front(tile / 2))},
          Tiles{unflattenTiles(out.drop_front(tile / 2))}};
}

void WgmmaAttentionGradBuilder::accumulateKeyGrads(Tiles &dK, Tiles &dV,
                                                   ArrayRef<AFragment> p,
                                                   ArrayRef<AFragment> ds,
                                                   Value stage) {
  // The accumulators and A fragments are in the wgmma's registers before
  // the fence, and read or reused only after the wait.
  SmallVector<Value> held = flattenTiles(dV[0]);
  llvm::append_range(held, flattenTiles(dK[0]));
  size_t accCount = held.size();
  for (ArrayRef<AFragment> frags : {p, ds})
    for (const AFragment &a : frags)
      llvm::append_range(held, a);
  wg.holdUntilHere(held);
  SmallVector<Value> v(ArrayRef<Value>(held).take_front(f / 2)),
      kAcc(ArrayRef<Value>(held).slice(f / 2, e / 2));
  auto fragment = [&](size_t index) -> AFragment {
    size_t at = accCount + 4 * index;
    return {held[at], held[at + 1], held[at + 2], held[at + 3]};
  };
  Value doTile = mem.offset(stage, k.i32(plan.gradOutOffset));
  int64_t steps = tile / 16;
  wg.fence();
  for (int64_t kk = 0; kk < steps; ++kk)
    wg.mmaRegisterA(v, fragment(kk), wg.mnMajorDescriptor(doTile, tile, kk),
                    element, f);
  for (int64_t kk = 0; kk < steps; ++kk)
    wg.mmaRegisterA(kAcc, fragment(steps + kk),
                    wg.mnMajorDescriptor(stage, tile, kk), element, e);
  wg.commitGroup();
  wg.waitGroups(0);
  SmallVector<Value> after(v);
  llvm::append_range(after, kAcc);
  llvm::append_range(after, ArrayRef<Value>(held).drop_front(accCount));
  wg.holdUntilHere(after);
  ArrayRef<Value> out(after);
  dV[0] = unflattenTiles(out.take_front(f / 2));
  dK[0] = unflattenTiles(out.slice(f / 2, e / 2));
}

Tiles WgmmaAttentionGradBuilder::computeQueryGrad() {
  // A = dA [queries, keys] is dA^T's tile read M-major; B = k [keys, E]
  // N-major.
  SmallVector<Value> dq = wg.newAccumulators(e / 2);
  wg.fence();
  for (int64_t kk = 0; kk < tile / 16; ++kk)
    wg.mmaShared(dq, wg.mnMajorDescriptor(dsTile, tile, kk),
                 wg.mnMajorDescriptor(kTile, tile, kk), element, e,
                 /*accumulate=*/kk > 0, /*aMNMajor=*/true,
                 /*bMNMajor=*/true);
  wg.commitGroup();
  wg.waitGroups(0);
  wg.holdUntilHere(dq);
  return Tiles{unflattenTiles(dq)};
}
