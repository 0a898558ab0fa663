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

#include "sas/Codegen/NVVM/Builders/KernelArith.h"

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

/// B * T (index) of a [B, T, ...] buffer: the tokens a per-token kernel
/// covers.
Value createTokenCount(OpBuilder &b, Location loc, Value buffer);

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
