//===- DeviceMemory.h - Addresses and asynchronous copies -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Builders for the data movement of hand-tiled kernels: raw global and
// shared addresses (LLVM pointers in address spaces 1 and 3) from memrefs,
// byte offsets, 16-byte cp.async copies with zero fill past the end of a
// tensor, and their commit/wait groups.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_DEVICEMEMORY_H
#define SAS_CODEGEN_NVVM_BUILDERS_DEVICEMEMORY_H

#include "mlir/IR/Builders.h"

namespace mlir {
namespace sas {

class DeviceMemoryBuilder {
public:
  DeviceMemoryBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// The global-memory address of the first element of `memref` (identity
  /// layout), as !llvm.ptr<1>.
  Value globalBase(Value memref);
  /// The start of the block's dynamic shared memory, as !llvm.ptr<3>.
  Value sharedBase();
  /// `base` advanced by `bytes` (an i32 or i64 value).
  Value offset(Value base, Value bytes);

  /// Starts a 16-byte copy from global `src` to shared `dst`; copies
  /// `srcBytes` (0 or 16) and fills the rest of the 16 bytes with zeros.
  void copyAsync16(Value dst, Value src, Value srcBytes);
  /// Starts the copy of a whole row-major 16-bit matrix of `rows` x
  /// `width` (a multiple of 8) at global `base` into shared `dst` with rows
  /// `rowBytes` apart, the block's `threads` threads (this one `tid`, i32)
  /// taking its 16-byte chunks in turn.
  void copyMatrixAsync(Value tid, int64_t threads, Value base, int64_t rows,
                       int64_t width, int64_t rowBytes, Value dst);
  /// Closes the group of copies started since the last commit.
  void commitGroup();
  /// Waits until at most `pending` committed groups are still in flight.
  void waitGroups(int pending);

  /// 4-byte global load and store.
  Value loadI32(Value address);
  void storeI32(Value value, Value address);
  /// Adds the f32 values `lo` and `hi` to the adjacent f32 elements at
  /// global `address` (8-byte aligned) and after it, as relaxed reductions:
  /// one 8-byte `red.global.add.v2.f32` where `vector` (the target has
  /// them, TargetDescription::hasVectorReductions), else two 4-byte ones.
  void reduceAddF32Pair(Value address, Value lo, Value hi, bool vector);
  /// Adds the f32 `value` to the element at global `address`.
  void reduceAddF32(Value address, Value value);

  /// A load of `type` and a store of `value`, naturally aligned.
  Value load(Type type, Value address);
  void store(Value value, Value address);

private:
  OpBuilder &b;
  Location loc;
};

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_DEVICEMEMORY_H
