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

#endif // SAS_DIALECT_SAS_IR_SASINTERFACES_TD
