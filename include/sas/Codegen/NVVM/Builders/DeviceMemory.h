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
  /// Closes the group of copies started since the last commit.
  void commitGroup();
  /// Waits until at most `pending` committed groups are still in flight.
  void waitGroups(int pending);

  /// 4-byte global load and store.
  Value loadI32(Value address);
  void storeI32(Value value, Value address);
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
