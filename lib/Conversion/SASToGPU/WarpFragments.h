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

#ifndef SAS_LIB_CONVERSION_SASTOGPU_WARPFRAGMENTS_H
#define SAS_LIB_CONVERSION_SASTOGPU_WARPFRAGMENTS_H

#include "mlir/IR/Builders.h"

#include <array>

namespace mlir {
namespace sas {

/// Fragments of one warp: values held by each lane.
using AFragment = std::array<Value, 4>;    // 4 x i32 (16-bit pairs)
using BFragment = std::array<Value, 2>;    // 2 x i32 (16-bit pairs)
using AccFragment = std::array<Value, 4>;  // 4 x f32

/// Emits the arithmetic of warp fragments at the builder's insertion point.
class WarpFragmentBuilder {
public:
  /// `elementType` is the 16-bit operand type, f16 or bf16.
  WarpFragmentBuilder(OpBuilder &b, Location loc, Type elementType)
      : b(b), loc(loc), elementType(elementType) {}

  Value i32(int64_t v);
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

  /// Two f32 values rounded to the 16-bit type and packed, `lo` first.
  Value pack(Value lo, Value hi);

  /// The A fragment of the product tile formed by two adjacent accumulator
  /// tiles (columns 0-7 and 8-15 of a 16 x 16 tile).
  AFragment accumulatorsToA(const AccFragment &left, const AccFragment &right);

  /// Max or sum of `v` over the four lanes of the quad that holds one
  /// accumulator row (shuffles with lane masks 1 and 2).
  Value quadMax(Value v);
  Value quadSum(Value v);

  /// f32 arithmetic as single instructions, with no libdevice call to link:
  /// 2^x (ex2.approx.ftz: relative error 2^-22, denormal results flushed to
  /// zero, harmless for softmax probabilities), a * b + c, max(a, b).
  Value exp2(Value x);
  Value fma(Value a, Value b, Value c);
  Value max(Value a, Value b);

private:
  Value quadReduce(Value v, bool max);

  OpBuilder &b;
  Location loc;
  Type elementType;
};

} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CONVERSION_SASTOGPU_WARPFRAGMENTS_H
