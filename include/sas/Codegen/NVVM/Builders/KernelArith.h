//===- KernelArith.h - Integer arithmetic of a kernel body ------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Every kernel builder computes addresses, offsets and indices through this
// one builder: upstream's ArithBuilder (add, mul, select, slt) and what it
// lacks here: constants of an operand's width, widening casts, unsigned
// division (indices in a kernel are never negative), and the thread's place
// in its block. No overflow flags: the kernels' PTX was measured without
// them.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_KERNELARITH_H
#define SAS_CODEGEN_NVVM_BUILDERS_KERNELARITH_H

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace sas {

/// Integer arithmetic at one builder and location (i32 unless said
/// otherwise).
struct IntArith : ArithBuilder {
  IntArith(OpBuilder &b, Location loc) : ArithBuilder(b, loc), b(b), loc(loc) {}

  Value i32(int64_t v);
  Value i64(int64_t v);
  /// An index or i32 value as i32 or i64 (unsigned: never negative here).
  Value toI32(Value index);
  Value toI64(Value v);
  /// x + c, x * c, x / c, x % c with a constant of x's type.
  Value addC(Value x, int64_t c);
  Value mulC(Value x, int64_t c);
  Value div(Value x, int64_t c);
  Value rem(Value x, int64_t c);
  Value minS(Value x, Value y);

  OpBuilder &b;
  Location loc;
};

/// IntArith and the thread's place in its block.
struct KernelArith : IntArith {
  using IntArith::IntArith;

  /// The thread id x and, from it, lane, warp, and in the warp the mma
  /// fragment coordinates group = lane / 4 and quad = lane % 4.
  void setThread(Value threadX);

  Value tid, lane, warp, group, quad;
};

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_KERNELARITH_H
