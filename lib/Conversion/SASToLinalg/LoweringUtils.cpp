//===- LoweringUtils.cpp - Builders shared by the SAS lowerings -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sas/Conversion/PassDefaults.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "llvm/ADT/bit.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::lowering;

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

Value lowering::emptyLike(OpBuilder &b, Location loc, Value like,
                        Type elementType) {
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 elementType);
}

Value lowering::castScalar(OpBuilder &b, Location loc, Value v, Type type) {
  Type from = v.getType();
  if (from == type)
    return v;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(type).getWidth())
    return arith::ExtFOp::create(b, loc, type, v);
  return arith::TruncFOp::create(b, loc, type, v);
}

Value lowering::buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs,
    ArrayRef<std::pair<unsigned, unsigned>> vectorDims, Type resultType,
    ElementwiseBody body) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = tensorType(inputs[0]).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size(), identity);
  for (auto [input, dim] : vectorDims)
    maps[input] = AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx));
  maps.push_back(identity);
  Value init = emptyLike(b, loc, inputs[0], resultType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Type f32 = b.getF32Type();
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> values;
        for (Value arg : args.drop_back())
          values.push_back(castScalar(nb, nloc, arg, f32));
        Value result = castScalar(nb, nloc, body(nb, nloc, values), resultType);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value lowering::broadcastBias(OpBuilder &b, Location loc, Value bias,
                            ArrayRef<OpFoldResult> shape, unsigned dim) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = shape.size();
  Type f32 = b.getF32Type();
  Value init = tensor::EmptyOp::create(b, loc, shape, f32);
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx)),
      b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), bias, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, castScalar(nb, nloc, args[0], f32));
      });
  return generic.getResult(0);
}

Value lowering::buildRelu(OpBuilder &b, Location loc, Value x) {
  return buildElementwise(
      b, loc, x, {}, b.getF32Type(),
      [](OpBuilder &nb, Location nloc, ValueRange v) -> Value {
        Value zero = arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(0));
        return arith::MaximumFOp::create(nb, nloc, v[0], zero);
      });
}

Value lowering::buildAddBias(OpBuilder &b, Location loc, Value x, Value bias,
                           unsigned dim) {
  return buildElementwise(
      b, loc, {x, bias}, {{1, dim}}, b.getF32Type(),
      [](OpBuilder &nb, Location nloc, ValueRange v) -> Value {
        return arith::AddFOp::create(nb, nloc, v[0], v[1]);
      });
}

Value lowering::buildCast(OpBuilder &b, Location loc, Value x, Type type) {
  if (tensorType(x).getElementType() == type)
    return x;
  return buildElementwise(
      b, loc, x, {}, type,
      [](OpBuilder &, Location, ValueRange v) -> Value { return v[0]; });
}

Value lowering::padLastDim(OpBuilder &b, Location loc, Value x, int64_t pad) {
  if (pad == 0)
    return x;
  RankedTensorType type = tensorType(x);
  SmallVector<OpFoldResult> low(type.getRank(), b.getIndexAttr(0));
  low.back() = b.getIndexAttr(pad);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() += 2 * pad;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value zero = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), 0.0));
  return tensor::PadOp::create(b, loc, resultType, x, low, low, zero,
                               /*nofold=*/false);
}

Value lowering::padToMultiple(OpBuilder &b, Location loc, Value x, unsigned dim,
                            int64_t tile) {
  RankedTensorType type = tensorType(x);
  int64_t size = type.getDimSize(dim);
  if (!ShapedType::isDynamic(size) && size % tile == 0)
    return x;
  AffineExpr d0 = b.getAffineDimExpr(0);
  OpFoldResult dimSize = tensor::getMixedSize(b, loc, x, dim);
  // High padding: ceil(size / tile) * tile - size.
  OpFoldResult high = affine::makeComposedFoldedAffineApply(
      b, loc, d0.ceilDiv(tile) * tile - d0, {dimSize});
  SmallVector<OpFoldResult> lows(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> highs(type.getRank(), b.getIndexAttr(0));
  highs[dim] = high;
  SmallVector<int64_t> shape(type.getShape());
  if (!ShapedType::isDynamic(size))
    shape[dim] = llvm::divideCeil(size, tile) * tile;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value zero = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), 0.0));
  return tensor::PadOp::create(b, loc, resultType, x, lows, highs, zero,
                               /*nofold=*/false);
}

Value lowering::extractTapWindow(OpBuilder &b, Location loc, Value padded,
                                 ArrayRef<OpFoldResult> sizes, int64_t tap) {
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
  offsets[3] = b.getIndexAttr(tap);
  return tensor::ExtractSliceOp::create(
      b, loc, padded, offsets, sizes,
      SmallVector<OpFoldResult>(4, b.getIndexAttr(1)));
}

Value lowering::collapse(OpBuilder &b, Location loc, Value x,
                       ArrayRef<ReassociationIndices> reassociation) {
  return tensor::CollapseShapeOp::create(b, loc, x, reassociation);
}

Value lowering::expandLike(OpBuilder &b, Location loc, Value x,
                         RankedTensorType resultType,
                         ArrayRef<ReassociationIndices> reassociation,
                         ArrayRef<OpFoldResult> outputShape) {
  return tensor::ExpandShapeOp::create(b, loc, resultType, x, reassociation,
                                       outputShape);
}

Value lowering::transposeWeight(OpBuilder &b, Location loc, Value weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{type.getDimSize(1), type.getDimSize(0)},
      type.getElementType());
  return linalg::TransposeOp::create(b, loc, weight, init,
                                     ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

Value lowering::buildContraction(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs, Value init,
                                 ArrayRef<AffineMap> maps) {
  unsigned numLoops = maps[2].getNumDims();
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::reduction);
  for (AffineExpr e : maps[2].getResults())
    iterators[cast<AffineDimExpr>(e).getPosition()] =
        utils::IteratorType::parallel;
  Type acc = tensorType(init).getElementType();
  // vector.contract multiplies operands of one element type: when they
  // differ (an f32 activation times a bf16 weight), widen both to the
  // accumulator's.
  if (tensorType(lhs).getElementType() != tensorType(rhs).getElementType()) {
    lhs = buildCast(b, loc, lhs, acc);
    rhs = buildCast(b, loc, rhs, acc);
  }
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{lhs, rhs}, init, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Type acc = args[2].getType();
               Value x = castScalar(nb, nloc, args[0], acc);
               Value y = castScalar(nb, nloc, args[1], acc);
               Value sum = arith::AddFOp::create(
                   nb, nloc, args[2], arith::MulFOp::create(nb, nloc, x, y));
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

Value lowering::buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                           Value init) {
  return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                  ValueRange{lhs, rhs}, ValueRange{init})
      .getResult(0);
}

Value lowering::buildFilled(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> shape, Type elementType,
                          double value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value scalar = arith::ConstantOp::create(b, loc,
                                           b.getFloatAttr(elementType, value));
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value lowering::chunkTokens(OpBuilder &b, Location loc, Value x,
                            int64_t chunk) {
  RankedTensorType type = tensorType(x);
  unsigned rank = type.getRank();
  SmallVector<ReassociationIndices> merge = {{0, 1}}, split = {{0, 1}};
  for (unsigned i = 2; i < rank; ++i) {
    merge.push_back({i});
    split.push_back({i});
  }
  Value tokens = padToMultiple(b, loc, collapse(b, loc, x, merge), 0, chunk);
  SmallVector<int64_t> shape(tensorType(tokens).getShape());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tokens);
  if (!ShapedType::isDynamic(shape[0]))
    shape[0] /= chunk;
  sizes[0] = affine::makeComposedFoldedAffineApply(
      b, loc, b.getAffineDimExpr(0).floorDiv(chunk), {sizes[0]});
  shape.insert(shape.begin() + 1, chunk);
  sizes.insert(sizes.begin() + 1, b.getIndexAttr(chunk));
  return expandLike(b, loc, tokens,
                    RankedTensorType::get(shape, type.getElementType()), split,
                    sizes);
}

/// The sum of `x` over dimension `axis`, in its element type, the summed
/// loop the innermost: one thread a result element.
static Value sumAxis(OpBuilder &b, Location loc, Value x, unsigned axis) {
  RankedTensorType type = tensorType(x);
  unsigned rank = type.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> in(rank), out;
  in[axis] = b.getAffineDimExpr(rank - 1);
  for (unsigned i = 0, loop = 0; i < rank; ++i) {
    if (i == axis)
      continue;
    sizes.push_back(tensor::getMixedSize(b, loc, x, i));
    in[i] = b.getAffineDimExpr(loop);
    out.push_back(b.getAffineDimExpr(loop++));
  }
  Value init = buildFilled(b, loc, sizes, type.getElementType(), 0.0);
  SmallVector<utils::IteratorType> iterators(rank - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, init.getType(), x, init,
             ArrayRef<AffineMap>{AffineMap::get(rank, 0, in, b.getContext()),
                                 AffineMap::get(rank, 0, out, b.getContext())},
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(nb, nloc, args[1], args[0])
                       .getResult());
             })
      .getResult(0);
}

/// Chunks of partial sums a first stage adds up (sumChunks), and the most
/// tokens a chunk may cover for its sum to take two stages.
static constexpr int64_t kChunkSumGroup = 32;
static constexpr int64_t kTwoStageMaxChunk = 32;

/// The sum of `partial` [C, ...] (static but for C), partial sums of chunks
/// of `tokenChunk` tokens, over its first dimension, in its element type.
/// One thread a result element would add all C partial sums in a chain of
/// dependent loads (1024 at B*T = 8192 and 8 tokens a chunk: 0.2 ms for a
/// 24 x 24 weight on an H100), so where chunks are small (C large) the sum
/// takes two stages: groups of kChunkSumGroup (zero-padded), then the
/// groups.
static Value sumChunks(OpBuilder &b, Location loc, Value partial,
                       int64_t tokenChunk) {
  RankedTensorType type = tensorType(partial);
  if (ShapedType::isDynamic(type.getDimSize(0)) &&
      tokenChunk <= kTwoStageMaxChunk) {
    Value padded = padToMultiple(b, loc, partial, 0, kChunkSumGroup);
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + 1, kChunkSumGroup);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, padded);
    sizes[0] = affine::makeComposedFoldedAffineApply(
        b, loc, b.getAffineDimExpr(0).floorDiv(kChunkSumGroup), {sizes[0]});
    sizes.insert(sizes.begin() + 1, b.getIndexAttr(kChunkSumGroup));
    SmallVector<ReassociationIndices> split = {{0, 1}};
    for (unsigned i = 1; i < type.getRank(); ++i)
      split.push_back({i + 1});
    Value grouped = expandLike(
        b, loc, padded, RankedTensorType::get(shape, type.getElementType()),
        split, sizes);
    partial = sumAxis(b, loc, grouped, 1);
  }
  return sumAxis(b, loc, partial, 0);
}

int64_t lowering::chooseTokenChunk(int64_t maxChunk, int64_t outputs,
                                   int64_t workPerToken) {
  if (maxChunk <= 0)
    return 0;
  int64_t forWork = llvm::bit_floor(static_cast<uint64_t>(std::max<int64_t>(
      1, kTokenSumWork / std::max<int64_t>(1, workPerToken))));
  int64_t forMemory = llvm::bit_ceil(static_cast<uint64_t>(
      llvm::divideCeil(outputs, kTokenSumPartialsPerToken)));
  return std::min(maxChunk, std::max(forWork, forMemory));
}

/// The static size of loop `loop` of `maps`, read from the operand dimension
/// it indexes (1 where none is static).
static int64_t loopSize(ArrayRef<AffineMap> maps, ArrayRef<Value> operands,
                        unsigned loop) {
  for (auto [map, operand] : llvm::zip(maps, operands)) {
    ArrayRef<int64_t> shape = tensorType(operand).getShape();
    for (auto [i, result] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(result);
          dim && dim.getPosition() == loop && !ShapedType::isDynamic(shape[i]))
        return shape[i];
  }
  return 1;
}

Value lowering::buildTokenSum(OpBuilder &b, Location loc, Value lhs, Value rhs,
                             ArrayRef<int64_t> shape, ArrayRef<AffineMap> maps,
                             int64_t tokenChunk) {
  Type f64 = b.getF64Type();
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : shape)
    sizes.push_back(b.getIndexAttr(size));
  // The multiply-adds a token adds to one result element: the sizes of the
  // loops that are neither the token loops nor the result's.
  int64_t work = 1;
  for (unsigned loop = 0, e = maps[0].getNumDims(); loop < e; ++loop) {
    auto isLoop = [&](AffineExpr expr) {
      auto dim = dyn_cast<AffineDimExpr>(expr);
      return dim && dim.getPosition() == loop;
    };
    if (!isLoop(maps[0].getResult(0)) && !isLoop(maps[0].getResult(1)) &&
        llvm::none_of(maps[2].getResults(), isLoop))
      work *= loopSize(maps.take_front(2), {lhs, rhs}, loop);
  }
  tokenChunk =
      chooseTokenChunk(tokenChunk, ShapedType::getNumElements(shape), work);
  SmallVector<AffineMap> sumMaps(maps);
  if (tokenChunk > 0) {
    lhs = chunkTokens(b, loc, lhs, tokenChunk);
    rhs = chunkTokens(b, loc, rhs, tokenChunk);
    // The batch loop now counts chunks: a parallel loop, one partial sum
    // each, and the outermost, so that the parameter's own (last) loop is
    // the fastest-varying thread index of the kernel: a warp reads
    // consecutive features of one token, not one feature of 32 chunks.
    unsigned chunk = cast<AffineDimExpr>(maps[0].getResult(0)).getPosition();
    unsigned numLoops = maps[0].getNumDims();
    SmallVector<AffineExpr> oldToNew;
    for (unsigned d = 0; d < numLoops; ++d)
      oldToNew.push_back(b.getAffineDimExpr(d == chunk ? 0
                                            : d < chunk ? d + 1
                                                        : d));
    auto moved = [&](AffineMap map) {
      return map.replaceDimsAndSymbols(oldToNew, {}, numLoops, 0);
    };
    sumMaps = {moved(maps[0]), moved(maps[1]),
               moved(maps[2]).insertResult(b.getAffineDimExpr(0), 0)};
    sizes.insert(sizes.begin(), tensor::getMixedSize(b, loc, lhs, 0));
  }
  // On the CPU both operands become f64 tensors first (its vectorizer
  // contracts one element type). In chunks (the GPU) they stay f32 at most
  // and the sum's body widens each element: no f64 copy of two whole
  // activations (100 MB each at B*T = 8192, H' = 24, D = 64), and half the
  // bytes for the kernel to read.
  Type operandType = tokenChunk > 0 ? b.getF32Type() : f64;
  if (tokenChunk <= 0 ||
      tensorType(lhs).getElementType() != tensorType(rhs).getElementType()) {
    lhs = buildCast(b, loc, lhs, operandType);
    rhs = buildCast(b, loc, rhs, operandType);
  }
  Value sum = buildContraction(b, loc, lhs, rhs,
                               buildFilled(b, loc, sizes, f64, 0.0), sumMaps);
  if (tokenChunk > 0) {
    // Marked for the GPU's thread tiling, which keeps such sums' tiles small
    // enough that each chunk still spreads over many threads.
    sum.getDefiningOp()->setAttr(kTokenChunkSumAttrName, b.getUnitAttr());
    sum = sumChunks(b, loc, sum, tokenChunk);
  }
  return buildCast(b, loc, sum, b.getF32Type());
}

Value lowering::buildSumAllBut(OpBuilder &b, Location loc, Value x,
                               unsigned dim, int64_t tokenChunk) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  Type f64 = b.getF64Type();
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(type.getDimSize(dim))};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  AffineMap inMap = b.getMultiDimIdentityMap(rank);
  AffineMap outMap = AffineMap::get(rank, 0, b.getAffineDimExpr(dim));
  iterators[dim] = utils::IteratorType::parallel;
  int64_t work = 1;
  for (unsigned i = 2; i < rank; ++i)
    if (i != dim)
      work *= type.getDimSize(i);
  tokenChunk = chooseTokenChunk(tokenChunk, type.getDimSize(dim), work);
  if (tokenChunk > 0) {
    x = chunkTokens(b, loc, x, tokenChunk);
    sizes.insert(sizes.begin(), tensor::getMixedSize(b, loc, x, 0));
    // Loops (chunk, dim, the rest): the parallel ones outermost, so that
    // they become the kernel's threads.
    SmallVector<AffineExpr> in(rank);
    in[0] = b.getAffineDimExpr(0);
    in[dim] = b.getAffineDimExpr(1);
    for (unsigned i = 1, loop = 2; i < rank; ++i)
      if (i != dim)
        in[i] = b.getAffineDimExpr(loop++);
    inMap = AffineMap::get(rank, 0, in, b.getContext());
    outMap = AffineMap::get(rank, 0, {b.getAffineDimExpr(0),
                                      b.getAffineDimExpr(1)},
                            b.getContext());
    iterators.assign(rank, utils::IteratorType::reduction);
    iterators[0] = iterators[1] = utils::IteratorType::parallel;
  }
  Value init = buildFilled(b, loc, sizes, f64, 0.0);
  Value sum =
      linalg::GenericOp::create(
          b, loc, init.getType(), x, init, ArrayRef<AffineMap>{inMap, outMap},
          iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value v = castScalar(nb, nloc, args[0], f64);
            linalg::YieldOp::create(
                nb, nloc, arith::AddFOp::create(nb, nloc, args[1], v).getResult());
          })
          .getResult(0);
  if (tokenChunk > 0)
    sum = sumChunks(b, loc, sum, tokenChunk);
  return buildCast(b, loc, sum, b.getF32Type());
}

void lowering::replaceWithCasts(PatternRewriter &rewriter, Operation *op,
                                ArrayRef<Value> values) {
  SmallVector<Value> results;
  for (auto [value, result] : llvm::zip_equal(values, op->getResults())) {
    auto type = cast<RankedTensorType>(result.getType());
    Value v = buildCast(rewriter, op->getLoc(), value, type.getElementType());
    if (v.getType() != type)
      v = tensor::CastOp::create(rewriter, op->getLoc(), type, v);
    results.push_back(v);
  }
  rewriter.replaceOp(op, results);
}
