//===- SASOps.cpp - SAS dialect operations ----------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Verifiers and helpers of the SAS ops. Every size of a SAS op is derived
// from its operand types, so the verifiers are shape checks: each broken rule
// gets one diagnostic that names the operand, the dimension and both sizes.
// The checks of the primitive ops are written once, over named operands, and
// reused by `sas.layer`, which chains them through its intermediate values.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASOps.h"
#include "ShapeRules.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::shape_rules;


LogicalResult shape_rules::verifyElementTypes(Operation *op,
                                             ArrayRef<StringRef> names) {
  Type expected = getElementTypeOrSelf(op->getOperand(0).getType());
  for (auto [name, operand] :
       llvm::zip_equal(names, op->getOperands().take_front(names.size()))) {
    Type actual = getElementTypeOrSelf(operand.getType());
    if (actual != expected)
      return op->emitOpError()
             << "operands must share one element type, but '" << names[0]
             << "' has " << expected << " and '" << name << "' has " << actual;
  }
  Type result = getElementTypeOrSelf(op->getResult(0).getType());
  if (result != expected)
    return op->emitOpError() << "result element type " << result
                             << " does not match the operands' " << expected;
  return success();
}

//===----------------------------------------------------------------------===//
// Shape rules of the primitives, shared with sas.layer
//===----------------------------------------------------------------------===//

static RankedTensorType replaceInnerDims(RankedTensorType t,
                                         ArrayRef<int64_t> inner) {
  SmallVector<int64_t> shape(t.getShape().take_front(2));
  llvm::append_range(shape, inner);
  return RankedTensorType::get(shape, t.getElementType());
}

FailureOr<RankedTensorType>
shape_rules::verifyHeadSimShapes(ShapeVerifier &v, const NamedTensor &x,
                    const NamedTensor &w, const NamedTensor &b,
                    const NamedTensor &resW, const NamedTensor &resB) {
  if (failed(v.checkLayout(x, 2)) || failed(v.checkLayout(w, 0)) ||
      failed(v.checkLayout(b, 0)) || failed(v.checkLayout(resW, 0)) ||
      failed(v.checkLayout(resB, 0)))
    return failure();
  if (failed(v.checkSameDim(w, 1, x, 2)))
    return failure();
  if (w.size(2) % 2 == 0)
    return v.getOp()->emitOpError()
           << "kernel size K (dimension 2 of '" << w.name
           << "') must be odd, got " << w.size(2);
  if (failed(v.checkSameDim(b, 0, w, 0)) ||
      failed(v.checkSameDim(resW, 0, w, 0)) ||
      failed(v.checkSameDim(resW, 1, w, 0)) ||
      failed(v.checkSameDim(resW, 2, w, 2)) ||
      failed(v.checkSameDim(resB, 0, w, 0)))
    return failure();
  return replaceInnerDims(x.type, {w.size(0), x.size(3)});
}

FailureOr<RankedTensorType>
shape_rules::verifyFeatureSimShapes(ShapeVerifier &v, const NamedTensor &x,
                       const NamedTensor &w, const NamedTensor &b,
                       const NamedTensor &resW, const NamedTensor &resB) {
  if (failed(v.checkLayout(x, 2)) || failed(v.checkLayout(w, 0)) ||
      failed(v.checkLayout(b, 0)) || failed(v.checkLayout(resW, 0)) ||
      failed(v.checkLayout(resB, 0)))
    return failure();
  if (failed(v.checkSameDim(w, 1, x, 3)) ||
      failed(v.checkSameDim(b, 0, w, 0)) ||
      failed(v.checkSameDim(resW, 0, w, 0)) ||
      failed(v.checkSameDim(resW, 1, w, 0)) ||
      failed(v.checkSameDim(resB, 0, w, 0)))
    return failure();
  return replaceInnerDims(x.type, {x.size(2), w.size(0)});
}

FailureOr<RankedTensorType>
shape_rules::verifyAttentionShapes(ShapeVerifier &v, const NamedTensor &q,
                      const NamedTensor &k, const NamedTensor &val,
                      bool causal, std::optional<APFloat> scale) {
  if (failed(v.checkLayout(q, 2)) || failed(v.checkLayout(k, 2)) ||
      failed(v.checkLayout(val, 2)))
    return failure();
  if (failed(v.checkSameDim(k, 0, q, 0)) ||
      failed(v.checkSameDim(val, 0, q, 0)) ||
      failed(v.checkSameDim(val, 1, k, 1)) ||
      failed(v.checkSameDim(k, 2, q, 2)) ||
      failed(v.checkSameDim(val, 2, q, 2)) ||
      failed(v.checkSameDim(k, 3, q, 3)))
    return failure();
  if (causal && !q.type.isDynamicDim(1) && !k.type.isDynamicDim(1) &&
      q.size(1) != k.size(1))
    return v.getOp()->emitOpError()
           << "causal attention needs as many queries as keys, but '" << q.name
           << "' has T = " << q.size(1) << " and '" << k.name
           << "' has S = " << k.size(1);
  if (scale && (!scale->isFiniteNonZero() || scale->isNegative()))
    return v.getOp()->emitOpError()
           << "'scale' must be a positive finite number, got "
           << scale->convertToDouble();
  SmallVector<int64_t> shape(q.type.getShape().take_front(3));
  shape.push_back(val.size(3));
  return RankedTensorType::get(shape, q.type.getElementType());
}

FailureOr<RankedTensorType>
shape_rules::verifyPeaaShapes(ShapeVerifier &v, const NamedTensor &o, const NamedTensor &w,
                 const NamedTensor &b) {
  if (failed(v.checkLayout(o, 2)) || failed(v.checkLayout(w, 0)) ||
      failed(v.checkLayout(b, 0)))
    return failure();
  if (w.size(0) != w.size(1))
    return v.getOp()->emitOpError() << "'" << w.name
                                    << "' must be square [H*F, H*F], got "
                                    << w.type;
  if (failed(v.checkSameDim(b, 0, w, 0)))
    return failure();
  int64_t hf = w.size(0), numSimHeads = o.size(2), f = o.size(3);
  if (hf % f != 0)
    return v.getOp()->emitOpError()
           << "dimension H*F of '" << w.name << "' is " << hf
           << ", which is not a multiple of the head size F = " << f
           << " of '" << o.name << "'";
  int64_t h = hf / f;
  if (numSimHeads % h != 0)
    return v.getOp()->emitOpError()
           << "the " << numSimHeads << " heads H' of '" << o.name
           << "' must be a multiple of H = " << h << " (H*F = " << hf
           << " of '" << w.name << "' over F = " << f << ")";
  return RankedTensorType::get({o.size(0), o.size(1), hf},
                               o.type.getElementType());
}

//===----------------------------------------------------------------------===//
// HeadSimOp
//===----------------------------------------------------------------------===//

RankedTensorType HeadSimOp::inferResultType(Type x, Type w) {
  auto xType = cast<RankedTensorType>(x);
  return replaceInnerDims(xType, {cast<RankedTensorType>(w).getDimSize(0),
                                  xType.getDimSize(3)});
}

LogicalResult HeadSimOp::verify() {
  if (failed(verifyElementTypes(*this, {"x", "w", "b", "res_w", "res_b"})))
    return failure();
  ShapeVerifier v(*this);
  FailureOr<RankedTensorType> expected = verifyHeadSimShapes(
      v, named("x", getX(), kHeadSimX), named("w", getW(), kHeadSimW),
      named("b", getB(), kHeadSimBias), named("res_w", getResW(), kHeadSimResW),
      named("res_b", getResB(), kHeadSimBias));
  if (failed(expected))
    return failure();
  return v.checkResult(*expected, "[B, T, H', D]");
}

//===----------------------------------------------------------------------===//
// FeatureSimOp
//===----------------------------------------------------------------------===//

RankedTensorType FeatureSimOp::inferResultType(Type x, Type w) {
  auto xType = cast<RankedTensorType>(x);
  return replaceInnerDims(xType, {xType.getDimSize(2),
                                  cast<RankedTensorType>(w).getDimSize(0)});
}

LogicalResult FeatureSimOp::verify() {
  if (failed(verifyElementTypes(*this, {"x", "w", "b", "res_w", "res_b"})))
    return failure();
  ShapeVerifier v(*this);
  FailureOr<RankedTensorType> expected = verifyFeatureSimShapes(
      v, named("x", getX(), kFeatureSimX), named("w", getW(), kFeatureSimW),
      named("b", getB(), kFeatureSimBias),
      named("res_w", getResW(), kFeatureSimResW),
      named("res_b", getResB(), kFeatureSimBias));
  if (failed(expected))
    return failure();
  return v.checkResult(*expected, "[B, T, H', D']");
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

RankedTensorType AttentionOp::inferResultType(Type q, Type v) {
  auto qType = cast<RankedTensorType>(q);
  SmallVector<int64_t> shape(qType.getShape().take_front(3));
  shape.push_back(cast<RankedTensorType>(v).getDimSize(3));
  return RankedTensorType::get(shape, qType.getElementType());
}

RankedTensorType AttentionOp::inferLseType(Type q) {
  return RankedTensorType::get(cast<RankedTensorType>(q).getShape().take_front(3),
                               Float32Type::get(q.getContext()));
}

double AttentionOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(getQ().getType().getDimSize(3)));
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyElementTypes(*this, {"q", "k", "v"})))
    return failure();
  ShapeVerifier v(*this);
  FailureOr<RankedTensorType> expected = verifyAttentionShapes(
      v, named("q", getQ(), kAttentionQ), named("k", getK(), kAttentionK),
      named("v", getV(), kAttentionV), getCausal(), getScale());
  if (failed(expected) || failed(v.checkResult(*expected, "[B, T, N, F]")))
    return failure();
  if (!getLse())
    return success();
  return v.checkResult(1, "lse", inferLseType(getQ().getType()),
                       "[B, T, N] in f32");
}

//===----------------------------------------------------------------------===//
// PeaaOp
//===----------------------------------------------------------------------===//

RankedTensorType PeaaOp::inferResultType(Type o, Type w) {
  auto oType = cast<RankedTensorType>(o);
  return RankedTensorType::get({oType.getDimSize(0), oType.getDimSize(1),
                                cast<RankedTensorType>(w).getDimSize(0)},
                               oType.getElementType());
}

LogicalResult PeaaOp::verify() {
  if (failed(verifyElementTypes(*this, {"o", "w", "b"})))
    return failure();
  ShapeVerifier v(*this);
  FailureOr<RankedTensorType> expected =
      verifyPeaaShapes(v, named("o", getO(), kPeaaO),
                       named("w", getW(), kPeaaW), named("b", getB(), kPeaaBias));
  if (failed(expected))
    return failure();
  return v.checkResult(*expected, "[B, T, H*F]");
}

//===----------------------------------------------------------------------===//
// LayerOp
//===----------------------------------------------------------------------===//

ArrayRef<StringRef> shape_rules::getLayerOperandNames() {
  static constexpr StringRef names[] = {
      "q",           "k",            "v",            "q_head_w",
      "q_head_b",    "q_head_res_w", "q_head_res_b", "q_feat_w",
      "q_feat_b",    "q_feat_res_w", "q_feat_res_b", "k_head_w",
      "k_head_b",    "k_head_res_w", "k_head_res_b", "k_feat_w",
      "k_feat_b",    "k_feat_res_w", "k_feat_res_b", "v_head_w",
      "v_head_b",    "v_head_res_w", "v_head_res_b", "out_w",
      "out_b"};
  return names;
}

FailureOr<RankedTensorType>
shape_rules::verifyLayerShapes(ShapeVerifier &v, ValueRange operands,
                               bool causal, std::optional<APFloat> scale) {
  Operation *op = v.getOp();
  ArrayRef<StringRef> names = getLayerOperandNames();
  // Operand i of the layer, named, with the layout `dims`.
  auto operand = [&](unsigned i, ArrayRef<StringLiteral> dims) {
    return named(names[i], operands[i], dims);
  };
  enum : unsigned { Q, K, V, QHead = 3, QFeat = 7, KHead = 11, KFeat = 15,
                    VHead = 19, Out = 23 };
  NamedTensor q = operand(Q, kHeadSimX);
  NamedTensor k = operand(K, kHeadSimX);
  NamedTensor val = operand(V, kHeadSimX);
  // q, k and v are the per-head projections of one MHA layer: the same B, H
  // and D, and k and v the same T.
  if (failed(v.checkLayout(q, 2)) || failed(v.checkLayout(k, 2)) ||
      failed(v.checkLayout(val, 2)))
    return failure();
  for (unsigned i : {0u, 2u, 3u})
    if (failed(v.checkSameDim(k, i, q, i)) ||
        failed(v.checkSameDim(val, i, q, i)))
      return failure();
  if (failed(v.checkSameDim(val, 1, k, 1)))
    return failure();

  // The rules front ends check on plain numbers (sas-run, the C API,
  // Python), here on the sizes the operand types give.
  NamedTensor qHeadW = operand(QHead, kHeadSimW);
  NamedTensor qFeatW = operand(QFeat, kFeatureSimW);
  if (failed(v.checkLayout(qHeadW, 0)) || failed(v.checkLayout(qFeatW, 0)))
    return failure();
  LayerSizes sizes;
  sizes.batch = q.size(0);
  sizes.seqLen = q.size(1);
  sizes.heads = q.size(2);
  sizes.headDim = q.size(3);
  sizes.simHeads = qHeadW.size(0);
  sizes.kernel = qHeadW.size(2);
  sizes.simHeadDim = qFeatW.size(0);
  if (scale)
    sizes.scale = scale->convertToDouble();
  LayerSizeNames sizeNames;
  sizeNames.batch = "B (dimension 0 of 'q')";
  sizeNames.seqLen = "T (dimension 1 of 'q')";
  sizeNames.heads = "H (dimension 2 of 'q')";
  sizeNames.headDim = "D (dimension 3 of 'q')";
  sizeNames.simHeads = "H' (dimension 0 of 'q_head_w')";
  sizeNames.kernel = "kernel size K (dimension 2 of 'q_head_w')";
  sizeNames.simHeadDim = "D' (dimension 0 of 'q_feat_w')";
  sizeNames.scale = "'scale'";
  std::string error = verifyLayerConfig(sizes, sizeNames);
  if (!error.empty())
    return op->emitOpError() << error;
  int64_t hd = val.size(2) * val.size(3);

  // The head simulation of the stream whose input is `x` and whose four
  // parameters start at operand `first`.
  auto headSim = [&](const NamedTensor &x, unsigned first) {
    return verifyHeadSimShapes(v, x, operand(first, kHeadSimW),
                               operand(first + 1, kHeadSimBias),
                               operand(first + 2, kHeadSimResW),
                               operand(first + 3, kHeadSimBias));
  };
  auto featureSim = [&](StringRef name, RankedTensorType x, unsigned first) {
    return verifyFeatureSimShapes(v, named(name, x, kFeatureSimX),
                                  operand(first, kFeatureSimW),
                                  operand(first + 1, kFeatureSimBias),
                                  operand(first + 2, kFeatureSimResW),
                                  operand(first + 3, kFeatureSimBias));
  };
  FailureOr<RankedTensorType> qHead = headSim(q, QHead);
  if (failed(qHead))
    return failure();
  FailureOr<RankedTensorType> qFeat = featureSim("head_sim(q)", *qHead, QFeat);
  if (failed(qFeat))
    return failure();
  FailureOr<RankedTensorType> kHead = headSim(k, KHead);
  if (failed(kHead))
    return failure();
  FailureOr<RankedTensorType> kFeat = featureSim("head_sim(k)", *kHead, KFeat);
  if (failed(kFeat))
    return failure();
  FailureOr<RankedTensorType> vHead = headSim(val, VHead);
  if (failed(vHead))
    return failure();

  FailureOr<RankedTensorType> attention = verifyAttentionShapes(
      v, named("feature_sim(q)", *qFeat, kAttentionQ),
      named("feature_sim(k)", *kFeat, kAttentionK),
      named("head_sim(v)", *vHead, kAttentionV), causal, scale);
  if (failed(attention))
    return failure();

  NamedTensor outW = operand(Out, kPeaaW);
  FailureOr<RankedTensorType> peaa =
      verifyPeaaShapes(v, named("attention", *attention, kPeaaO), outW,
                       operand(Out + 1, kPeaaBias));
  if (failed(peaa))
    return failure();
  // PEAA averages back to the H heads of the layer: out_w is [H*D, H*D].
  if (outW.size(0) != hd)
    return op->emitOpError()
           << "dimension H*F of 'out_w' is " << outW.size(0)
           << ", but 'v' has H*D = " << val.size(2) << "*" << val.size(3)
           << " = " << hd;
  return peaa;
}

LogicalResult LayerOp::verify() {
  if (failed(verifyElementTypes(*this, getLayerOperandNames())))
    return failure();
  ShapeVerifier v(*this);
  FailureOr<RankedTensorType> expected =
      verifyLayerShapes(v, getOperands(), getCausal(), getScale());
  if (failed(expected) || failed(v.checkResult(*expected, "[B, T, H*D]")))
    return failure();
  return verifySavedForward(*this, "result", getSaved().getTypes(), getQ(),
                            getQHeadW());
}

LogicalResult shape_rules::verifySavedForward(Operation *op, StringRef kind,
                                              TypeRange saved, Value q,
                                              Value qHeadW) {
  if (saved.empty())
    return success();
  if (saved.size() != 2)
    return op->emitOpError()
           << "takes 0 or 2 saved " << kind
           << "s (the attention's output and log-sum-exp), not "
           << saved.size();
  // The attention runs on H' heads; its output has v's head size, D.
  auto qType = cast<RankedTensorType>(q.getType());
  ArrayRef<int64_t> shape = qType.getShape();
  int64_t simHeads = cast<RankedTensorType>(qHeadW.getType()).getDimSize(0);
  RankedTensorType o = RankedTensorType::get(
      {shape[0], shape[1], simHeads, shape[3]}, qType.getElementType());
  RankedTensorType lse = AttentionOp::inferLseType(o);
  if (saved[0] != o)
    return op->emitOpError() << "saved " << kind << " 'o' has type " << saved[0]
                             << ", expected " << o << " [B, T, H', D]";
  if (saved[1] != lse)
    return op->emitOpError()
           << "saved " << kind << " 'lse' has type " << saved[1]
           << ", expected " << lse << " [B, T, H'] in f32";
  return success();
}

//===----------------------------------------------------------------------===//
// Layer size rules, shared with the front ends
//===----------------------------------------------------------------------===//

namespace {
/// A size with the name its caller gives it.
struct NamedSize {
  StringRef name;
  int64_t value;
};
} // namespace

/// Checks that the tensor `what` of dimensions `dims` (dynamic ones count as
/// 1) has at most `maxElements` elements.
static std::string checkElements(StringRef what, ArrayRef<NamedSize> dims,
                                 int64_t maxElements) {
  int64_t elements = 1;
  bool overflow = false;
  for (const NamedSize &d : dims)
    if (!ShapedType::isDynamic(d.value))
      overflow |= llvm::MulOverflow(elements, d.value, elements);
  if (!overflow && elements <= maxElements)
    return "";
  std::string message;
  llvm::raw_string_ostream os(message);
  os << what << " would have ";
  if (maxElements == std::numeric_limits<int64_t>::max())
    os << "more elements than 64 bits can count";
  else if (llvm::isPowerOf2_64(maxElements))
    os << "more than 2^" << llvm::Log2_64(maxElements)
       << " elements, the limit on one tensor";
  else
    os << "more than " << maxElements << " elements, the limit on one tensor";
  os << " (";
  llvm::interleave(
      dims, os,
      [&](const NamedSize &d) {
        os << d.name << " = ";
        if (ShapedType::isDynamic(d.value))
          os << "?";
        else
          os << d.value;
      },
      ", ");
  os << ")";
  return message;
}

std::string sas::verifyLayerConfig(const LayerSizes &sizes,
                                   const LayerSizeNames &names,
                                   int64_t maxElements) {
  NamedSize b{names.batch, sizes.batch}, t{names.seqLen, sizes.seqLen},
      h{names.heads, sizes.heads}, hs{names.simHeads, sizes.simHeads},
      d{names.headDim, sizes.headDim}, ds{names.simHeadDim, sizes.simHeadDim},
      k{names.kernel, sizes.kernel};
  for (const NamedSize &size : {b, t, h, hs, d, ds, k})
    if (!ShapedType::isDynamic(size.value) && size.value <= 0)
      return (size.name + " must be positive, got " + Twine(size.value)).str();
  if (k.value % 2 == 0)
    return (k.name + " must be odd, got " + Twine(k.value)).str();
  if (hs.value % h.value != 0)
    return (hs.name + " must be a multiple of " + h.name + ", got " +
            Twine(hs.value) + " and " + Twine(h.value))
        .str();
  if (sizes.scale && !(std::isfinite(*sizes.scale) && *sizes.scale > 0)) {
    std::string message;
    llvm::raw_string_ostream os(message);
    os << names.scale << " must be a positive finite number, got "
       << *sizes.scale;
    return message;
  }
  // The largest tensors of the layer; [H', H, K] and the output [B, T, H*D]
  // are no larger than [H', H', K] and [B, T, H, D].
  std::pair<StringRef, SmallVector<NamedSize>> tensors[] = {
      {"q, k and v [B, T, H, D]", {b, t, h, d}},
      {"the simulated q and k [B, T, H', D']", {b, t, hs, ds}},
      {"the simulated v [B, T, H', D]", {b, t, hs, d}},
      {"the residual head convolution weight [H', H', K]", {hs, hs, k}},
      {"the feature simulation weight [D', D]", {ds, d}},
      {"the residual MLP weight [D', D']", {ds, ds}},
      {"the output dense weight [H*D, H*D]", {h, d, h, d}}};
  for (auto &[what, dims] : tensors) {
    std::string message = checkElements(what, dims, maxElements);
    if (!message.empty())
      return message;
  }
  return "";
}

#define GET_OP_CLASSES
#include "sas/Dialect/SAS/IR/SASOps.cpp.inc"
