//===- WarpgroupMma.cpp - wgmma on Hopper (sm_90a) --------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/WarpgroupMma.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include <string>

using namespace mlir;
using namespace mlir::sas;

Value WarpgroupMmaBuilder::swizzledOffset(Value row, Value chunk) {
  Value phase = arith::AndIOp::create(b, loc, row, i32(7));
  Value swizzled = arith::XOrIOp::create(b, loc, chunk, phase);
  return arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, row, i32(kPanelRowBytes)),
      arith::ShLIOp::create(b, loc, swizzled, i32(4)));
}

SmallVector<Value> sas::flattenTiles(ArrayRef<AccFragment> tiles) {
  SmallVector<Value> values;
  for (const AccFragment &t : tiles)
    values.append(t.begin(), t.end());
  return values;
}

SmallVector<AccFragment> sas::unflattenTiles(ArrayRef<Value> values) {
  assert(values.size() % 4 == 0 && "a partial fragment would be dropped");
  SmallVector<AccFragment> tiles;
  for (size_t i = 0; i + 3 < values.size(); i += 4)
    tiles.push_back({values[i], values[i + 1], values[i + 2], values[i + 3]});
  return tiles;
}

SmallVector<Value>
sas::flattenRowTiles(ArrayRef<SmallVector<AccFragment>> tiles) {
  SmallVector<Value> values;
  for (const SmallVector<AccFragment> &tile : tiles)
    llvm::append_range(values, flattenTiles(tile));
  return values;
}

SmallVector<SmallVector<AccFragment>>
sas::unflattenRowTiles(ArrayRef<Value> values, int64_t rowTiles) {
  size_t perTile = values.size() / rowTiles;
  SmallVector<SmallVector<AccFragment>> tiles;
  for (int64_t m = 0; m < rowTiles; ++m)
    tiles.push_back(unflattenTiles(values.slice(m * perTile, perTile)));
  return tiles;
}

Value WarpgroupMmaBuilder::kMajorDescriptor(Value tile, int64_t panelRows,
                                            int64_t step) {
  int64_t offset = (step / 4) * panelRows * kPanelRowBytes + 32 * (step % 4);
  return descriptor(LLVM::GEPOp::create(b, loc, tile.getType(), b.getI8Type(),
                                        tile, ValueRange{i32(offset)}),
                    kSwizzleAtomBytes, 16);
}

Value WarpgroupMmaBuilder::mnMajorDescriptor(Value tile, int64_t panelRows,
                                             int64_t step) {
  Value start =
      LLVM::GEPOp::create(b, loc, tile.getType(), b.getI8Type(), tile,
                          ValueRange{i32(16 * step * kPanelRowBytes)});
  return descriptor(start, kSwizzleAtomBytes, panelRows * kPanelRowBytes);
}

Value WarpgroupMmaBuilder::alignToSwizzleAtom(Value shared) {
  Value address = LLVM::PtrToIntOp::create(b, loc, b.getI32Type(), shared);
  Value pad = arith::AndIOp::create(
      b, loc, arith::SubIOp::create(b, loc, i32(0), address),
      i32(kSwizzleAtomBytes - 1));
  return LLVM::GEPOp::create(b, loc, shared.getType(), b.getI8Type(), shared,
                             ValueRange{pad});
}

Value WarpgroupMmaBuilder::descriptor(Value address, int64_t strideBytes,
                                      int64_t leadingBytes) {
  // Bits 0-13: address / 16; 16-29: leading byte offset / 16; 32-45: stride
  // byte offset / 16; 62-63: 1, the 128-byte swizzle.
  Value offset = LLVM::PtrToIntOp::create(b, loc, b.getI32Type(), address);
  Value start = arith::ShRUIOp::create(
      b, loc, arith::AndIOp::create(b, loc, offset, i32(0x3FFFF)), i32(4));
  uint64_t fixed = (uint64_t(leadingBytes >> 4) << 16) |
                   (uint64_t(strideBytes >> 4) << 32) | (uint64_t(1) << 62);
  return arith::OrIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, b.getI64Type(), start),
      i64(static_cast<int64_t>(fixed)));
}

void WarpgroupMmaBuilder::fence() { NVVM::WgmmaFenceAlignedOp::create(b, loc); }

void WarpgroupMmaBuilder::commitGroup() {
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
}

void WarpgroupMmaBuilder::waitGroups(int64_t pending) {
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, b.getI64IntegerAttr(pending));
}

void WarpgroupMmaBuilder::fenceSharedForAsyncProxy() {
  NVVM::FenceProxyOp::create(
      b, loc, NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
      NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
}

/// The accumulator values as the LLVM struct wgmma takes and returns.
static Value packStruct(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  SmallVector<Type> types(values.size(), b.getF32Type());
  auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
  Value s = LLVM::UndefOp::create(b, loc, type);
  for (auto [i, v] : llvm::enumerate(values))
    s = LLVM::InsertValueOp::create(b, loc, s, v, i);
  return s;
}

static void unpackStruct(OpBuilder &b, Location loc, Value s,
                         SmallVectorImpl<Value> &values) {
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = LLVM::ExtractValueOp::create(b, loc, s, i);
}

SmallVector<Value> WarpgroupMmaBuilder::newAccumulators(int64_t count) {
  return SmallVector<Value>(
      count, LLVM::UndefOp::create(b, loc, b.getF32Type()).getResult());
}

void WarpgroupMmaBuilder::mmaShared(SmallVectorImpl<Value> &acc,
                                    Value aDescriptor, Value bDescriptor,
                                    Type element, int64_t n, bool accumulate,
                                    bool aMNMajor, bool bMNMajor) {
  MLIRContext *ctx = b.getContext();
  Value in = packStruct(b, loc, acc);
  NVVM::WGMMATypes type =
      element.isBF16() ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16;
  Value out = NVVM::WgmmaMmaAsyncOp::create(
      b, loc, in.getType(), in, aDescriptor, bDescriptor,
      NVVM::MMAShapeAttr::get(ctx, 64, n, 16), type, type,
      NVVM::WGMMATypes::f32,
      accumulate ? NVVM::WGMMAScaleOut::one : NVVM::WGMMAScaleOut::zero,
      NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
      // A is row-major (K-major) and B column-major (K-major) unless
      // transposed.
      aMNMajor ? NVVM::MMALayout::col : NVVM::MMALayout::row,
      bMNMajor ? NVVM::MMALayout::row : NVVM::MMALayout::col,
      /*satfinite=*/nullptr);
  unpackStruct(b, loc, out, acc);
}

void WarpgroupMmaBuilder::mmaRegisterA(SmallVectorImpl<Value> &acc,
                                       const AFragment &a, Value bDescriptor,
                                       Type element, int64_t n, bool bKMajor,
                                       bool accumulate) {
  // No NVVM op takes A from registers: the instruction as inline PTX, the
  // accumulators tied in and out.
  int64_t count = n / 2;
  std::string type = element.isBF16() ? "bf16" : "f16";
  std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, $" +
                     std::to_string(count + 5) + ", 0;\nwgmma.mma_async.sync."
                     "aligned.m64n" + std::to_string(n) + "k16.f32." + type +
                     "." + type + " {";
  std::string constraints;
  for (int64_t i = 0; i < count; ++i) {
    text += (i ? ", $" : "$") + std::to_string(i);
    constraints += "=f,";
  }
  text += "}, {$" + std::to_string(count) + ", $" + std::to_string(count + 1) +
          ", $" + std::to_string(count + 2) + ", $" +
          std::to_string(count + 3) + "}, $" + std::to_string(count + 4) +
          ", p, 1, 1, " + (bKMajor ? "0" : "1") + ";\n}";
  constraints += "r,r,r,r,l,r";
  for (int64_t i = 0; i < count; ++i)
    constraints += "," + std::to_string(i);
  SmallVector<Value> operands(a.begin(), a.end());
  operands.push_back(bDescriptor);
  operands.push_back(i32(accumulate ? 1 : 0));
  operands.append(acc.begin(), acc.end());
  SmallVector<Type> types(count, b.getF32Type());
  auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
  Value out =
      LLVM::InlineAsmOp::create(
          b, loc, resultType, operands, text, constraints,
          /*has_side_effects=*/true, /*is_align_stack=*/false,
          LLVM::tailcallkind::TailCallKind::None,
          /*asm_dialect=*/LLVM::AsmDialectAttr(),
          /*operand_attrs=*/ArrayAttr())
          .getResult(0);
  unpackStruct(b, loc, out, acc);
}

void WarpgroupMmaBuilder::keepLiveUntilHere(ArrayRef<Value> values) {
  std::string text =
      "{\n.reg .b32 t, s;\n.reg .b64 a;\n.reg .pred p;\nmov.b32 t, $0;\n";
  std::string constraints = "r";
  for (size_t i = 1; i < values.size(); ++i) {
    text += "xor.b32 t, t, $" + std::to_string(i) + ";\n";
    constraints += ",r";
  }
  text += "mov.u32 s, %dynamic_smem_size;\nsetp.eq.u32 p, s, 0;\n"
          "mov.b64 a, 0;\n@p st.volatile.shared.b32 [a], t;\n}";
  LLVM::InlineAsmOp::create(b, loc, TypeRange(), values, text, constraints,
                            /*has_side_effects=*/true,
                            /*is_align_stack=*/false,
                            LLVM::tailcallkind::TailCallKind::None,
                            /*asm_dialect=*/LLVM::AsmDialectAttr(),
                            /*operand_attrs=*/ArrayAttr());
}

void WarpgroupMmaBuilder::holdUntilHere(SmallVectorImpl<Value> &values) {
  std::string constraints;
  SmallVector<Type> types;
  for (Value v : values) {
    constraints += (constraints.empty() ? "=" : ",=") +
                   std::string(v.getType().isF32() ? "f" : "r");
    types.push_back(v.getType());
  }
  for (size_t i = 0; i < values.size(); ++i)
    constraints += "," + std::to_string(i);
  auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
  Value out = LLVM::InlineAsmOp::create(
                  b, loc, resultType, values, /*asm_string=*/"", constraints,
                  /*has_side_effects=*/true, /*is_align_stack=*/false,
                  LLVM::tailcallkind::TailCallKind::None,
                  /*asm_dialect=*/LLVM::AsmDialectAttr(),
                  /*operand_attrs=*/ArrayAttr())
                  .getResult(0);
  unpackStruct(b, loc, out, values);
}
