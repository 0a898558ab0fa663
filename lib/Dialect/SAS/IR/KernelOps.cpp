//===- KernelOps.cpp - The GPU kernel ops -----------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Verifiers of the kernel ops (sas.mma_*): the ops of a layer and of its
// gradient on buffers, on their way to GPU kernels.
// They check the buffers; the tiling is checked against the target by the
// kernel library's KernelOpInterface model (sas/Codegen/NVVM).
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASOps.h"

using namespace mlir;
using namespace mlir::sas;

namespace {
/// Checks of the buffers of a per-token kernel op, in the op's words.
struct BufferChecker {
  Operation *op;
  Type element;

  /// `type` has the op's element type, an identity layout and, where
  /// `shape` gives a size (not kDynamic), that size.
  LogicalResult check(StringRef name, MemRefType type,
                      ArrayRef<int64_t> shape) {
    if (type.getElementType() != element)
      return op->emitOpError() << "'" << name << "' has element type "
                               << type.getElementType() << ", expected "
                               << element;
    if (!type.getLayout().isIdentity())
      return op->emitOpError() << "'" << name << "' must have an identity layout";
    for (auto [d, size] : llvm::enumerate(shape))
      if (!ShapedType::isDynamic(size) && type.getDimSize(d) != size)
        return op->emitOpError()
               << "dimension " << d << " of '" << name << "' must be " << size
               << ", got " << type.getDimSize(d);
    return success();
  }

  /// Dimensions 0 and 1 (batch, tokens) of `a` and `b` agree where static.
  LogicalResult sameTokens(MemRefType a, MemRefType b) {
    for (int64_t d : {0, 1})
      if (!a.isDynamicDim(d) && !b.isDynamicDim(d) &&
          a.getDimSize(d) != b.getDimSize(d))
        return op->emitOpError() << "input and result differ in dimension "
                                 << d;
    return success();
  }
};

/// The tiling against the target of an enclosing op, where the kernel
/// library's model is registered; the kernel builder checks it again.
LogicalResult verifyTilingForTarget(Operation *op) {
  if (auto kernel = dyn_cast<KernelOpInterface>(op))
    return kernel.verifyTilingForEnclosingTarget();
  return success();
}

/// A per-row f32 buffer `name` ([B, T, N]) of the rows of `q`
/// ([B, T, N, E]): the log-sum-exp or delta of an attention.
LogicalResult verifyRowVector(Operation *op, StringRef name, MemRefType type,
                              MemRefType q) {
  if (!type.getLayout().isIdentity())
    return op->emitOpError() << "'" << name << "' must have an identity layout";
  for (int64_t d = 0; d < 3; ++d) {
    int64_t x = type.getDimSize(d), y = q.getDimSize(d);
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return op->emitOpError() << "dimension " << d << " of '" << name << "' ("
                               << x << ") and of 'q' (" << y << ") must match";
  }
  return success();
}

/// The static trailing sizes of a [B, T, N, W] buffer.
LogicalResult staticHeads(Operation *op, StringRef name, MemRefType type) {
  if (type.isDynamicDim(2) || type.isDynamicDim(3))
    return op->emitOpError() << "'" << name
                             << "' needs static heads and head size";
  return success();
}
} // namespace

LogicalResult MmaHeadSimOp::verify() {
  MemRefType x = getX().getType(), out = getOut().getType();
  if (failed(staticHeads(*this, "x", x)) ||
      failed(staticHeads(*this, "out", out)))
    return failure();
  int64_t h = x.getDimSize(2), d = x.getDimSize(3), hs = out.getDimSize(2);
  int64_t k = getW().getType().getDimSize(2);
  BufferChecker c{*this, x.getElementType()};
  if (failed(c.check("w", getW().getType(), {hs, h, ShapedType::kDynamic})) ||
      failed(c.check("b", getB().getType(), {hs})) ||
      failed(c.check("res_w", getResW().getType(), {hs, hs, k})) ||
      failed(c.check("res_b", getResB().getType(), {hs})) ||
      failed(c.check("x", x, {})) ||
      failed(c.check("out", out,
                     {ShapedType::kDynamic, ShapedType::kDynamic, hs, d})) ||
      failed(c.sameTokens(x, out)))
    return failure();
  if (k % 2 == 0)
    return emitOpError() << "kernel size must be odd, got " << k;
  return verifyTilingForTarget(*this);
}

LogicalResult MmaFeatureSimOp::verify() {
  MemRefType x = getX().getType(), out = getOut().getType();
  if (failed(staticHeads(*this, "x", x)) ||
      failed(staticHeads(*this, "out", out)))
    return failure();
  int64_t d = x.getDimSize(3), ds = out.getDimSize(3);
  BufferChecker c{*this, x.getElementType()};
  if (failed(c.check("w", getW().getType(), {ds, d})) ||
      failed(c.check("b", getB().getType(), {ds})) ||
      failed(c.check("res_w", getResW().getType(), {ds, ds})) ||
      failed(c.check("res_b", getResB().getType(), {ds})) ||
      failed(c.check("x", x, {})) ||
      failed(c.check("out", out,
                     {ShapedType::kDynamic, ShapedType::kDynamic,
                      x.getDimSize(2), ds})) ||
      failed(c.sameTokens(x, out)))
    return failure();
  return verifyTilingForTarget(*this);
}

LogicalResult MmaPeaaOp::verify() {
  MemRefType o = getO().getType(), out = getOut().getType();
  if (failed(staticHeads(*this, "o", o)))
    return failure();
  int64_t width = getW().getType().getDimSize(0);
  int64_t f = o.getDimSize(3);
  if (width % f != 0 || o.getDimSize(2) % (width / f) != 0)
    return emitOpError() << "the dense layer's width " << width
                         << " must be H * F with H dividing the "
                         << o.getDimSize(2) << " heads of 'o' (F = " << f
                         << ")";
  BufferChecker c{*this, o.getElementType()};
  if (failed(c.check("w", getW().getType(), {width, width})) ||
      failed(c.check("b", getB().getType(), {width})) ||
      failed(c.check("o", o, {})) ||
      failed(c.check("out", out,
                     {ShapedType::kDynamic, ShapedType::kDynamic, width})) ||
      failed(c.sameTokens(o, out)))
    return failure();
  return verifyTilingForTarget(*this);
}

LogicalResult MmaAttentionOp::verify() {
  auto q = getQ().getType(), k = getK().getType(), v = getV().getType(),
       out = getOut().getType();
  for (auto [name, type] : {std::pair{"q", q}, {"k", k}, {"v", v},
                            {"out", out}}) {
    if (type.getElementType() != q.getElementType())
      return emitOpError() << "'" << name << "' has element type "
                           << type.getElementType() << ", 'q' has "
                           << q.getElementType();
    if (!type.getLayout().isIdentity())
      return emitOpError() << "'" << name << "' must have an identity layout";
  }
  // Dimension d of `a` and `b` agree where both are static.
  auto same = [&](StringRef an, MemRefType a, int64_t ad, StringRef bn,
                  MemRefType b, int64_t bd) -> LogicalResult {
    int64_t x = a.getDimSize(ad), y = b.getDimSize(bd);
    if (ShapedType::isDynamic(x) || ShapedType::isDynamic(y) || x == y)
      return success();
    return emitOpError() << "dimension " << ad << " of '" << an << "' (" << x
                         << ") and dimension " << bd << " of '" << bn << "' ("
                         << y << ") must match";
  };
  if (failed(same("q", q, 0, "k", k, 0)) || failed(same("q", q, 0, "v", v, 0)) ||
      failed(same("q", q, 0, "out", out, 0)) ||
      failed(same("q", q, 1, "out", out, 1)) ||
      failed(same("k", k, 1, "v", v, 1)) ||
      failed(same("q", q, 3, "k", k, 3)) ||
      failed(same("v", v, 3, "out", out, 3)))
    return failure();
  for (auto [name, type] : {std::pair{"q", q}, {"k", k}, {"v", v},
                            {"out", out}})
    if (type.isDynamicDim(2) || type.isDynamicDim(3) ||
        type.getDimSize(2) != q.getDimSize(2))
      return emitOpError() << "'" << name
                           << "' needs static heads and head size, and as "
                              "many heads as 'q'";
  if (getCausal() && failed(same("q", q, 1, "k", k, 1)))
    return failure();
  if (!(getScale().convertToDouble() > 0.0))
    return emitOpError() << "'scale' must be positive";
  if (getLse() && failed(verifyRowVector(*this, "lse", getLse().getType(), q)))
    return failure();
  return verifyTilingForTarget(*this);
}

LogicalResult MmaAttentionGradOp::verify() {
  MemRefType q = getQ().getType(), k = getK().getType(), v = getV().getType(),
             dO = getDO().getType(), dQ = getDQAccum().getType(),
             dK = getDK().getType(), dV = getDV().getType();
  Type element = q.getElementType();
  for (auto [name, type] : {std::pair{"q", q},
                            {"k", k},
                            {"v", v},
                            {"d_o", dO},
                            {"d_k", dK},
                            {"d_v", dV},
                            {"d_q_accum", dQ}}) {
    if (type != dQ && type.getElementType() != element)
      return emitOpError() << "'" << name << "' has element type "
                           << type.getElementType() << ", 'q' has " << element;
    if (!type.getLayout().isIdentity())
      return emitOpError() << "'" << name << "' must have an identity layout";
    if (type.isDynamicDim(2) || type.isDynamicDim(3) ||
        type.getDimSize(2) != q.getDimSize(2))
      return emitOpError() << "'" << name
                           << "' needs static heads and head size, and as "
                              "many heads as 'q'";
  }
  // `a` and `b` have the same size in each of `dims` where both are static.
  auto same = [&](StringRef an, MemRefType a, StringRef bn, MemRefType b,
                  ArrayRef<int64_t> dims) -> LogicalResult {
    for (int64_t d : dims) {
      int64_t x = a.getDimSize(d), y = b.getDimSize(d);
      if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
        return emitOpError()
               << "dimension " << d << " of '" << an << "' (" << x
               << ") and of '" << bn << "' (" << y << ") must match";
    }
    return success();
  };
  if (failed(same("q", q, "k", k, {0, 3})) ||
      failed(same("k", k, "v", v, {0, 1})) ||
      failed(same("q", q, "d_o", dO, {0, 1})) ||
      failed(same("v", v, "d_o", dO, {3})) ||
      failed(same("q", q, "d_q_accum", dQ, {0, 1, 3})) ||
      failed(same("k", k, "d_k", dK, {0, 1, 3})) ||
      failed(same("v", v, "d_v", dV, {0, 1, 3})) ||
      failed(verifyRowVector(*this, "lse", getLse().getType(), q)) ||
      failed(verifyRowVector(*this, "delta", getDelta().getType(), q)))
    return failure();
  if (getCausal() && failed(same("q", q, "k", k, {1})))
    return failure();
  if (!(getScale().convertToDouble() > 0.0))
    return emitOpError() << "'scale' must be positive";
  return verifyTilingForTarget(*this);
}

LogicalResult MmaHeadSimGradOp::verify() {
  MemRefType x = getX().getType(), dS = getDS().getType();
  if (failed(staticHeads(*this, "x", x)) ||
      failed(staticHeads(*this, "d_s", dS)))
    return failure();
  int64_t h = x.getDimSize(2), d = x.getDimSize(3), hs = dS.getDimSize(2);
  int64_t k = getW().getType().getDimSize(2), dynamic = ShapedType::kDynamic;
  BufferChecker c{*this, x.getElementType()};
  if (failed(c.check("w", getW().getType(), {hs, h, dynamic})) ||
      failed(c.check("b", getB().getType(), {hs})) ||
      failed(c.check("res_w", getResW().getType(), {hs, hs, k})) ||
      failed(c.check("x", x, {})) ||
      failed(c.check("d_s", dS, {dynamic, dynamic, hs, d})) ||
      failed(c.sameTokens(x, dS)) ||
      failed(c.check("d_x", getDX().getType(), {dynamic, dynamic, h, d})) ||
      failed(c.sameTokens(x, getDX().getType())))
    return failure();
  BufferChecker f32{*this, Float32Type::get(getContext())};
  if (failed(f32.check("d_w", getDW().getType(), {hs, h, k})) ||
      failed(f32.check("d_b", getDB().getType(), {hs})) ||
      failed(f32.check("d_res_w", getDResW().getType(), {hs, hs, k})) ||
      failed(f32.check("d_res_b", getDResB().getType(), {hs})))
    return failure();
  if (k % 2 == 0)
    return emitOpError() << "kernel size must be odd, got " << k;
  return verifyTilingForTarget(*this);
}

LogicalResult MmaFeatureSimGradOp::verify() {
  MemRefType x = getX().getType(), dZ = getDZ().getType();
  if (failed(staticHeads(*this, "x", x)) ||
      failed(staticHeads(*this, "d_z", dZ)))
    return failure();
  int64_t hs = x.getDimSize(2), d = x.getDimSize(3), ds = dZ.getDimSize(3);
  int64_t dynamic = ShapedType::kDynamic;
  BufferChecker c{*this, x.getElementType()};
  if (failed(c.check("w", getW().getType(), {ds, d})) ||
      failed(c.check("b", getB().getType(), {ds})) ||
      failed(c.check("res_w", getResW().getType(), {ds, ds})) ||
      failed(c.check("x", x, {})))
    return failure();
  for (auto [name, type, width] :
       {std::make_tuple("d_z", dZ, ds),
        std::make_tuple("d_x", getDX().getType(), d),
        std::make_tuple("d_f", getDF().getType(), ds),
        std::make_tuple("relu_f", getReluF().getType(), ds)})
    if (failed(c.check(name, type, {dynamic, dynamic, hs, width})) ||
        failed(c.sameTokens(x, type)))
      return failure();
  return verifyTilingForTarget(*this);
}

LogicalResult MmaWeightGradOp::verify() {
  MemRefType grad = getGrad().getType(), input = getInput().getType();
  if (failed(staticHeads(*this, "grad", grad)) ||
      failed(staticHeads(*this, "input", input)))
    return failure();
  int64_t p = grad.getDimSize(3), q = input.getDimSize(3);
  BufferChecker c{*this, grad.getElementType()};
  if (failed(c.check("grad", grad, {})) ||
      failed(c.check("input", input,
                     {ShapedType::kDynamic, ShapedType::kDynamic,
                      grad.getDimSize(2), ShapedType::kDynamic})) ||
      failed(c.sameTokens(grad, input)))
    return failure();
  BufferChecker f32{*this, Float32Type::get(getContext())};
  if (failed(f32.check("d_w", getDW().getType(), {p, q})) ||
      (getDB() && failed(f32.check("d_b", getDB().getType(), {p}))))
    return failure();
  return verifyTilingForTarget(*this);
}
