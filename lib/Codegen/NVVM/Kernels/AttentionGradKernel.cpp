//===- AttentionGradKernel.cpp - The attention backward kernels -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Replaces a sas.mma_attention_grad with a gpu.launch whose body is a
// FlashAttention-2-style backward on tensor cores, key-block stationary:
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
//         S^T  = k_w q^T
//         dP^T = v_w d_o^T
//         P^T  = exp2(c * S^T - lse2)           (c = scale * log2(e); masked
//                                                only on the diagonal block
//                                                and past T or S)
//         dA^T = P^T * (dP^T - delta)
//         dV  += P^T d_o
//         dK  += dA^T q
//         dA^T -> shared (16-bit); barrier
//       warp w, query rows 16w..16w+15:
//         d_q_accum[rows] += dA k               (f32 atomics)
//     d_k <- scale * dK, d_v <- dV              (keys < S only)
//
// Products with keys as M need no transpose of the softmax: P^T and dA^T
// come out of the tensor cores with a lane holding two keys (rows) and
// pairs of queries (columns), which is the A fragment of the next product.
// Only d_q needs the other orientation; the block's warps share dA^T
// through shared memory and add their query rows' part of dA . k to
// d_q_accum in f32, which the caller scales and rounds into d_q. Rows past
// T or S are zero-filled by the copies and masked out of P; nothing is
// written for them.
//
// The variants differ only in the tiles' layout and the products
// (AttentionGradKernelBuilder.h): mma.sync reads padded rows by ldmatrix;
// the sm_90a kernel (one warpgroup: 64 keys, query blocks of 64) issues
// wgmma on 128-byte-swizzled tiles.
//
//===----------------------------------------------------------------------===//

#include "AttentionGradKernelBuilder.h"

#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Conversion/Common/OnlineSoftmax.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::attention_grad;

AttentionGradKernelBuilder::AttentionGradKernelBuilder(
    OpBuilder &b, Location loc, MmaAttentionGradOp op,
    const TargetDescription &target)
    : b(b), loc(loc), k(b, loc), target(target),
      frag(b, loc, op.getQ().getType().getElementType()), mem(b, loc),
      wg(b, loc), op(op), element(op.getQ().getType().getElementType()),
      e(op.getQ().getType().getDimSize(3)),
      f(op.getV().getType().getDimSize(3)),
      numHeads(op.getQ().getType().getDimSize(2)), warps(op.getWarps()),
      tile(16 * op.getWarps()), plan(e, f, tile, tile, op.getWgmma()) {}

Value AttentionGradKernelBuilder::elementAddress(Value base,
                                                 const SharedTile &layout,
                                                 Value row, Value column) {
  Value offset;
  if (layout.layout == SharedTile::Layout::Padded) {
    offset = k.add(k.mulC(row, layout.rowBytes()), k.mulC(column, 2));
  } else {
    // Panel column / 64; in it, 16-byte chunk (column % 64) / 8 of the
    // row, swizzled; in the chunk, element column % 8.
    Value panel = k.div(column, kPanelColumns);
    Value chunk = k.div(k.rem(column, kPanelColumns), 8);
    offset = k.add(
        k.mulC(panel, layout.panelBytes()),
        k.add(wg.swizzledOffset(row, chunk), k.mulC(k.rem(column, 8), 2)));
  }
  return mem.offset(base, offset);
}

Value AttentionGradKernelBuilder::rowOffset(Value length, Value token,
                                            int64_t width, int64_t bytes) {
  Value row = k.add(k.mul(k.toI64(batch), k.toI64(length)), k.toI64(token));
  row = k.add(k.mulC(row, numHeads), k.toI64(head));
  return k.mulC(row, width * bytes);
}

void AttentionGradKernelBuilder::copyRows(Value global, Value start,
                                          Value limit, int64_t width,
                                          Value dest,
                                          const SharedTile &layout) {
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
        elementAddress(dest, layout, row, k.mulC(column, 8)), source,
        arith::SelectOp::create(b, loc, inRange, k.i32(16), k.i32(0)));
  });
}

void AttentionGradKernelBuilder::loadQueryBlock(Value q0, Value stage) {
  copyRows(mem.globalBase(op.getQ()), q0, queries, e, stage, plan.query);
  copyRows(mem.globalBase(op.getDO()), q0, queries, f,
           mem.offset(stage, k.i32(plan.gradOutOffset)), plan.gradOut);
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

void AttentionGradKernelBuilder::applySoftmaxGrad(Value q0, Value stage,
                                                  Tiles &s, Tiles &dp,
                                                  bool masked) {
  Value lseTile = mem.offset(stage, k.i32(plan.lseOffset)),
        deltaTile = mem.offset(stage, k.i32(plan.deltaOffset));
  // A lane's element (key row, query column) at a time.
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
}

void AttentionGradKernelBuilder::buildQueryStep(Value q0, Value stage,
                                                Tiles &dK, Tiles &dV,
                                                bool masked) {
  auto [s, dp] = computeScores(stage);
  applySoftmaxGrad(q0, stage, s, dp, masked);
  SmallVector<AFragment> pA, dsA;
  for (int64_t kk = 0; kk < tile / 16; ++kk) {
    pA.push_back(frag.accumulatorsToA(s[0][2 * kk], s[0][2 * kk + 1]));
    dsA.push_back(frag.accumulatorsToA(dp[0][2 * kk], dp[0][2 * kk + 1]));
  }
  accumulateKeyGrads(dK, dV, pA, dsA, stage);

  // dA^T to shared memory: row = key, the packed pairs of an A fragment are
  // (row g, columns 2q, 2q + 1), (g + 8, ...), then 8 columns on.
  Value warpRow = k.add(k.mulC(warp, 16), group);
  Value laneQuery = k.mulC(quad, 2);
  for (int64_t kk = 0; kk < tile / 16; ++kk)
    for (int r = 0; r < 4; ++r) {
      Value row = k.addC(warpRow, 8 * (r % 2));
      Value column = k.addC(laneQuery, 16 * kk + 8 * (r / 2));
      mem.storeI32(dsA[kk][r],
                   elementAddress(dsTile, plan.scoresGrad, row, column));
    }
  makeSharedWritesVisible();
  gpu::BarrierOp::create(b, loc);

  // d_q_accum[q0 + 16w ..] += dA k.
  Tiles dq = computeQueryGrad();
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

  Value smem = alignBase(mem.sharedBase());
  auto at = [&](int64_t offset) { return mem.offset(smem, k.i32(offset)); };
  kTile = smem;
  vTile = at(plan.valueOffset);
  dsTile = at(plan.scoresGradOffset);
  firstStage = at(plan.firstStageOffset);

  copyRows(mem.globalBase(op.getK()), keyStart, keys, e, kTile, plan.key);
  copyRows(mem.globalBase(op.getV()), keyStart, keys, f, vTile, plan.value);
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
    makeSharedWritesVisible();
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
  int64_t e = op.getQ().getType().getDimSize(3),
          f = op.getV().getType().getDimSize(3);
  auto emitError = [&] { return op.emitOpError(); };
  return op.getWgmma() ? checkWgmmaAttentionGradTiling(target, e, f,
                                                       op.getWarps(), emitError)
                       : checkMmaAttentionGradTiling(target, e, f,
                                                     op.getWarps(), emitError);
}

int64_t sas::getKernelSharedBytes(MmaAttentionGradOp op) {
  int64_t tile = 16 * op.getWarps();
  return AttentionGradSharedPlan(op.getQ().getType().getDimSize(3),
                                 op.getV().getType().getDimSize(3), tile, tile,
                                 op.getWgmma())
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
      b, op, op.getWgmma() ? "attention_grad_wgmma" : "attention_grad_mma",
      index, {keyBlocks, heads, batch}, 32 * op.getWarps(),
      getKernelSharedBytes(op));
  auto build = [&](AttentionGradKernelBuilder &kernel) {
    kernel.build(launch.getBlockIds().x, launch.getBlockIds().y,
                 launch.getBlockIds().z, launch.getThreadIds().x, queries,
                 keys);
  };
  if (op.getWgmma()) {
    WgmmaAttentionGradBuilder kernel(b, loc, op, target);
    build(kernel);
  } else {
    MmaSyncAttentionGradBuilder kernel(b, loc, op, target);
    build(kernel);
  }
  op.erase();
  return success();
}
