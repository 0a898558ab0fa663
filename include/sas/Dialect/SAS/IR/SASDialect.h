//===- SASDialect.h - SAS dialect -------------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASDIALECT_H
#define SAS_DIALECT_SAS_IR_SASDIALECT_H

#include "mlir/IR/Dialect.h"

#include "sas/Dialect/SAS/IR/SASOpsDialect.h.inc"

#endif // SAS_DIALECT_SAS_IR_SASDIALECT_H
