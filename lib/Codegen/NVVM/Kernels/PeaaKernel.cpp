//===- PeaaKernel.cpp - PEAA as one tensor-core GEMM ------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The kernel of sas.mma_peaa, PEAA in its reassociated form: with o viewed
// as [B*T, G, H*F] (token rows, head groups, inputs),
//
//   out[t, n] = b[n] + sum_k (1/G sum_g o[t, g, k]) * w[n, k]
//
// block (row block, column block), the column block varying fastest in the
//   1-D grid so that the blocks reading the same A rows run together and
//   share them through L2: W warps of 16 R token rows (R row
//   tiles share each w fragment), BN columns
//   ring of `stages` buffers, each an A tile [16W rows][G][BK] and a w tile
//   [BN][BK], filled by cp.async (token rows past the end zero-filled)
//   for each k step:
//     prefetch step + stages - 1; wait for this step
//     a = mean over g of the A tile     (prologue: ldmatrix per group, f32
//                                        sum, * 1/G, packed to 16 bits)
//     acc += a w^T                      (mma.sync, w by ldmatrix)
//   out <- acc + b                      (epilogue, rows that exist)
//
// The sm_90a kernel (`wgmma`) keeps the ring, the prologue and the
// epilogue: the w tile is stored as one 128-byte-swizzled panel (64 inputs
// a step) and each warpgroup multiplies its 64 rows' mean fragments by it
// with wgmma (A from registers, w K-major in shared memory), so no warp
// reads w into registers. Its step loop is one step deep:
//   a = mean of step 0's A tile
//   for each k step s:
//     acc += a w^T                      (wgmma, issued, not waited for)
//     prefetch step s + stages - 1; wait for step s + 1
//     a = mean of step s + 1's A tile    (while the wgmma runs)
//     wait for the wgmma
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/CopyRing.h"
#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/Builders/WarpgroupMma.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

namespace {

class PeaaKernelBuilder {
public:
  PeaaKernelBuilder(OpBuilder &b, Location loc, MmaPeaaOp op)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getO().getType().getElementType()), mem(b, loc),
        wg(b, loc), ring(k, mem, op.getStages()), op(op) {
    MemRefType o = op.getO().getType();
    width = op.getW().getType().getDimSize(0);
    groups = o.getDimSize(2) * o.getDimSize(3) / width;
    warps = op.getWarps();
    rowTiles = op.getRowTiles();
    bm = 16 * rowTiles * warps;
    bn = op.getColumnTile();
    bk = op.getKTile();
    stages = op.getStages();
    wgmma = op.getWgmma();
    PeaaSharedPlan plan(groups, bm, bn, bk, stages, wgmma);
    aRowBytes = plan.a.rowBytes();
    wRowBytes = plan.w.rowBytes();
    aTileBytes = plan.wOffset;
    stageBytes = plan.stageBytes;
  }

  void build(Value blockX, Value threadX, Value rowCount);

private:
  using Tiles = SmallVector<SmallVector<AccFragment>>;

  void issueStepLoad(Value step, Value stage);
  AFragment meanFragment(Value address);
  SmallVector<SmallVector<AFragment>> meanFragments(Value slot);
  Value slotAddress(Value step);
  void prefetchStep(Value step);
  /// acc (flat) += a w^T for this warpgroup's rows and the w tile at
  /// `wTile`, issued, not waited for.
  void issueWgmma(SmallVector<Value> &acc, ArrayRef<AFragment> a,
                  Value wTile);
  Tiles unflattenRowTiles(ValueRange values);
  Tiles buildMmaStepLoop(const Tiles &init);
  Tiles buildWgmmaStepLoop(const Tiles &init);
  void storeResult(const Tiles &acc);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  WarpgroupMmaBuilder wg;
  CopyRing ring;
  MmaPeaaOp op;

  int64_t width, groups, warps, rowTiles, bm, bn, bk, stages;
  bool wgmma;
  int64_t aRowBytes, wRowBytes, aTileBytes, stageBytes;
  Value rows, firstRow, firstColumn; // i64, i64, i32
  Value oBase, wBase, smem, aLane, wLane;
};

/// Starts the copies of k step `step` (A and w tiles) into ring slot
/// `stage`; the threads of the block share the 16-byte chunks in turn.
void PeaaKernelBuilder::issueStepLoad(Value step, Value stage) {
  Value slot = mem.offset(smem, k.mulC(stage, stageBytes));
  Value k0 = k.toI64(k.mulC(step, bk));
  int64_t threads = 32 * warps, chunksPerGroup = bk / 8;
  // A: row, group, 8-element column.
  forEachThreadItem(b, loc, k.tid, threads, bm * groups * chunksPerGroup,
                    [&](Value chunk) {
    Value row = k.div(chunk, groups * chunksPerGroup);
    Value rest = k.rem(chunk, groups * chunksPerGroup);
    Value group = k.div(rest, chunksPerGroup);
    Value column = k.rem(rest, chunksPerGroup);
    Value token = k.add(firstRow, k.toI64(row));
    Value inRange = k.slt(token, rows);
    Value element = k.add(
        k.add(k.mulC(token, groups * width), k.toI64(k.mulC(group, width))),
        k.add(k0, k.toI64(k.mulC(column, 8))));
    Value source =
        k.select(inRange, mem.offset(oBase, k.mulC(element, 2)), oBase);
    Value dest = mem.offset(
        slot, k.add(k.mulC(row, aRowBytes),
                    k.mulC(k.add(k.mulC(group, bk), k.mulC(column, 8)), 2)));
    mem.copyAsync16(dest, source, k.select(inRange, k.i32(16), k.i32(0)));
  });
  // w: output column, 8-element input column.
  forEachThreadItem(b, loc, k.tid, threads, bn * chunksPerGroup,
                    [&](Value chunk) {
    Value n = k.div(chunk, chunksPerGroup);
    Value column = k.rem(chunk, chunksPerGroup);
    Value element =
        k.add(k.mulC(k.toI64(k.add(firstColumn, n)), width),
              k.add(k0, k.toI64(k.mulC(column, 8))));
    Value inTile = wgmma ? wg.swizzledOffset(n, column)
                         : k.add(k.mulC(n, wRowBytes), k.mulC(column, 16));
    Value dest = mem.offset(slot, k.add(k.i32(aTileBytes), inTile));
    mem.copyAsync16(dest, mem.offset(wBase, k.mulC(element, 2)), k.i32(16));
  });
}

/// The A fragment at `address` (group 0's 16 x 16 tile plus this lane's
/// ldmatrix offset) averaged over the groups, which lie `bk` elements apart.
AFragment PeaaKernelBuilder::meanFragment(Value address) {
  std::array<Value, 4> first = frag.loadMatrixX4(address, false);
  if (groups == 1)
    return first;
  std::array<std::array<Value, 2>, 4> sum;
  for (int i = 0; i < 4; ++i)
    sum[i] = frag.unpack(first[i]);
  for (int64_t g = 1; g < groups; ++g) {
    std::array<Value, 4> next = frag.loadMatrixX4(
        mem.offset(address, k.i32(g * bk * 2)), /*transpose=*/false);
    for (int i = 0; i < 4; ++i) {
      std::array<Value, 2> pair = frag.unpack(next[i]);
      for (int h = 0; h < 2; ++h)
        sum[i][h] = arith::AddFOp::create(b, loc, sum[i][h], pair[h]);
    }
  }
  Value inverse = frag.f32(1.0 / static_cast<double>(groups));
  AFragment a;
  for (int i = 0; i < 4; ++i)
    a[i] = frag.pack(arith::MulFOp::create(b, loc, sum[i][0], inverse),
                     arith::MulFOp::create(b, loc, sum[i][1], inverse));
  return a;
}

/// Issues acc += a w^T as one wgmma group, not waited for: the caller
/// overlaps it with the next step's prologue.
void PeaaKernelBuilder::issueWgmma(SmallVector<Value> &acc,
                                   ArrayRef<AFragment> a, Value wTile) {
  wg.fence();
  for (int64_t s = 0; s < bk / 16; ++s)
    wg.mmaRegisterA(acc, a[s], wg.kMajorDescriptor(wTile, bn, s),
                    op.getO().getType().getElementType(), bn,
                    /*bKMajor=*/true);
  wg.commitGroup();
}

/// This warp's mean A fragments of the step in ring slot `slot`, one per 16
/// inputs of each row tile.
SmallVector<SmallVector<AFragment>>
PeaaKernelBuilder::meanFragments(Value slot) {
  Value aWarp = mem.offset(
      slot, k.add(k.mulC(k.warp, 16 * rowTiles * aRowBytes), aLane));
  SmallVector<SmallVector<AFragment>> a(rowTiles);
  for (int64_t m = 0; m < rowTiles; ++m)
    for (int64_t kk = 0; kk < bk / 16; ++kk)
      a[m].push_back(meanFragment(
          mem.offset(aWarp, k.i32(16 * m * aRowBytes + 32 * kk))));
  return a;
}

Value PeaaKernelBuilder::slotAddress(Value step) {
  return mem.offset(smem, k.mulC(ring.slotIndex(step), stageBytes));
}

/// Refills the ring with step `step`, if it exists.
void PeaaKernelBuilder::prefetchStep(Value step) {
  ring.refill([&] {
    buildIf(b, loc, k.slt(step, k.i32(width / bk)),
            [&] { issueStepLoad(step, ring.slotIndex(step)); });
  });
}

/// The row tiles' accumulators carried by a loop, back as tiles.
PeaaKernelBuilder::Tiles
PeaaKernelBuilder::unflattenRowTiles(ValueRange values) {
  return sas::unflattenRowTiles(SmallVector<Value>(values), rowTiles);
}

/// scf.for over the k steps with the accumulators in iter_args (mma.sync):
/// each step waits for its slot, forms the mean fragments, multiplies.
PeaaKernelBuilder::Tiles
PeaaKernelBuilder::buildMmaStepLoop(const Tiles &init) {
  auto loop = scf::ForOp::create(b, loc, k.i32(0), k.i32(width / bk),
                                 k.i32(1), flattenRowTiles(init));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Tiles acc = unflattenRowTiles(loop.getRegionIterArgs());
  Value step = loop.getInductionVar();

  ring.beginStep();
  prefetchStep(k.addC(step, stages - 1));
  ring.waitForStep();
  gpu::BarrierOp::create(b, loc);

  Value slot = slotAddress(step);
  frag.multiplyTransposed(acc, meanFragments(slot),
                          mem.offset(slot, k.add(k.i32(aTileBytes), wLane)),
                          wRowBytes);
  // The next step's prefetch overwrites the slot read here.
  gpu::BarrierOp::create(b, loc);
  scf::YieldOp::create(b, loc, flattenRowTiles(acc));
  return unflattenRowTiles(loop.getResults());
}

/// The sm_90a step loop, one step deep: step s's wgmma runs while the
/// warps form step s + 1's mean fragments, carried to the next iteration
/// in iter_args after the accumulators. Slot s - 1 is refilled only after
/// a barrier that every warpgroup reaches after waiting for its step s - 1
/// wgmma; with 3 stages step s + 1's copies get one step's lead (two
/// before), the price of the slot the wgmma in flight still reads.
PeaaKernelBuilder::Tiles
PeaaKernelBuilder::buildWgmmaStepLoop(const Tiles &init) {
  int64_t steps = width / bk;
  ring.beginStep();
  ring.waitForStep();
  wg.fenceSharedForAsyncProxy();
  gpu::BarrierOp::create(b, loc);
  SmallVector<Value> carried = flattenRowTiles(init);
  size_t accCount = carried.size();
  llvm::append_range(carried,
                     flattenTiles(meanFragments(slotAddress(k.i32(0)))[0]));

  auto loop = scf::ForOp::create(b, loc, k.i32(0), k.i32(steps), k.i32(1),
                                 carried);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value step = loop.getInductionVar();
  ValueRange args = loop.getRegionIterArgs();
  SmallVector<Value> acc(args.take_front(accCount));
  SmallVector<AFragment> a =
      unflattenTiles(SmallVector<Value>(args.drop_front(accCount)));

  issueWgmma(acc, a, mem.offset(slotAddress(step), k.i32(aTileBytes)));
  gpu::BarrierOp::create(b, loc);
  Value next = k.addC(step, 1);
  ring.beginStep();
  prefetchStep(k.addC(step, stages - 1));
  ring.waitForStep(/*ahead=*/1);
  wg.fenceSharedForAsyncProxy();
  gpu::BarrierOp::create(b, loc);
  SmallVector<Type> types(4 * a.size(), b.getI32Type());
  auto prologue = scf::IfOp::create(b, loc, types, k.slt(next, k.i32(steps)),
                                    /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&prologue.getThenRegion().front());
    scf::YieldOp::create(
        b, loc, flattenTiles(meanFragments(slotAddress(next))[0]));
    b.setInsertionPointToStart(&prologue.getElseRegion().front());
    scf::YieldOp::create(b, loc, SmallVector<Value>(types.size(), k.i32(0)));
  }
  wg.waitGroups(0);
  // The accumulators and this step's A registers stay the wgmma's until
  // here; the next step's A fragments get registers of their own.
  SmallVector<Value> held = acc;
  llvm::append_range(held, flattenTiles(a));
  wg.holdUntilHere(held);
  SmallVector<Value> yielded(ArrayRef<Value>(held).take_front(accCount));
  llvm::append_range(yielded, prologue.getResults());
  scf::YieldOp::create(b, loc, yielded);
  return unflattenRowTiles(loop.getResults().take_front(accCount));
}

void PeaaKernelBuilder::storeResult(const Tiles &acc) {
  Value outBase = mem.globalBase(op.getOut());
  Value bBase = mem.globalBase(op.getB());
  Value laneColumn = k.add(firstColumn, k.mulC(k.quad, 2));
  SmallVector<std::array<Value, 2>> bias;
  for (int64_t j = 0; j < bn / 8; ++j)
    bias.push_back(frag.unpack(mem.loadI32(
        mem.offset(bBase, k.mulC(k.addC(laneColumn, 8 * j), 2)))));
  Value warpRow = k.add(k.mulC(k.warp, 16 * rowTiles), k.group);
  for (int64_t m = 0; m < rowTiles; ++m) {
    for (int r = 0; r < 2; ++r) {
      Value row = k.add(firstRow, k.toI64(k.addC(warpRow, 16 * m + 8 * r)));
      buildIf(b, loc, k.slt(row, rows), [&] {
        Value address = mem.offset(
            outBase,
            k.mulC(k.add(k.mulC(row, width), k.toI64(laneColumn)), 2));
        for (int64_t j = 0; j < bn / 8; ++j) {
          Value lo = arith::AddFOp::create(
              b, loc, acc[m][j][AccLayout::reg(r, 0)], bias[j][0]);
          Value hi = arith::AddFOp::create(
              b, loc, acc[m][j][AccLayout::reg(r, 1)], bias[j][1]);
          mem.storeI32(frag.pack(lo, hi), mem.offset(address, k.i32(16 * j)));
        }
      });
    }
  }
}

void PeaaKernelBuilder::build(Value blockX, Value threadX, Value rowCount) {
  k.setThread(threadX);
  rows = k.toI64(rowCount);
  Value block = k.toI32(blockX);
  firstRow = k.mulC(k.toI64(k.div(block, width / bn)), bm);
  firstColumn = k.mulC(k.rem(block, width / bn), bn);
  oBase = mem.globalBase(op.getO());
  wBase = mem.globalBase(op.getW());
  smem = mem.sharedBase();
  if (wgmma)
    smem = wg.alignToSwizzleAtom(smem);
  aLane = frag.tileLaneOffset(k.lane, aRowBytes, /*forA=*/true);
  wLane = frag.tileLaneOffset(k.lane, wRowBytes, /*forA=*/false);

  int64_t steps = width / bk;
  ring.issuePrologue([&](int64_t s) {
    if (s < steps)
      issueStepLoad(k.i32(s), k.i32(s));
  });
  Tiles acc(rowTiles, SmallVector<AccFragment>(bn / 8, frag.splat(0.0)));
  acc = wgmma ? buildWgmmaStepLoop(acc) : buildMmaStepLoop(acc);
  storeResult(acc);
}

} // namespace

/// The head groups G of a PEAA op: H' / H.
static int64_t getPeaaGroups(MmaPeaaOp op) {
  MemRefType o = op.getO().getType();
  return o.getDimSize(2) * o.getDimSize(3) / op.getW().getType().getDimSize(0);
}

LogicalResult sas::checkKernelTiling(MmaPeaaOp op,
                                     const TargetDescription &target) {
  auto check = op.getWgmma() ? checkWgmmaPeaaTiling : checkMmaPeaaTiling;
  return check(target, getPeaaGroups(op), op.getW().getType().getDimSize(0),
               op.getWarps(), op.getRowTiles(), op.getColumnTile(),
               op.getKTile(), op.getStages(),
               [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaPeaaOp op) {
  return PeaaSharedPlan(getPeaaGroups(op),
                        16 * op.getRowTiles() * op.getWarps(),
                        op.getColumnTile(), op.getKTile(), op.getStages(),
                        op.getWgmma())
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaPeaaOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  Value rows = createTokenCount(b, loc, op.getO());
  int64_t rowsPerBlock = 16 * op.getRowTiles() * op.getWarps();
  Value rowBlocks = arith::CeilDivUIOp::create(
      b, loc, rows, arith::ConstantIndexOp::create(b, loc, rowsPerBlock));
  int64_t width = op.getW().getType().getDimSize(0);
  Value blocks = arith::MulIOp::create(
      b, loc, rowBlocks,
      arith::ConstantIndexOp::create(b, loc, width / op.getColumnTile()));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch = createKernelLaunch(
      b, op, op.getWgmma() ? "peaa_wgmma" : "peaa", index, {blocks, one, one},
      32 * op.getWarps(), getKernelSharedBytes(op));
  PeaaKernelBuilder(b, loc, op)
      .build(launch.getBlockIds().x, launch.getThreadIds().x, rows);
  op.erase();
  return success();
}
