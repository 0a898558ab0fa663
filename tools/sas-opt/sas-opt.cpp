//===- sas-opt.cpp - SAS optimizer driver -----------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// mlir-opt with the SAS dialect, passes and pipelines registered next to all
// upstream dialects, passes and extensions (registerSASDialect adds what the
// SAS pipelines lower through: every upstream dialect and extension).
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "sas/InitSAS.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::sas::registerSASPassesAndPipelines();

  mlir::DialectRegistry registry;
  mlir::sas::registerSASDialect(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "SAS-MLIR optimizer driver\n", registry));
}
