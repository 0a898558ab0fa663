//===- MmaAttentionOp.cpp - sas.mma_attention verifier ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASOps.h"

using namespace mlir;
using namespace mlir::sas;

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
  // The tiling is the kernel's to check, against the target it is built
  // for (sas/Codegen/NVVM/KernelLimits.h).
  return success();
}
