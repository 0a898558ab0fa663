//===- LinalgStridedCopies.cpp - Strided copies as linalg.copy --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASLINALGSTRIDEDCOPIES
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {

struct LinalgStridedCopiesPass
    : sas::impl::SASLinalgStridedCopiesBase<LinalgStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      // Identity layouts are contiguous whatever their sizes; a strided
      // layout may still be (a full view), as far as static sizes tell.
      auto contiguous = [](Value v) {
        auto type = dyn_cast<MemRefType>(v.getType());
        return type && (type.getLayout().isIdentity() ||
                        memref::isStaticShapeAndContiguousRowMajor(type));
      };
      if (!contiguous(copy.getSource()) || !contiguous(copy.getTarget()))
        copies.push_back(copy);
    });
    OpBuilder b(&getContext());
    for (memref::CopyOp copy : copies) {
      b.setInsertionPoint(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
