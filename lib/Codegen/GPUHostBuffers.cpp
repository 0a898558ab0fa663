//===- GPUHostBuffers.cpp - Host buffers on the device ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASGPUHOSTBUFFERS
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {

/// Buffers of the host function: default memory space, outside kernels.
bool isHostBuffer(Operation *op, MemRefType type) {
  return !type.getMemorySpace() && !op->getParentOfType<gpu::LaunchOp>();
}

/// A fresh `gpu.wait async` token: the start of a one-op async chain.
Value newToken(OpBuilder &b, Location loc) {
  return gpu::WaitOp::create(b, loc, b.getType<gpu::AsyncTokenType>(),
                             ValueRange{})
      .getAsyncToken();
}

struct SASGPUHostBuffersPass
    : sas::impl::SASGPUHostBuffersBase<SASGPUHostBuffersPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp>(op))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    for (Operation *op : ops) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (!isHostBuffer(op, alloc.getType()))
          continue;
        // Device allocations are 256-byte aligned: any requested alignment
        // (bufferization asks for 64) holds.
        if (!alloc.getSymbolOperands().empty()) {
          alloc.emitOpError("with symbol operands has no GPU form");
          return signalPassFailure();
        }
        // gpu-to-llvm lowers only the async form; the chain ends at once,
        // so the allocation is ordered on the stream like a kernel.
        auto gpuAlloc = gpu::AllocOp::create(
            b, loc, alloc.getType(), b.getType<gpu::AsyncTokenType>(),
            ValueRange{newToken(b, loc)}, alloc.getDynamicSizes(), ValueRange{},
            /*hostShared=*/false);
        gpu::WaitOp::create(b, loc, Type(),
                            ValueRange{gpuAlloc.getAsyncToken()});
        alloc.replaceAllUsesWith(gpuAlloc.getMemref());
        alloc.erase();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        auto type = cast<MemRefType>(dealloc.getMemref().getType());
        if (!isHostBuffer(op, type))
          continue;
        auto gpuDealloc = gpu::DeallocOp::create(
            b, loc, b.getType<gpu::AsyncTokenType>(),
            ValueRange{newToken(b, loc)}, dealloc.getMemref());
        gpu::WaitOp::create(b, loc, Type(),
                            ValueRange{gpuDealloc.getAsyncToken()});
        dealloc.erase();
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        if (op->getParentOfType<gpu::LaunchOp>())
          continue;
        // Views may be strided: a kernel copies any layout.
        linalg::CopyOp::create(b, loc, copy.getSource(), copy.getTarget());
        copy.erase();
      }
    }
  }
};

} // namespace
