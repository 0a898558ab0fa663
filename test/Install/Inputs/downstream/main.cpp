// A downstream tool: parses a SAS layer, runs sas-primitives-pipeline through
// the C++ API of the installed SAS libraries, and prints the result.

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "sas/InitSAS.h"
#include "llvm/Support/raw_ostream.h"

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

int main() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect>();
  mlir::sas::registerSASDialect(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  if (context.getLoadedDialect("sas"))
    llvm::outs() << "sas-downstream: loaded dialect sas\n";

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kLayer, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  mlir::sas::buildSASPrimitivesPipeline(pm);
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
