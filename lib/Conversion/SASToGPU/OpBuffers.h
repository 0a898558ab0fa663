//===- OpBuffers.h - Buffers of a tensor op lowered on the GPU --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// A sas op on tensors that the GPU conversion replaces by an op or kernel on
// buffers, before one-shot bufferization: its operands are read through
// bufferization.to_buffer, and its result goes to a new buffer or, when the
// result's only use stores it into a buffer argument, to that buffer.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CONVERSION_SASTOGPU_OPBUFFERS_H
#define SAS_LIB_CONVERSION_SASTOGPU_OPBUFFERS_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace sas {

struct OpBuffers {
  /// The operands' buffers (read only), in operand order.
  SmallVector<Value> inputs;
  /// Where each result is written, in result order.
  SmallVector<Value> outs;
  /// Per result, the store of the result into the caller's buffer that its
  /// out is (or a memref.cast of), if any, and the tensor.cast before it,
  /// if any.
  SmallVector<bufferization::MaterializeInDestinationOp> stores;
  SmallVector<tensor::CastOp> casts;
  /// Where the first result is written.
  Value out;

  /// Buffers for `op`, whose ranked-tensor results have the dynamic sizes of
  /// an operand in the same dimensions (batch and tokens): result i those
  /// of operand `sizeOperands[i]`, or of the first operand where
  /// `sizeOperands` is empty.
  static OpBuffers create(Operation *op, PatternRewriter &rewriter,
                          ArrayRef<unsigned> sizeOperands = {});

  /// Replaces `op`, once the builder is past what writes the outs: each
  /// result by the tensor of its out, or, where the out is the caller's
  /// buffer, by nothing (the store is done).
  void replaceWithBuffer(Operation *op, PatternRewriter &rewriter) const;
};

/// A new buffer of `type` whose dynamic sizes are those of `like` in the
/// same dimensions.
Value allocateLike(OpBuilder &b, Location loc, MemRefType type, Value like);

/// Applies `patterns` to `ops` alone, nothing folded around them: the
/// greedy driver (unlike the walk driver) lets a pattern erase the store
/// that follows an op written into the caller's buffer.
void rewriteOpsToBuffers(ArrayRef<Operation *> ops,
                         RewritePatternSet &&patterns);

} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CONVERSION_SASTOGPU_OPBUFFERS_H
