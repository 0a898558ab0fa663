//===- KernelLaunch.h - Launches and arithmetic of built kernels -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The gpu.launch every kernel builder starts from, the integer arithmetic
// of a kernel body, and the block-wide loops they share.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_KERNELLAUNCH_H
#define SAS_CODEGEN_NVVM_BUILDERS_KERNELLAUNCH_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <array>

namespace mlir {
namespace sas {

/// A gpu.launch before `op` of `grid` blocks of `threads` threads (x only)
/// with `sharedBytes` of dynamic shared memory, named
/// `<function>_<kind>_<index>`; the builder is left at the start of its
/// body, whose terminator is in place. With `minBlocksPerSM`, asks
/// sas-gpu-kernel-occupancy to make ptxas fit that many blocks an SM.
gpu::LaunchOp createKernelLaunch(OpBuilder &b, Operation *op, StringRef kind,
                                 unsigned index, std::array<Value, 3> grid,
                                 int64_t threads, int64_t sharedBytes,
                                 int64_t minBlocksPerSM = 0);

/// Integer arithmetic and the thread's place in its block, for the body of
/// a kernel built by hand (i32 unless said otherwise).
struct KernelArith {
  KernelArith(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value i32(int64_t v);
  Value i64(int64_t v);
  Value toI32(Value index);
  Value toI64(Value v);
  Value add(Value x, Value y);
  Value mul(Value x, Value y);
  /// x + c and x * c with a constant of x's type.
  Value addC(Value x, int64_t c);
  Value mulC(Value x, int64_t c);
  Value div(Value x, int64_t c);
  Value rem(Value x, int64_t c);
  Value lt(Value x, Value y);
  Value select(Value condition, Value x, Value y);
  /// The thread id x and, from it, lane, warp, and in the warp the mma
  /// fragment coordinates group = lane / 4 and quad = lane % 4.
  void setThread(Value threadX);

  OpBuilder &b;
  Location loc;
  Value tid, lane, warp, group, quad;
};

/// Emits `body` under `scf.if condition` (no results) at the builder.
void buildIf(OpBuilder &b, Location loc, Value condition,
             function_ref<void()> body);

/// The `threads` threads of a block taking `count` work items in turn:
/// emits `body(item)` for item = tid, tid + threads, ... (i32), unrolled,
/// the last round under `item < count` where `count` is not a multiple of
/// `threads`.
void forEachThreadItem(OpBuilder &b, Location loc, Value tid, int64_t threads,
                       int64_t count, function_ref<void(Value)> body);

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_KERNELLAUNCH_H
