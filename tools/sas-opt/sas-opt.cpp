//===- sas-opt.cpp - SAS optimizer driver -----------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// mlir-opt with the SAS dialect, passes and pipelines registered next to all
// upstream dialects, passes and extensions (the later SAS pipelines lower
// through linalg, vector, gpu, nvvm and LLVM).
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "sas/InitSAS.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::sas::registerSASPassesAndPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR.
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  mlir::sas::registerSASDialect(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "SAS-MLIR optimizer driver\n", registry));
}
