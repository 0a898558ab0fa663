//===- GPUKernelOccupancy.cpp - Occupancy of outlined kernels ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASGPUKERNELOCCUPANCY
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {
struct SASGPUKernelOccupancyPass
    : sas::impl::SASGPUKernelOccupancyBase<SASGPUKernelOccupancyPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    WalkResult result = module.walk([&](FunctionOpInterface func) {
      auto requests =
          func->getAttrOfType<DictionaryAttr>(sas::kKernelOccupancyAttrName);
      if (!requests)
        return WalkResult::advance();
      for (NamedAttribute request : requests) {
        auto kernelModule =
            module.lookupSymbol<gpu::GPUModuleOp>(request.getName());
        auto kernel = kernelModule ? kernelModule.lookupSymbol<gpu::GPUFuncOp>(
                                         request.getName())
                                   : nullptr;
        auto values = dyn_cast<DenseI32ArrayAttr>(request.getValue());
        if (!kernel || !values || values.size() != 2) {
          func.emitError() << "sas.kernel_occupancy names '"
                           << request.getName().getValue()
                           << "', which is no outlined kernel with [threads, "
                              "blocks]";
          return WalkResult::interrupt();
        }
        kernel->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                        b.getDenseI32ArrayAttr({values[0], 1, 1}));
        kernel->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                        b.getI32IntegerAttr(values[1]));
      }
      func->removeAttr(sas::kKernelOccupancyAttrName);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
