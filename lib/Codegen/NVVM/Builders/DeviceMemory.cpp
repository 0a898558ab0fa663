//===- DeviceMemory.cpp - Addresses and asynchronous copies -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"

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
