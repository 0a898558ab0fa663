//===- GradientOps.cpp - Gradients of the SAS ops ---------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Verifiers of the gradient ops. A gradient op is valid when the forward op
// it differentiates is (the same shape rules, on the same operands), when
// the incoming gradient has the forward result's type, and when each
// returned gradient has the type of the operand it belongs to.
//
//===----------------------------------------------------------------------===//

#include "ShapeRules.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::shape_rules;

/// Checks that `d_result`, the gradient of a forward result, has the forward
/// result's type `expected`.
static LogicalResult checkIncomingGradient(Operation *op, Value dResult,
                                           StringRef name, Type expected,
                                           StringRef layout) {
  if (dResult.getType() == expected)
    return success();
  return op->emitOpError() << "'" << name << "' has type " << dResult.getType()
                           << ", expected the forward result's type "
                           << expected << " " << layout;
}

/// Checks that result i of `op` has the type of `of[i]`, the operand whose
/// gradient it is, named `names[i]`.
static LogicalResult checkGradientTypes(Operation *op,
                                        ArrayRef<StringRef> names,
                                        ArrayRef<Value> of) {
  for (auto [i, name, operand] : llvm::enumerate(names, of)) {
    Type actual = op->getResult(i).getType();
    if (actual != operand.getType())
      return op->emitOpError()
             << "result " << i << " (the gradient of '" << name
             << "') has type " << actual << ", expected " << operand.getType();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// HeadSimGradOp, FeatureSimGradOp
//===----------------------------------------------------------------------===//

/// The layouts of a simulation's operands and the forward's shape rule.
struct SimulationRules {
  ArrayRef<StringLiteral> x, w, resW, bias;
  FailureOr<RankedTensorType> (*verifyForward)(
      ShapeVerifier &, const NamedTensor &, const NamedTensor &,
      const NamedTensor &, const NamedTensor &, const NamedTensor &);
  StringRef resultLayout;
};

/// A simulation's gradient: the forward's rules on x, w, b, res_w (res_b,
/// not an operand, has b's shape), d_result of the forward result's type,
/// and the gradients of x, w, b, res_w and res_b.
template <typename OpT>
static LogicalResult verifySimulationGrad(OpT op, const SimulationRules &r) {
  if (failed(verifyElementTypes(op, {"x", "d_result", "w", "b", "res_w"})))
    return failure();
  ShapeVerifier v(op);
  NamedTensor bias = named("b", op.getB(), r.bias);
  FailureOr<RankedTensorType> result =
      r.verifyForward(v, named("x", op.getX(), r.x), named("w", op.getW(), r.w),
                      bias, named("res_w", op.getResW(), r.resW), bias);
  if (failed(result) ||
      failed(checkIncomingGradient(op, op.getDResult(), "d_result", *result,
                                   r.resultLayout)))
    return failure();
  return checkGradientTypes(
      op, {"x", "w", "b", "res_w", "res_b"},
      {op.getX(), op.getW(), op.getB(), op.getResW(), op.getB()});
}

LogicalResult HeadSimGradOp::verify() {
  return verifySimulationGrad(
      *this, {kHeadSimX, kHeadSimW, kHeadSimResW, kHeadSimBias,
              verifyHeadSimShapes, "[B, T, H', D]"});
}

LogicalResult FeatureSimGradOp::verify() {
  return verifySimulationGrad(
      *this, {kFeatureSimX, kFeatureSimW, kFeatureSimResW, kFeatureSimBias,
              verifyFeatureSimShapes, "[B, T, H', D']"});
}

//===----------------------------------------------------------------------===//
// AttentionGradOp
//===----------------------------------------------------------------------===//

double AttentionGradOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 /
         std::sqrt(static_cast<double>(
             cast<RankedTensorType>(getQ().getType()).getDimSize(3)));
}

LogicalResult AttentionGradOp::verify() {
  // lse is f32 whatever the storage type; the others share one type.
  Type element = getElementTypeOrSelf(getQ().getType());
  StringRef names[] = {"k", "v", "o", "d_o"};
  Value values[] = {getK(), getV(), getO(), getDO()};
  for (auto [name, value] : llvm::zip_equal(names, values))
    if (getElementTypeOrSelf(value.getType()) != element)
      return emitOpError() << "'q', 'k', 'v', 'o' and 'd_o' must share one "
                              "element type, but 'q' has "
                           << element << " and '" << name << "' has "
                           << getElementTypeOrSelf(value.getType());
  ShapeVerifier v(*this);
  FailureOr<RankedTensorType> result = verifyAttentionShapes(
      v, named("q", getQ(), kAttentionQ), named("k", getK(), kAttentionK),
      named("v", getV(), kAttentionV), getCausal(), getScale());
  if (failed(result))
    return failure();
  if (getO().getType() != *result)
    return emitOpError() << "'o' has type " << getO().getType()
                         << ", expected the attention output's type "
                         << *result << " [B, T, N, F]";
  Type lse = AttentionOp::inferLseType(getQ().getType());
  if (getLse().getType() != lse)
    return emitOpError() << "'lse' has type " << getLse().getType()
                         << ", expected " << lse << " [B, T, N] in f32";
  if (failed(checkIncomingGradient(*this, getDO(), "d_o", *result,
                                   "[B, T, N, F]")))
    return failure();
  return checkGradientTypes(*this, {"q", "k", "v"}, {getQ(), getK(), getV()});
}

//===----------------------------------------------------------------------===//
// PeaaGradOp
//===----------------------------------------------------------------------===//

LogicalResult PeaaGradOp::verify() {
  if (failed(verifyElementTypes(*this, {"o", "d_result", "w"})))
    return failure();
  ShapeVerifier v(*this);
  auto wType = cast<RankedTensorType>(getW().getType());
  if (wType.getRank() != 2)
    return emitOpError() << "'w' must have rank 2 [H*F, H*F], got " << wType;
  // The bias has w's first dimension; its gradient, result 2, is checked
  // below against that type.
  auto biasType =
      RankedTensorType::get({wType.getDimSize(0)}, wType.getElementType());
  FailureOr<RankedTensorType> result =
      verifyPeaaShapes(v, named("o", getO(), kPeaaO),
                       named("w", getW(), kPeaaW),
                       named("b", biasType, kPeaaBias));
  if (failed(result) ||
      failed(checkIncomingGradient(*this, getDResult(), "d_result", *result,
                                   "[B, T, H*F]")))
    return failure();
  if (failed(checkGradientTypes(*this, {"o", "w"}, {getO(), getW()})))
    return failure();
  if (getDB().getType() != biasType)
    return emitOpError() << "result 2 (the gradient of 'b') has type "
                         << getDB().getType() << ", expected " << biasType;
  return success();
}

//===----------------------------------------------------------------------===//
// LayerGradOp
//===----------------------------------------------------------------------===//

LogicalResult LayerGradOp::verify() {
  SmallVector<StringRef> names(getLayerOperandNames());
  names.push_back("d_result");
  if (failed(verifyElementTypes(*this, names)))
    return failure();
  ShapeVerifier v(*this);
  SmallVector<Value> operands(getLayerOperands());
  FailureOr<RankedTensorType> result =
      verifyLayerShapes(v, operands, getCausal(), getScale());
  if (failed(result) ||
      failed(checkIncomingGradient(*this, getDResult(), "d_result", *result,
                                   "[B, T, H*D]")))
    return failure();
  if (getNumResults() != operands.size())
    return emitOpError() << "must return the gradients of its "
                         << operands.size() << " layer operands, returns "
                         << getNumResults();
  if (failed(checkGradientTypes(*this, getLayerOperandNames(), operands)))
    return failure();
  return verifySavedForward(*this, "operand", getSaved().getTypes(), getQ(),
                            getQHeadW());
}
