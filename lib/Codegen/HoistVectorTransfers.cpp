//===- HoistVectorTransfers.cpp - Hoist loop-invariant transfers -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASHOISTVECTORTRANSFERS
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {

struct SASHoistVectorTransfersPass
    : sas::impl::SASHoistVectorTransfersBase<SASHoistVectorTransfersPass> {
  void runOnOperation() override {
    // Only loops that run at least once: hoisting a read out of a loop that
    // may not run would read a buffer the loop never touches.
    linalg::hoistRedundantVectorTransfers(getOperation(),
                                          /*verifyNonZeroTrip=*/true);
  }
};

} // namespace
