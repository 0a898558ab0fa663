//===- OpBuffers.cpp - Buffers of a tensor op lowered on the GPU -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "OpBuffers.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::sas;

static MemRefType memrefOf(Type t) {
  auto tensor = cast<RankedTensorType>(t);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

/// The result's store into a buffer the op can write directly: its only
/// use, possibly through one tensor.cast (static and dynamic sizes), a
/// restrict/writable materialize_in_destination into a buffer that is an
/// argument of the op's block, with no op in between using that buffer.
/// Bufferization would otherwise allocate the result and copy it there (on
/// the GPU a kernel of its own).
static bufferization::MaterializeInDestinationOp
getDestinationStore(OpResult result, tensor::CastOp &castOp) {
  castOp = nullptr;
  Operation *op = result.getOwner();
  if (!result.hasOneUse())
    return nullptr;
  Operation *user = *result.user_begin();
  if ((castOp = dyn_cast<tensor::CastOp>(user))) {
    if (!castOp->hasOneUse())
      return nullptr;
    user = *castOp->user_begin();
  }
  auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(user);
  if (!store || !store.getRestrict() || !store.getWritable() ||
      store->getBlock() != op->getBlock())
    return nullptr;
  auto dest = dyn_cast<BlockArgument>(store.getDest());
  if (!dest || dest.getOwner() != op->getBlock())
    return nullptr;
  auto destType = dyn_cast<MemRefType>(dest.getType());
  if (!destType || !destType.getLayout().isIdentity() ||
      !memref::CastOp::areCastCompatible(destType, memrefOf(result.getType())))
    return nullptr;
  for (Operation *between = op->getNextNode(); between != store;
       between = between->getNextNode())
    if (llvm::is_contained(between->getOperands(), Value(dest)))
      return nullptr;
  return store;
}

OpBuffers OpBuffers::create(Operation *op, PatternRewriter &rewriter,
                            ArrayRef<unsigned> sizeOperands) {
  Location loc = op->getLoc();
  OpBuffers buffers;
  for (Value operand : op->getOperands())
    buffers.inputs.push_back(bufferization::ToBufferOp::create(
        rewriter, loc, memrefOf(operand.getType()), operand,
        /*read_only=*/true));
  for (OpResult result : op->getResults()) {
    MemRefType resultType = memrefOf(result.getType());
    tensor::CastOp cast;
    auto store = getDestinationStore(result, cast);
    buffers.stores.push_back(store);
    buffers.casts.push_back(cast);
    if (store) {
      Value out = store.getDest();
      if (out.getType() != resultType)
        out = memref::CastOp::create(rewriter, loc, resultType, out);
      buffers.outs.push_back(out);
      continue;
    }
    Value like = buffers.inputs[sizeOperands.empty()
                                    ? 0
                                    : sizeOperands[result.getResultNumber()]];
    buffers.outs.push_back(allocateLike(rewriter, loc, resultType, like));
  }
  buffers.out = buffers.outs.front();
  return buffers;
}

void OpBuffers::replaceWithBuffer(Operation *op,
                                  PatternRewriter &rewriter) const {
  SmallVector<Value> replacements;
  for (auto [result, out, store, cast] :
       llvm::zip(op->getResults(), outs, stores, casts)) {
    if (store) {
      rewriter.eraseOp(store);
      if (cast)
        rewriter.eraseOp(cast);
      replacements.push_back(nullptr);
      continue;
    }
    replacements.push_back(bufferization::ToTensorOp::create(
        rewriter, op->getLoc(), result.getType(), out, /*restrict=*/true,
        /*writable=*/true));
  }
  // Results stored into the caller's buffers have no use left.
  for (auto [result, replacement] : llvm::zip(op->getResults(), replacements))
    if (replacement)
      rewriter.replaceAllUsesWith(result, replacement);
  rewriter.eraseOp(op);
}

Value sas::allocateLike(OpBuilder &b, Location loc, MemRefType type,
                        Value like) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, loc, like, d));
  return memref::AllocOp::create(b, loc, type, sizes);
}

void sas::rewriteOpsToBuffers(ArrayRef<Operation *> ops,
                              RewritePatternSet &&patterns) {
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingOps)
      .enableFolding(false)
      .enableConstantCSE(false)
      .setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  (void)applyOpPatternsGreedily(ops, std::move(patterns), config);
}
