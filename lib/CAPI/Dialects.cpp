//===- Dialects.cpp - C API of the sas dialect ------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas-c/Dialects.h"
#include "sas/InitSAS.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

// MLIR_DEFINE_CAPI_DIALECT_REGISTRATION by hand: inserting the dialect also
// inserts what the SAS pipelines lower through (registerSASDialect).
static void insertSASDialect(MlirDialectRegistry registry) {
  mlir::sas::registerSASDialect(*unwrap(registry));
}

static MlirDialect loadSASDialect(MlirContext context) {
  return wrap(unwrap(context)->getOrLoadDialect<mlir::sas::SASDialect>());
}

static MlirStringRef getSASDialectNamespace() {
  return wrap(mlir::sas::SASDialect::getDialectNamespace());
}

MlirDialectHandle mlirGetDialectHandle__sas__() {
  static MlirDialectRegistrationHooks hooks = {
      insertSASDialect, loadSASDialect, getSASDialectNamespace};
  return MlirDialectHandle{&hooks};
}

void sasRegisterPasses(void) { mlir::sas::registerSASPassesAndPipelines(); }
