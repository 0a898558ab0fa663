//===- Dialects.cpp - C API of the sas dialect ------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas-c/Dialects.h"
#include "sas/InitSAS.h"

#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(SAS, sas, mlir::sas::SASDialect)

void sasRegisterPasses(void) { mlir::sas::registerSASPassesAndPipelines(); }
