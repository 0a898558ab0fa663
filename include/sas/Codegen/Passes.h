//===- Passes.h - SAS code generation passes --------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_PASSES_H
#define SAS_CODEGEN_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Codegen/PassDefaults.h"

namespace mlir {
namespace sas {

#define GEN_PASS_DECL
#include "sas/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sas/Codegen/Passes.h.inc"

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_PASSES_H
