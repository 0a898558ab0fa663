//===- PromoteLoopAccumulators.cpp - Reductions in registers ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// A linalg reduction lowered to loops reads and writes its output element in
// every iteration of the reduction loop:
//
//   scf.for %k { %c = memref.load %C[%i, %j]; ...; memref.store %r, %C[%i, %j]
//   }
//
// On a GPU each of those stores goes to L2 (global memory) or to shared
// memory. This pass keeps the element in a loop-carried value instead:
//
//   %c0 = memref.load %C[%i, %j]
//   %r = scf.for %k iter_args(%c = %c0) { ...; scf.yield %r' }
//   memref.store %r, %C[%i, %j]
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASPROMOTELOOPACCUMULATORS
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {

/// The buffer `memref` is a view of (through subviews, reshapes, casts).
Value getRootBuffer(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// Whether, apart from `load` and `store`, nothing in `loop` writes memory
/// or reads the buffer they access. Distinct root buffers are taken not to
/// overlap (the linalg contract between a reduction's inputs and output).
bool isOnlyAccessToItsBuffer(scf::ForOp loop, memref::LoadOp load,
                             memref::StoreOp store) {
  Value root = getRootBuffer(store.getMemref());
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    if (op == load || op == store)
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      // Unknown effects, unless the op only holds regions whose ops are
      // checked by this walk.
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      return WalkResult::interrupt();
    }
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (MemoryEffects::EffectInstance &effect : instances) {
      if (isa<MemoryEffects::Write, MemoryEffects::Free>(effect.getEffect()))
        return WalkResult::interrupt();
      if (!isa<MemoryEffects::Read>(effect.getEffect()))
        continue;
      Value read = effect.getValue();
      if (!read || getRootBuffer(read) == root)
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Whether `loop` provably runs at least once. The promoted load runs
/// whether or not the loop does, so a loop that may not run (whose element
/// may then not be valid to read) is left alone.
bool runsAtLeastOnce(scf::ForOp loop) {
  return ValueBoundsConstraintSet::compare(
      getAsOpFoldResult(loop.getLowerBound()),
      ValueBoundsConstraintSet::ComparisonOperator::LT,
      getAsOpFoldResult(loop.getUpperBound()));
}

/// Promotes one accumulator of `loop`: a load and a later store of the same
/// loop-invariant element in its body. Returns the new loop, or nullptr.
scf::ForOp promoteOneAccumulator(RewriterBase &rewriter, scf::ForOp loop) {
  if (!runsAtLeastOnce(loop))
    return nullptr;
  Block *body = loop.getBody();
  for (auto store : body->getOps<memref::StoreOp>()) {
    auto isInvariant = [&](Value v) { return loop.isDefinedOutsideOfLoop(v); };
    if (!isInvariant(store.getMemref()) ||
        !llvm::all_of(store.getIndices(), isInvariant))
      continue;
    memref::LoadOp load;
    for (auto candidate : body->getOps<memref::LoadOp>())
      if (candidate->isBeforeInBlock(store) &&
          candidate.getMemref() == store.getMemref() &&
          llvm::equal(candidate.getIndices(), store.getIndices()))
        load = candidate;
    if (!load || !isOnlyAccessToItsBuffer(loop, load, store))
      continue;

    rewriter.setInsertionPoint(loop);
    Value init = memref::LoadOp::create(rewriter, load.getLoc(),
                                        load.getMemref(), load.getIndices());
    Value stored = store.getValueToStore();
    FailureOr<LoopLikeOpInterface> newLoop =
        cast<LoopLikeOpInterface>(loop.getOperation())
            .replaceWithAdditionalYields(
                rewriter, init, /*replaceInitOperandUsesInLoop=*/false,
                [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                  return SmallVector<Value>{stored};
                });
    if (failed(newLoop))
      return nullptr;
    auto promoted = cast<scf::ForOp>(newLoop->getOperation());
    rewriter.replaceAllUsesWith(load.getResult(),
                                promoted.getRegionIterArgs().back());
    rewriter.eraseOp(load);
    rewriter.setInsertionPointAfter(promoted);
    memref::StoreOp::create(rewriter, store.getLoc(),
                            promoted.getResults().back(), store.getMemref(),
                            store.getIndices());
    rewriter.eraseOp(store);
    return promoted;
  }
  return nullptr;
}

struct SASPromoteLoopAccumulatorsPass
    : sas::impl::SASPromoteLoopAccumulatorsBase<
          SASPromoteLoopAccumulatorsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    // Post-order: inner loops first, so that an accumulator promoted out of
    // an inner loop can be promoted again out of the enclosing one.
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops)
      while (scf::ForOp promoted = promoteOneAccumulator(rewriter, loop))
        loop = promoted;
  }
};

} // namespace
