//===- Pipelines.cpp - SAS pass pipelines -----------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Pipelines/Pipelines.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sas::buildSASPrimitivesPipeline(OpPassManager &pm) {
  pm.addPass(createSASExpand());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void sas::registerSASPipelines() {
  PassPipelineRegistration<>(
      "sas-primitives-pipeline",
      "Expand sas.layer into the primitive SAS ops, then canonicalize and CSE",
      buildSASPrimitivesPipeline);
}
