//===- Pipelines.h - SAS pass pipelines -------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_PIPELINES_PIPELINES_H
#define SAS_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;

namespace sas {

/// sas-primitives-pipeline: expands every `sas.layer` into the primitive SAS
/// ops, then canonicalizes and removes common subexpressions (q, k and v of
/// self-attention are often one value, and so are shared weights).
void buildSASPrimitivesPipeline(OpPassManager &pm);

/// Registers the SAS pipelines with the global pass registry.
void registerSASPipelines();

} // namespace sas
} // namespace mlir

#endif // SAS_PIPELINES_PIPELINES_H
