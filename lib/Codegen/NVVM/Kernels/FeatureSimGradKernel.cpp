//===- FeatureSimGradKernel.cpp - Feature simulation's gradient -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The kernel of sas.mma_feature_sim_grad: the row-by-row part of the
// feature simulation's backward (docs/spec.md, "Gradients"), every product
// of a warp's 16 rows kept in registers:
//
//   block of W warps: w [D', D] and res_w [D', D'] -> shared (once, padded
//                     rows, as the forward kernel's)
//   for each of the block's row tiles (16 rows a warp):
//     x, d_z rows -> A fragments                    (global, once)
//     for each chunk c of f's columns:
//       f_c   = x w_c^T + b_c                        (mma.sync, w by ldmatrix)
//       relu_f[:, c] <- relu(f_c)                    (16-bit)
//       g_c   = d_z res_w[:, c]                      (mma.sync, res_w read
//                                                     row-major:
//                                                     ldmatrix.trans)
//       d_f_c = d_z[:, c] + g_c * [f_c > 0]
//       d_f[:, c] <- d_f_c                           (16-bit)
//       d_x  += d_f_c w_c                            (mma.sync, w row-major)
//     d_x <- d_x                                     (rows that exist)
//
// The weight and bias gradients are sas.mma_weight_grad's, from relu_f and
// d_f: a sum over every row does not fit a row tile's registers.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/Builders/RowTiles.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

namespace {

class FeatureSimGradKernelBuilder {
public:
  FeatureSimGradKernelBuilder(OpBuilder &b, Location loc,
                              MmaFeatureSimGradOp op)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getX().getType().getElementType()), mem(b, loc), op(op),
        d(op.getX().getType().getDimSize(3)),
        ds(op.getDZ().getType().getDimSize(3)), warps(op.getWarps()),
        chunk(getFeatureSimGradChunk(d, ds)),
        plan(d, ds, warps, /*wgmma=*/false) {}

  void build(Value blockX, Value threadX, Value rowCount);

private:
  using Tiles = SmallVector<SmallVector<AccFragment>>;

  /// Stores `tiles` (8 columns each, from column `firstColumn`) of the
  /// warp's rows `tile` into the [rows, width] 16-bit buffer `rowsBuffer`,
  /// rows that exist.
  void storeRows(const WarpRowTile &tile, Value rowsBuffer, int64_t width,
                 int64_t firstColumn, ArrayRef<AccFragment> tiles);
  void computeRowTile(Value firstRow);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  MmaFeatureSimGradOp op;

  int64_t d, ds, warps, chunk;
  FeatureSimSharedPlan plan;
  Value rows; // i64
  // Shared weights plus this lane's ldmatrix offsets: w read as w^T's B
  // (f = x w^T) and row-major (d_x = d_f w), res_w row-major.
  Value wShared, rwShared, wTransposedLane, wRowMajorLane, rwRowMajorLane;
};

void FeatureSimGradKernelBuilder::storeRows(const WarpRowTile &tile,
                                            Value rowsBuffer, int64_t width,
                                            int64_t firstColumn,
                                            ArrayRef<AccFragment> tiles) {
  Value base = mem.globalBase(rowsBuffer);
  for (int r = 0; r < 2; ++r)
    buildIf(b, loc, tile.valid[r], [&] {
      Value address =
          mem.offset(mem.offset(base, k.mulC(tile.laneRow[r], width * 2)),
                     k.add(k.mulC(k.quad, 4), k.i32(2 * firstColumn)));
      for (auto [j, acc] : llvm::enumerate(tiles))
        mem.storeI32(
            frag.pack(acc[AccLayout::reg(r, 0)], acc[AccLayout::reg(r, 1)]),
            mem.offset(address, k.i32(16 * j)));
    });
}

void FeatureSimGradKernelBuilder::computeRowTile(Value firstRow) {
  WarpRowTile tile(k, firstRow, rows);
  SmallVector<AFragment> x = tile.loadA(mem, mem.globalBase(op.getX()), d);
  SmallVector<AFragment> dz = tile.loadA(mem, mem.globalBase(op.getDZ()), ds);
  Tiles dx(1, SmallVector<AccFragment>(d / 8, frag.splat(0.0)));
  int64_t wRowBytes = plan.weights.rowBytes();
  int64_t rwRowBytes = plan.resWeights.rowBytes();
  Value bBase = mem.offset(mem.globalBase(op.getB()), k.mulC(k.quad, 4));
  Value zero = frag.f32(0.0);
  for (int64_t c = 0; c < ds / chunk; ++c) {
    int64_t tiles = chunk / 8, firstTile = c * tiles;
    // f_c = x w_c^T + b_c: w's rows c * chunk on.
    Tiles f(1, SmallVector<AccFragment>(tiles, frag.splat(0.0)));
    frag.multiplyTransposed(
        f, {x},
        mem.offset(wShared,
                   k.add(wTransposedLane, k.i32(c * chunk * wRowBytes))),
        wRowBytes);
    SmallVector<AccFragment> relu(tiles);
    for (int64_t j = 0; j < tiles; ++j) {
      // The bias pair of this lane's columns: a constant offset from one
      // address register.
      std::array<Value, 2> bias = frag.unpack(
          mem.loadI32(mem.offset(bBase, k.i32(16 * (firstTile + j)))));
      for (int i = 0; i < 4; ++i) {
        f[0][j][i] = arith::AddFOp::create(b, loc, f[0][j][i],
                                           bias[AccLayout::column(i)]);
        relu[j][i] = frag.max(f[0][j][i], zero);
      }
    }
    storeRows(tile, op.getReluF(), ds, c * chunk, relu);

    // g_c = d_z res_w[:, c]: res_w row-major (row k = f's column n of the
    // forward's product, column = this chunk's columns of f).
    Tiles g(1, SmallVector<AccFragment>(tiles, frag.splat(0.0)));
    frag.multiplyRowMajor(
        g, {dz},
        mem.offset(rwShared, k.add(rwRowMajorLane, k.i32(c * chunk * 2))),
        rwRowBytes);
    // d_f_c = d_z_c + g_c * [f_c > 0], d_z_c from its A fragments.
    SmallVector<AccFragment> df(tiles);
    for (int64_t j = 0; j < tiles; j += 2) {
      std::array<AccFragment, 2> dzTiles =
          frag.accumulatorsFromA(dz[(firstTile + j) / 2]);
      for (int64_t h = 0; h < 2; ++h)
        for (int i = 0; i < 4; ++i) {
          Value positive = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OGT, f[0][j + h][i], zero);
          Value through =
              arith::SelectOp::create(b, loc, positive, g[0][j + h][i], zero);
          df[j + h][i] = arith::AddFOp::create(b, loc, dzTiles[h][i], through);
        }
    }
    storeRows(tile, op.getDF(), ds, c * chunk, df);

    // d_x += d_f_c w_c: w row-major, rows c * chunk on; d_f_c rounded to
    // the 16-bit type as stored.
    SmallVector<SmallVector<AFragment>> dfA(1);
    for (int64_t j = 0; j < tiles; j += 2)
      dfA[0].push_back(frag.accumulatorsToA(df[j], df[j + 1]));
    frag.multiplyRowMajor(
        dx, dfA,
        mem.offset(wShared, k.add(wRowMajorLane, k.i32(c * chunk * wRowBytes))),
        wRowBytes);
  }
  storeRows(tile, op.getDX(), d, 0, dx[0]);
}

void FeatureSimGradKernelBuilder::build(Value blockX, Value threadX,
                                        Value rowCount) {
  k.setThread(threadX);
  rows = k.toI64(rowCount);
  wShared = mem.sharedBase();
  rwShared = mem.offset(wShared, k.i32(plan.resWeightsOffset));
  int64_t wRowBytes = plan.weights.rowBytes();
  int64_t rwRowBytes = plan.resWeights.rowBytes();
  mem.copyMatrixAsync(k.tid, 32 * warps, mem.globalBase(op.getW()), ds, d,
                      wRowBytes, wShared);
  mem.copyMatrixAsync(k.tid, 32 * warps, mem.globalBase(op.getResW()), ds, ds,
                      rwRowBytes, rwShared);
  mem.commitGroup();
  mem.waitGroups(0);
  gpu::BarrierOp::create(b, loc);
  wTransposedLane = frag.tileLaneOffset(k.lane, wRowBytes, /*forA=*/false);
  wRowMajorLane = frag.rowMajorBLaneOffset(k.lane, wRowBytes);
  rwRowMajorLane = frag.rowMajorBLaneOffset(k.lane, rwRowBytes);

  // No barrier below: the weights are only read from here on.
  forEachWarpRowTile(b, loc, k, blockX, op.getRowTiles(), warps, rows,
                     [&](Value firstRow) { computeRowTile(firstRow); });
}

} // namespace

LogicalResult sas::checkKernelTiling(MmaFeatureSimGradOp op,
                                     const TargetDescription &target) {
  return checkMmaFeatureSimGradTiling(target, op.getX().getType().getDimSize(3),
                                      op.getDZ().getType().getDimSize(3),
                                      op.getWarps(), op.getRowTiles(),
                                      [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaFeatureSimGradOp op) {
  return FeatureSimSharedPlan(op.getX().getType().getDimSize(3),
                              op.getDZ().getType().getDimSize(3), op.getWarps(),
                              /*wgmma=*/false)
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaFeatureSimGradOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  Value rows = createRowCount(b, loc, op.getX());
  Value rowsPerBlock = arith::ConstantIndexOp::create(
      b, loc, 16 * op.getWarps() * op.getRowTiles());
  Value blocks = arith::CeilDivUIOp::create(b, loc, rows, rowsPerBlock);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch =
      createKernelLaunch(b, op, "feature_sim_grad", index, {blocks, one, one},
                         32 * op.getWarps(), getKernelSharedBytes(op));
  FeatureSimGradKernelBuilder(b, loc, op)
      .build(launch.getBlockIds().x, launch.getThreadIds().x, rows);
  op.erase();
  return success();
}
