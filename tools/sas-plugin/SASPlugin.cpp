//===- SASPlugin.cpp - SAS plugin for mlir-opt ------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "sas/InitSAS.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

/// Entry point of `mlir-opt --load-dialect-plugin=SASPlugin.so`.
extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "SAS", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::sas::registerSASDialect(*registry);
          }};
}

/// Entry point of `mlir-opt --load-pass-plugin=SASPlugin.so`.
extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "SASPasses", LLVM_VERSION_STRING,
          []() { mlir::sas::registerSASPassesAndPipelines(); }};
}
