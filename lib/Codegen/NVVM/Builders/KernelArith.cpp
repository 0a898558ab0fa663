//===- KernelArith.cpp - Integer arithmetic of a kernel body --------------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/KernelArith.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::sas;

Value IntArith::i32(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

Value IntArith::i64(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}

Value IntArith::toI32(Value index) {
  return arith::IndexCastUIOp::create(b, loc, b.getI32Type(), index);
}

Value IntArith::toI64(Value v) {
  if (v.getType().isIndex())
    return arith::IndexCastUIOp::create(b, loc, b.getI64Type(), v);
  return arith::ExtUIOp::create(b, loc, b.getI64Type(), v);
}

/// A constant of `x`'s integer type.
static Value constantLike(IntArith &k, Value x, int64_t c) {
  return x.getType().isInteger(64) ? k.i64(c) : k.i32(c);
}

Value IntArith::addC(Value x, int64_t c) {
  return add(x, constantLike(*this, x, c));
}

Value IntArith::mulC(Value x, int64_t c) {
  return mul(x, constantLike(*this, x, c));
}

Value IntArith::div(Value x, int64_t c) {
  return arith::DivUIOp::create(b, loc, x, constantLike(*this, x, c));
}

Value IntArith::rem(Value x, int64_t c) {
  return arith::RemUIOp::create(b, loc, x, constantLike(*this, x, c));
}

Value IntArith::minS(Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}

void KernelArith::setThread(Value threadX) {
  tid = toI32(threadX);
  lane = rem(tid, 32);
  warp = div(tid, 32);
  group = div(lane, 4);
  quad = rem(lane, 4);
}
