//===- SASInterfaces.td - SAS op interfaces ----------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASINTERFACES_TD
#define SAS_DIALECT_SAS_IR_SASINTERFACES_TD

include "mlir/IR/OpBase.td"

def SAS_CostOpInterface : OpInterface<"CostOpInterface"> {
  let cppNamespace = "::mlir::sas";
  let description = [{
    The cost of one forward evaluation of a SAS op, from its operand types:
    FLOPs of its contractions (a multiply-add is 2 FLOPs; elementwise
    epilogues are not counted, as in docs/spec.md), the fewest bytes
    it must move (each operand read once, the result written once, in their
    element types), its parameter count, and its dominant FLOP term. Causal
    attention counts the lower triangle with its diagonal. Dynamic batch and
    sequence sizes are taken from `sizes`; without them the estimate fails.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/"Estimates the cost for the given batch and sequence sizes",
      /*retTy=*/"::mlir::FailureOr<::mlir::sas::CostEstimate>",
      /*methodName=*/"estimateCost",
      /*args=*/(ins "const ::mlir::sas::CostSizes &":$sizes)>,
  ];
}

def SAS_KernelOpInterface : OpInterface<"KernelOpInterface"> {
  let cppNamespace = "::mlir::sas";
  let description = [{
    A sas op on buffers that becomes one GPU kernel (`sas.mma_attention`,
    `sas.mma_head_sim`, `sas.mma_feature_sim`, `sas.mma_peaa`). The op says
    what it computes and with which tiling; the kernel library
    (`sas/Codegen/NVVM`) implements the interface as external models
    (`registerKernelOpInterfaceExternalModels`): it checks the tiling
    (sizes, warps, stages and the shared memory of the kernel's plan)
    against a target and builds the kernel. Adding a kernel is one op and one model.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/[{Checks the op's tiling against `target` (sizes, warps,
                 tiles, stages, shared memory); reports on the op.}],
      /*retTy=*/"::llvm::LogicalResult",
      /*methodName=*/"verifyTiling",
      /*args=*/(ins "const ::mlir::sas::TargetDescription &":$target)>,
    InterfaceMethod<
      /*desc=*/[{Checks the tiling against the target attached to an
                 enclosing op (`sas.target`), if any.}],
      /*retTy=*/"::llvm::LogicalResult",
      /*methodName=*/"verifyTilingForEnclosingTarget">,
    InterfaceMethod<
      /*desc=*/[{Replaces the op with a gpu.launch of its kernel for
                 `target`, named `<function>_<kernel>_<index>`, and erases
                 it; on a tiling the target cannot run, reports why and
                 changes nothing.}],
      /*retTy=*/"::llvm::LogicalResult",
      /*methodName=*/"buildKernel",
      /*args=*/(ins "::mlir::OpBuilder &":$builder,
                    "const ::mlir::sas::TargetDescription &":$target,
                    "unsigned":$index)>,
  ];
}

#endif // SAS_DIALECT_SAS_IR_SASINTERFACES_TD
