//===- SASDialect.cpp - SAS dialect -----------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::sas;

#include "sas/Dialect/SAS/IR/SASOpsDialect.cpp.inc"

namespace {
/// Every sas op may be inlined: the tensor ops are pure, the buffer ops
/// (sas.mma_*) declare their effects and touch only their operands. The GPU
/// pipeline inlines a layer into the wrapper that stores its result, so the
/// last kernel writes the caller's buffer.
struct SASInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void SASDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "sas/Dialect/SAS/IR/SASOps.cpp.inc"
      >();
  addInterfaces<SASInlinerInterface>();
}
