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
  /// Where the result is written.
  Value out;
  /// The store of the result into the caller's buffer that `out` is (or a
  /// memref.cast of), if any, and the tensor.cast before it, if any.
  bufferization::MaterializeInDestinationOp store;
  tensor::CastOp cast;

  /// Buffers for `op`, whose one ranked-tensor result has the dynamic sizes
  /// of its first operand in the same dimensions (batch and tokens).
  static OpBuffers create(Operation *op, PatternRewriter &rewriter);

  /// Replaces `op`, once the builder is past what writes `out`: by the
  /// tensor of `out`, or, when `out` is the caller's buffer, by nothing (the
  /// store is done).
  void replaceWithBuffer(Operation *op, PatternRewriter &rewriter) const;
};

/// Applies `patterns` to `ops` alone, nothing folded around them: the
/// greedy driver (unlike the walk driver) lets a pattern erase the store
/// that follows an op written into the caller's buffer.
void rewriteOpsToBuffers(ArrayRef<Operation *> ops,
                         RewritePatternSet &&patterns);

} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CONVERSION_SASTOGPU_OPBUFFERS_H
