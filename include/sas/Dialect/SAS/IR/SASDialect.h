//===- SASDialect.h - SAS dialect -------------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASDIALECT_H
#define SAS_DIALECT_SAS_IR_SASDIALECT_H

#include "mlir/IR/Dialect.h"

#include "sas/Dialect/SAS/IR/SASOpsDialect.h.inc"

namespace mlir {
namespace sas {
/// The host function's attribute through which the GPU kernel builders ask
/// sas-gpu-kernel-occupancy for blocks per SM: kernel name -> [threads,
/// blocks] (DenseI32ArrayAttr).
inline constexpr llvm::StringLiteral kKernelOccupancyAttrName =
    "sas.kernel_occupancy";
} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_IR_SASDIALECT_H
