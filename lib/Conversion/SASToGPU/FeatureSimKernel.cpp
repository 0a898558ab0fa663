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
//===----------------------------------------------------------------------===//

#include "DeviceMemory.h"
#include "TokenKernels.h"
#include "WarpFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

namespace {

class FeatureSimKernelBuilder {
public:
  FeatureSimKernelBuilder(OpBuilder &b, Location loc, MmaFeatureSimOp op)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getX().getType().getElementType()), mem(b, loc),
        op(op) {
    d = op.getX().getType().getDimSize(3);
    ds = op.getOut().getType().getDimSize(3);
    warps = op.getWarps();
    rowTiles = op.getRowTiles();
    wRowBytes = (d + kMmaRowPadding) * 2;
    rwRowBytes = (ds + kMmaRowPadding) * 2;
  }

  void build(Value blockX, Value threadX, Value rowCount);

private:
  using Tiles = SmallVector<SmallVector<AccFragment>>;

  void stageWeights(Value matrix, int64_t width, int64_t rowBytes,
                    Value shared);
  SmallVector<AFragment> loadRows(Value x);
  /// The bias pair of this lane's columns in n-tile j, as f32.
  std::array<Value, 2> biasPair(Value base, int64_t j);
  void computeRowTile(Value firstRow);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  MmaFeatureSimOp op;

  int64_t d, ds, warps, rowTiles, wRowBytes, rwRowBytes;
  Value rows;                   // i64
  std::array<Value, 2> laneRow; // i64 rows of this lane in its warp's tile
  std::array<Value, 2> valid;   // whether they exist
  Value wShared, rwShared, wLane, rwLane;
};

/// Copies a [D', width] matrix into shared memory with rows `rowBytes`
/// apart, 16 bytes a thread at a time.
void FeatureSimKernelBuilder::stageWeights(Value matrix, int64_t width,
                                           int64_t rowBytes, Value shared) {
  Value base = mem.globalBase(matrix);
  int64_t threads = 32 * warps, chunksPerRow = width / 8,
          chunks = ds * chunksPerRow;
  for (int64_t first = 0; first < chunks; first += threads) {
    Value chunk = k.addC(k.tid, first);
    auto copy = [&] {
      Value row = k.div(chunk, chunksPerRow);
      Value column = k.rem(chunk, chunksPerRow);
      mem.copyAsync16(
          mem.offset(shared, k.add(k.mulC(row, rowBytes), k.mulC(column, 16))),
          mem.offset(base, k.mulC(chunk, 16)), k.i32(16));
    };
    if (first + threads <= chunks)
      copy();
    else
      buildIf(b, loc, k.lt(chunk, k.i32(chunks)), copy);
  }
}

/// This warp's 16 rows of x as A fragments, one per 16 features; rows past
/// the end read the last row and are zeroed.
SmallVector<AFragment> FeatureSimKernelBuilder::loadRows(Value x) {
  Value base = mem.globalBase(x);
  std::array<Value, 2> address;
  for (int r = 0; r < 2; ++r) {
    Value row = arith::MinSIOp::create(b, loc, laneRow[r], k.addC(rows, -1));
    address[r] = mem.offset(mem.offset(base, k.mulC(row, d * 2)),
                            k.mulC(k.quad, 4));
  }
  Value zero = k.i32(0);
  auto load = [&](int r, int64_t column) {
    return k.select(valid[r],
                    mem.loadI32(mem.offset(address[r], k.i32(column * 2))),
                    zero);
  };
  SmallVector<AFragment> a;
  for (int64_t kk = 0; kk < d / 16; ++kk)
    a.push_back({load(0, 16 * kk), load(1, 16 * kk), load(0, 16 * kk + 8),
                 load(1, 16 * kk + 8)});
  return a;
}

std::array<Value, 2> FeatureSimKernelBuilder::biasPair(Value base, int64_t j) {
  Value column = k.addC(k.mulC(k.quad, 2), 8 * j);
  return frag.unpack(mem.loadI32(mem.offset(base, k.mulC(column, 2))));
}

void FeatureSimKernelBuilder::computeRowTile(Value firstRow) {
  for (int r = 0; r < 2; ++r) {
    laneRow[r] = k.add(firstRow, k.toI64(k.addC(k.group, 8 * r)));
    valid[r] = k.lt(laneRow[r], rows);
  }
  SmallVector<AFragment> x = loadRows(op.getX());

  // f = x w^T.
  Tiles f(1, SmallVector<AccFragment>(ds / 8, frag.splat(0.0)));
  frag.multiplyTransposed(f, {x}, mem.offset(wShared, wLane), wRowBytes);

  // f += b; z = f + res_b; relu(f) as A fragments of the second product.
  Value bBase = mem.globalBase(op.getB()), rbBase = mem.globalBase(op.getResB());
  Tiles z(1, SmallVector<AccFragment>(ds / 8));
  SmallVector<AccFragment> relu(ds / 8);
  Value zeroF = frag.f32(0.0);
  for (int64_t j = 0; j < ds / 8; ++j) {
    std::array<Value, 2> bias = biasPair(bBase, j);
    std::array<Value, 2> resBias = biasPair(rbBase, j);
    for (int i = 0; i < 4; ++i) {
      Value value = arith::AddFOp::create(b, loc, f[0][j][i], bias[i % 2]);
      relu[j][i] = frag.max(value, zeroF);
      z[0][j][i] = arith::AddFOp::create(b, loc, value, resBias[i % 2]);
    }
  }
  SmallVector<AFragment> a;
  for (int64_t kk = 0; kk < ds / 16; ++kk)
    a.push_back(frag.accumulatorsToA(relu[2 * kk], relu[2 * kk + 1]));

  // z += relu(f) res_w^T.
  frag.multiplyTransposed(z, {a}, mem.offset(rwShared, rwLane), rwRowBytes);

  Value outBase = mem.globalBase(op.getOut());
  for (int r = 0; r < 2; ++r)
    buildIf(b, loc, valid[r], [&] {
      Value address = mem.offset(
          mem.offset(outBase, k.mulC(laneRow[r], ds * 2)), k.mulC(k.quad, 4));
      for (int64_t j = 0; j < ds / 8; ++j)
        mem.storeI32(frag.pack(z[0][j][2 * r], z[0][j][2 * r + 1]),
                     mem.offset(address, k.i32(16 * j)));
    });
}

void FeatureSimKernelBuilder::build(Value blockX, Value threadX,
                                    Value rowCount) {
  k.setThread(threadX);
  rows = k.toI64(rowCount);
  wShared = mem.sharedBase();
  rwShared = mem.offset(wShared, k.i32(ds * wRowBytes));
  stageWeights(op.getW(), d, wRowBytes, wShared);
  stageWeights(op.getResW(), ds, rwRowBytes, rwShared);
  mem.commitGroup();
  mem.waitGroups(0);
  gpu::BarrierOp::create(b, loc);
  wLane = frag.tileLaneOffset(k.lane, wRowBytes, /*forA=*/false);
  rwLane = frag.tileLaneOffset(k.lane, rwRowBytes, /*forA=*/false);

  // No barrier below: the weights are only read from here on, so each warp
  // goes through the block's row tiles on its own.
  Value firstTile = k.mulC(k.toI64(blockX), rowTiles);
  Value warpOffset = k.toI64(k.mulC(k.warp, 16));
  auto loop = scf::ForOp::create(b, loc, k.i64(0), k.i64(rowTiles), k.i64(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value tile = k.add(firstTile, loop.getInductionVar());
  Value firstRow = k.add(k.mulC(tile, 16 * warps), warpOffset);
  buildIf(b, loc, k.lt(firstRow, rows), [&] { computeRowTile(firstRow); });
}

} // namespace

void sas::buildFeatureSimKernel(OpBuilder &b, MmaFeatureSimOp op,
                                unsigned index) {
  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  // Rows: B * T * H'.
  Value rows = arith::MulIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, memref::DimOp::create(b, loc, op.getX(), 0),
                            memref::DimOp::create(b, loc, op.getX(), 1)),
      arith::ConstantIndexOp::create(b, loc,
                                     op.getX().getType().getDimSize(2)));
  Value rowsPerBlock = arith::ConstantIndexOp::create(
      b, loc, 16 * op.getWarps() * op.getRowTiles());
  Value blocks = arith::CeilDivUIOp::create(b, loc, rows, rowsPerBlock);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch = createKernelLaunch(
      b, op, "feature_sim", index, {blocks, one, one}, 32 * op.getWarps(),
      getMmaFeatureSimSharedBytes(op.getX().getType().getDimSize(3),
                                  op.getOut().getType().getDimSize(3)));
  FeatureSimKernelBuilder(b, loc, op)
      .build(launch.getBlockIds().x, launch.getThreadIds().x, rows);
  op.erase();
}
