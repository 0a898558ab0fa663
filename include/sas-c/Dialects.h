/*===- Dialects.h - C API of the sas dialect ---------------------*- C -*-===*\
|*                                                                            *|
|* Part of the SAS-MLIR project.                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SAS_C_DIALECTS_H
#define SAS_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// mlirGetDialectHandle__sas__(): the sas dialect for an MlirDialectRegistry
/// or MlirContext; inserting it also inserts everything the SAS pipelines
/// lower through (upstream dialects, extensions, LLVM IR translations).
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(SAS, sas);

/// Registers the SAS passes and pipelines (sas-expand,
/// convert-sas-to-linalg, sas-cpu-pipeline, ...) with the global registry.
MLIR_CAPI_EXPORTED void sasRegisterPasses(void);

#ifdef __cplusplus
}
#endif

#endif // SAS_C_DIALECTS_H
