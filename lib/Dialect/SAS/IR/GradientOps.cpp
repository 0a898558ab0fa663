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
// HeadSimGradOp
//===----------------------------------------------------------------------===//

LogicalResult HeadSimGradOp::verify() {
  if (failed(verifyElementTypes(*this, {"x", "d_result", "w", "b", "res_w"})))
    return failure();
  ShapeVerifier v(*this);
  NamedTensor bias = named("b", getB(), kHeadSimBias);
  FailureOr<RankedTensorType> result = verifyHeadSimShapes(
      v, named("x", getX(), kHeadSimX), named("w", getW(), kHeadSimW), bias,
      named("res_w", getResW(), kHeadSimResW), bias);
  if (failed(result) ||
      failed(checkIncomingGradient(*this, getDResult(), "d_result", *result,
                                   "[B, T, H', D]")))
    return failure();
  return checkGradientTypes(*this, {"x", "w", "b", "res_w", "res_b"},
                            {getX(), getW(), getB(), getResW(), getB()});
}

//===----------------------------------------------------------------------===//
// FeatureSimGradOp
//===----------------------------------------------------------------------===//

LogicalResult FeatureSimGradOp::verify() {
  if (failed(verifyElementTypes(*this, {"x", "d_result", "w", "b", "res_w"})))
    return failure();
  ShapeVerifier v(*this);
  NamedTensor bias = named("b", getB(), kFeatureSimBias);
  FailureOr<RankedTensorType> result = verifyFeatureSimShapes(
      v, named("x", getX(), kFeatureSimX), named("w", getW(), kFeatureSimW),
      bias, named("res_w", getResW(), kFeatureSimResW), bias);
  if (failed(result) ||
      failed(checkIncomingGradient(*this, getDResult(), "d_result", *result,
                                   "[B, T, H', D']")))
    return failure();
  return checkGradientTypes(*this, {"x", "w", "b", "res_w", "res_b"},
                            {getX(), getW(), getB(), getResW(), getB()});
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
  return checkGradientTypes(*this, getLayerOperandNames(), operands);
}
