//===- InitSAS.h - Register everything SAS provides -------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// For tools that embed SAS: one call for the dialects, one for the passes and
// pipelines, in the style of mlir/InitAllDialects.h and InitAllPasses.h.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_INITSAS_H
#define SAS_INITSAS_H

#include "mlir/IR/DialectRegistry.h"
#include "sas/Codegen/Passes.h"
#include "sas/Conversion/Passes.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"
#include "sas/Pipelines/Passes.h"
#include "sas/Pipelines/Pipelines.h"

namespace mlir {
namespace sas {

/// Adds the SAS dialect to `registry` and everything the SAS pipelines lower
/// through: the upstream dialects, their extensions (interface models) and
/// the LLVM IR translations. A registry without them makes the pipelines
/// fail in their first pass, sas-check-registration.
inline void registerSASDialect(DialectRegistry &registry) {
  registry.insert<SASDialect>();
  registerSASPipelineDependencies(registry);
}

/// Registers all SAS passes and pipelines with the global registry.
inline void registerSASPassesAndPipelines() {
  registerSASPasses();
  registerSASConversionPasses();
  registerSASCodegenPasses();
  registerSASPipelinesPasses();
  registerSASPipelines();
}

} // namespace sas
} // namespace mlir

#endif // SAS_INITSAS_H
