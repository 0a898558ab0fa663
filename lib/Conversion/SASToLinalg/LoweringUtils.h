//===- LoweringUtils.h - Builders shared by the SAS lowerings ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Small builders of linalg/tensor IR that the SAS op lowerings share. All
// arithmetic is done in f32: values of f16/bf16 storage are extended where
// they are read and truncated once, where a lowering writes its result.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CONVERSION_SASTOLINALG_LOWERINGUTILS_H
#define SAS_LIB_CONVERSION_SASTOLINALG_LOWERINGUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Value.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

namespace mlir {
namespace sas {
namespace lowering {

/// Body of an elementwise op: gets the f32 values of its inputs.
using ElementwiseBody =
    function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An empty tensor with the shape of `like` and element type `elementType`.
Value emptyLike(OpBuilder &b, Location loc, Value like, Type elementType);

/// Extends (or truncates) a float scalar to `type`; no-op when equal.
Value castScalar(OpBuilder &b, Location loc, Value v, Type type);

/// An elementwise linalg.generic over the shape of `inputs[0]`: every input
/// is read at the same index, except that a 1-D input listed in `vectorDims`
/// (input index -> dimension) is broadcast along that one dimension. Inputs
/// are extended to f32 before `body`; the result has element type `resultType`.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       ArrayRef<std::pair<unsigned, unsigned>> vectorDims,
                       Type resultType, ElementwiseBody body);

/// f32 tensor of shape `shape` holding `bias` broadcast along `dim`.
Value broadcastBias(OpBuilder &b, Location loc, Value bias,
                    ArrayRef<OpFoldResult> shape, unsigned dim);

/// relu(x) in f32.
Value buildRelu(OpBuilder &b, Location loc, Value x);

/// x + bias (broadcast along `dim`) in f32.
Value buildAddBias(OpBuilder &b, Location loc, Value x, Value bias,
                   unsigned dim);

/// `x` converted elementwise to element type `type` (no-op when equal).
Value buildCast(OpBuilder &b, Location loc, Value x, Type type);

/// Zero-pads the last dimension of `x` by `pad` on both sides.
Value padLastDim(OpBuilder &b, Location loc, Value x, int64_t pad);

/// Zero-pads dimension `dim` of `x` at the high end to a multiple of `tile`.
Value padToMultiple(OpBuilder &b, Location loc, Value x, unsigned dim,
                    int64_t tile);

/// Collapses `x` with `reassociation`.
Value collapse(OpBuilder &b, Location loc, Value x,
               ArrayRef<ReassociationIndices> reassociation);

/// Expands `x` to `resultType` of sizes `outputShape`.
Value expandLike(OpBuilder &b, Location loc, Value x,
                 RankedTensorType resultType,
                 ArrayRef<ReassociationIndices> reassociation,
                 ArrayRef<OpFoldResult> outputShape);

/// linalg.matmul computing init += lhs * rhs (rhs is [K, N]), in f32.
Value buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                  Value init);

/// A linalg.generic computing init += lhs * rhs in init's element type (f32,
/// or f64 for buildTokenSum), indexed by `maps` (lhs, rhs, init); loops
/// absent from init's map are reductions.
Value buildContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                       Value init, ArrayRef<AffineMap> maps);

/// The [K, N] transpose of a weight in PyTorch's [N, K] layout, so that
/// contractions read rows of the output dimension contiguously.
Value transposeWeight(OpBuilder &b, Location loc, Value weight);

/// The window of `padded` ([B, T, C, D + K - 1], a head convolution's
/// zero-padded input) that tap `tap` reads: sizes `sizes` ([B, T, C, D]) at
/// feature `tap`.
Value extractTapWindow(OpBuilder &b, Location loc, Value padded,
                       ArrayRef<OpFoldResult> sizes, int64_t tap);

/// out[b, t, o, j] = init[b, t, o, j]
///                 + sum_{c, i} w[o, c, i] * x[b, t, c, j + i - p]
/// (p = (kernel - 1) / 2, x zero outside 0..D-1): the head convolution, its
/// channels the heads, sliding along the features; in f32.
Value buildHeadConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                    int64_t kernel);

/// out[b, t, h, n] = init[b, t, h, n] + sum_k x[b, t, h, k] * w[n, k]: a
/// linear layer (PyTorch's [N, K] weight) on every head of every token.
Value buildTokenLinear(OpBuilder &b, Location loc, Value x, Value w,
                       Value init);

/// Head simulation S = Y + conv_r(relu(Y)), Y = conv(x) + b, of x
/// [B, T, H, D] (any B, T: a whole tensor or a tile of tokens), in f32.
Value buildHeadSim(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                   Value resW, Value resBias);

/// Feature simulation Z = F + relu(F) Wg^T + bg, F = x Wf^T + bf, of x
/// [B, T, H', D], in f32.
Value buildFeatureSim(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                      Value resW, Value resBias);

/// The dense layer of PEAA on the head-group mean [B, T, H*F] (f32):
/// mean W^T + bias, in f32.
Value buildPeaaDense(OpBuilder &b, Location loc, Value mean, Value w,
                     Value bias);

/// PEAA's head-group mean of o [B, T, H', F] for a dense layer of width
/// `hf` = H*F: [B, T, H*F] in f32, 1/G sum_g o[b, t, gH + h, f].
Value buildPeaaGroupMean(OpBuilder &b, Location loc, Value o, int64_t hf);

/// A tensor of shape `shape` and type `elementType` filled with `value`.
Value buildFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> shape,
                  Type elementType, double value);

/// A parameter gradient: a contraction of lhs and rhs over every token
/// (and more), indexed by `maps`, into a fresh f32 tensor of static `shape`.
/// It accumulates in f64: a sum of B*T terms that largely cancel loses
/// about sqrt(B*T) ulps in f32 summed in sequence (relative errors of 3e-5
/// at T = 2048, where the CPU check asks 1e-5). lhs and rhs are [B, T, ...]
/// and their maps start with the token loops (b, t). With `tokenChunk` > 0
/// the tokens are summed in two steps: one partial sum for each chunk of
/// that many tokens, every chunk in parallel, then the partial sums (see
/// chunkTokens).
Value buildTokenSum(OpBuilder &b, Location loc, Value lhs, Value rhs,
                    ArrayRef<int64_t> shape, ArrayRef<AffineMap> maps,
                    int64_t tokenChunk);

/// out[n] = the sum of x [B, T, ...] over every dimension but `dim` (> 1,
/// of static size n): a bias gradient, accumulated in f64 (see
/// buildTokenSum, also for `tokenChunk`), in f32.
Value buildSumAllBut(OpBuilder &b, Location loc, Value x, unsigned dim,
                     int64_t tokenChunk);

/// The tokens one partial sum of buildTokenSum or buildSumAllBut covers, for
/// a sum with `outputs` result elements each taking `workPerToken`
/// multiply-adds a token: a power of two, at most `maxChunk` (0: no
/// chunks), at least kTokenSumWork / workPerToken and outputs /
/// kTokenSumPartialsPerToken (include/sas/Conversion/PassDefaults.h).
int64_t chooseTokenChunk(int64_t maxChunk, int64_t outputs,
                         int64_t workPerToken);

/// x [B, T, ...] as [ceil(B*T / chunk), chunk, ...]: its tokens in chunks of
/// `chunk`, the last one padded with zeros. A sum over all tokens of a GPU
/// kernel is otherwise one loop of B*T steps in each thread of a grid only
/// as large as the parameter (a bias: one block), or a kernel launched per
/// token where the token loops come first.
Value chunkTokens(OpBuilder &b, Location loc, Value x, int64_t chunk);

/// Replaces `op` by `values` (f32), each converted to its result's element
/// type and cast to its result's type.
void replaceWithCasts(PatternRewriter &rewriter, Operation *op,
                      ArrayRef<Value> values);

} // namespace lowering
} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CONVERSION_SASTOLINALG_LOWERINGUTILS_H
