//===- RowTiles.h - Warps over the rows of a per-row kernel -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The per-row kernels (the feature simulation, its gradient, a weight
// gradient) see a [B, T, N, W] buffer as B * T * N rows of W elements. A
// warp takes 16 of them at a time; lane l holds rows l / 4 and l / 4 + 8
// of the tile (the rows of its mma.sync fragments).
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_ROWTILES_H
#define SAS_CODEGEN_NVVM_BUILDERS_ROWTILES_H

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"

namespace mlir {
namespace sas {

/// B * T * N of a [B, T, N, W] buffer (N static), as an index.
Value createRowCount(OpBuilder &b, Location loc, Value buffer);

/// This lane's two rows of the 16-row tile that starts at `firstRow`.
struct WarpRowTile {
  /// `firstRow` and `rows` (the count) are i64.
  WarpRowTile(KernelArith &k, Value firstRow, Value rows);

  /// The tile's rows of the row-major [rows, width] 16-bit buffer at global
  /// `base` as A fragments, one per 16 columns; rows past the end are zeros
  /// (the last row is read in their place).
  SmallVector<AFragment> loadA(DeviceMemoryBuilder &mem, Value base,
                               int64_t width);

  KernelArith &k;
  Value rows;
  /// The lane's rows (i64) and whether they exist.
  std::array<Value, 2> laneRow, valid;
};

/// An scf.for over a block's `rowTiles` tiles of 16 * `warps` rows (block
/// `blockX` takes tiles blockX * rowTiles on); `body(firstRow)` for this
/// warp's 16 of them where they start before `rows` (i64). The warps run
/// their tiles on their own: nothing here synchronizes them.
void forEachWarpRowTile(OpBuilder &b, Location loc, KernelArith &k,
                        Value blockX, int64_t rowTiles, int64_t warps,
                        Value rows, function_ref<void(Value firstRow)> body);

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_ROWTILES_H
