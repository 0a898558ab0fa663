//===- WarpFragments.cpp - mma.sync fragments and their layouts -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/WarpFragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::sas;

Value WarpFragmentBuilder::f32(double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

AccFragment WarpFragmentBuilder::splat(double value) {
  Value v = f32(value);
  return {v, v, v, v};
}

AccFragment WarpFragmentBuilder::mma(const AFragment &a, const BFragment &bf,
                                     const AccFragment &c) {
  Type f32Type = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), {f32Type, f32Type, f32Type, f32Type});
  // nvvm.mma.sync takes bf16 pairs as i32 and f16 pairs as vector<2xf16>.
  auto operand = [&](Value pair) -> Value {
    if (elementType.isBF16())
      return pair;
    return LLVM::BitcastOp::create(b, loc, VectorType::get(2, elementType),
                                   pair);
  };
  SmallVector<Value, 4> aOps, bOps;
  for (Value v : a)
    aOps.push_back(operand(v));
  for (Value v : bf)
    bOps.push_back(operand(v));
  NVVM::MMATypes type =
      elementType.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Value d = NVVM::MmaOp::create(
      b, loc, resultType, aOps, bOps, SmallVector<Value>(c.begin(), c.end()),
      /*shape=*/{16, 8, 16}, /*b1Op=*/std::nullopt,
      /*intOverflow=*/std::nullopt,
      std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  AccFragment result;
  for (int i = 0; i < 4; ++i)
    result[i] = LLVM::ExtractValueOp::create(b, loc, d, i);
  return result;
}

std::array<Value, 4> WarpFragmentBuilder::loadMatrixX4(Value sharedAddress,
                                                       bool transpose) {
  Type i32Type = b.getI32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), {i32Type, i32Type, i32Type, i32Type});
  Value m = NVVM::LdMatrixOp::create(
      b, loc, resultType, sharedAddress, /*num=*/4,
      transpose ? NVVM::MMALayout::col : NVVM::MMALayout::row,
      NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
      NVVM::LdStMatrixEltType::B16);
  std::array<Value, 4> result;
  for (int i = 0; i < 4; ++i)
    result[i] = LLVM::ExtractValueOp::create(b, loc, m, i);
  return result;
}

Value WarpFragmentBuilder::tileLaneOffset(Value lane, int64_t rowBytes,
                                          bool forA) {
  auto c = [&](int64_t v) { return i32(v); };
  auto mul = [&](Value x, int64_t y) {
    return (Value)arith::MulIOp::create(b, loc, x, c(y));
  };
  if (forA) {
    Value row = arith::RemUIOp::create(b, loc, lane, c(16));
    Value half = arith::DivUIOp::create(b, loc, lane, c(16));
    return arith::AddIOp::create(b, loc, mul(row, rowBytes), mul(half, 16));
  }
  Value matrix = arith::DivUIOp::create(b, loc, lane, c(8));
  Value matrixRow = arith::RemUIOp::create(b, loc, lane, c(8));
  Value column = arith::RemUIOp::create(b, loc, matrix, c(2));
  Value rowHalf = arith::DivUIOp::create(b, loc, matrix, c(2));
  Value row = arith::AddIOp::create(b, loc, matrixRow, mul(rowHalf, 8));
  return arith::AddIOp::create(b, loc, mul(row, rowBytes), mul(column, 16));
}

Value WarpFragmentBuilder::rowMajorBLaneOffset(Value lane, int64_t rowBytes) {
  Value matrix = div(lane, 8), matrixRow = rem(lane, 8);
  Value row = add(matrixRow, mulC(rem(matrix, 2), 8));
  return add(mulC(row, rowBytes), mulC(div(matrix, 2), 16));
}

Value WarpFragmentBuilder::transposedALaneOffset(Value lane, int64_t rowBytes) {
  Value matrix = div(lane, 8), matrixRow = rem(lane, 8);
  Value row = add(matrixRow, mulC(div(matrix, 2), 8));
  return add(mulC(row, rowBytes), mulC(rem(matrix, 2), 16));
}

void WarpFragmentBuilder::multiplyShared(
    SmallVector<SmallVector<AccFragment>> &acc,
    ArrayRef<SmallVector<AFragment>> a, Value laneBase, int64_t rowBytes,
    bool rowMajor) {
  int64_t kSteps = a.front().size(), nTiles = acc.front().size();
  for (int64_t kk = 0; kk < kSteps; ++kk)
    for (int64_t jj = 0; jj < nTiles / 2; ++jj) {
      // 16 k by 16 n: rows are k in a row-major B, n in its transpose.
      int64_t offset = rowMajor ? 16 * kk * rowBytes + 32 * jj
                                : 16 * jj * rowBytes + 32 * kk;
      Value address =
          LLVM::GEPOp::create(b, loc, laneBase.getType(), b.getI8Type(),
                              laneBase, ValueRange{i32(offset)});
      std::array<Value, 4> m = loadMatrixX4(address, /*transpose=*/rowMajor);
      for (size_t r = 0; r < acc.size(); ++r) {
        acc[r][2 * jj] = mma(a[r][kk], {m[0], m[1]}, acc[r][2 * jj]);
        acc[r][2 * jj + 1] = mma(a[r][kk], {m[2], m[3]}, acc[r][2 * jj + 1]);
      }
    }
}

void WarpFragmentBuilder::multiplyRowMajor(
    SmallVector<SmallVector<AccFragment>> &acc,
    ArrayRef<SmallVector<AFragment>> a, Value laneBase, int64_t rowBytes) {
  multiplyShared(acc, a, laneBase, rowBytes, /*rowMajor=*/true);
}

void WarpFragmentBuilder::multiplyTransposed(
    SmallVector<SmallVector<AccFragment>> &acc,
    ArrayRef<SmallVector<AFragment>> a, Value laneBase, int64_t rowBytes) {
  multiplyShared(acc, a, laneBase, rowBytes, /*rowMajor=*/false);
}

std::array<Value, 2> WarpFragmentBuilder::unpack(Value pair) {
  Value v = LLVM::BitcastOp::create(b, loc, VectorType::get(2, elementType),
                                    pair);
  std::array<Value, 2> result;
  for (int i = 0; i < 2; ++i)
    result[i] = arith::ExtFOp::create(
        b, loc, b.getF32Type(),
        vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{i})
            .getResult());
  return result;
}

void WarpFragmentBuilder::storeTilesThroughShared(
    ArrayRef<AccFragment> tiles, int64_t first, int64_t count, Value stage,
    Value lane, function_ref<void(Value, Value, Value)> storeChunk) {
  assert((count == 4 || count == 8) && "4 or 8 tiles");
  auto add = [&](Value x, Value y) {
    return arith::AddIOp::create(b, loc, x, y).getResult();
  };
  auto mul = [&](Value x, int64_t c) {
    return arith::MulIOp::create(b, loc, x, i32(c)).getResult();
  };
  auto at = [&](Value offset) {
    return LLVM::GEPOp::create(b, loc, stage.getType(), b.getI8Type(), stage,
                               ValueRange{offset})
        .getResult();
  };
  Value group = arith::DivUIOp::create(b, loc, lane, i32(4));
  Value quad = arith::RemUIOp::create(b, loc, lane, i32(4));
  // The fragments: rows g and g + 8 (same phase g), chunk j ^ g.
  for (int r = 0; r < 2; ++r) {
    Value row = add(mul(add(group, i32(8 * r)), 128), mul(quad, 4));
    for (int64_t j = 0; j < count; ++j) {
      const AccFragment &tile = tiles[first + j];
      Value chunk = arith::XOrIOp::create(b, loc, group, i32(j));
      LLVM::StoreOp::create(b, loc, pack(tile[AccLayout::reg(r, 0)], tile[AccLayout::reg(r, 1)]),
                            at(add(row, mul(chunk, 16))), /*alignment=*/4);
    }
  }
  Value all = i32(-1);
  NVVM::SyncWarpOp::create(b, loc, all);
  // 16 * count chunks, count / 2 a lane: rows l / count + (32 / count) i,
  // chunk l % count.
  Value chunk = arith::RemUIOp::create(b, loc, lane, i32(count));
  auto vectorType = VectorType::get({4}, b.getI32Type());
  for (int64_t i = 0; i < count / 2; ++i) {
    Value row = add(arith::DivUIOp::create(b, loc, lane, i32(count)),
                    i32((32 / count) * i));
    Value phase = arith::RemUIOp::create(b, loc, row, i32(8));
    Value offset =
        add(mul(row, 128),
            mul(arith::XOrIOp::create(b, loc, chunk, phase), 16));
    Value value = LLVM::LoadOp::create(b, loc, vectorType, at(offset),
                                       /*alignment=*/16);
    storeChunk(row, chunk, value);
  }
  // The stage is written again by the next call.
  NVVM::SyncWarpOp::create(b, loc, all);
}

Value WarpFragmentBuilder::pack(Value lo, Value hi) {
  Value pair = vector::FromElementsOp::create(
      b, loc, VectorType::get(2, elementType),
      ValueRange{arith::TruncFOp::create(b, loc, elementType, lo),
                 arith::TruncFOp::create(b, loc, elementType, hi)});
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
}

AFragment WarpFragmentBuilder::accumulatorsToA(const AccFragment &left,
                                               const AccFragment &right) {
  return {pack(left[0], left[1]), pack(left[2], left[3]),
          pack(right[0], right[1]), pack(right[2], right[3])};
}

std::array<AccFragment, 2>
WarpFragmentBuilder::accumulatorsFromA(const AFragment &a) {
  std::array<AccFragment, 2> tiles;
  for (int half = 0; half < 2; ++half)
    for (int row = 0; row < 2; ++row) {
      std::array<Value, 2> pair = unpack(a[2 * half + row]);
      for (int column = 0; column < 2; ++column)
        tiles[half][AccLayout::reg(row, column)] = pair[column];
    }
  return tiles;
}

BFragment WarpFragmentBuilder::ones() {
  // 1.0 in both halves of the pair: 0x3f80 in bf16, 0x3c00 in f16.
  int64_t one = elementType.isBF16() ? 0x3f80 : 0x3c00;
  Value pair = i32(one | (one << 16));
  return {pair, pair};
}

Value WarpFragmentBuilder::quadReduce(Value v, bool max) {
  for (int32_t mask : {1, 2}) {
    Value other = gpu::ShuffleOp::create(b, loc, v, mask, /*width=*/32,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    v = max ? this->max(v, other)
            : (Value)arith::AddFOp::create(b, loc, v, other);
  }
  return v;
}

Value WarpFragmentBuilder::quadMax(Value v) { return quadReduce(v, true); }
Value WarpFragmentBuilder::quadSum(Value v) { return quadReduce(v, false); }

/// One f32 PTX instruction `opcode` on `x`.
static Value unaryInstruction(OpBuilder &b, Location loc, StringRef opcode,
                              Value x) {
  return LLVM::InlineAsmOp::create(
             b, loc, b.getF32Type(), ValueRange{x}, (opcode + " $0, $1;").str(),
             "=f,f", /*has_side_effects=*/false,
             /*is_align_stack=*/false, LLVM::tailcallkind::TailCallKind::None,
             /*asm_dialect=*/LLVM::AsmDialectAttr(),
             /*operand_attrs=*/ArrayAttr())
      .getResult(0);
}

Value WarpFragmentBuilder::exp2(Value x) {
  // math.exp2 would become a libdevice call (__nv_exp2f) that only a CUDA
  // toolkit's libdevice resolves; the instruction needs nothing.
  return unaryInstruction(b, loc, "ex2.approx.ftz.f32", x);
}

Value WarpFragmentBuilder::log2(Value x) {
  return unaryInstruction(b, loc, "lg2.approx.ftz.f32", x);
}

Value WarpFragmentBuilder::fma(Value a, Value bv, Value c) {
  return LLVM::FMAOp::create(b, loc, a, bv, c);
}

Value WarpFragmentBuilder::max(Value a, Value bv) {
  return LLVM::MaxNumOp::create(b, loc, a, bv);
}
