//===- RowTiles.cpp - Warps over the rows of a per-row kernel ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/RowTiles.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

Value sas::createRowCount(OpBuilder &b, Location loc, Value buffer) {
  int64_t n = cast<MemRefType>(buffer.getType()).getDimSize(2);
  return arith::MulIOp::create(b, loc, createTokenCount(b, loc, buffer),
                               arith::ConstantIndexOp::create(b, loc, n));
}

WarpRowTile::WarpRowTile(KernelArith &k, Value firstRow, Value rows)
    : k(k), rows(rows) {
  for (int r = 0; r < 2; ++r) {
    laneRow[r] = k.add(firstRow, k.toI64(k.addC(k.group, 8 * r)));
    valid[r] = k.slt(laneRow[r], rows);
  }
}

SmallVector<AFragment> WarpRowTile::loadA(DeviceMemoryBuilder &mem, Value base,
                                          int64_t width) {
  std::array<Value, 2> address;
  for (int r = 0; r < 2; ++r) {
    Value row = k.minS(laneRow[r], k.addC(rows, -1));
    address[r] =
        mem.offset(mem.offset(base, k.mulC(row, width * 2)), k.mulC(k.quad, 4));
  }
  Value zero = k.i32(0);
  auto load = [&](int r, int64_t column) {
    return k.select(
        valid[r], mem.loadI32(mem.offset(address[r], k.i32(column * 2))), zero);
  };
  SmallVector<AFragment> a;
  for (int64_t kk = 0; kk < width / 16; ++kk)
    a.push_back({load(0, 16 * kk), load(1, 16 * kk), load(0, 16 * kk + 8),
                 load(1, 16 * kk + 8)});
  return a;
}

void sas::forEachWarpRowTile(OpBuilder &b, Location loc, KernelArith &k,
                             Value blockX, int64_t rowTiles, int64_t warps,
                             Value rows,
                             function_ref<void(Value firstRow)> body) {
  Value firstTile = k.mulC(k.toI64(blockX), rowTiles);
  Value warpOffset = k.toI64(k.mulC(k.warp, 16));
  auto loop = scf::ForOp::create(b, loc, k.i64(0), k.i64(rowTiles), k.i64(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value tile = k.add(firstTile, loop.getInductionVar());
  Value firstRow = k.add(k.mulC(tile, 16 * warps), warpOffset);
  buildIf(b, loc, k.slt(firstRow, rows), [&] { body(firstRow); });
}
