//===- AttentionKernelBuilder.h - The attention kernels' builder -*- C++
//-*-===//
//
// Part of the SAS-MLIR project.
//
// The builder both tensor-core attention kernels share (copies, online
// softmax, masking, epilogue; AttentionKernel.cpp) and its two variants:
// mma.sync (AttentionMmaSync.cpp) and sm_90a wgmma (AttentionWgmma.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CODEGEN_NVVM_KERNELS_ATTENTIONKERNELBUILDER_H
#define SAS_LIB_CODEGEN_NVVM_KERNELS_ATTENTIONKERNELBUILDER_H

#include "sas/Codegen/NVVM/Builders/CopyRing.h"
#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelArith.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/Builders/WarpgroupMma.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

namespace mlir {
namespace sas {
namespace attention {

/// The running softmax state of one warp, per 16-row tile m of the warp:
/// the row max (in the exp2 domain) and this lane's part of the row sum,
/// for the lane's two rows (g, g + 8), and the output accumulator tiles
/// (F / 8 of them).
struct SoftmaxState {
  SmallVector<std::array<Value, 2>> max, sum;
  SmallVector<SmallVector<AccFragment>> acc;

  SmallVector<Value> flatten() const {
    SmallVector<Value> values;
    for (size_t m = 0; m < max.size(); ++m) {
      values.append({max[m][0], max[m][1], sum[m][0], sum[m][1]});
      for (const AccFragment &a : acc[m])
        values.append(a.begin(), a.end());
    }
    return values;
  }
  static SoftmaxState unflatten(ValueRange values, int64_t rowTiles) {
    SoftmaxState s;
    size_t perTile = values.size() / rowTiles;
    for (int64_t m = 0; m < rowTiles; ++m) {
      ValueRange v = values.slice(m * perTile, perTile);
      s.max.push_back({v[0], v[1]});
      s.sum.push_back({v[2], v[3]});
      s.acc.emplace_back();
      for (size_t i = 4; i < perTile; i += 4)
        s.acc.back().push_back({v[i], v[i + 1], v[i + 2], v[i + 3]});
    }
    return s;
  }
};

/// The copy plan of one column segment of a k or v tile: 16-byte chunks,
/// consecutive threads along a row so that a warp reads whole rows. When
/// the block's threads cover whole rows of the segment (their count is a
/// multiple of its chunks), each thread copies the same column of rows
/// tid / chunks + i * rowsPerStep: its addresses are computed once, before
/// the key loop, and a step only adds constants (address arithmetic per
/// chunk was what the copies cost). A row of a width that is no power of
/// two of chunks (E = 96: 12) is cut into segments that are (8 + 4).
struct TileCopy {
  Value global;       // ptr<1>: this thread's first chunk in key block 0
  Value headStart;    // ptr<1>: row 0 of the head, a valid address
  Value firstRow;     // i32: the row of the tile of the first chunk
  Value sharedOffset; // i32: its byte offset in the tile
  int64_t rowBytes, keyBytes, rowsPerStep, steps;
};

/// Builds the body of one attention kernel, one method per algorithm step:
/// the copies, the online-softmax step, masking and the epilogue. The
/// variants (mma.sync, sm_90a wgmma) supply how a tile is laid out and how
/// q k^T and p v are computed.
class AttentionKernelBuilder {
public:
  AttentionKernelBuilder(OpBuilder &b, Location loc, MmaAttentionOp op)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getQ().getType().getElementType()), mem(b, loc),
        wg(b, loc), kvRing(k, mem, op.getStages()) {
    e = op.getQ().getType().getDimSize(3);
    f = op.getV().getType().getDimSize(3);
    numHeads = op.getQ().getType().getDimSize(2);
    warps = op.getWarps();
    rowTiles = op.getWarpRows() / 16;
    bq = op.getWarpRows() * warps;
    bk = op.getKeyTile();
    stages = op.getStages();
    causal = op.getCausal();
    scaleLog2 = op.getScale().convertToDouble() / std::log(2.0);
    element = op.getQ().getType().getElementType();
    AttentionSharedPlan plan(e, f, bk, stages, op.getWgmma());
    kRowBytes = plan.key.rowBytes();
    vRowBytes = plan.value.rowBytes();
    kTileBytes = plan.valueOffset;
    stageBytes = plan.stageBytes;
    panelBytes = plan.key.panelBytes();
  }

  /// Emits the kernel body at the builder's insertion point (inside the
  /// launch): the block ids x, y, z, the thread id x, T, S and the number of
  /// query blocks.
  void build(MmaAttentionOp op, Value blockX, Value blockY, Value blockZ,
             Value threadX, Value queryCount, Value keyCount,
             Value queryBlocks);

  virtual ~AttentionKernelBuilder() = default;

protected:
  using Scores = SmallVector<SmallVector<AccFragment>>; // [row tile][key/8]

  // The variant's part.
  /// The k/v ring's base from the start of shared memory.
  virtual Value alignRing(Value smem) { return smem; }
  /// Per-lane addresses the variant's products read tiles through.
  virtual void planLaneOffsets() {}
  /// Rows a step of a thread's copies must advance by, for its shared
  /// offsets to advance by a constant.
  virtual int64_t getCopyRowGranule() const { return 1; }
  /// The shared-memory offset of chunk `column` (16 bytes) of row `row` of
  /// a tile `width` wide.
  virtual Value tileChunkOffset(Value row, Value column, int64_t width,
                                int64_t rowBytes) = 0;
  /// Makes this thread's finished copies visible to the products.
  virtual void makeCopiesVisible() {}
  /// s = q k^T for this warp's rows and the slot at `stageBase`.
  virtual Scores computeScores(Value stageBase) = 0;
  /// o += p v with the slot's v tile.
  virtual void accumulateValues(SoftmaxState &state,
                                ArrayRef<SmallVector<AFragment>> p,
                                Value stageBase) = 0;
  /// Called after the last key loop, before the output is stored.
  virtual void finishKeyLoops() {}

  /// Byte offset of row `token` of head `head` in a [B, L, N, width] tensor
  /// of batch `batch` (i64: tensors may exceed 2 GiB).
  Value rowOffset(Value batch, Value length, Value token, int64_t width);

  void loadQueryFragments(Value q);
  SmallVector<TileCopy> planTileCopy(Value global, int64_t width,
                                     int64_t rowBytes);
  void issueKeyValueLoadIfAny(Value keyBlock, Value numBlocks);
  void issueKeyValueLoad(Value keyBlock, Value stage, bool whole);
  void copyRowsAsync(Value global, Value start, Value limit, int64_t rows,
                     int64_t width, Value tile,
                     function_ref<Value(Value, Value)> destOffset);
  void maskScores(Scores &s, Value keyStart);
  SmallVector<SmallVector<AFragment>> onlineSoftmaxStep(SoftmaxState &state,
                                                        Scores &s);
  SoftmaxState buildKeyLoop(Value lower, Value upper, Value numBlocks,
                            const SoftmaxState &init, bool masked);
  void storeOutput(Value out, Value lse, const SoftmaxState &state);

  OpBuilder &b;
  Location loc;
  IntArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  WarpgroupMmaBuilder wg;
  CopyRing kvRing;

  int64_t e, f, numHeads, warps, rowTiles, bq, bk, stages;
  bool causal;
  double scaleLog2;
  Type element;
  int64_t kRowBytes, vRowBytes, kTileBytes, stageBytes, panelBytes;
  Value ring; // the k/v ring (ptr<3>)

  // Values of the kernel, i32 unless said otherwise.
  Value tid, lane, warp, group, quad;
  Value batch, head, q0, queries, keys;
  SmallVector<std::array<Value, 2>> rows; // per row tile: rows g and g + 8
  Value kBase, vBase, smem;       // global k, v (ptr<1>), shared ring (ptr<3>)
  Value kLaneOffset, vLaneOffset; // lane's ldmatrix row address in a tile
  SmallVector<SmallVector<AFragment>> qFrags; // [row tile][E / 16]
  SmallVector<TileCopy> copies[2]; // k, v: empty where there is no plan
};

/// FlashAttention-2 on mma.sync (sm_80 and later): k and v in padded rows,
/// read by ldmatrix; q k^T and p v by mma.sync.m16n8k16.
class MmaSyncAttentionBuilder final : public AttentionKernelBuilder {
public:
  using AttentionKernelBuilder::AttentionKernelBuilder;

private:
  void planLaneOffsets() override;
  Value tileChunkOffset(Value row, Value column, int64_t width,
                        int64_t rowBytes) override;
  Scores computeScores(Value stageBase) override;
  void accumulateValues(SoftmaxState &state, ArrayRef<SmallVector<AFragment>> p,
                        Value stageBase) override;
};

/// The sm_90a kernel: each warpgroup's 64 rows multiply k and v in
/// 128-byte-swizzled panels with wgmma.mma_async, q and p from registers.
class WgmmaAttentionBuilder final : public AttentionKernelBuilder {
public:
  using AttentionKernelBuilder::AttentionKernelBuilder;

private:
  Value alignRing(Value smem) override;
  int64_t getCopyRowGranule() const override { return 8; }
  Value tileChunkOffset(Value row, Value column, int64_t width,
                        int64_t rowBytes) override;
  void makeCopiesVisible() override;
  Scores computeScores(Value stageBase) override;
  void accumulateValues(SoftmaxState &state, ArrayRef<SmallVector<AFragment>> p,
                        Value stageBase) override;
  void finishKeyLoops() override;
};

} // namespace attention
} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CODEGEN_NVVM_KERNELS_ATTENTIONKERNELBUILDER_H
