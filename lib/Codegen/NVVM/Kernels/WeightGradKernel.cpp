//===- WeightGradKernel.cpp - A weight gradient on tensor cores -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The kernel of sas.mma_weight_grad: with grad [rows, P] and input
// [rows, Q] (rows = B * T * N, 16-bit),
//
//   d_w[p, q] += sum_r grad[r, p] * input[r, q]      (f32)
//   d_b[p]    += sum_r grad[r, p]                    (optional)
//
// grid (P/BP * Q/BQ tiles, row chunks): a block of 4 warps (2 x 2, each
//   BP/2 x BQ/2 of the tile) sums `row_chunk` rows
//   ring of kWeightGradStages slots, each 32 rows of grad's BP columns and
//   input's BQ columns (padded rows), filled by cp.async; rows past the end
//   are zero-filled
//   for each 32-row step:
//     prefetch step + stages - 1; wait for this step
//     a   = grad^T fragments               (ldmatrix.trans: the rows are k)
//     acc += a input                       (mma.sync, input by ldmatrix.trans)
//     sum += a 1                           (mma.sync with a B of ones)
//   d_w += acc, d_b += sum                 (red.global.add)
//
// The row chunks' partial tiles meet in d_w through reductions, so the
// kernel needs no second pass, and the chunks keep every SM busy however
// small P and Q are (128 x 128 is four tiles).
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/CopyRing.h"
#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/Builders/RowTiles.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/Builders/WarpgroupMma.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

namespace {

class WeightGradKernelBuilder {
public:
  WeightGradKernelBuilder(OpBuilder &b, Location loc, MmaWeightGradOp op,
                          const TargetDescription &target)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getGrad().getType().getElementType()), mem(b, loc),
        ring(k, mem, kWeightGradStages), op(op), target(target),
        p(op.getGrad().getType().getDimSize(3)),
        q(op.getInput().getType().getDimSize(3)), bp(getWeightGradTile(p)),
        bq(getWeightGradTile(q)), plan(bp, bq) {}

  void build(Value blockX, Value blockY, Value threadX, Value rowCount);

private:
  using Tiles = SmallVector<SmallVector<AccFragment>>;

  void issueStep(Value step, Value slot);
  /// Runs the steps on `acc` (this warp's d_w tiles, BP/32 row tiles of
  /// BQ/16 n-tiles) and `sums` (a tile of row sums per row tile).
  void buildStepLoop(Tiles &acc, SmallVector<AccFragment> &sums);
  void reduceResult(const Tiles &acc, ArrayRef<AccFragment> sums);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  CopyRing ring;
  MmaWeightGradOp op;
  const TargetDescription &target;

  int64_t p, q, bp, bq;
  WeightGradSharedPlan plan;
  Value rows, firstRow, steps; // i64, i64, i32
  Value p0, q0;                // i32: the block's tile
  Value smem, gradBase, inputBase;
};

/// Starts the copies of 32-row step `step` into ring slot `slot`: grad's
/// columns [p0, p0 + BP) and input's [q0, q0 + BQ) of those rows.
void WeightGradKernelBuilder::issueStep(Value step, Value slot) {
  Value stage = mem.offset(smem, k.mulC(slot, plan.stageBytes));
  Value stepRow = k.add(firstRow, k.toI64(k.mulC(step, kWeightGradStepRows)));
  int64_t threads = 32 * kWeightGradWarps;
  auto copy = [&](Value base, int64_t width, int64_t tileColumns, Value first,
                  const SharedTile &tile, int64_t tileOffset) {
    int64_t chunksPerRow = tileColumns / 8;
    forEachThreadItem(
        b, loc, k.tid, threads, kWeightGradStepRows * chunksPerRow,
        [&](Value chunk) {
          Value row = k.div(chunk, chunksPerRow);
          Value column = k.add(first, k.mulC(k.rem(chunk, chunksPerRow), 8));
          Value index = k.add(stepRow, k.toI64(row));
          Value inRange = k.slt(index, rows);
          Value element = k.add(k.mulC(index, width), k.toI64(column));
          Value source =
              k.select(inRange, mem.offset(base, k.mulC(element, 2)), base);
          Value dest = mem.offset(
              stage, k.add(k.i32(tileOffset),
                           k.add(k.mulC(row, tile.rowBytes()),
                                 k.mulC(k.rem(chunk, chunksPerRow), 16))));
          mem.copyAsync16(dest, source, k.select(inRange, k.i32(16), k.i32(0)));
        });
  };
  copy(gradBase, p, bp, p0, plan.grad, 0);
  copy(inputBase, q, bq, q0, plan.input, plan.inputOffset);
}

/// scf.for over the block's steps, the accumulators (d_w's tiles, then the
/// row sums) in iter_args.
void WeightGradKernelBuilder::buildStepLoop(Tiles &acc,
                                            SmallVector<AccFragment> &sums) {
  int64_t mTiles = acc.size();
  SmallVector<Value> carried = flattenRowTiles(acc);
  size_t accCount = carried.size();
  llvm::append_range(carried, flattenTiles(sums));
  ring.issuePrologue([&](int64_t step) {
    buildIf(b, loc, k.slt(k.i32(step), steps),
            [&] { issueStep(k.i32(step), k.i32(step)); });
  });
  auto loop = scf::ForOp::create(b, loc, k.i32(0), steps, k.i32(1), carried);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value step = loop.getInductionVar();
  ValueRange args = loop.getRegionIterArgs();
  Tiles stepAcc =
      unflattenRowTiles(SmallVector<Value>(args.take_front(accCount)), mTiles);
  SmallVector<AccFragment> stepSums =
      unflattenTiles(SmallVector<Value>(args.drop_front(accCount)));

  ring.beginStep();
  Value next = k.addC(step, kWeightGradStages - 1);
  ring.refill([&] {
    buildIf(b, loc, k.slt(next, steps),
            [&] { issueStep(next, ring.slotIndex(next)); });
  });
  ring.waitForStep();
  gpu::BarrierOp::create(b, loc);

  // This warp's BP/2 columns of grad as the A operand (m = p, k = row),
  // read transposed; its BQ/2 columns of input as B (k = row, n = q).
  Value stage = mem.offset(smem, k.mulC(ring.slotIndex(step), plan.stageBytes));
  Value warpP = k.mulC(k.div(k.warp, 2), bp / 2);
  Value warpQ = k.mulC(k.rem(k.warp, 2), bq / 2);
  Value aLane = k.add(k.mulC(warpP, 2),
                      frag.transposedALaneOffset(k.lane, plan.grad.rowBytes()));
  SmallVector<SmallVector<AFragment>> a(mTiles);
  for (int64_t m = 0; m < mTiles; ++m)
    for (int64_t kk = 0; kk < kWeightGradStepRows / 16; ++kk)
      a[m].push_back(frag.loadMatrixX4(
          mem.offset(stage, k.add(aLane, k.i32(16 * kk * plan.grad.rowBytes() +
                                               32 * m))),
          /*transpose=*/true));
  frag.multiplyRowMajor(
      stepAcc, a,
      mem.offset(stage, k.add(k.add(k.i32(plan.inputOffset), k.mulC(warpQ, 2)),
                              frag.rowMajorBLaneOffset(k.lane,
                                                       plan.input.rowBytes()))),
      plan.input.rowBytes());
  // The row sums: every warp forms them (uniform control flow); the
  // warps of q tile 0 add them to d_b.
  for (int64_t m = 0; m < mTiles; ++m)
    for (int64_t kk = 0; kk < kWeightGradStepRows / 16; ++kk)
      stepSums[m] = frag.mma(a[m][kk], frag.ones(), stepSums[m]);
  // The next refill overwrites the slot read here.
  gpu::BarrierOp::create(b, loc);
  SmallVector<Value> yielded = flattenRowTiles(stepAcc);
  llvm::append_range(yielded, flattenTiles(stepSums));
  scf::YieldOp::create(b, loc, yielded);

  ValueRange results = loop.getResults();
  acc = unflattenRowTiles(SmallVector<Value>(results.take_front(accCount)),
                          mTiles);
  sums = unflattenTiles(SmallVector<Value>(results.drop_front(accCount)));
}

/// d_w += this warp's tiles; d_b += the row sums, from the warps whose
/// columns start the first q tile.
void WeightGradKernelBuilder::reduceResult(const Tiles &acc,
                                           ArrayRef<AccFragment> sums) {
  int64_t mTiles = bp / 32;
  Value dw = mem.globalBase(op.getDW());
  Value warpP = k.add(p0, k.mulC(k.div(k.warp, 2), bp / 2));
  Value warpQ = k.add(q0, k.mulC(k.rem(k.warp, 2), bq / 2));
  Value laneQ = k.add(warpQ, k.mulC(k.quad, 2));
  for (int64_t m = 0; m < mTiles; ++m)
    for (int r = 0; r < 2; ++r) {
      Value row = k.add(warpP, k.addC(k.group, 16 * m + 8 * r));
      Value rowAddress =
          mem.offset(dw, k.mulC(k.toI64(k.add(k.mulC(row, q), laneQ)), 4));
      for (int64_t j = 0; j < bq / 16; ++j)
        mem.reduceAddF32Pair(mem.offset(rowAddress, k.i32(32 * j)),
                             acc[m][j][AccLayout::reg(r, 0)],
                             acc[m][j][AccLayout::reg(r, 1)],
                             target.hasVectorReductions);
    }
  if (!op.getDB())
    return;
  Value db = mem.globalBase(op.getDB());
  // warpQ and quad are never negative: "< 1" is "== 0".
  Value first = k._and(k.slt(warpQ, k.i32(1)), k.slt(k.quad, k.i32(1)));
  buildIf(b, loc, first, [&] {
    for (int64_t m = 0; m < mTiles; ++m)
      for (int r = 0; r < 2; ++r) {
        Value row = k.add(warpP, k.addC(k.group, 16 * m + 8 * r));
        mem.reduceAddF32(mem.offset(db, k.mulC(k.toI64(row), 4)),
                         sums[m][AccLayout::reg(r, 0)]);
      }
  });
}

void WeightGradKernelBuilder::build(Value blockX, Value blockY, Value threadX,
                                    Value rowCount) {
  k.setThread(threadX);
  rows = k.toI64(rowCount);
  smem = mem.sharedBase();
  gradBase = mem.globalBase(op.getGrad());
  inputBase = mem.globalBase(op.getInput());
  Value tile = k.toI32(blockX);
  p0 = k.mulC(k.div(tile, q / bq), bp);
  q0 = k.mulC(k.rem(tile, q / bq), bq);
  int64_t chunk = op.getRowChunk();
  firstRow = k.mulC(k.toI64(blockY), chunk);
  // Steps of this chunk that hold rows: the grid makes every chunk hold
  // some.
  Value left = k.sub(rows, firstRow);
  Value stepsLeft =
      k.div(k.addC(left, kWeightGradStepRows - 1), kWeightGradStepRows);
  steps = arith::TruncIOp::create(
      b, loc, b.getI32Type(),
      k.minS(stepsLeft, k.i64(chunk / kWeightGradStepRows)));

  int64_t mTiles = bp / 32;
  Tiles acc(mTiles, SmallVector<AccFragment>(bq / 16, frag.splat(0.0)));
  SmallVector<AccFragment> sums(mTiles, frag.splat(0.0));
  buildStepLoop(acc, sums);
  reduceResult(acc, sums);
}

} // namespace

LogicalResult sas::checkKernelTiling(MmaWeightGradOp op,
                                     const TargetDescription &target) {
  return checkMmaWeightGradTiling(target, op.getGrad().getType().getDimSize(3),
                                  op.getInput().getType().getDimSize(3),
                                  op.getRowChunk(),
                                  [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaWeightGradOp op) {
  return WeightGradSharedPlan(
             getWeightGradTile(op.getGrad().getType().getDimSize(3)),
             getWeightGradTile(op.getInput().getType().getDimSize(3)))
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaWeightGradOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  int64_t p = op.getGrad().getType().getDimSize(3);
  int64_t q = op.getInput().getType().getDimSize(3);
  Value rows = createRowCount(b, loc, op.getGrad());
  Value tiles = arith::ConstantIndexOp::create(
      b, loc, (p / getWeightGradTile(p)) * (q / getWeightGradTile(q)));
  Value chunks = arith::CeilDivUIOp::create(
      b, loc, rows, arith::ConstantIndexOp::create(b, loc, op.getRowChunk()));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch =
      createKernelLaunch(b, op, "weight_grad", index, {tiles, chunks, one},
                         32 * kWeightGradWarps, getKernelSharedBytes(op));
  WeightGradKernelBuilder(b, loc, op, target)
      .build(launch.getBlockIds().x, launch.getBlockIds().y,
             launch.getThreadIds().x, rows);
  op.erase();
  return success();
}
