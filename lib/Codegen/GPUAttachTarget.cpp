//===- GPUAttachTarget.cpp - The module's GPU target ------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASGPUATTACHTARGET
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {
struct SASGPUAttachTargetPass
    : sas::impl::SASGPUAttachTargetBase<SASGPUAttachTargetPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<TargetDescription> target = TargetDescription::lookup(chip);
    if (!target) {
      module.emitError() << "sas-gpu-attach-target: chip must be "
                         << TargetDescription::getKnownChips() << ", got '"
                         << chip << "'";
      return signalPassFailure();
    }
    if (auto existing =
            module->getAttrOfType<NVVM::NVVMTargetAttr>(kTargetAttrName);
        existing && existing.getChip() != target->chip) {
      module.emitError() << "sas-gpu-attach-target: the module's target is "
                         << existing.getChip() << ", not " << target->chip;
      return signalPassFailure();
    }
    setTargetDescription(module, *target);
  }
};
} // namespace
