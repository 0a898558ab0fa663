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
  // sm_80 code also runs on sm_86 and sm_89: 99 KiB a block, the smallest
  // of the three; its per-SM figure is the A100's, which the occupancy
  // hints are tuned for.
  if (chip == "sm_80")
    return TargetDescription{"sm_80",
                             "",
                             80,
                             99 * 1024,
                             164 * 1024,
                             /*reserved=*/1024,
                             /*default=*/48 * 1024,
                             /*registersPerSM=*/65536,
                             /*maxRegisters=*/255,
                             /*hasWgmma=*/false};
  // Hopper: 227 KiB a block, 228 KiB an SM. wgmma needs the arch-specific
  // target (sm_90a, PTX 8.0).
  if (chip == "sm_90" || chip == "sm_90a") {
    bool archSpecific = chip == "sm_90a";
    return TargetDescription{archSpecific ? "sm_90a" : "sm_90",
                             archSpecific ? "+ptx80" : "",
                             90,
                             227 * 1024,
                             228 * 1024,
                             /*reserved=*/1024,
                             /*default=*/48 * 1024,
                             /*registersPerSM=*/65536,
                             /*maxRegisters=*/255,
                             /*hasWgmma=*/archSpecific};
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
