//===- SASDialect.cpp - SAS dialect -----------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

using namespace mlir;
using namespace mlir::sas;

#include "sas/Dialect/SAS/IR/SASOpsDialect.cpp.inc"

void SASDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "sas/Dialect/SAS/IR/SASOps.cpp.inc"
      >();
}
