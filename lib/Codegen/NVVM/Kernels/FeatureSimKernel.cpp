//===- FeatureSimKernel.cpp - Feature simulation on tensor cores -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The kernel of sas.mma_feature_sim: the rows of x ([B, T, H', D] is
// B*T*H' rows of D features) times both weight matrices, with f kept in
// registers between the two products:
//
//   block of W warps: w [D', D] and res_w [D', D'] -> shared (once)
//   for each of the block's row tiles (16 rows a warp):
//     x rows -> A fragments                 (global, once)
//     f = x w^T                             (mma.sync, w by ldmatrix)
//     f += b; z = f + res_b; a = relu(f)    (a packed to 16-bit A fragments)
//     z += a res_w^T                        (mma.sync)
//     out <- z                              (rows that exist)
//
// The sm_90a kernel (`wgmma`) keeps the algorithm and the epilogue; a
// warpgroup of four warps computes 64 rows at once from shared memory:
//
//   block: w, res_w -> shared (once), 128-byte-swizzled panels (K-major)
//          x row tiles -> a ring of kWgmmaFeatureSimStages swizzled slots
//   for each row tile:
//     wait for its slot; start the copy of the tile stages - 1 ahead
//     f = x w^T                             (wgmma, both from shared memory)
//     epilogue as above                     (relu(f) packed in registers)
//     z += relu(f) res_w^T                  (wgmma, A from registers)
//     out <- z
//
// B fragments never pass through registers and each warpgroup reads a
// weight once per 64 rows instead of once per 16 (the mma.sync kernel's
// shared-memory traffic: 48 KiB per 16 rows at D' = 128).
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
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::sas;

namespace {

/// Blocks an SM the sm_90a kernel asks for: as many as its shared memory
/// lets fit, up to three (at four warps, D = 64, D' = 128: three of 72 KiB,
/// at most 170 registers a thread; at eight warps two of 97 KiB).
static constexpr int64_t kMaxWgmmaFeatureSimBlocksPerSM = 3;

class FeatureSimKernelBuilder {
public:
  FeatureSimKernelBuilder(OpBuilder &b, Location loc, MmaFeatureSimOp op)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getX().getType().getElementType()), mem(b, loc),
        wg(b, loc), op(op),
        plan(op.getX().getType().getDimSize(3),
             op.getOut().getType().getDimSize(3), op.getWarps(),
             op.getWgmma()) {
    d = op.getX().getType().getDimSize(3);
    ds = op.getOut().getType().getDimSize(3);
    warps = op.getWarps();
    rowTiles = op.getRowTiles();
    wRowBytes = plan.weights.rowBytes();
    rwRowBytes = plan.resWeights.rowBytes();
    element = op.getX().getType().getElementType();
    xTileBytes = plan.slotBytes;
    chunk = getFeatureSimChunk(d, ds);
  }

  void build(Value blockX, Value threadX, Value rowCount);
  void buildWgmma(Value blockX, Value threadX, Value rowCount);

private:
  using Tiles = SmallVector<SmallVector<AccFragment>>;

  void copyToPanelsAsync(Value global, Value firstRow, Value limit,
                         int64_t count, int64_t width, int64_t panelRows,
                         Value tile);
  /// The bias pair of this lane's columns in n-tile j, as f32, from the
  /// bias's address plus the lane's 4 quad bytes.
  std::array<Value, 2> biasPair(Value laneBase, int64_t j);
  /// This lane's rows of the warp's tile from `firstRow` (laneRow, valid).
  WarpRowTile setLaneRows(Value firstRow);
  /// For the chunk of f whose first 8-column tile is `firstTile`: z +=
  /// f + b + res_b in its columns (z = ..., for the first chunk, which no
  /// product has touched yet), and relu(f + b) as A fragments of the
  /// second product.
  SmallVector<AFragment> epilogueOfChunk(ArrayRef<AccFragment> f,
                                         int64_t firstTile,
                                         SmallVector<AccFragment> &z);
  void storeRows(ArrayRef<AccFragment> z);
  void storeRowsThroughShared(ArrayRef<AccFragment> z, Value firstRow,
                              Value stage);
  void computeRowTile(Value firstRow);
  void computeRowTileWgmma(Value firstRow, Value xSlot);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  WarpgroupMmaBuilder wg;
  MmaFeatureSimOp op;
  FeatureSimSharedPlan plan;

  int64_t d, ds, warps, rowTiles, wRowBytes, rwRowBytes, xTileBytes;
  int64_t chunk; // columns of f computed at a time (getFeatureSimChunk)
  Type element;
  Value rows;                   // i64
  std::array<Value, 2> laneRow; // i64 rows of this lane in its warp's tile
  std::array<Value, 2> valid;   // whether they exist
  Value wShared, rwShared, wLane, rwLane;
};

/// Rows [firstRow, firstRow + count) of a row-major matrix `width` wide at
/// `global` (ptr<1>) into `tile` as 128-byte-swizzled panels of 64 columns
/// and `panelRows` rows (a group of `panelRows` rows after another), the
/// block's threads taking the 16-byte chunks in turn; rows at or past
/// `limit` (i64; null: all exist) are zero-filled, their source never read.
void FeatureSimKernelBuilder::copyToPanelsAsync(Value global, Value firstRow,
                                                Value limit, int64_t count,
                                                int64_t width,
                                                int64_t panelRows, Value tile) {
  int64_t chunksPerRow = width / 8;
  int64_t panelBytes = panelRows * kPanelRowBytes;
  forEachThreadItem(b, loc, k.tid, 32 * warps, count * chunksPerRow,
                    [&](Value chunk) {
    Value row = k.div(chunk, chunksPerRow);
    Value column = k.rem(chunk, chunksPerRow);
    Value dest = k.add(
        k.add(k.mulC(k.div(row, panelRows), (width / 64) * panelBytes),
              k.mulC(k.div(column, 8), panelBytes)),
        wg.swizzledOffset(k.rem(row, panelRows), k.rem(column, 8)));
    Value index = k.add(firstRow, k.toI64(row));
    Value source = mem.offset(mem.offset(global, k.mulC(index, width * 2)),
                              k.mulC(column, 16));
    Value bytes = k.i32(16);
    if (limit) {
      Value inRange = k.slt(index, limit);
      source = k.select(inRange, source, global);
      bytes = k.select(inRange, bytes, k.i32(0));
    }
    mem.copyAsync16(mem.offset(tile, dest), source, bytes);
  });
}

std::array<Value, 2> FeatureSimKernelBuilder::biasPair(Value laneBase,
                                                      int64_t j) {
  // A constant offset from the lane's address: one address register for
  // all n-tiles (computing each column's address apart kept 32 of them
  // live across the row loop).
  return frag.unpack(mem.loadI32(mem.offset(laneBase, k.i32(16 * j))));
}

WarpRowTile FeatureSimKernelBuilder::setLaneRows(Value firstRow) {
  WarpRowTile tile(k, firstRow, rows);
  laneRow = tile.laneRow;
  valid = tile.valid;
  return tile;
}

SmallVector<AFragment> FeatureSimKernelBuilder::epilogueOfChunk(
    ArrayRef<AccFragment> f, int64_t firstTile, SmallVector<AccFragment> &z) {
  Value laneBytes = k.mulC(k.quad, 4);
  Value bBase = mem.offset(mem.globalBase(op.getB()), laneBytes);
  Value rbBase = mem.offset(mem.globalBase(op.getResB()), laneBytes);
  SmallVector<AccFragment> relu(f.size());
  Value zeroF = frag.f32(0.0);
  for (int64_t j = 0; j < static_cast<int64_t>(f.size()); ++j) {
    std::array<Value, 2> bias = biasPair(bBase, firstTile + j);
    std::array<Value, 2> resBias = biasPair(rbBase, firstTile + j);
    AccFragment &out = z[firstTile + j];
    for (int i = 0; i < 4; ++i) {
      Value value =
          arith::AddFOp::create(b, loc, f[j][i], bias[AccLayout::column(i)]);
      relu[j][i] = frag.max(value, zeroF);
      Value residual =
          arith::AddFOp::create(b, loc, value, resBias[AccLayout::column(i)]);
      out[i] = firstTile < chunk / 8
                   ? residual
                   : arith::AddFOp::create(b, loc, out[i], residual);
    }
  }
  SmallVector<AFragment> a;
  for (size_t kk = 0; kk < f.size() / 2; ++kk)
    a.push_back(frag.accumulatorsToA(relu[2 * kk], relu[2 * kk + 1]));
  return a;
}

void FeatureSimKernelBuilder::storeRows(ArrayRef<AccFragment> z) {
  Value outBase = mem.globalBase(op.getOut());
  for (int r = 0; r < 2; ++r)
    buildIf(b, loc, valid[r], [&] {
      Value address = mem.offset(
          mem.offset(outBase, k.mulC(laneRow[r], ds * 2)), k.mulC(k.quad, 4));
      for (int64_t j = 0; j < ds / 8; ++j)
        mem.storeI32(frag.pack(z[j][AccLayout::reg(r, 0)], z[j][AccLayout::reg(r, 1)]),
                     mem.offset(address, k.i32(16 * j)));
    });
}

/// z of this warp's 16 rows from `firstRow`, 64 columns at a time through
/// `stage` (the warp's 2 KiB of its warpgroup's x slot, free once x w^T is
/// done), 16 bytes a lane.
void FeatureSimKernelBuilder::storeRowsThroughShared(ArrayRef<AccFragment> z,
                                                     Value firstRow,
                                                     Value stage) {
  Value outBase = mem.globalBase(op.getOut());
  for (int64_t half = 0; half < ds / 64; ++half)
    frag.storeTilesThroughShared(
        z, 8 * half, 8, stage, k.lane,
        [&](Value row, Value chunk, Value value) {
          Value index = k.add(firstRow, k.toI64(row));
          buildIf(b, loc, k.slt(index, rows), [&] {
            Value address = mem.offset(
                mem.offset(outBase, k.mulC(index, ds * 2)),
                k.add(k.mulC(chunk, 16), k.i32(128 * half)));
            mem.store(value, address);
          });
        });
}

/// One row tile of the mma.sync kernel, f a chunk at a time: f_c = x
/// w_c^T, z_c += f_c + b_c + res_b_c, z += relu(f_c) res_w[:, c]^T.
void FeatureSimKernelBuilder::computeRowTile(Value firstRow) {
  WarpRowTile tile = setLaneRows(firstRow);
  SmallVector<AFragment> x = tile.loadA(mem, mem.globalBase(op.getX()), d);
  Tiles z(1, SmallVector<AccFragment>(ds / 8, frag.splat(0.0)));
  for (int64_t c = 0; c < ds / chunk; ++c) {
    Tiles f(1, SmallVector<AccFragment>(chunk / 8, frag.splat(0.0)));
    frag.multiplyTransposed(
        f, {x}, mem.offset(wShared, k.add(wLane, k.i32(c * chunk * wRowBytes))),
        wRowBytes);
    SmallVector<AFragment> a = epilogueOfChunk(f[0], c * chunk / 8, z[0]);
    frag.multiplyTransposed(
        z, {a}, mem.offset(rwShared, k.add(rwLane, k.i32(c * chunk * 2))),
        rwRowBytes);
  }
  storeRows(z[0]);
}

/// One row tile of the sm_90a kernel: this warpgroup's 64 rows of x in the
/// swizzled slot `xSlot`, this warp's 16 of them from `firstRow`, f a chunk
/// at a time as in computeRowTile. The slot is free once the last x w^T is
/// done: z goes out through it.
void FeatureSimKernelBuilder::computeRowTileWgmma(Value firstRow,
                                                  Value xSlot) {
  setLaneRows(firstRow);
  SmallVector<AccFragment> z(ds / 8, frag.splat(0.0));
  for (int64_t c = 0; c < ds / chunk; ++c) {
    // f_c = x w_c^T: D / 16 steps of m64 n`chunk` k16, both K-major; w_c
    // is rows c * chunk on of w's panels.
    SmallVector<Value> f = wg.newAccumulators(chunk / 2);
    Value wChunk = mem.offset(wShared, k.i32(c * chunk * kPanelRowBytes));
    wg.fence();
    for (int64_t s = 0; s < d / 16; ++s)
      wg.mmaShared(f, wg.kMajorDescriptor(xSlot, 64, s),
                   wg.kMajorDescriptor(wChunk, ds, s), element, chunk,
                   /*accumulate=*/s > 0);
    wg.commitGroup();
    wg.waitGroups(0);

    SmallVector<AFragment> a =
        epilogueOfChunk(unflattenTiles(f), c * chunk / 8, z);

    // z += relu(f_c) res_w[:, c]^T: chunk / 16 steps of m64 nD' k16,
    // relu(f_c) from registers.
    // z's values (the residual, zeros in the columns of later chunks) are
    // written to the wgmma's registers before the fence, not after it.
    SmallVector<Value> acc = flattenTiles(z);
    wg.holdUntilHere(acc);
    wg.fence();
    for (int64_t s = 0; s < chunk / 16; ++s)
      wg.mmaRegisterA(acc, a[s],
                      wg.kMajorDescriptor(rwShared, ds, c * chunk / 16 + s),
                      element, ds, /*bKMajor=*/true);
    wg.commitGroup();
    wg.waitGroups(0);
    z = unflattenTiles(acc);
  }
  storeRowsThroughShared(
      z, firstRow,
      mem.offset(xSlot, k.mulC(k.rem(k.warp, 4), 16 * kPanelRowBytes)));
}

void FeatureSimKernelBuilder::build(Value blockX, Value threadX,
                                    Value rowCount) {
  k.setThread(threadX);
  rows = k.toI64(rowCount);
  wShared = mem.sharedBase();
  rwShared = mem.offset(wShared, k.i32(plan.resWeightsOffset));
  mem.copyMatrixAsync(k.tid, 32 * warps, mem.globalBase(op.getW()), ds, d,
                      wRowBytes, wShared);
  mem.copyMatrixAsync(k.tid, 32 * warps, mem.globalBase(op.getResW()), ds, ds,
                      rwRowBytes, rwShared);
  mem.commitGroup();
  mem.waitGroups(0);
  gpu::BarrierOp::create(b, loc);
  wLane = frag.tileLaneOffset(k.lane, wRowBytes, /*forA=*/false);
  rwLane = frag.tileLaneOffset(k.lane, rwRowBytes, /*forA=*/false);

  // No barrier below: the weights are only read from here on.
  forEachWarpRowTile(b, loc, k, blockX, rowTiles, warps, rows,
                     [&](Value firstRow) { computeRowTile(firstRow); });
}

void FeatureSimKernelBuilder::buildWgmma(Value blockX, Value threadX,
                                         Value rowCount) {
  k.setThread(threadX);
  rows = k.toI64(rowCount);
  wShared = wg.alignToSwizzleAtom(mem.sharedBase());
  rwShared = mem.offset(wShared, k.i32(plan.resWeightsOffset));
  Value ring = mem.offset(wShared, k.i32(plan.ringOffset));
  int64_t stages = kWgmmaFeatureSimStages, tileRows = 16 * warps;
  Value x = mem.globalBase(op.getX());
  Value firstTileRow = k.mulC(k.toI64(blockX), rowTiles * tileRows);
  auto issueTile = [&](Value tile, Value slot) {
    copyToPanelsAsync(x, k.add(firstTileRow, k.mulC(k.toI64(tile), tileRows)),
                      rows, tileRows, d, /*panelRows=*/64,
                      mem.offset(ring, k.mulC(slot, xTileBytes)));
  };

  // Prologue: the weights with tile 0 (the first group waited for), then
  // tiles 1 .. stages - 2; one group each.
  copyToPanelsAsync(mem.globalBase(op.getW()), k.i64(0), Value(), ds, d, ds,
                    wShared);
  copyToPanelsAsync(mem.globalBase(op.getResW()), k.i64(0), Value(), ds, ds,
                    ds, rwShared);
  CopyRing xRing(k, mem, stages);
  xRing.issuePrologue([&](int64_t t) {
    if (t < rowTiles)
      issueTile(k.i32(t), k.i32(t));
  });

  Value warpInGroup = k.rem(k.warp, 4);
  Value groupOffset = k.mulC(k.div(k.warp, 4), plan.groupRows.bytes());
  auto loop = scf::ForOp::create(b, loc, k.i32(0), k.i32(rowTiles), k.i32(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value tile = loop.getInductionVar();
  // Tile t's copies are done, visible to wgmma, and every warp is past
  // tile t - 1, whose slot the copy issued next overwrites.
  xRing.beginStep();
  xRing.waitForStep();
  wg.fenceSharedForAsyncProxy();
  gpu::BarrierOp::create(b, loc);
  Value next = k.addC(tile, stages - 1);
  xRing.refill([&] {
    buildIf(b, loc, k.slt(next, k.i32(rowTiles)),
            [&] { issueTile(next, xRing.slotIndex(next)); });
  });

  Value tileRow = k.add(firstTileRow, k.mulC(k.toI64(tile), tileRows));
  Value firstRow =
      k.add(tileRow, k.toI64(k.add(k.mulC(k.div(k.warp, 4), 64),
                                   k.mulC(warpInGroup, 16))));
  Value xSlot = mem.offset(
      ring, k.add(k.mulC(xRing.slotIndex(tile), xTileBytes), groupOffset));
  // Rows past the end are zeros in the slot and are not stored; a tile
  // wholly past it is skipped (every thread still reaches the barriers).
  buildIf(b, loc, k.slt(tileRow, rows),
          [&] { computeRowTileWgmma(firstRow, xSlot); });
}

} // namespace

LogicalResult sas::checkKernelTiling(MmaFeatureSimOp op,
                                     const TargetDescription &target) {
  auto check = op.getWgmma() ? checkWgmmaFeatureSimTiling
                             : checkMmaFeatureSimTiling;
  return check(target, op.getX().getType().getDimSize(3),
               op.getOut().getType().getDimSize(3), op.getWarps(),
               op.getRowTiles(), [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaFeatureSimOp op) {
  return FeatureSimSharedPlan(op.getX().getType().getDimSize(3),
                              op.getOut().getType().getDimSize(3),
                              op.getWarps(), op.getWgmma())
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaFeatureSimOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  Value rows = createRowCount(b, loc, op.getX());
  Value rowsPerBlock = arith::ConstantIndexOp::create(
      b, loc, 16 * op.getWarps() * op.getRowTiles());
  Value blocks = arith::CeilDivUIOp::create(b, loc, rows, rowsPerBlock);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  int64_t bytes = getKernelSharedBytes(op);
  if (op.getWgmma()) {
    gpu::LaunchOp launch = createKernelLaunch(
        b, op, "feature_sim_wgmma", index, {blocks, one, one},
        32 * op.getWarps(), bytes,
        getBlocksPerSMForSharedBytes(target, bytes,
                                     kMaxWgmmaFeatureSimBlocksPerSM));
    FeatureSimKernelBuilder(b, loc, op)
        .buildWgmma(launch.getBlockIds().x, launch.getThreadIds().x, rows);
  } else {
    gpu::LaunchOp launch =
        createKernelLaunch(b, op, "feature_sim", index, {blocks, one, one},
                           32 * op.getWarps(), bytes);
    FeatureSimKernelBuilder(b, loc, op)
        .build(launch.getBlockIds().x, launch.getThreadIds().x, rows);
  }
  op.erase();
  return success();
}
