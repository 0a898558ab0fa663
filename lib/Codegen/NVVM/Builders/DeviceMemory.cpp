//===- DeviceMemory.cpp - Addresses and asynchronous copies -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelArith.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::sas;

static constexpr unsigned kGlobalSpace = 1, kSharedSpace = 3;

Value DeviceMemoryBuilder::globalBase(Value memref) {
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value i64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), address);
  Value generic = LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), i64);
  return LLVM::AddrSpaceCastOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), kGlobalSpace),
      generic);
}

Value DeviceMemoryBuilder::sharedBase() {
  auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                          gpu::AddressSpace::Workgroup);
  auto type = MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                              MemRefLayoutAttrInterface{}, space);
  Value memory = gpu::DynamicSharedMemoryOp::create(b, loc, type);
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memory);
  // Shared addresses are 32-bit offsets into the block's window.
  Value i32 = arith::IndexCastUIOp::create(b, loc, b.getI32Type(), address);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), kSharedSpace), i32);
}

Value DeviceMemoryBuilder::offset(Value base, Value bytes) {
  return LLVM::GEPOp::create(b, loc, base.getType(), b.getI8Type(), base,
                             ValueRange{bytes});
}

void DeviceMemoryBuilder::copyAsync16(Value dst, Value src, Value srcBytes) {
  // .cg: cache in L2 only; k and v tiles are reused through shared memory.
  NVVM::CpAsyncOp::create(b, loc, dst, src, b.getI32IntegerAttr(16),
                          NVVM::LoadCacheModifierKindAttr::get(
                              b.getContext(), NVVM::LoadCacheModifierKind::CG),
                          srcBytes);
}

void DeviceMemoryBuilder::copyMatrixAsync(Value tid, int64_t threads,
                                          Value base, int64_t rows,
                                          int64_t width, int64_t rowBytes,
                                          Value dst) {
  KernelArith k(b, loc);
  int64_t chunksPerRow = width / 8;
  forEachThreadItem(
      b, loc, tid, threads, rows * chunksPerRow, [&](Value chunk) {
        Value row = k.div(chunk, chunksPerRow);
        Value column = k.rem(chunk, chunksPerRow);
        copyAsync16(
            offset(dst, k.add(k.mulC(row, rowBytes), k.mulC(column, 16))),
            offset(base, k.mulC(chunk, 16)), k.i32(16));
      });
}

void DeviceMemoryBuilder::commitGroup() {
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
}

void DeviceMemoryBuilder::waitGroups(int pending) {
  NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(pending));
}

Value DeviceMemoryBuilder::loadI32(Value address) {
  return LLVM::LoadOp::create(b, loc, b.getI32Type(), address, /*alignment=*/4);
}

void DeviceMemoryBuilder::storeI32(Value value, Value address) {
  LLVM::StoreOp::create(b, loc, value, address, /*alignment=*/4);
}

void DeviceMemoryBuilder::reduceAddF32Pair(Value address, Value lo, Value hi,
                                           bool vector) {
  if (vector) {
    LLVM::InlineAsmOp::create(b, loc, TypeRange(), ValueRange{address, lo, hi},
                              "red.global.add.v2.f32 [$0], {$1, $2};", "l,f,f",
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              /*asm_dialect=*/LLVM::AsmDialectAttr(),
                              /*operand_attrs=*/ArrayAttr());
    return;
  }
  reduceAddF32(address, lo);
  reduceAddF32(offset(address, arith::ConstantIntOp::create(b, loc, 4, 32)),
               hi);
}

void DeviceMemoryBuilder::reduceAddF32(Value address, Value value) {
  LLVM::AtomicRMWOp::create(b, loc, LLVM::AtomicBinOp::fadd, address, value,
                            LLVM::AtomicOrdering::monotonic);
}

/// The size of a scalar or vector type, which is also its natural alignment.
static unsigned getByteSize(Type type) {
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.getNumElements() *
           vector.getElementType().getIntOrFloatBitWidth() / 8;
  return type.getIntOrFloatBitWidth() / 8;
}

Value DeviceMemoryBuilder::load(Type type, Value address) {
  return LLVM::LoadOp::create(b, loc, type, address, getByteSize(type));
}

void DeviceMemoryBuilder::store(Value value, Value address) {
  LLVM::StoreOp::create(b, loc, value, address, getByteSize(value.getType()));
}
