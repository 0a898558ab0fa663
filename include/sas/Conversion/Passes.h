//===- Passes.h - SAS conversion passes -------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_PASSES_H
#define SAS_CONVERSION_PASSES_H

#include "sas/Conversion/SASKernelsToNVVM/SASKernelsToNVVM.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"

namespace mlir {
namespace sas {

#define GEN_PASS_REGISTRATION
#include "sas/Conversion/Passes.h.inc"

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_PASSES_H
