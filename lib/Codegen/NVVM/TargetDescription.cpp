//===- TargetDescription.cpp - What an NVIDIA target offers ---------------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace mlir::sas;

std::optional<TargetDescription> TargetDescription::lookup(StringRef chip) {
  TargetDescription target;
  if (chip == "sm_80") {
    // sm_80 code also runs on sm_86 and sm_89: 99 KiB a block, the
    // smallest of the three; the per-SM figure is the A100's, which the
    // occupancy hints are tuned for.
    target.chip = "sm_80";
    target.computeCapability = 80;
    target.maxSharedBytesPerBlock = 99 * 1024;
    target.sharedBytesPerSM = 164 * 1024;
    return target;
  }
  if (chip == "sm_90" || chip == "sm_90a") {
    // Hopper: 227 KiB a block, 228 KiB an SM. wgmma needs the
    // arch-specific target (sm_90a, PTX 8.0); vector reductions PTX 8.1.
    bool archSpecific = chip == "sm_90a";
    target.chip = archSpecific ? "sm_90a" : "sm_90";
    target.features = "+ptx81";
    target.computeCapability = 90;
    target.maxSharedBytesPerBlock = 227 * 1024;
    target.sharedBytesPerSM = 228 * 1024;
    target.archSpecific = archSpecific;
    target.hasWgmma = archSpecific;
    target.hasVectorReductions = true;
    return target;
  }
  return std::nullopt;
}

StringRef TargetDescription::getKnownChips() {
  return "sm_90a, sm_90 or sm_80";
}

NVVM::NVVMTargetAttr TargetDescription::getAttr(MLIRContext *context) const {
  return NVVM::NVVMTargetAttr::get(context, /*optLevel=*/2,
                                   "nvptx64-nvidia-cuda", chip, features);
}

FailureOr<TargetDescription> sas::getTargetDescription(Operation *op) {
  for (Operation *scope = op; scope; scope = scope->getParentOp()) {
    Attribute attr = scope->getAttr(kTargetAttrName);
    if (!attr)
      continue;
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(attr);
    if (!target)
      return op->emitError() << "'" << kTargetAttrName
                             << "' must be an #nvvm.target, got " << attr;
    std::optional<TargetDescription> description =
        TargetDescription::lookup(target.getChip());
    if (!description)
      return op->emitError()
             << "the target chip must be " << TargetDescription::getKnownChips()
             << ", got '" << target.getChip() << "'";
    return *description;
  }
  return op->emitError() << "no GPU target: no enclosing op has '"
                         << kTargetAttrName
                         << "'; run sas-gpu-attach-target first "
                            "(sas-gpu-pipeline does)";
}

bool sas::hasTargetDescription(Operation *op) {
  for (Operation *scope = op; scope; scope = scope->getParentOp())
    if (scope->hasAttr(kTargetAttrName))
      return true;
  return false;
}

void sas::setTargetDescription(Operation *module,
                               const TargetDescription &target) {
  module->setAttr(kTargetAttrName, target.getAttr(module->getContext()));
}
