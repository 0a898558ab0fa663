//===- Passes.td - SAS pipeline passes ---------------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_PIPELINES_PASSES_TD
#define SAS_PIPELINES_PASSES_TD

include "mlir/Pass/PassBase.td"

def SASCheckRegistration : Pass<"sas-check-registration", "ModuleOp"> {
  let summary = "Check that what the SAS pipelines lower through is "
                "registered";
  let description = [{
    The SAS pipelines rely on interface models that upstream dialects attach
    from separate extensions (tiling and bufferization of linalg, tensor, scf,
    arith, vector and func ops; for the GPU also the func inliner, the
    conversions to LLVM, the NVVM target and the LLVM IR translations). An
    upstream pass given an op without its model can crash, so both pipelines
    start with this pass: it fails with one error that names every missing
    model and the call that registers it. `mlir::sas::registerSASDialect`
    (`sas/InitSAS.h`) registers all of them.
  }];
  let options = [
    Option<"gpu", "gpu", "bool", /*default=*/"false",
           "Also check what sas-gpu-pipeline needs">,
  ];
  let dependentDialects = [
    "arith::ArithDialect",
    "bufferization::BufferizationDialect",
    "cf::ControlFlowDialect",
    "func::FuncDialect",
    "gpu::GPUDialect",
    "linalg::LinalgDialect",
    "LLVM::LLVMDialect",
    "memref::MemRefDialect",
    "NVVM::NVVMDialect",
    "scf::SCFDialect",
    "tensor::TensorDialect",
    "vector::VectorDialect",
  ];
}

#endif // SAS_PIPELINES_PASSES_TD
