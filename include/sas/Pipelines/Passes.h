//===- Passes.h - SAS pipeline passes ---------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_PIPELINES_PASSES_H
#define SAS_PIPELINES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace sas {

#define GEN_PASS_DECL
#include "sas/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sas/Pipelines/Passes.h.inc"

} // namespace sas
} // namespace mlir

#endif // SAS_PIPELINES_PASSES_H
