//===- WarpFragments.h - mma.sync fragments and their layouts ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Builders for the register fragments of the warp-level tensor-core
// instruction mma.sync.m16n8k16 with 16-bit (f16/bf16) operands and f32
// accumulators, as NVVM ops. The layouts (lane l of a warp, g = l / 4 the
// lane's row group, q = l % 4 its place in the quad):
//
//   A (16 x 16, row-major): 4 x i32, each two adjacent elements:
//       a0: (g,     2q..2q+1)   a1: (g + 8, 2q..2q+1)
//       a2: (g,     2q+8..+9)   a3: (g + 8, 2q+8..+9)
//   B (16 x 8, k x n):    2 x i32:  b0: (k = 2q..2q+1, n = g)
//                                   b1: (k = 2q+8..+9, n = g)
//   C (16 x 8, f32):      4 x f32:  c0, c1: (g, 2q..2q+1)
//                                   c2, c3: (g + 8, 2q..2q+1)
//
// So a row of an accumulator lives in the four lanes of one quad, and two
// adjacent C tiles (n = 16), packed to 16-bit pairs, are exactly an A
// fragment: a product can feed the next mma without leaving registers.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_WARPFRAGMENTS_H
#define SAS_CODEGEN_NVVM_BUILDERS_WARPFRAGMENTS_H

#include "sas/Codegen/NVVM/Builders/KernelArith.h"

#include "mlir/IR/Builders.h"

#include <array>

namespace mlir {
namespace sas {

/// Fragments of one warp: values held by each lane.
using AFragment = std::array<Value, 4>;    // 4 x i32 (16-bit pairs)
using BFragment = std::array<Value, 2>;    // 2 x i32 (16-bit pairs)
using AccFragment = std::array<Value, 4>;  // 4 x f32

/// Where the registers of an mma.sync m16n8 accumulator fragment sit in its
/// 16 x 8 tile: register i of lane l holds row l / 4 + 8 * row(i) and
/// column 2 * (l % 4) + column(i). A lane holds two rows, the lane's group
/// g and g + 8, each in two adjacent columns.
struct AccLayout {
  /// Which of the lane's two rows: 0 (g) or 1 (g + 8).
  static constexpr int row(int i) { return i / 2; }
  /// Which column of the lane's pair: 0 or 1.
  static constexpr int column(int i) { return i % 2; }
  /// The register of the lane's row `row` and column `column`.
  static constexpr int reg(int row, int column) { return 2 * row + column; }
};

/// Emits the arithmetic of warp fragments at the builder's insertion point.
class WarpFragmentBuilder : public IntArith {
public:
  /// `elementType` is the 16-bit operand type, f16 or bf16.
  WarpFragmentBuilder(OpBuilder &b, Location loc, Type elementType)
      : IntArith(b, loc), elementType(elementType) {}

  Value f32(double v);

  /// An accumulator fragment holding `value` in every element.
  AccFragment splat(double value);

  /// c + a * b on one m16n8k16 tile.
  AccFragment mma(const AFragment &a, const BFragment &b,
                  const AccFragment &c);

  /// ldmatrix.x4: four 8x8 16-bit matrices from shared memory; lane l gives
  /// the address of row l % 8 of matrix l / 8. Without `transpose` lane l
  /// receives, of each matrix, row l / 4, columns 2(l % 4) and 2(l % 4) + 1
  /// (a B fragment half when the rows are the n index); with it, column
  /// l / 4 of rows 2(l % 4) and 2(l % 4) + 1.
  std::array<Value, 4> loadMatrixX4(Value sharedAddress, bool transpose);

  /// The byte offset, from the start of a 16 x 16 tile of a row-major
  /// shared-memory matrix with rows `rowBytes` apart, of the row lane
  /// `lane` gives to loadMatrixX4:
  ///  - forA: rows 0-15 at column 0 (lanes 0-15), then at column 8: an A
  ///    fragment of the tile, in order a0..a3;
  ///  - otherwise: (rows 0-7, cols 0-7), (rows 0-7, cols 8-15), (rows 8-15,
  ///    cols 0-7), (rows 8-15, cols 8-15): without transpose, the B
  ///    fragments of two 8-column tiles of the product with the matrix
  ///    transposed (rows are the n index).
  Value tileLaneOffset(Value lane, int64_t rowBytes, bool forA);

  /// The byte offset of the row lane `lane` gives to loadMatrixX4 with
  /// `transpose`, from a 16 x 16 tile of a row-major 16-bit matrix B (row
  /// k, column n; rows `rowBytes` apart): (k 0-7, n 0-7), (k 8-15, n 0-7),
  /// (k 0-7, n 8-15), (k 8-15, n 8-15), the B fragments of two 8-column
  /// tiles of a product with B.
  Value rowMajorBLaneOffset(Value lane, int64_t rowBytes);
  /// The same for an A fragment (row m, column k) read from a row-major
  /// matrix that holds A's transpose (row k, column m): (k 0-7, m 0-7),
  /// (k 0-7, m 8-15), (k 8-15, m 0-7), (k 8-15, m 8-15) give a0..a3.
  Value transposedALaneOffset(Value lane, int64_t rowBytes);

  /// acc[m][n] += a[m][k] * B[k][n] where B is a row-major 16-bit matrix
  /// in shared memory (row k, column n; rows `rowBytes` apart) whose row 0,
  /// column 0, plus this lane's rowMajorBLaneOffset, is `laneBase`: `a` has
  /// one A fragment per 16 rows of B, `acc` one accumulator tile per 8
  /// columns. Each ldmatrix.x4.trans serves every row tile m.
  void multiplyRowMajor(SmallVector<SmallVector<AccFragment>> &acc,
                        ArrayRef<SmallVector<AFragment>> a, Value laneBase,
                        int64_t rowBytes);

  /// acc[m][n] += a[m][k] * B[k][n] where B's transpose is a row-major
  /// 16-bit matrix in shared memory (row n, column k; rows `rowBytes`
  /// apart) whose row 0, column 0, plus this lane's
  /// tileLaneOffset(forA = false), is `laneBase`: `a` has one A fragment
  /// per 16 columns, `acc` one accumulator tile per 8 rows of the matrix.
  /// Each ldmatrix.x4 serves every row tile m.
  void multiplyTransposed(SmallVector<SmallVector<AccFragment>> &acc,
                          ArrayRef<SmallVector<AFragment>> a, Value laneBase,
                          int64_t rowBytes);

  /// Two f32 values rounded to the 16-bit type and packed, `lo` first.
  Value pack(Value lo, Value hi);
  /// The two 16-bit values of `pair` as f32, `lo` first.
  std::array<Value, 2> unpack(Value pair);

  /// Stores 8 * `count` columns (`count` 4 or 8) of this warp's 16
  /// accumulator rows, the tiles `tiles[first]` to `tiles[first + count -
  /// 1]`, as 16-bit values 16 bytes a lane: the fragments go into `stage`
  /// (this warp's 2 KiB of shared memory: 16 rows of 128 bytes, chunk c of
  /// row r at chunk c ^ (r % 8), so that neither side has bank conflicts)
  /// by 4-byte stores, then each lane reads whole 16-byte chunks and
  /// `storeChunk(row, chunk, value)` writes them out (row 0-15, chunk 0 to
  /// count - 1, a vector<4xi32>). One 4-byte store a lane writes half a
  /// 32-byte sector of global memory; a warp's 16-byte stores write whole
  /// rows of 16 * count bytes.
  void storeTilesThroughShared(
      ArrayRef<AccFragment> tiles, int64_t first, int64_t count, Value stage,
      Value lane,
      function_ref<void(Value row, Value chunk, Value value)> storeChunk);

  /// The A fragment of the product tile formed by two adjacent accumulator
  /// tiles (columns 0-7 and 8-15 of a 16 x 16 tile).
  AFragment accumulatorsToA(const AccFragment &left, const AccFragment &right);

  /// The inverse of accumulatorsToA: an A fragment's 16 x 16 tile as two
  /// accumulator tiles (columns 0-7 and 8-15), in f32.
  std::array<AccFragment, 2> accumulatorsFromA(const AFragment &a);

  /// The B fragment whose every element is 1: a product with it sums the
  /// A fragment's rows (each of the 8 columns gets the row sums).
  BFragment ones();

  /// Max or sum of `v` over the four lanes of the quad that holds one
  /// accumulator row (shuffles with lane masks 1 and 2).
  Value quadMax(Value v);
  Value quadSum(Value v);

  /// f32 arithmetic as single instructions, with no libdevice call to link:
  /// 2^x (ex2.approx.ftz: relative error 2^-22, denormal results flushed to
  /// zero, harmless for softmax probabilities), a * b + c, max(a, b).
  Value exp2(Value x);
  /// log2(x) (lg2.approx.ftz: absolute error about 2^-22 near 1).
  Value log2(Value x);
  Value fma(Value a, Value b, Value c);
  Value max(Value a, Value b);

private:
  Value quadReduce(Value v, bool max);
  /// multiplyRowMajor (`rowMajor`) or multiplyTransposed.
  void multiplyShared(SmallVector<SmallVector<AccFragment>> &acc,
                      ArrayRef<SmallVector<AFragment>> a, Value laneBase,
                      int64_t rowBytes, bool rowMajor);

  Type elementType;
};

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_WARPFRAGMENTS_H
