//===- TokenKernelOps.cpp - Per-token GPU kernel ops ------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Verifiers and limits of sas.mma_head_sim, sas.mma_feature_sim and
// sas.mma_peaa: the per-token ops of a layer on buffers, on their way to
// GPU kernels.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASOps.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::sas;

static int64_t roundUp16(int64_t n) { return (n + 15) / 16 * 16; }

int64_t sas::getHeadSimWarpsPerToken(int64_t simHeads, int64_t dim) {
  for (int64_t limit : {kHeadSimAccumulators, kMaxHeadSimAccumulators})
    for (int64_t w : {1, 2, 4, 8})
      if (dim % (16 * w) == 0 &&
          roundUp16(simHeads) / 16 * (dim / w / 8) * 4 <= limit)
        return w;
  return 0;
}

bool sas::hasHeadSimStage(int64_t simHeads, int64_t dim) {
  int64_t perToken = getHeadSimWarpsPerToken(simHeads, dim);
  if (perToken == 0)
    return false;
  int64_t positions = dim / perToken;
  return positions == 32 || positions == 64;
}

int64_t sas::getHeadSimSharedBytes(int64_t heads, int64_t simHeads,
                                   int64_t dim, int64_t kernel,
                                   int64_t warps) {
  // Rows of the input channels (padded to 16) and of the simulated ones,
  // plus 16 bytes against bank conflicts.
  int64_t xRow = (roundUp16(heads) + kMmaRowPadding) * 2;
  int64_t rRow = (roundUp16(simHeads) + kMmaRowPadding) * 2;
  int64_t weights = kernel * roundUp16(simHeads) * (xRow + rRow);
  int64_t tokens = warps / std::max<int64_t>(
                               getHeadSimWarpsPerToken(simHeads, dim), 1);
  int64_t stages = hasHeadSimStage(simHeads, dim) ? warps * kHeadSimStageBytes : 0;
  return weights + tokens * (dim + kernel - 1) * (xRow + rRow) + stages;
}

LogicalResult
sas::checkHeadSimTiling(int64_t heads, int64_t simHeads, int64_t dim,
                        int64_t kernel, int64_t warps,
                        function_ref<InFlightDiagnostic()> emitError) {
  int64_t perToken = getHeadSimWarpsPerToken(simHeads, dim);
  if (!perToken)
    return emitError() << "head size " << dim << " with " << simHeads
                       << " simulated heads: the head-simulation kernel "
                          "needs a head size that is a multiple of 16 and a "
                          "part of each token of at most "
                       << kMaxHeadSimAccumulators
                       << " accumulators a thread";
  if (warps < perToken || warps > kMaxMmaWarps || warps % perToken != 0)
    return emitError() << "head simulation needs a multiple of " << perToken
                       << " warps (a token's) up to " << kMaxMmaWarps
                       << ", got " << warps;
  return checkSharedBytes(
      "head simulation with " + Twine(warps) + " warps",
      getHeadSimSharedBytes(heads, simHeads, dim, kernel, warps),
      kMaxMmaSharedBytes, emitError);
}

int64_t sas::getMmaFeatureSimSharedBytes(int64_t dim, int64_t simDim) {
  return simDim * (dim + kMmaRowPadding) * 2 +
         simDim * (simDim + kMmaRowPadding) * 2;
}

/// The feature sizes and row tiles both feature-simulation kernels check:
/// D and D' multiples of `multiple` up to kMaxMmaFeatureSize.
static LogicalResult
checkFeatureSimShape(int64_t dim, int64_t simDim, int64_t rowTiles,
                     int64_t multiple, StringRef kernel,
                     function_ref<InFlightDiagnostic()> emitError) {
  if (dim % multiple != 0 || simDim % multiple != 0 ||
      dim > kMaxMmaFeatureSize || simDim > kMaxMmaFeatureSize)
    return emitError() << "feature sizes must be multiples of " << multiple
                       << " and at most " << kMaxMmaFeatureSize << " for the "
                       << kernel << " kernel, got " << dim << " (D) and "
                       << simDim << " (D')";
  if (rowTiles < 1)
    return emitError() << "row tiles must be positive, got " << rowTiles;
  return success();
}

LogicalResult
sas::checkMmaFeatureSimTiling(int64_t dim, int64_t simDim, int64_t warps,
                              int64_t rowTiles,
                              function_ref<InFlightDiagnostic()> emitError) {
  if (failed(checkFeatureSimShape(dim, simDim, rowTiles, 16, "tensor-core",
                                  emitError)))
    return failure();
  return checkMmaWarps(warps, emitError);
}

int64_t sas::getWgmmaFeatureSimSharedBytes(int64_t dim, int64_t simDim,
                                           int64_t warps) {
  int64_t xTile = (warps / 4) * 64 * dim * 2;
  return simDim * dim * 2 + simDim * simDim * 2 +
         kWgmmaFeatureSimStages * xTile + 1024;
}

LogicalResult
sas::checkWgmmaFeatureSimTiling(int64_t dim, int64_t simDim, int64_t warps,
                                int64_t rowTiles,
                                function_ref<InFlightDiagnostic()> emitError) {
  if (failed(checkFeatureSimShape(dim, simDim, rowTiles, 64, "wgmma",
                                  emitError)) ||
      failed(checkWgmmaWarps(warps, emitError)))
    return failure();
  return checkSharedBytes("the wgmma kernel",
                          getWgmmaFeatureSimSharedBytes(dim, simDim, warps),
                          kMaxWgmmaSharedBytes, emitError);
}

int64_t sas::getMmaPeaaSharedBytes(int64_t groups, int64_t rowTiles,
                                   int64_t columnTile, int64_t kTile,
                                   int64_t stages) {
  return stages * 2 *
         (16 * rowTiles * (groups * kTile + kMmaRowPadding) +
          columnTile * (kTile + kMmaRowPadding));
}

/// A PEAA kernel's column tile: a multiple of `multiple` (the kernel's n
/// granule) up to 256 that divides the output width.
static LogicalResult
checkPeaaColumnTile(int64_t columnTile, int64_t multiple, int64_t width,
                    function_ref<InFlightDiagnostic()> emitError) {
  if (columnTile % multiple != 0 || columnTile > 256 || width % columnTile != 0)
    return emitError() << "the column tile must be a multiple of " << multiple
                       << ", at most 256, and divide the output width "
                       << width << ", got " << columnTile;
  return success();
}

LogicalResult
sas::checkMmaPeaaTiling(int64_t groups, int64_t width, int64_t warps,
                        int64_t rowTiles, int64_t columnTile, int64_t kTile,
                        int64_t stages,
                        function_ref<InFlightDiagnostic()> emitError) {
  if (failed(checkMmaWarps(warps, emitError)))
    return failure();
  // A warp's accumulators: 16 R rows by the column tile, R * BN / 2 a
  // thread.
  if (rowTiles < 1 || rowTiles * columnTile > 256)
    return emitError() << "row tiles times the column tile must be at most "
                          "256 (the accumulators of a warp), got "
                       << rowTiles << " x " << columnTile;
  if (failed(checkPeaaColumnTile(columnTile, 16, width, emitError)))
    return failure();
  if (kTile % 16 != 0 || kTile > 64 || width % kTile != 0)
    return emitError() << "the k tile must be a multiple of 16, at most 64, "
                          "and divide the output width "
                       << width << ", got " << kTile;
  if (failed(checkMmaStages(stages, emitError)))
    return failure();
  return checkSharedBytes("the PEAA ring",
                          getMmaPeaaSharedBytes(groups, warps * rowTiles,
                                                columnTile, kTile, stages),
                          kMaxMmaSharedBytes, emitError);
}

int64_t sas::getWgmmaPeaaSharedBytes(int64_t groups, int64_t warps,
                                     int64_t columnTile, int64_t stages) {
  int64_t aTile = 16 * warps * (groups * kWgmmaPeaaKTile + kMmaRowPadding) * 2;
  aTile = llvm::alignTo(aTile, 1024);
  return stages * (aTile + columnTile * kWgmmaPeaaKTile * 2) + 1024;
}

LogicalResult
sas::checkWgmmaPeaaTiling(int64_t groups, int64_t width, int64_t warps,
                          int64_t rowTiles, int64_t columnTile, int64_t kTile,
                          int64_t stages,
                          function_ref<InFlightDiagnostic()> emitError) {
  if (failed(checkWgmmaWarps(warps, emitError)))
    return failure();
  if (rowTiles != 1 || kTile != kWgmmaPeaaKTile)
    return emitError() << "the wgmma kernel takes one row tile a warp and "
                       << kWgmmaPeaaKTile << " inputs a step, got " << rowTiles
                       << " and " << kTile;
  if (width % kWgmmaPeaaKTile != 0)
    return emitError() << "the wgmma kernel needs a width that is a multiple "
                          "of "
                       << kWgmmaPeaaKTile << ", got " << width;
  if (failed(checkPeaaColumnTile(columnTile, 8, width, emitError)) ||
      failed(checkMmaStages(stages, emitError)))
    return failure();
  return checkSharedBytes(
      "the wgmma PEAA ring",
      getWgmmaPeaaSharedBytes(groups, warps, columnTile, stages),
      kMaxWgmmaSharedBytes, emitError);
}

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
  return checkHeadSimTiling(h, hs, d, k, getWarps(),
                            [&] { return emitOpError(); });
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
  auto emitError = [&] { return emitOpError(); };
  if (getWgmma())
    return checkWgmmaFeatureSimTiling(d, ds, getWarps(), getRowTiles(),
                                      emitError);
  return checkMmaFeatureSimTiling(d, ds, getWarps(), getRowTiles(), emitError);
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
  int64_t groups = o.getDimSize(2) / (width / f);
  auto emitError = [&] { return emitOpError(); };
  if (getWgmma())
    return checkWgmmaPeaaTiling(groups, width, getWarps(), getRowTiles(),
                                getColumnTile(), getKTile(), getStages(),
                                emitError);
  return checkMmaPeaaTiling(groups, width, getWarps(), getRowTiles(),
                            getColumnTile(), getKTile(), getStages(),
                            emitError);
}
