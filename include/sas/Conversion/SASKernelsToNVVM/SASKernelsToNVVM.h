//===- SASKernelsToNVVM.h - Kernel ops to NVVM kernels ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_SASKERNELSTONVVM_SASKERNELSTONVVM_H
#define SAS_CONVERSION_SASKERNELSTONVVM_SASKERNELSTONVVM_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace sas {

#define GEN_PASS_DECL_CONVERTSASMMAATTENTIONTONVVM
#define GEN_PASS_DECL_CONVERTSASTOKENKERNELSTONVVM
#include "sas/Conversion/Passes.h.inc"

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_SASKERNELSTONVVM_SASKERNELSTONVVM_H
