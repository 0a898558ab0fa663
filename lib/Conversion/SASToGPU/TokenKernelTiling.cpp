//===- TokenKernelTiling.cpp - Tilings of the per-token kernels -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "TokenKernelTiling.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Conversion/PassDefaults.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

using namespace mlir;
using namespace mlir::sas;

bool sas::isHalf(Type t) {
  Type e = cast<ShapedType>(t).getElementType();
  return e.isF16() || e.isBF16();
}

/// The largest of `preferred` and its halves down to 16 dividing `width`,
/// or 0.
static int64_t fit(int64_t preferred, int64_t width) {
  for (int64_t t = preferred; t >= 16; t /= 2)
    if (width % t == 0 && t % 16 == 0)
      return t;
  return 0;
}

FailureOr<PeaaKernelTiling>
sas::selectPeaaTiling(Operation *op, const TokenKernelTiling &tiling,
                      int64_t groups, int64_t width) {
  bool wgmma = tiling.target.hasWgmma && width % kWgmmaPeaaKTile == 0;
  int64_t columns = fit(getPeaaColumnTile(tiling.peaaColumnTile, wgmma), width);
  int64_t kTile = fit(tiling.peaaKTile, width);
  if (!columns || !kTile) {
    op->emitRemark() << op->getName() << " stays on the linalg path: the width "
                     << width << " is not a multiple of 16";
    return failure();
  }
  // The sm_90a kernel's fixed shape: one row tile a warp, one swizzled
  // panel (64 inputs) a step.
  int64_t rowTiles = tiling.peaaRowTiles;
  if (wgmma) {
    rowTiles = 1;
    kTile = kWgmmaPeaaKTile;
  }
  auto check = [&](int64_t stages, EmitErrorFn emitError) {
    return wgmma ? checkWgmmaPeaaTiling(tiling.target, groups, width,
                                        tiling.peaaWarps, rowTiles, columns,
                                        kTile, stages, emitError)
                 : checkMmaPeaaTiling(tiling.target, groups, width,
                                      tiling.peaaWarps, rowTiles, columns,
                                      kTile, stages, emitError);
  };
  // A ring too large for the block's shared memory (many head groups)
  // takes fewer stages, down to two, before the op is left to linalg.
  int64_t stages = tiling.peaaStages;
  auto fits = [&](int64_t s) {
    ScopedDiagnosticHandler drop(op->getContext(),
                                 [](Diagnostic &) { return success(); });
    return succeeded(check(s, [&] { return op->emitRemark(); }));
  };
  while (stages > 2 && !fits(stages))
    --stages;
  if (failed(check(stages, Declined(op))))
    return failure();
  if (stages != tiling.peaaStages)
    op->emitRemark() << op->getName() << " takes a ring of " << stages
                     << " stages: " << tiling.peaaStages
                     << " do not fit a block's shared memory on "
                     << tiling.target.chip;
  return PeaaKernelTiling{tiling.peaaWarps, rowTiles, columns, kTile,
                          stages,           wgmma};
}

FailureOr<int64_t> sas::selectHeadSimWarps(
    Operation *op, const TokenKernelTiling &tiling, int64_t simHeads,
    int64_t dim,
    function_ref<LogicalResult(int64_t, function_ref<InFlightDiagnostic()>)>
        check) {
  int64_t warps = tiling.headSimWarps;
  int64_t perToken =
      std::max<int64_t>(getHeadSimWarpsPerToken(simHeads, dim), 1);
  auto fits = [&](int64_t w) {
    // An empty InFlightDiagnostic converts to success: report to a handler
    // that drops it instead.
    ScopedDiagnosticHandler drop(op->getContext(),
                                 [](Diagnostic &) { return success(); });
    return succeeded(check(w, [&] { return op->emitRemark(); }));
  };
  if (!warps) {
    warps = perToken;
    while (2 * warps <= kMaxMmaWarps)
      warps *= 2;
    for (; warps > perToken && !fits(warps); warps /= 2) {
    }
  }
  if (failed(check(warps, Declined(op))))
    return failure();
  return warps;
}
