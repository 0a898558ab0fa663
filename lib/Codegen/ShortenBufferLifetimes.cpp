//===- ShortenBufferLifetimes.cpp - Free buffers after last use -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASSHORTENBUFFERLIFETIMES
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

/// The last operation of `block`, before `end`, that uses `buffer` or a value
/// derived from it by view-like ops; nullptr when a use lies outside `block`
/// (the buffer escapes) or past `end`.
static FailureOr<Operation *> findLastUse(Value buffer, Block *block,
                                          Operation *end) {
  Operation *last = nullptr;
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user == end)
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || end->isBeforeInBlock(ancestor))
        return failure();
      if (!last || last->isBeforeInBlock(ancestor))
        last = ancestor;
      // Views alias the buffer: their uses are uses of the buffer.
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if ((view && view.getViewSource() == v) || isa<memref::CastOp>(user)) {
        llvm::append_range(worklist, user->getResults());
        continue;
      }
      // Any other op that returns buffers (a loop yielding this one, a call)
      // may alias it in ways this walk does not follow: keep the dealloc.
      auto returnsBuffer = [](Operation *op) {
        return llvm::any_of(op->getResultTypes(), llvm::IsaPred<MemRefType>);
      };
      if (returnsBuffer(user) || returnsBuffer(ancestor))
        return failure();
    }
  }
  return last;
}

namespace {

struct SASShortenBufferLifetimesPass
    : sas::impl::SASShortenBufferLifetimesBase<SASShortenBufferLifetimesPass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    for (memref::DeallocOp dealloc : deallocs) {
      Value buffer = dealloc.getMemref();
      // Only buffers allocated in this block, whose whole life it holds.
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      FailureOr<Operation *> last = findLastUse(buffer, block, dealloc);
      if (failed(last) || !*last || (*last)->getNextNode() == dealloc)
        continue;
      dealloc->moveAfter(*last);
    }
  }
};

} // namespace
