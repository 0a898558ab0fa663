// A downstream tool: parses a SAS layer, runs the pass pipeline given on the
// command line (SAS passes and pipelines registered as the README says)
// through the C++ API of the installed SAS libraries, and prints the result.
// With --only-sas-dialect the context gets the sas and func dialects and
// nothing else.

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "sas/InitSAS.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

static const char *kLayer = R"mlir(
func.func @layer(%q: tensor<1x5x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<4x4xf32>, %fb: tensor<4xf32>, %frw: tensor<4x4xf32>,
    %frb: tensor<4xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<1x5x8xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  return %0 : tensor<1x5x8xf32>
}
)mlir";

int main(int argc, char **argv) {
  bool onlySASDialect = argc == 3 && !std::strcmp(argv[1], "--only-sas-dialect");
  if (argc != 2 && !onlySASDialect) {
    llvm::errs() << "usage: sas-downstream [--only-sas-dialect] PIPELINE\n";
    return 2;
  }
  mlir::sas::registerSASPassesAndPipelines();
  mlir::DialectRegistry registry;
  if (onlySASDialect)
    registry.insert<mlir::sas::SASDialect, mlir::func::FuncDialect>();
  else
    mlir::sas::registerSASDialect(registry);
  mlir::MLIRContext context(registry);
  if (context.getOrLoadDialect("sas"))
    llvm::outs() << "sas-downstream: loaded dialect sas\n";

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kLayer, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::parsePassPipeline(argv[argc - 1], pm, llvm::errs())))
    return 1;
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
