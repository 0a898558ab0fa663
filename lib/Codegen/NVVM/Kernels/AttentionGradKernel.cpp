//===- AttentionGradKernel.cpp - Attention backward on mma.sync -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Replaces a sas.mma_attention_grad with a gpu.launch whose body is a
// FlashAttention-2-style backward on mma.sync tensor cores (sm_80 and
// later), key-block stationary:
//
//   block (key block x, head y, batch z): W warps, 16 keys each (W * 16
//   keys, and query blocks of as many rows)
//     k, v tiles <- global                      (shared, whole kernel)
//     dK = 0, dV = 0                            (registers, f32)
//     q, d_o, lse * log2(e), delta of the first query block -> stage 0
//     for query block i from the diagonal (causal) or 0 to the end:
//       wait for block i's stage; barrier
//       block i + 1's q, d_o, ... -> the other stage     (cp.async: copied
//                                                       during the products)
//       warp w, its keys' rows of every product (keys are M):
//         S^T  = k_w q^T                        (k by ldmatrix, q as B)
//         P^T  = exp2(c * S^T - lse2)           (c = scale * log2(e); masked
//                                                only on the diagonal block
//                                                and past T or S)
//         dV  += P^T d_o                        (d_o by ldmatrix.trans)
//         dP^T = v_w d_o^T
//         dA^T = P^T * (dP^T - delta)
//         dK  += dA^T q                         (q by ldmatrix.trans)
//         dA^T -> shared (16-bit)
//       warp w, query rows 16w..16w+15:
//         d_q_accum[rows] += dA k               (dA by ldmatrix.trans, f32
//                                                atomics)
//     d_k <- scale * dK, d_v <- dV              (keys < S only)
//
// Products with keys as M need no transpose of the softmax: P^T and dA^T
// come out of mma.sync with a lane holding two keys (rows) and pairs of
// queries (columns), which is the A fragment of the next product. Only
// d_q needs the other orientation; the block's warps share dA^T through
// shared memory and add their query rows' part of dA . k to d_q_accum in
// f32, which the caller scales and rounds into d_q. Rows past T or S are
// zero-filled by the copies and masked out of P; nothing is written for
// them.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/Builders/WarpgroupMma.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"
#include "sas/Conversion/Common/OnlineSoftmax.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sas;

namespace {

using Tiles = SmallVector<SmallVector<AccFragment>>; // [1][columns / 8]

class AttentionGradKernelBuilder {
public:
  AttentionGradKernelBuilder(OpBuilder &b, Location loc, MmaAttentionGradOp op,
                             const TargetDescription &target)
      : b(b), loc(loc), k(b, loc), target(target),
        frag(b, loc, op.getQ().getType().getElementType()), mem(b, loc), op(op),
        e(op.getQ().getType().getDimSize(3)),
        f(op.getV().getType().getDimSize(3)),
        numHeads(op.getQ().getType().getDimSize(2)), warps(op.getWarps()),
        tile(16 * op.getWarps()), plan(e, f, tile, tile) {}

  void build(Value blockX, Value blockY, Value blockZ, Value threadX,
             Value queryCount, Value keyCount);

private:
  /// Byte offset of row `token` of this block's head in a [B, L, N, width]
  /// tensor of `bytes`-byte elements (i64: tensors may exceed 2 GiB).
  Value rowOffset(Value length, Value token, int64_t width, int64_t bytes = 2);
  /// Rows [start, start + rows) of this head of a [B, L, N, width] 16-bit
  /// tensor with L = `limit` into `tile` (rows `rowBytes` apart) by
  /// cp.async, 16 bytes a thread at a time; rows past `limit` zero-filled.
  void copyRows(Value global, Value start, Value limit, int64_t width,
                Value tileBase, int64_t rowBytes);
  /// This warp's 16 rows of a padded tile as A fragments, one per 16
  /// columns.
  SmallVector<AFragment> loadWarpRows(Value tileBase, int64_t width,
                                      int64_t rowBytes);
  /// Starts the copies of the query block at row `q0` into the stage at
  /// `stage`: q and d_o by cp.async (one group), the rows' log-sum-exp
  /// (exp2 domain) and delta by plain loads and stores.
  void loadQueryBlock(Value q0, Value stage);
  /// One query block, its tiles in the stage at `stage`: the products
  /// above, dK and dV updated in place. Unless `masked`, every query of the
  /// block exists and sees every key.
  void buildQueryStep(Value q0, Value stage, Tiles &dK, Tiles &dV, bool masked);
  /// Stores `acc` * `scale` as 16-bit rows of this warp's keys.
  void storeKeyRows(Value global, const Tiles &acc, int64_t width,
                    double scale);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  const TargetDescription &target;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  MmaAttentionGradOp op;
  int64_t e, f, numHeads, warps, tile;
  AttentionGradSharedPlan plan;

  // i32 unless said otherwise; the thread's ids are k's.
  Value tid, lane, warp, group, quad, batch, head, queries, keys, keyStart;
  std::array<Value, 2> keyRows;           // this lane's keys: rows g and g + 8
  Value kTile, vTile, dsTile, firstStage; // ptr<3>
};

} // namespace

Value AttentionGradKernelBuilder::rowOffset(Value length, Value token,
                                            int64_t width, int64_t bytes) {
  Value row = k.add(k.mul(k.toI64(batch), k.toI64(length)), k.toI64(token));
  row = k.add(k.mulC(row, numHeads), k.toI64(head));
  return k.mulC(row, width * bytes);
}

void AttentionGradKernelBuilder::copyRows(Value global, Value start,
                                          Value limit, int64_t width,
                                          Value tileBase, int64_t rowBytes) {
  int64_t chunks = width / 8;
  forEachThreadItem(b, loc, tid, 32 * warps, tile * chunks, [&](Value item) {
    Value row = k.div(item, chunks), column = k.rem(item, chunks);
    Value index = k.add(start, row);
    Value inRange = k.slt(index, limit);
    Value source = mem.offset(
        mem.offset(global,
                   rowOffset(limit, k.minS(index, k.addC(limit, -1)), width)),
        k.mulC(column, 16));
    mem.copyAsync16(
        mem.offset(tileBase, k.add(k.mulC(row, rowBytes), k.mulC(column, 16))),
        source, arith::SelectOp::create(b, loc, inRange, k.i32(16), k.i32(0)));
  });
}

SmallVector<AFragment>
AttentionGradKernelBuilder::loadWarpRows(Value tileBase, int64_t width,
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

void AttentionGradKernelBuilder::loadQueryBlock(Value q0, Value stage) {
  copyRows(mem.globalBase(op.getQ()), q0, queries, e, stage,
           plan.query.rowBytes());
  copyRows(mem.globalBase(op.getDO()), q0, queries, f,
           mem.offset(stage, k.i32(plan.gradOutOffset)),
           plan.gradOut.rowBytes());
  mem.commitGroup();
  // 0 past T: those rows are masked.
  Value lseBase = mem.globalBase(op.getLse()),
        deltaBase = mem.globalBase(op.getDelta());
  forEachThreadItem(b, loc, tid, 32 * warps, tile, [&](Value i) {
    Value row = k.add(q0, i);
    Value inRange = k.slt(row, queries);
    Value offset = rowOffset(queries, k.minS(row, k.addC(queries, -1)), 1, 4);
    Value lse = mem.load(b.getF32Type(), mem.offset(lseBase, offset));
    Value delta = mem.load(b.getF32Type(), mem.offset(deltaBase, offset));
    Value zero = frag.f32(0.0);
    lse = arith::MulFOp::create(b, loc, lse, frag.f32(1.0 / std::log(2.0)));
    Value at = k.mulC(i, 4);
    mem.store(arith::SelectOp::create(b, loc, inRange, lse, zero),
              mem.offset(stage, k.addC(at, plan.lseOffset)));
    mem.store(arith::SelectOp::create(b, loc, inRange, delta, zero),
              mem.offset(stage, k.addC(at, plan.deltaOffset)));
  });
}

void AttentionGradKernelBuilder::buildQueryStep(Value q0, Value stage,
                                                Tiles &dK, Tiles &dV,
                                                bool masked) {
  const SharedTile &qt = plan.query, &dot = plan.gradOut, &kt = plan.key,
                   &dst = plan.scoresGrad;
  Value qTile = stage, doTile = mem.offset(stage, k.i32(plan.gradOutOffset)),
        lseTile = mem.offset(stage, k.i32(plan.lseOffset)),
        deltaTile = mem.offset(stage, k.i32(plan.deltaOffset));

  // S^T = k_w q^T and dP^T = v_w d_o^T: this warp's keys by the block's
  // queries.
  Tiles s(1, SmallVector<AccFragment>(tile / 8, frag.splat(0.0)));
  Tiles dp = s;
  frag.multiplyTransposed(
      s, {loadWarpRows(kTile, e, kt.rowBytes())},
      mem.offset(qTile, frag.tileLaneOffset(lane, qt.rowBytes(), false)),
      qt.rowBytes());
  frag.multiplyTransposed(
      dp, {loadWarpRows(vTile, f, plan.value.rowBytes())},
      mem.offset(doTile, frag.tileLaneOffset(lane, dot.rowBytes(), false)),
      dot.rowBytes());

  // P^T and dA^T, a lane's element (key row, query column) at a time.
  Value c = frag.f32(op.getScale().convertToDouble() / std::log(2.0));
  Value laneQuery = k.mulC(quad, 2);
  for (int64_t j = 0; j < tile / 8; ++j)
    for (int i = 0; i < 4; ++i) {
      Value column = k.addC(laneQuery, 8 * j + AccLayout::column(i));
      Value columnBytes = k.mulC(column, 4);
      Value lse2 = mem.load(b.getF32Type(), mem.offset(lseTile, columnBytes));
      Value delta =
          mem.load(b.getF32Type(), mem.offset(deltaTile, columnBytes));
      Value p = frag.exp2(arith::SubFOp::create(
          b, loc, arith::MulFOp::create(b, loc, s[0][j][i], c), lse2));
      if (masked) {
        Value query = k.add(q0, column);
        Value hidden = arith::OrIOp::create(
            b, loc,
            online_softmax::isHiddenKey(b, loc, keyRows[AccLayout::row(i)],
                                        query, keys, op.getCausal()),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, query,
                                  queries));
        p = arith::SelectOp::create(b, loc, hidden, frag.f32(0.0), p);
      }
      s[0][j][i] = p;
      dp[0][j][i] = arith::MulFOp::create(
          b, loc, p, arith::SubFOp::create(b, loc, dp[0][j][i], delta));
    }
  SmallVector<SmallVector<AFragment>> pA(1), dsA(1);
  for (int64_t kk = 0; kk < tile / 16; ++kk) {
    pA[0].push_back(frag.accumulatorsToA(s[0][2 * kk], s[0][2 * kk + 1]));
    dsA[0].push_back(frag.accumulatorsToA(dp[0][2 * kk], dp[0][2 * kk + 1]));
  }

  // dV += P^T d_o and dK += dA^T q.
  frag.multiplyRowMajor(
      dV, pA,
      mem.offset(doTile, frag.rowMajorBLaneOffset(lane, dot.rowBytes())),
      dot.rowBytes());
  frag.multiplyRowMajor(
      dK, dsA, mem.offset(qTile, frag.rowMajorBLaneOffset(lane, qt.rowBytes())),
      qt.rowBytes());

  // dA^T to shared memory: row = key, the packed pairs of an A fragment are
  // (row g, columns 2q, 2q + 1), (g + 8, ...), then 8 columns on.
  Value warpRow = k.add(k.mulC(warp, 16), group);
  for (int64_t kk = 0; kk < tile / 16; ++kk)
    for (int r = 0; r < 4; ++r) {
      Value row = k.addC(warpRow, 8 * (r % 2));
      Value column = k.addC(laneQuery, 16 * kk + 8 * (r / 2));
      mem.storeI32(dsA[0][kk][r],
                   mem.offset(dsTile, k.add(k.mulC(row, dst.rowBytes()),
                                            k.mulC(column, 2))));
    }
  gpu::BarrierOp::create(b, loc);

  // d_q_accum[q0 + 16w ..] += dA k: dA's A fragments read transposed from
  // dA^T, k as a row-major B.
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
  Value dqBase = mem.globalBase(op.getDQAccum());
  for (int r = 0; r < 2; ++r) {
    Value row = k.add(q0, k.addC(warpRow, 8 * r));
    buildIf(b, loc, k.slt(row, queries), [&] {
      Value rowAddress = mem.offset(
          mem.offset(dqBase, rowOffset(queries, row, e, 4)), k.mulC(quad, 8));
      for (int64_t j = 0; j < e / 8; ++j) {
        Value address = mem.offset(rowAddress, k.i32(32 * j));
        // A lane's two columns are adjacent: one 8-byte reduction where
        // the target has them, else two.
        mem.reduceAddF32Pair(address, dq[0][j][AccLayout::reg(r, 0)],
                             dq[0][j][AccLayout::reg(r, 1)],
                             target.hasVectorReductions);
      }
    });
  }
}

void AttentionGradKernelBuilder::storeKeyRows(Value global, const Tiles &acc,
                                              int64_t width, double scale) {
  Value base = mem.globalBase(global);
  for (int r = 0; r < 2; ++r)
    buildIf(b, loc, k.slt(keyRows[r], keys), [&] {
      Value rowAddress =
          mem.offset(mem.offset(base, rowOffset(keys, keyRows[r], width)),
                     k.mulC(quad, 4));
      for (int64_t j = 0; j < width / 8; ++j) {
        auto scaled = [&](int column) -> Value {
          Value v = acc[0][j][AccLayout::reg(r, column)];
          if (scale == 1.0)
            return v;
          return arith::MulFOp::create(b, loc, v, frag.f32(scale));
        };
        mem.storeI32(frag.pack(scaled(0), scaled(1)),
                     mem.offset(rowAddress, k.i32(16 * j)));
      }
    });
}

void AttentionGradKernelBuilder::build(Value blockX, Value blockY, Value blockZ,
                                       Value threadX, Value queryCount,
                                       Value keyCount) {
  k.setThread(threadX);
  tid = k.tid;
  lane = k.lane;
  warp = k.warp;
  group = k.group;
  quad = k.quad;
  queries = k.toI32(queryCount);
  keys = k.toI32(keyCount);
  head = k.toI32(blockY);
  batch = k.toI32(blockZ);
  Value keyBlock = k.toI32(blockX);
  keyStart = k.mulC(keyBlock, tile);
  Value warpKey = k.add(keyStart, k.add(k.mulC(warp, 16), group));
  keyRows = {warpKey, k.addC(warpKey, 8)};

  Value smem = mem.sharedBase();
  auto at = [&](int64_t offset) { return mem.offset(smem, k.i32(offset)); };
  kTile = smem;
  vTile = at(plan.valueOffset);
  dsTile = at(plan.scoresGradOffset);
  firstStage = at(plan.firstStageOffset);

  copyRows(mem.globalBase(op.getK()), keyStart, keys, e, kTile,
           plan.key.rowBytes());
  copyRows(mem.globalBase(op.getV()), keyStart, keys, f, vTile,
           plan.value.rowBytes());
  mem.commitGroup();

  // Query blocks are as tall as key blocks: under causal the first that
  // sees this block's keys is the one on the diagonal.
  Value first = op.getCausal() ? keyBlock : k.i32(0);
  Value last = arith::CeilDivUIOp::create(b, loc, queries, k.i32(tile));
  loadQueryBlock(k.mulC(first, tile), firstStage);
  Tiles dK(1, SmallVector<AccFragment>(e / 8, frag.splat(0.0)));
  Tiles dV(1, SmallVector<AccFragment>(f / 8, frag.splat(0.0)));
  SmallVector<Value> init = flattenRowTiles(dK);
  llvm::append_range(init, flattenRowTiles(dV));
  auto loop = scf::ForOp::create(b, loc, first, last, k.i32(1), init);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar(), q0 = k.mulC(i, tile);
    // Block i's stage, then the other one for block i + 1: every warp is
    // past the barrier, so done with block i - 1's, which it held.
    static_assert(AttentionGradSharedPlan::kQueryStages == 2,
                  "the key loop alternates two query-block stages");
    Value parity = k.rem(k.sub(i, first), 2);
    Value stage = mem.offset(firstStage, k.mulC(parity, plan.stageBytes));
    Value nextStage = mem.offset(
        firstStage, k.mulC(k.sub(k.i32(1), parity), plan.stageBytes));
    mem.waitGroups(0);
    gpu::BarrierOp::create(b, loc);
    buildIf(b, loc, k.slt(k.addC(i, 1), last),
            [&] { loadQueryBlock(k.addC(q0, tile), nextStage); });
    // Masks only where some query is past T, some key past S, or (on the
    // diagonal block) after some query: elsewhere every P is as computed.
    Value needsMask =
        arith::OrIOp::create(b, loc, k.slt(queries, k.addC(q0, tile)),
                             k.slt(keys, k.addC(keyStart, tile)));
    if (op.getCausal())
      needsMask = arith::OrIOp::create(
          b, loc, needsMask,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, i, keyBlock));
    auto step = scf::IfOp::create(b, loc, TypeRange(ValueRange(init)),
                                  needsMask, /*withElseRegion=*/true);
    for (bool masked : {true, false}) {
      OpBuilder::InsertionGuard branch(b);
      b.setInsertionPointToStart(masked ? &step.getThenRegion().front()
                                        : &step.getElseRegion().front());
      SmallVector<Value> args(loop.getRegionIterArgs());
      Tiles dKStep = unflattenRowTiles(ArrayRef(args).take_front(e / 2), 1);
      Tiles dVStep = unflattenRowTiles(ArrayRef(args).drop_front(e / 2), 1);
      buildQueryStep(q0, stage, dKStep, dVStep, masked);
      SmallVector<Value> next = flattenRowTiles(dKStep);
      llvm::append_range(next, flattenRowTiles(dVStep));
      scf::YieldOp::create(b, loc, next);
    }
    scf::YieldOp::create(b, loc, step.getResults());
  }
  SmallVector<Value> results(loop.getResults());
  // No query block: the keys' copies are still to be retired.
  mem.waitGroups(0);
  storeKeyRows(op.getDK(),
               unflattenRowTiles(ArrayRef(results).take_front(e / 2), 1), e,
               op.getScale().convertToDouble());
  storeKeyRows(op.getDV(),
               unflattenRowTiles(ArrayRef(results).drop_front(e / 2), 1), f,
               1.0);
}

LogicalResult sas::checkKernelTiling(MmaAttentionGradOp op,
                                     const TargetDescription &target) {
  return checkMmaAttentionGradTiling(target, op.getQ().getType().getDimSize(3),
                                     op.getV().getType().getDimSize(3),
                                     op.getWarps(),
                                     [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaAttentionGradOp op) {
  int64_t tile = 16 * op.getWarps();
  return AttentionGradSharedPlan(op.getQ().getType().getDimSize(3),
                                 op.getV().getType().getDimSize(3), tile, tile)
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaAttentionGradOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  Value queries = memref::DimOp::create(b, loc, op.getQ(), 1);
  Value keys = memref::DimOp::create(b, loc, op.getK(), 1);
  Value keyBlocks = arith::CeilDivUIOp::create(
      b, loc, keys, arith::ConstantIndexOp::create(b, loc, 16 * op.getWarps()));
  Value heads =
      arith::ConstantIndexOp::create(b, loc, op.getQ().getType().getDimSize(2));
  Value batch = memref::DimOp::create(b, loc, op.getQ(), 0);
  gpu::LaunchOp launch = createKernelLaunch(
      b, op, "attention_grad_mma", index, {keyBlocks, heads, batch},
      32 * op.getWarps(), getKernelSharedBytes(op));
  AttentionGradKernelBuilder kernel(b, loc, op, target);
  kernel.build(launch.getBlockIds().x, launch.getBlockIds().y,
               launch.getBlockIds().z, launch.getThreadIds().x, queries, keys);
  op.erase();
  return success();
}
