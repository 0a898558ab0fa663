//===- MmaAttentionOp.cpp - sas.mma_attention verifier ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASOps.h"

using namespace mlir;
using namespace mlir::sas;

LogicalResult sas::checkMmaWarps(int64_t warps,
                                function_ref<InFlightDiagnostic()> emitError) {
  if (warps < 1 || warps > kMaxMmaWarps)
    return emitError() << "warps must be between 1 and " << kMaxMmaWarps
                       << ", got " << warps;
  return success();
}

LogicalResult sas::checkWgmmaWarps(int64_t warps,
                                  function_ref<InFlightDiagnostic()> emitError) {
  if (warps % 4 != 0 || warps < 4 || warps > kMaxMmaWarps)
    return emitError() << "the wgmma kernel needs 4 or 8 warps (whole "
                          "warpgroups), got "
                       << warps;
  return success();
}

LogicalResult
sas::checkSharedBytes(const Twine &what, int64_t bytes, int64_t limit,
                      function_ref<InFlightDiagnostic()> emitError) {
  if (bytes <= limit)
    return success();
  InFlightDiagnostic diag = emitError();
  diag << what << " needs " << bytes << " bytes of shared memory, above the "
       << limit << " a block may use";
  if (limit == kMaxWgmmaSharedBytes)
    diag << " on sm_90a";
  return diag;
}

LogicalResult sas::checkMmaStages(int64_t stages,
                                 function_ref<InFlightDiagnostic()> emitError) {
  if (stages < 2 || stages > kMaxMmaStages)
    return emitError() << "stages must be between 2 and " << kMaxMmaStages
                       << ", got " << stages;
  return success();
}

/// The limits of the tensor-core attention kernel builder, checked where the
/// op is created and here.
LogicalResult sas::checkMmaAttentionTiling(
    int64_t e, int64_t f, int64_t warps, int64_t warpRows, int64_t keyTile,
    int64_t stages, function_ref<InFlightDiagnostic()> emitError) {
  if (e % 16 != 0 || f % 16 != 0 || e > kMaxMmaHeadSize ||
      f > kMaxMmaHeadSize)
    return emitError() << "head sizes must be multiples of 16 and at most "
                       << kMaxMmaHeadSize << " for the tensor-core kernel, got "
                       << e << " (q, k) and " << f << " (v)";
  if (failed(checkMmaWarps(warps, emitError)))
    return failure();
  if (warpRows != 16 && warpRows != 32)
    return emitError() << "rows per warp must be 16 or 32, got " << warpRows;
  if (keyTile < 16 || keyTile > kMaxMmaKeyTile || keyTile % 16 != 0)
    return emitError() << "key tile must be a multiple of 16 between 16 and "
                       << kMaxMmaKeyTile << ", got " << keyTile;
  if (failed(checkMmaStages(stages, emitError)))
    return failure();
  return checkSharedBytes("the key/value ring",
                          getMmaAttentionSharedBytes(e, f, keyTile, stages),
                          kMaxMmaSharedBytes, emitError);
}

int64_t sas::getMmaAttentionSharedBytes(int64_t e, int64_t f, int64_t keyTile,
                                        int64_t stages) {
  return stages * keyTile * (e + kMmaRowPadding + f + kMmaRowPadding) * 2;
}

int64_t sas::getWgmmaAttentionSharedBytes(int64_t e, int64_t f,
                                          int64_t keyTile, int64_t stages) {
  int64_t panelRows = 128; // bytes of a swizzled panel row
  return 1024 + stages * keyTile * ((e + f) / 64) * panelRows;
}

LogicalResult sas::checkWgmmaAttentionTiling(
    int64_t e, int64_t f, int64_t warps, int64_t warpRows, int64_t keyTile,
    int64_t stages, function_ref<InFlightDiagnostic()> emitError) {
  if (e % 64 != 0 || f % 64 != 0 || e > kMaxMmaHeadSize ||
      f > kMaxMmaHeadSize)
    return emitError() << "head sizes must be multiples of 64 and at most "
                       << kMaxMmaHeadSize << " for the wgmma kernel, got " << e
                       << " (q, k) and " << f << " (v)";
  if (failed(checkWgmmaWarps(warps, emitError)))
    return failure();
  if (warpRows != 16 || (keyTile != 64 && keyTile != 128))
    return emitError() << "the wgmma kernel takes 16 rows a warp and 64 or "
                          "128 keys a step, got "
                       << warpRows << " and " << keyTile;
  if (failed(checkMmaStages(stages, emitError)))
    return failure();
  return checkSharedBytes("the wgmma kernel",
                          getWgmmaAttentionSharedBytes(e, f, keyTile, stages),
                          kMaxWgmmaSharedBytes, emitError);
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
  if (getWgmma())
    return checkWgmmaAttentionTiling(q.getDimSize(3), v.getDimSize(3),
                                     getWarps(), getWarpRows(), getKeyTile(),
                                     getStages(),
                                     [&] { return emitOpError(); });
  return checkMmaAttentionTiling(q.getDimSize(3), v.getDimSize(3), getWarps(),
                                 getWarpRows(), getKeyTile(), getStages(),
                                 [&] { return emitOpError(); });
}
