//===- Passes.h - SAS transformation passes ---------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_TRANSFORMS_PASSES_H
#define SAS_DIALECT_SAS_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

namespace mlir {
class RewritePatternSet;

namespace sas {

#define GEN_PASS_DECL
#include "sas/Dialect/SAS/Transforms/Passes.h.inc"

/// Adds the pattern that rewrites `sas.layer` into `sas.head_sim`,
/// `sas.feature_sim`, `sas.attention` and `sas.peaa`.
void populateExpandLayerPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "sas/Dialect/SAS/Transforms/Passes.h.inc"

} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_TRANSFORMS_PASSES_H
