//===- AttentionGradKernelBuilder.h - The attention backward ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The builder both tensor-core attention backward kernels share
// (AttentionGradKernel.cpp: copies, the loop over query blocks, P and dA,
// the d_q reductions and the d_k, d_v stores) and its two variants, which
// supply the tiles' layout and the five products: mma.sync
// (AttentionGradMmaSync.cpp) and sm_90a wgmma (AttentionGradWgmma.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CODEGEN_NVVM_KERNELS_ATTENTIONGRADKERNELBUILDER_H
#define SAS_LIB_CODEGEN_NVVM_KERNELS_ATTENTIONGRADKERNELBUILDER_H

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelArith.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/Builders/WarpgroupMma.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

namespace mlir {
namespace sas {
namespace attention_grad {

/// A warp's accumulator tiles of one 16-row tile: [1][columns / 8].
using Tiles = SmallVector<SmallVector<AccFragment>>;

/// Builds the body of one attention backward kernel (see
/// AttentionGradKernel.cpp for the algorithm). A block has `warps` warps
/// and `tile` = 16 * warps keys; query blocks are `tile` rows too. In
/// every product whose M is keys (S^T, dP^T, dV, dK) warp w holds keys
/// 16 w to 16 w + 15, and in dQ's (M is queries) query rows 16 w to
/// 16 w + 15, as mma.sync m16n8 accumulator tiles: the elementwise steps
/// and the epilogues do not depend on the variant.
class AttentionGradKernelBuilder {
public:
  AttentionGradKernelBuilder(OpBuilder &b, Location loc, MmaAttentionGradOp op,
                             const TargetDescription &target);
  virtual ~AttentionGradKernelBuilder() = default;

  /// Emits the kernel body at the builder's insertion point (inside the
  /// launch): the block ids x, y, z, the thread id x, T and S.
  void build(Value blockX, Value blockY, Value blockZ, Value threadX,
             Value queryCount, Value keyCount);

protected:
  // The variant's part.
  /// The base of the kernel's tiles from the start of shared memory.
  virtual Value alignBase(Value smem) { return smem; }
  /// Makes this thread's shared-memory writes (cp.async ones once waited
  /// for) visible to the products' operand reads, before a barrier.
  virtual void makeSharedWritesVisible() {}
  /// S^T = k_w q^T and dP^T = v_w d_o^T for this warp's keys and the
  /// query block in the stage at `stage` (`tile` / 8 tiles each).
  virtual std::pair<Tiles, Tiles> computeScores(Value stage) = 0;
  /// dV += P^T d_o and dK += dA^T q (`p`, `ds`: this warp's A fragments).
  virtual void accumulateKeyGrads(Tiles &dK, Tiles &dV, ArrayRef<AFragment> p,
                                  ArrayRef<AFragment> ds, Value stage) = 0;
  /// dA k for this warp's query rows (E / 8 tiles), dA^T in shared memory.
  virtual Tiles computeQueryGrad() = 0;

  /// The address of element (`row`, `column`) of `tile` at `base` (ptr<3>),
  /// in the tile's layout.
  Value elementAddress(Value base, const SharedTile &tile, Value row,
                       Value column);
  /// Byte offset of row `token` of this block's head in a [B, L, N, width]
  /// tensor of `bytes`-byte elements (i64: tensors may exceed 2 GiB).
  Value rowOffset(Value length, Value token, int64_t width, int64_t bytes = 2);
  /// Rows [start, start + tile) of this head of a [B, L, N, width] 16-bit
  /// tensor with L = `limit` into `dest` (laid out as `layout`) by
  /// cp.async, 16 bytes a thread at a time; rows past `limit` zero-filled.
  void copyRows(Value global, Value start, Value limit, int64_t width,
                Value dest, const SharedTile &layout);
  /// Starts the copies of the query block at row `q0` into the stage at
  /// `stage`: q and d_o by cp.async (one group), the rows' log-sum-exp
  /// (exp2 domain) and delta by plain loads and stores.
  void loadQueryBlock(Value q0, Value stage);
  /// One query block, its tiles in the stage at `stage`: dK and dV updated
  /// in place, dA k added to d_q_accum. Unless `masked`, every query of the
  /// block exists and sees every key.
  void buildQueryStep(Value q0, Value stage, Tiles &dK, Tiles &dV, bool masked);
  /// P^T and dA^T in place of S^T and dP^T.
  void applySoftmaxGrad(Value q0, Value stage, Tiles &s, Tiles &dp,
                        bool masked);
  /// Stores `acc` * `scale` as 16-bit rows of this warp's keys.
  void storeKeyRows(Value global, const Tiles &acc, int64_t width,
                    double scale);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  const TargetDescription &target;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  WarpgroupMmaBuilder wg; // the swizzle; the wgmma variant's products
  MmaAttentionGradOp op;
  Type element;
  int64_t e, f, numHeads, warps, tile;
  AttentionGradSharedPlan plan;

  // i32 unless said otherwise; the thread's ids are k's.
  Value tid, lane, warp, group, quad, batch, head, queries, keys, keyStart;
  std::array<Value, 2> keyRows;           // this lane's keys: rows g and g + 8
  Value kTile, vTile, dsTile, firstStage; // ptr<3>
};

/// FlashAttention-2's backward on mma.sync (sm_80 and later): tiles in
/// padded rows, read by ldmatrix.
class MmaSyncAttentionGradBuilder final : public AttentionGradKernelBuilder {
public:
  using AttentionGradKernelBuilder::AttentionGradKernelBuilder;

private:
  std::pair<Tiles, Tiles> computeScores(Value stage) override;
  void accumulateKeyGrads(Tiles &dK, Tiles &dV, ArrayRef<AFragment> p,
                          ArrayRef<AFragment> ds, Value stage) override;
  Tiles computeQueryGrad() override;
  /// This warp's 16 rows of a padded tile as A fragments, one per 16
  /// columns.
  SmallVector<AFragment> loadWarpRows(Value tileBase, int64_t width,
                                      int64_t rowBytes);
};

/// The sm_90a backward: one warpgroup, its products wgmma.mma_async on
/// 128-byte-swizzled tiles.
class WgmmaAttentionGradBuilder final : public AttentionGradKernelBuilder {
public:
  using AttentionGradKernelBuilder::AttentionGradKernelBuilder;

private:
  Value alignBase(Value smem) override;
  void makeSharedWritesVisible() override;
  std::pair<Tiles, Tiles> computeScores(Value stage) override;
  void accumulateKeyGrads(Tiles &dK, Tiles &dV, ArrayRef<AFragment> p,
                          ArrayRef<AFragment> ds, Value stage) override;
  Tiles computeQueryGrad() override;
};

} // namespace attention_grad
} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CODEGEN_NVVM_KERNELS_ATTENTIONGRADKERNELBUILDER_H
