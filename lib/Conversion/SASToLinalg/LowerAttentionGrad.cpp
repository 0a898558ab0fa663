//===- LowerAttentionGrad.cpp - Lower the attention gradient ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.attention_grad becomes a blocked backward on tensors that never holds
// more than one query block x key block of probabilities:
//
//   scf.forall (b, n) {                       // dk, dv of the head stay here
//     dk = 0, dv = 0                          // [Sp, E] and [Sp, F]
//     scf.for query block {
//       scf.for key block in [0, end) {       // causal: up to the diagonal
//         p = exp(scale * q k^T - lse)        // masked entries 0
//         l += rowsum p;  pdp += rowsum(p * do v^T)
//       }
//       delta = pdp / l                       // = rowsum(do * o), exactly
//       dq = 0                                // [bq, E]
//       scf.for key block in [0, end) {
//         p' = p / l                          // p recomputed as above
//         dv += p'^T do
//         ds = scale * p' * (do v^T - delta)
//         dq += ds k;  dk += ds^T q
//       }
//     }
//   }
//
// Precision: the gradients of q and of k's biases come out of ds, whose
// rows sum to zero in exact arithmetic, and whose entries are differences
// dp - delta that largely cancel. So delta is taken from the recomputed
// rows rather than from o, the second pass divides the same p by the same
// row sums, and delta, p', ds and the dq, dk, dv accumulators are f64 (the
// block products f32): each row of ds then sums to zero up to f64
// rounding, whatever the rounding of the forward's o and log-sum-exp
// (with delta from o and f32 throughout, this lowering's first version
// missed the CPU check's 1e-5 at T = 2048, on dq and k's biases). The first
// pass costs two of the five block products again.
//
// Sequences are zero-padded to whole blocks; padded keys and queries are
// masked. Every block has a static shape.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::lowering;

/// `x` permuted by `perm`, in f32.
static Value permuted(OpBuilder &b, Location loc, Value x,
                      ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> permutedSizes;
  for (int64_t p : perm)
    permutedSizes.push_back(sizes[p]);
  Value init = tensor::EmptyOp::create(b, loc, permutedSizes, b.getF32Type());
  return linalg::TransposeOp::create(b, loc, buildCast(b, loc, x, b.getF32Type()),
                                     init, perm)
      .getResult()[0];
}

/// The rank-reduced [rows, cols] block at [b, n, row, 0] of a [B, N, L, W]
/// tensor, or the [rows] block at [b, n, row] of a [B, N, L] one (cols 0).
static Value extractBlock(OpBuilder &b, Location loc, Value src, Value batch,
                          Value head, OpFoldResult row, int64_t rows,
                          int64_t cols) {
  SmallVector<OpFoldResult> offsets = {batch, head, row};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(rows)};
  SmallVector<int64_t> shape = {rows};
  if (cols > 0) {
    offsets.push_back(b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(cols));
    shape.push_back(cols);
  }
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(src.getType()).getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, type, src, offsets, sizes,
      SmallVector<OpFoldResult>(offsets.size(), b.getIndexAttr(1)));
}

/// The [rows, cols] block of a 2-D tensor at row `row`.
static Value extractRows(OpBuilder &b, Location loc, Value src,
                         OpFoldResult row, int64_t rows) {
  int64_t cols = cast<RankedTensorType>(src.getType()).getDimSize(1);
  return tensor::ExtractSliceOp::create(
      b, loc, src, {row, b.getIndexAttr(0)},
      {b.getIndexAttr(rows), b.getIndexAttr(cols)},
      {b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// `block` written back as rows [row, row + rows) of `dest`.
static Value insertRows(OpBuilder &b, Location loc, Value block, Value dest,
                        OpFoldResult row) {
  auto type = cast<RankedTensorType>(block.getType());
  return tensor::InsertSliceOp::create(
      b, loc, block, dest, {row, b.getIndexAttr(0)},
      {b.getIndexAttr(type.getDimSize(0)), b.getIndexAttr(type.getDimSize(1))},
      {b.getIndexAttr(1), b.getIndexAttr(1)});
}

namespace {

/// The lowering of one sas.attention_grad: see the file comment. Each
/// member function emits its part of the IR, in order.
class AttentionGradLowering {
public:
  AttentionGradLowering(PatternRewriter &rewriter, AttentionGradOp op,
                        int64_t queryTile, int64_t keyTile);
  void run();

private:
  void prepareOperands();
  /// One (batch, head): returns its dq [Tp, E], dk [Sp, E], dv [Sp, F].
  SmallVector<Value> buildHead(Value batch, Value head);
  /// One query block: returns the updated dq, dk, dv of the head.
  SmallVector<Value> buildQueryBlock(Value batch, Value head, Value queryBlock,
                                     ValueRange grads);
  /// One key block: returns the updated dq (of the query block), dk, dv.
  SmallVector<Value> buildKeyBlock(Value batch, Value head, Value keyBlock,
                                   OpFoldResult queryOffset, Value q,
                                   Value dO, Value lse, Value inverseSum,
                                   Value delta, ValueRange carried);
  /// A key block: its offset, k [bk, E] and v [bk, F], and the query
  /// block's probabilities p [bq, bk] against it.
  struct KeyBlock {
    OpFoldResult offset;
    Value k, v, p;
  };
  KeyBlock loadKeyBlock(Value batch, Value head, Value keyBlock,
                        OpFoldResult queryOffset, Value qBlock, Value lseBlock);
  /// dp = dO v^T of a query block and a key block.
  Value buildValueProducts(Value dOBlock, Value vBlock);
  /// scf.for over key blocks [0, end) carrying `init`.
  SmallVector<Value>
  buildKeyLoop(OpFoldResult end, ValueRange init,
               function_ref<SmallVector<Value>(Value, ValueRange)> body);
  /// p [bq, bk] times the per-row `rowScale` [bq], in f64.
  Value buildRowScaled(Value p, Value rowScale);
  /// p = exp(scale * s - lse), 0 where masked.
  Value buildProbabilities(Value scores, Value lse, OpFoldResult queryOffset,
                           OpFoldResult keyOffset);
  void replaceResults(scf::ForallOp forall);

  PatternRewriter &rewriter;
  AttentionGradOp op;
  Location loc;
  MLIRContext *ctx;
  Type f32;
  int64_t numHeads, e, f, bq, bk;
  bool causal;
  double scale;
  // [B, N, L, W] f32, padded: prepareOperands.
  // (o is not read: delta comes from the recomputed rows.)
  Value q, k, v, dO, lse;
  OpFoldResult batch, numQueries, numKeys, paddedQueries, paddedKeys;
  OpFoldResult numQueryBlocks, numKeyBlocks;
};

} // namespace

AttentionGradLowering::AttentionGradLowering(PatternRewriter &rewriter,
                                             AttentionGradOp op,
                                             int64_t queryTile,
                                             int64_t keyTile)
    : rewriter(rewriter), op(op), loc(op.getLoc()),
      ctx(rewriter.getContext()) {
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  f32 = rewriter.getF32Type();
  numHeads = qType.getDimSize(2);
  e = qType.getDimSize(3);
  f = cast<RankedTensorType>(op.getV().getType()).getDimSize(3);
  causal = op.getCausal();
  scale = op.getScaleValue();
  // A tile larger than a static sequence would only add padding.
  bq = qType.isDynamicDim(1) ? queryTile
                             : std::min(queryTile, qType.getDimSize(1));
  bk = kType.isDynamicDim(1) ? keyTile : std::min(keyTile, kType.getDimSize(1));
}

void AttentionGradLowering::run() {
  prepareOperands();
  SmallVector<OpFoldResult> qSizes = {batch, rewriter.getIndexAttr(numHeads),
                                      paddedQueries, rewriter.getIndexAttr(e)};
  SmallVector<OpFoldResult> kSizes = {batch, rewriter.getIndexAttr(numHeads),
                                      paddedKeys, rewriter.getIndexAttr(e)};
  SmallVector<OpFoldResult> vSizes = {batch, rewriter.getIndexAttr(numHeads),
                                      paddedKeys, rewriter.getIndexAttr(f)};
  SmallVector<Value> outs = {tensor::EmptyOp::create(rewriter, loc, qSizes, f32),
                             tensor::EmptyOp::create(rewriter, loc, kSizes, f32),
                             tensor::EmptyOp::create(rewriter, loc, vSizes, f32)};
  auto forall = scf::ForallOp::create(
      rewriter, loc, {batch, rewriter.getIndexAttr(numHeads)}, outs,
      std::nullopt);
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(forall.getBody());
    Value b = forall.getInductionVars()[0], n = forall.getInductionVars()[1];
    SmallVector<Value> grads = buildHead(b, n);
    OpFoldResult lengths[] = {paddedQueries, paddedKeys, paddedKeys};
    int64_t widths[] = {e, e, f};
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    for (auto [grad, dest, rows, width] : llvm::zip_equal(
             grads, forall.getRegionIterArgs(), lengths, widths)) {
      tensor::ParallelInsertSliceOp::create(
          rewriter, loc, grad, dest,
          {b, n, rewriter.getIndexAttr(0), rewriter.getIndexAttr(0)},
          {rewriter.getIndexAttr(1), rewriter.getIndexAttr(1), rows,
           rewriter.getIndexAttr(width)},
          SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
    }
  }
  replaceResults(forall);
}

/// q, dO [B, N, Tp, .], lse [B, N, Tp] and k, v [B, N, Sp, .] in f32,
/// padded with zeros to whole blocks.
void AttentionGradLowering::prepareOperands() {
  SmallVector<int64_t> toHeadMajor = {0, 2, 1, 3};
  q = padToMultiple(rewriter, loc, permuted(rewriter, loc, op.getQ(), toHeadMajor),
                    2, bq);
  dO = padToMultiple(rewriter, loc,
                     permuted(rewriter, loc, op.getDO(), toHeadMajor), 2, bq);
  lse = padToMultiple(rewriter, loc, permuted(rewriter, loc, op.getLse(), {0, 2, 1}),
                      2, bq);
  k = padToMultiple(rewriter, loc, permuted(rewriter, loc, op.getK(), toHeadMajor),
                    2, bk);
  v = padToMultiple(rewriter, loc, permuted(rewriter, loc, op.getV(), toHeadMajor),
                    2, bk);
  batch = tensor::getMixedSize(rewriter, loc, op.getQ(), 0);
  numQueries = tensor::getMixedSize(rewriter, loc, op.getQ(), 1);
  numKeys = tensor::getMixedSize(rewriter, loc, op.getK(), 1);
  paddedQueries = tensor::getMixedSize(rewriter, loc, q, 2);
  paddedKeys = tensor::getMixedSize(rewriter, loc, k, 2);
  AffineExpr d0 = rewriter.getAffineDimExpr(0);
  numQueryBlocks = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0.floorDiv(bq), {paddedQueries});
  numKeyBlocks = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0.floorDiv(bk), {paddedKeys});
}

SmallVector<Value> AttentionGradLowering::buildHead(Value batch, Value head) {
  SmallVector<Value> init = {
      tensor::EmptyOp::create(rewriter, loc,
                              {paddedQueries, rewriter.getIndexAttr(e)}, f32),
      buildFilled(rewriter, loc, {paddedKeys, rewriter.getIndexAttr(e)},
                  rewriter.getF64Type(), 0.0),
      buildFilled(rewriter, loc, {paddedKeys, rewriter.getIndexAttr(f)},
                  rewriter.getF64Type(), 0.0)};
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto loop = scf::ForOp::create(
      rewriter, loc, zero,
      getValueOrCreateConstantIndexOp(rewriter, loc, numQueryBlocks), one, init,
      [&](OpBuilder &nb, Location, Value queryBlock, ValueRange grads) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(nb.getInsertionBlock(),
                                   nb.getInsertionPoint());
        scf::YieldOp::create(rewriter, loc,
                             buildQueryBlock(batch, head, queryBlock, grads));
      });
  return {loop.getResult(0), buildCast(rewriter, loc, loop.getResult(1), f32),
          buildCast(rewriter, loc, loop.getResult(2), f32)};
}

SmallVector<Value> AttentionGradLowering::buildQueryBlock(Value batch,
                                                          Value head,
                                                          Value queryBlock,
                                                          ValueRange grads) {
  AffineExpr d0 = rewriter.getAffineDimExpr(0);
  OpFoldResult queryOffset = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0 * bq, {OpFoldResult(queryBlock)});
  Value qBlock = extractBlock(rewriter, loc, q, batch, head, queryOffset, bq, e);
  Value dOBlock =
      extractBlock(rewriter, loc, dO, batch, head, queryOffset, bq, f);
  Value lseBlock =
      extractBlock(rewriter, loc, lse, batch, head, queryOffset, bq, 0);

  // Key blocks up to the one holding the block's last query under causal.
  OpFoldResult end = numKeyBlocks;
  if (causal)
    end = affine::makeComposedFoldedAffineMin(
        rewriter, loc,
        AffineMap::get(2, 0, {((d0 + 1) * bq).ceilDiv(bk),
                              rewriter.getAffineDimExpr(1)},
                       ctx),
        {OpFoldResult(queryBlock), numKeyBlocks});

  // The first pass (see the file comment): l and sum_j p dp per row, in
  // f64.
  Value zeroRow = buildFilled(rewriter, loc, {rewriter.getIndexAttr(bq)},
                              rewriter.getF64Type(), 0.0);
  SmallVector<Value> sums = buildKeyLoop(
      end, {zeroRow, zeroRow},
      [&](Value keyBlock, ValueRange carried) -> SmallVector<Value> {
        KeyBlock kb = loadKeyBlock(batch, head, keyBlock, queryOffset, qBlock,
                                   lseBlock);
        Value dP = buildValueProducts(dOBlock, kb.v);
        AffineExpr i, j;
        bindDims(ctx, i, j);
        AffineMap rowCol = AffineMap::get(2, 0, {i, j}, ctx);
        AffineMap row = AffineMap::get(2, 0, {i}, ctx);
        auto rowSums = linalg::GenericOp::create(
            rewriter, loc, TypeRange{zeroRow.getType(), zeroRow.getType()},
            ValueRange{kb.p, dP}, carried,
            ArrayRef<AffineMap>{rowCol, rowCol, row, row},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::reduction},
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value p64 = castScalar(nb, nloc, args[0], nb.getF64Type());
              Value dp64 = castScalar(nb, nloc, args[1], nb.getF64Type());
              Value pdp = arith::MulFOp::create(nb, nloc, p64, dp64);
              linalg::YieldOp::create(
                  nb, nloc,
                  ValueRange{arith::AddFOp::create(nb, nloc, args[2], pdp),
                             arith::AddFOp::create(nb, nloc, args[3],
                                                   p64)});
            });
        return rowSums.getResults();
      });
  // delta = sums[0] / l and 1 / l, in f64.
  AffineMap row = rewriter.getMultiDimIdentityMap(1);
  auto normalized = linalg::GenericOp::create(
      rewriter, loc, TypeRange{zeroRow.getType(), zeroRow.getType()}, sums,
      ValueRange{tensor::EmptyOp::create(rewriter, loc,
                                         ArrayRef<int64_t>{bq},
                                         rewriter.getF64Type()),
                 tensor::EmptyOp::create(rewriter, loc,
                                         ArrayRef<int64_t>{bq},
                                         rewriter.getF64Type())},
      ArrayRef<AffineMap>{row, row, row, row},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        // A padded query row sees no key (l = 0): 0 and 0 keep its ds 0.
        Value zero = arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(0));
        Value one = arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(1));
        Value seen = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT,
                                           args[1], zero);
        Value inverse = arith::SelectOp::create(
            nb, nloc, seen, arith::DivFOp::create(nb, nloc, one, args[1]),
            zero);
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{arith::MulFOp::create(nb, nloc, args[0], inverse),
                       inverse});
      });
  Value delta = normalized.getResult(0);
  Value inverseSum = normalized.getResult(1);

  SmallVector<Value> init = {
      buildFilled(rewriter, loc,
                  {rewriter.getIndexAttr(bq), rewriter.getIndexAttr(e)},
                  rewriter.getF64Type(), 0.0),
      grads[1], grads[2]};
  SmallVector<Value> results = buildKeyLoop(
      end, init, [&](Value keyBlock, ValueRange carried) {
        return buildKeyBlock(batch, head, keyBlock, queryOffset, qBlock,
                             dOBlock, lseBlock, inverseSum, delta, carried);
      });
  return {insertRows(rewriter, loc, buildCast(rewriter, loc, results[0], f32),
                     grads[0], queryOffset),
          results[1], results[2]};
}

Value AttentionGradLowering::buildProbabilities(Value scores, Value lse,
                                                OpFoldResult queryOffset,
                                                OpFoldResult keyOffset) {
  Value rowBase = getValueOrCreateConstantIndexOp(rewriter, loc, queryOffset);
  Value colBase = getValueOrCreateConstantIndexOp(rewriter, loc, keyOffset);
  Value rows = getValueOrCreateConstantIndexOp(rewriter, loc, numQueries);
  Value cols = getValueOrCreateConstantIndexOp(rewriter, loc, numKeys);
  AffineExpr i, j;
  bindDims(ctx, i, j);
  return linalg::GenericOp::create(
             rewriter, loc, scores.getType(), lse, scores,
             ArrayRef<AffineMap>{AffineMap::get(2, 0, {i}, ctx),
                                 AffineMap::get(2, 0, {i, j}, ctx)},
             SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value row = arith::AddIOp::create(
                   nb, nloc, rowBase, linalg::IndexOp::create(nb, nloc, 0));
               Value col = arith::AddIOp::create(
                   nb, nloc, colBase, linalg::IndexOp::create(nb, nloc, 1));
               // Padded keys and queries, and keys after the query.
               Value masked = arith::OrIOp::create(
                   nb, nloc,
                   arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge,
                                         col, cols),
                   arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge,
                                         row, rows));
               if (causal)
                 masked = arith::OrIOp::create(
                     nb, nloc, masked,
                     arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sgt,
                                           col, row));
               Value s = arith::MulFOp::create(
                   nb, nloc, args[1],
                   arith::ConstantOp::create(nb, nloc,
                                             nb.getF32FloatAttr(static_cast<float>(scale))));
               Value p = math::ExpOp::create(
                   nb, nloc, arith::SubFOp::create(nb, nloc, s, args[0]));
               Value zero =
                   arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(0));
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::SelectOp::create(nb, nloc, masked, zero, p).getResult());
             })
      .getResult(0);
}

SmallVector<Value> AttentionGradLowering::buildKeyLoop(
    OpFoldResult end, ValueRange init,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto loop = scf::ForOp::create(
      rewriter, loc, zero, getValueOrCreateConstantIndexOp(rewriter, loc, end),
      one, init,
      [&](OpBuilder &nb, Location, Value keyBlock, ValueRange carried) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(nb.getInsertionBlock(),
                                   nb.getInsertionPoint());
        scf::YieldOp::create(rewriter, loc, body(keyBlock, carried));
      });
  return loop.getResults();
}

AttentionGradLowering::KeyBlock AttentionGradLowering::loadKeyBlock(
    Value batch, Value head, Value keyBlock, OpFoldResult queryOffset,
    Value qBlock, Value lseBlock) {
  KeyBlock kb;
  kb.offset = affine::makeComposedFoldedAffineApply(
      rewriter, loc, rewriter.getAffineDimExpr(0) * bk,
      {OpFoldResult(keyBlock)});
  kb.k = extractBlock(rewriter, loc, k, batch, head, kb.offset, bk, e);
  kb.v = extractBlock(rewriter, loc, v, batch, head, kb.offset, bk, f);
  // s[i, j] = sum_c q[i, c] k[j, c]; p from it and lse.
  AffineExpr i, j, c;
  bindDims(ctx, i, j, c);
  Value scores = buildContraction(
      rewriter, loc, qBlock, kb.k,
      buildFilled(rewriter, loc,
                  {rewriter.getIndexAttr(bq), rewriter.getIndexAttr(bk)}, f32,
                  0.0),
      {AffineMap::get(3, 0, {i, c}, ctx), AffineMap::get(3, 0, {j, c}, ctx),
       AffineMap::get(3, 0, {i, j}, ctx)});
  kb.p = buildProbabilities(scores, lseBlock, queryOffset, kb.offset);
  return kb;
}

Value AttentionGradLowering::buildValueProducts(Value dOBlock, Value vBlock) {
  // dp[i, j] = sum_c dO[i, c] v[j, c].
  AffineExpr i, j, c;
  bindDims(ctx, i, j, c);
  return buildContraction(
      rewriter, loc, dOBlock, vBlock,
      buildFilled(rewriter, loc,
                  {rewriter.getIndexAttr(bq), rewriter.getIndexAttr(bk)}, f32,
                  0.0),
      {AffineMap::get(3, 0, {i, c}, ctx), AffineMap::get(3, 0, {j, c}, ctx),
       AffineMap::get(3, 0, {i, j}, ctx)});
}

SmallVector<Value> AttentionGradLowering::buildKeyBlock(
    Value batch, Value head, Value keyBlock, OpFoldResult queryOffset,
    Value qBlock, Value dOBlock, Value lseBlock, Value inverseSum,
    Value delta, ValueRange carried) {
  // p exactly as the first pass computed it, then p / l in f64.
  KeyBlock kb =
      loadKeyBlock(batch, head, keyBlock, queryOffset, qBlock, lseBlock);
  Value kBlock = kb.k;
  OpFoldResult keyOffset = kb.offset;
  AffineExpr i, j, c;
  bindDims(ctx, i, j, c);
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(3, 0, exprs, ctx);
  };
  AffineMap rowCol = AffineMap::get(2, 0, {i, j}, ctx);
  AffineMap row = AffineMap::get(2, 0, {i}, ctx);
  Type f64 = rewriter.getF64Type();
  Value p = buildRowScaled(kb.p, inverseSum);

  // dv[j, c] += sum_i p[i, j] dO[i, c].
  Value dV = extractRows(rewriter, loc, carried[2], keyOffset, bk);
  dV = buildContraction(rewriter, loc, p, dOBlock, dV,
                        {map({i, j}), map({i, c}), map({j, c})});

  // ds = scale * p * (dO v^T - delta).
  Value dP = buildValueProducts(dOBlock, kb.v);
  Value dSInit = tensor::EmptyOp::create(rewriter, loc,
                                         ArrayRef<int64_t>{bq, bk}, f64);
  Value dS =
      linalg::GenericOp::create(
          rewriter, loc, dSInit.getType(), ValueRange{p, delta, dP}, dSInit,
          ArrayRef<AffineMap>{rowCol, row, rowCol, rowCol},
          SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value diff = arith::SubFOp::create(
                nb, nloc, castScalar(nb, nloc, args[2], f64), args[1]);
            Value scaled = arith::MulFOp::create(
                nb, nloc, args[0],
                arith::ConstantOp::create(nb, nloc,
                                          nb.getF64FloatAttr(scale)));
            linalg::YieldOp::create(
                nb, nloc,
                arith::MulFOp::create(nb, nloc, scaled, diff).getResult());
          })
          .getResult(0);

  // dq[i, c] += sum_j ds[i, j] k[j, c]; dk[j, c] += sum_i ds[i, j] q[i, c].
  Value dQ = buildContraction(rewriter, loc, dS, kBlock, carried[0],
                              {map({i, j}), map({j, c}), map({i, c})});
  Value dK = extractRows(rewriter, loc, carried[1], keyOffset, bk);
  dK = buildContraction(rewriter, loc, dS, qBlock, dK,
                        {map({i, j}), map({i, c}), map({j, c})});
  return {dQ, insertRows(rewriter, loc, dK, carried[1], keyOffset),
          insertRows(rewriter, loc, dV, carried[2], keyOffset)};
}

Value AttentionGradLowering::buildRowScaled(Value p, Value rowScale) {
  AffineExpr i, j;
  bindDims(ctx, i, j);
  Value init = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{bq, bk},
                                       rewriter.getF64Type());
  return linalg::GenericOp::create(
             rewriter, loc, init.getType(), ValueRange{p, rowScale}, init,
             ArrayRef<AffineMap>{AffineMap::get(2, 0, {i, j}, ctx),
                                 AffineMap::get(2, 0, {i}, ctx),
                                 AffineMap::get(2, 0, {i, j}, ctx)},
             SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value x = castScalar(nb, nloc, args[0], nb.getF64Type());
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::MulFOp::create(nb, nloc, x, args[1]).getResult());
             })
      .getResult(0);
}

/// [B, N, Lp, W] -> [B, N, L, W] -> [B, L, N, W], in the operands' types.
void AttentionGradLowering::replaceResults(scf::ForallOp forall) {
  SmallVector<Value> grads;
  Value operands[] = {op.getQ(), op.getK(), op.getV()};
  for (auto [padded, operand] :
       llvm::zip_equal(forall.getResults(), operands)) {
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, operand);
    Value unpadded = tensor::ExtractSliceOp::create(
        rewriter, loc, padded,
        SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(0)),
        {sizes[0], sizes[2], sizes[1], sizes[3]},
        SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, f32);
    grads.push_back(linalg::TransposeOp::create(rewriter, loc, unpadded, init,
                                                ArrayRef<int64_t>{0, 2, 1, 3})
                        .getResult()[0]);
  }
  replaceWithCasts(rewriter, op, grads);
}

namespace {

struct LowerAttentionGrad : OpRewritePattern<AttentionGradOp> {
  LowerAttentionGrad(MLIRContext *ctx, int64_t queryTile, int64_t keyTile)
      : OpRewritePattern(ctx), queryTile(queryTile), keyTile(keyTile) {}

  LogicalResult matchAndRewrite(AttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    AttentionGradLowering(rewriter, op, queryTile, keyTile).run();
    return success();
  }

  int64_t queryTile, keyTile;
};

} // namespace

void mlir::sas::populateLowerAttentionGradPatterns(RewritePatternSet &patterns,
                                                   int64_t queryTile,
                                                   int64_t keyTile) {
  patterns.add<LowerAttentionGrad>(patterns.getContext(), queryTile, keyTile);
}
