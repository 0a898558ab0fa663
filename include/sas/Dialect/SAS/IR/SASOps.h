//===- SASOps.h - SAS dialect operations ------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASOPS_H
#define SAS_DIALECT_SAS_IR_SASOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sas/Dialect/SAS/IR/SASCost.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include "sas/Dialect/SAS/IR/SASInterfaces.h.inc"

#define GET_OP_CLASSES
#include "sas/Dialect/SAS/IR/SASOps.h.inc"

#endif // SAS_DIALECT_SAS_IR_SASOPS_H
