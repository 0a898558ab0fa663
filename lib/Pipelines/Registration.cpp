//===- Registration.cpp - What the SAS pipelines lower through ------------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Pipelines/Pipelines.h"
#include "sas/Codegen/NVVM/KernelOpInterfaceImpl.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

using namespace mlir;

void sas::registerSASPipelineDependencies(DialectRegistry &registry) {
  // The pipelines go through a dozen upstream dialects and many interface
  // models of their extensions (tiling, bufferization, conversion to LLVM,
  // the NVVM target, LLVM IR translation for gpu-module-to-binary and for
  // the caller). All of them, rather than a hand-kept subset that would go
  // stale whenever an upstream pass starts to need another model.
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  // SAS's own: the kernel ops' shared-memory plans, tiling checks and
  // builders, which live with the kernels.
  registerKernelOpInterfaceExternalModels(registry);
}
