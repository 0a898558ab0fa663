//===- LowerAttention.cpp - Lower sas.attention to online softmax -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.attention becomes flash-style attention on tensors:
//
//   scf.forall (b, n, query block) {
//     m = -inf, l = 0, acc = 0                    // f32, per query row
//     scf.for key block in [0, full)     { step } // no mask needed
//     scf.for key block in [full, end)   { step } // crosses diagonal or end
//     out = acc / l
//   }
//   step: s = q * k^T; m' = max(m, rowmax s); p = exp(s - m');
//         l = l * exp(m - m') + rowsum p; acc = acc * exp(m - m') + p * v
//
// The score matrix is never larger than one query x key block. Under
// `causal`, `end` stops at the block holding the tile's last query, so blocks
// past the diagonal cost nothing; with equal tile sizes only the diagonal
// block takes the masked path. Sequences are zero-padded to whole blocks so
// every tile has a static shape (padded keys are masked, padded queries are
// dropped). q is pre-scaled in f32 and k is laid out [B, N, E, S] once, so
// both contractions read their right-hand side along contiguous rows.
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

#include <limits>

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::lowering;

namespace {

/// Everything one online-softmax step needs besides its loop-carried values.
struct AttentionTile {
  Value q;          // [bq, E] f32, pre-scaled
  Value kT;         // [B, N, E, Sp] f32
  Value v;          // [B, N, Sp, F] f32
  Value batch, head;
  OpFoldResult queryOffset;
  Value numKeys;    // S, for masking padded keys
  int64_t bq, bk, e, f;
  bool causal;
};

/// The running statistics of a query tile.
struct SoftmaxState {
  Value max, sum, acc;
};

} // namespace

static void yieldValue(OpBuilder &b, Location loc, Value v) {
  linalg::YieldOp::create(b, loc, v);
}

static SmallVector<utils::IteratorType> iterators(unsigned numParallel,
                                                  unsigned numReduction = 0) {
  SmallVector<utils::IteratorType> its(numParallel,
                                       utils::IteratorType::parallel);
  its.append(numReduction, utils::IteratorType::reduction);
  return its;
}

/// A rank-reduced [rows, cols] slice of a rank-4 tensor at
/// [batch, head, off2, off3].
static Value extractTile(OpBuilder &b, Location loc, Value src, Value batch,
                         Value head, OpFoldResult off2, OpFoldResult off3,
                         int64_t rows, int64_t cols) {
  auto srcType = cast<RankedTensorType>(src.getType());
  auto type = RankedTensorType::get({rows, cols}, srcType.getElementType());
  SmallVector<OpFoldResult> offsets = {batch, head, off2, off3};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(rows),
                                     b.getIndexAttr(cols)};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, src, offsets, sizes,
                                        strides);
}

/// Sets scores of keys a query may not see to -inf: keys past the query
/// under `causal`, and padded keys.
static Value maskScores(OpBuilder &b, Location loc, Value scores,
                        const AttentionTile &t, OpFoldResult keyOffset) {
  MLIRContext *ctx = b.getContext();
  Value qOff = getValueOrCreateConstantIndexOp(b, loc, t.queryOffset);
  Value kOff = getValueOrCreateConstantIndexOp(b, loc, keyOffset);
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, scores.getType(), ValueRange{}, scores, ArrayRef<AffineMap>{id},
      iterators(2), [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = linalg::IndexOp::create(nb, nloc, 0);
        Value j = linalg::IndexOp::create(nb, nloc, 1);
        Value query = arith::AddIOp::create(nb, nloc, qOff, i);
        Value key = arith::AddIOp::create(nb, nloc, kOff, j);
        Value hidden = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge,
                                             key, t.numKeys);
        if (t.causal) {
          Value future = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::sgt, key, query);
          hidden = arith::OrIOp::create(nb, nloc, hidden, future);
        }
        Value minusInf = arith::ConstantOp::create(
            nb, nloc,
            nb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
        Value result =
            arith::SelectOp::create(nb, nloc, hidden, minusInf, args[0]);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

/// One online-softmax step over the key block at `keyBlock`.
static SoftmaxState buildStep(OpBuilder &b, Location loc,
                              const AttentionTile &t, Value keyBlock,
                              SoftmaxState state, bool masked) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  AffineExpr i, j;
  bindDims(ctx, i, j);
  AffineMap rowCol = AffineMap::get(2, 0, {i, j}, ctx);
  AffineMap row = AffineMap::get(2, 0, {i}, ctx);
  AffineMap row1 = AffineMap::getMultiDimIdentityMap(1, ctx);

  OpFoldResult keyOffset = affine::makeComposedFoldedAffineApply(
      b, loc, b.getAffineDimExpr(0) * t.bk, {OpFoldResult(keyBlock)});
  Value kT = extractTile(b, loc, t.kT, t.batch, t.head, b.getIndexAttr(0),
                         keyOffset, t.e, t.bk);
  Value v = extractTile(b, loc, t.v, t.batch, t.head, keyOffset,
                        b.getIndexAttr(0), t.bk, t.f);

  // s = q * k^T
  Value scores = buildMatmul(
      b, loc, t.q, kT,
      buildFilled(b, loc, {b.getIndexAttr(t.bq), b.getIndexAttr(t.bk)}, f32,
                  0.0));
  if (masked)
    scores = maskScores(b, loc, scores, t, keyOffset);

  // Every update below writes into the init operand of the value it
  // replaces, so the loop-carried state bufferizes in place (no copies, no
  // allocations per key block).
  // rowmax = max_j s
  Value rowMax =
      linalg::GenericOp::create(
          b, loc, state.max.getType(), scores,
          buildFilled(b, loc, {b.getIndexAttr(t.bq)}, f32,
                      -std::numeric_limits<double>::infinity()),
          ArrayRef<AffineMap>{rowCol, row}, iterators(1, 1),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            yieldValue(nb, nloc,
                       arith::MaximumFOp::create(nb, nloc, args[0], args[1]));
          })
          .getResult(0);
  // m' = max(m, rowmax) and c = exp(m - m'), the correction of everything
  // accumulated so far, in one op that reads m before overwriting it.
  auto maxAndCorrection = linalg::GenericOp::create(
      b, loc, TypeRange{state.max.getType(), state.max.getType()}, rowMax,
      ValueRange{state.max, tensor::EmptyOp::create(
                                b, loc, ArrayRef<int64_t>{t.bq}, f32)},
      ArrayRef<AffineMap>{row1, row1, row1}, iterators(1),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value newMax = arith::MaximumFOp::create(nb, nloc, args[1], args[0]);
        Value d = arith::SubFOp::create(nb, nloc, args[1], newMax);
        linalg::YieldOp::create(
            nb, nloc, ValueRange{newMax, math::ExpOp::create(nb, nloc, d)});
      });
  Value newMax = maxAndCorrection.getResult(0);
  Value correction = maxAndCorrection.getResult(1);
  // p = exp(s - m')
  Value probs =
      linalg::GenericOp::create(
          b, loc, scores.getType(), ValueRange{newMax}, scores,
          ArrayRef<AffineMap>{row, rowCol}, iterators(2),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value d = arith::SubFOp::create(nb, nloc, args[1], args[0]);
            yieldValue(nb, nloc, math::ExpOp::create(nb, nloc, d));
          })
          .getResult(0);
  // l' = l * c + rowsum p
  Value scaledSum =
      linalg::GenericOp::create(
          b, loc, state.sum.getType(), ValueRange{correction}, state.sum,
          ArrayRef<AffineMap>{row1, row1}, iterators(1),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            yieldValue(nb, nloc,
                       arith::MulFOp::create(nb, nloc, args[1], args[0]));
          })
          .getResult(0);
  Value newSum =
      linalg::GenericOp::create(
          b, loc, scaledSum.getType(), probs, scaledSum,
          ArrayRef<AffineMap>{rowCol, row}, iterators(1, 1),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            yieldValue(nb, nloc,
                       arith::AddFOp::create(nb, nloc, args[0], args[1]));
          })
          .getResult(0);
  // acc' = acc * c + p * v
  Value scaledAcc =
      linalg::GenericOp::create(
          b, loc, state.acc.getType(), ValueRange{correction}, state.acc,
          ArrayRef<AffineMap>{row, rowCol}, iterators(2),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            yieldValue(nb, nloc,
                       arith::MulFOp::create(nb, nloc, args[1], args[0]));
          })
          .getResult(0);
  Value newAcc = buildMatmul(b, loc, probs, v, scaledAcc);
  return {newMax, newSum, newAcc};
}

/// scf.for over key blocks [lb, ub) carrying the softmax state.
static SoftmaxState buildKeyLoop(OpBuilder &b, Location loc,
                                 const AttentionTile &t, OpFoldResult lb,
                                 OpFoldResult ub, SoftmaxState init,
                                 bool masked) {
  Value lbv = getValueOrCreateConstantIndexOp(b, loc, lb);
  Value ubv = getValueOrCreateConstantIndexOp(b, loc, ub);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lbv, ubv, one, ValueRange{init.max, init.sum, init.acc},
      [&](OpBuilder &nb, Location nloc, Value iv, ValueRange args) {
        SoftmaxState next =
            buildStep(nb, nloc, t, iv, {args[0], args[1], args[2]}, masked);
        scf::YieldOp::create(nb, nloc,
                             ValueRange{next.max, next.sum, next.acc});
      });
  return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
}

namespace {

struct LowerAttention : OpRewritePattern<AttentionOp> {
  LowerAttention(MLIRContext *ctx, int64_t queryTile, int64_t keyTile)
      : OpRewritePattern(ctx), queryTile(queryTile), keyTile(keyTile) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType qType = op.getQ().getType();
    RankedTensorType vType = op.getV().getType();
    RankedTensorType resultType = op.getType();
    Type f32 = rewriter.getF32Type();
    Type storage = qType.getElementType();
    int64_t e = qType.getDimSize(3), f = vType.getDimSize(3);

    // A tile larger than a static sequence would only add padding.
    int64_t bq = queryTile, bk = keyTile;
    if (!qType.isDynamicDim(1))
      bq = std::min(bq, qType.getDimSize(1));
    if (!vType.isDynamicDim(1))
      bk = std::min(bk, vType.getDimSize(1));

    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);

    // q: [B, T, N, E] -> f32 [B, N, T, E] scaled, padded to whole blocks.
    SmallVector<OpFoldResult> qSizes =
        tensor::getMixedSizes(rewriter, loc, op.getQ());
    Value qInit = tensor::EmptyOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{qSizes[0], qSizes[2], qSizes[1], qSizes[3]},
        f32);
    double scale = op.getScaleValue();
    Value q =
        linalg::GenericOp::create(
            rewriter, loc, qInit.getType(), op.getQ(), qInit,
            ArrayRef<AffineMap>{AffineMap::get(4, 0, {d0, d2, d1, d3}, ctx),
                                AffineMap::getMultiDimIdentityMap(4, ctx)},
            iterators(4),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value x = castScalar(nb, nloc, args[0], f32);
              Value s = arith::ConstantOp::create(
                  nb, nloc, nb.getF32FloatAttr(static_cast<float>(scale)));
              yieldValue(nb, nloc,
                                      arith::MulFOp::create(nb, nloc, x, s));
            })
            .getResult(0);
    q = padToMultiple(rewriter, loc, q, 2, bq);

    // k: [B, S, N, E] -> [B, N, E, S]; v: [B, S, N, F] -> [B, N, S, F].
    auto transposed = [&](Value x, ArrayRef<int64_t> perm) {
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
      SmallVector<OpFoldResult> permuted;
      for (int64_t p : perm)
        permuted.push_back(sizes[p]);
      Value init = tensor::EmptyOp::create(
          rewriter, loc, permuted,
          cast<RankedTensorType>(x.getType()).getElementType());
      return linalg::TransposeOp::create(rewriter, loc, x, init, perm)
          .getResult()[0];
    };
    // Both in f32, so the contractions multiply operands of one type.
    Value kT = padToMultiple(
        rewriter, loc,
        transposed(buildCast(rewriter, loc, op.getK(), f32), {0, 2, 3, 1}), 3,
        bk);
    Value v = padToMultiple(
        rewriter, loc,
        transposed(buildCast(rewriter, loc, op.getV(), f32), {0, 2, 1, 3}), 2,
        bk);

    // Output [B, N, Tp, F], written one tile at a time.
    SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(rewriter, loc, q);
    outSizes[3] = rewriter.getIndexAttr(f);
    Value out = tensor::EmptyOp::create(rewriter, loc, outSizes, storage);

    OpFoldResult numQueryBlocks = affine::makeComposedFoldedAffineApply(
        rewriter, loc, d0.floorDiv(bq), {outSizes[2]});
    OpFoldResult numKeyBlocks = affine::makeComposedFoldedAffineApply(
        rewriter, loc, d0.floorDiv(bk),
        {tensor::getMixedSize(rewriter, loc, kT, 3)});
    OpFoldResult numKeys = tensor::getMixedSize(rewriter, loc, op.getK(), 1);
    bool causal = op.getCausal();

    auto forall = scf::ForallOp::create(
        rewriter, loc, {outSizes[0], outSizes[1], numQueryBlocks}, out,
        std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(forall.getBody());
      ValueRange ivs = forall.getInductionVars();
      Value batch = ivs[0], head = ivs[1], queryBlock = ivs[2];
      OpFoldResult queryOffset = affine::makeComposedFoldedAffineApply(
          rewriter, loc, d0 * bq, {OpFoldResult(queryBlock)});

      AttentionTile tile;
      tile.q = extractTile(rewriter, loc, q, batch, head, queryOffset,
                           rewriter.getIndexAttr(0), bq, e);
      tile.kT = kT;
      tile.v = v;
      tile.batch = batch;
      tile.head = head;
      tile.queryOffset = queryOffset;
      tile.numKeys = getValueOrCreateConstantIndexOp(rewriter, loc, numKeys);
      tile.bq = bq;
      tile.bk = bk;
      tile.e = e;
      tile.f = f;
      tile.causal = causal;

      // Key blocks [0, full) need no mask; [full, end) do.
      OpFoldResult full, end;
      if (causal) {
        // Blocks whose last key precedes or is the tile's first query.
        full = affine::makeComposedFoldedAffineMin(
            rewriter, loc,
            AffineMap::get(2, 0, {(d0 * bq + 1).floorDiv(bk), d1.floorDiv(bk)},
                           ctx),
            {OpFoldResult(queryBlock), numKeys});
        // Blocks up to the one holding the tile's last query.
        end = affine::makeComposedFoldedAffineMin(
            rewriter, loc,
            AffineMap::get(2, 0, {((d0 + 1) * bq).ceilDiv(bk), d1}, ctx),
            {OpFoldResult(queryBlock), numKeyBlocks});
      } else {
        full = affine::makeComposedFoldedAffineApply(rewriter, loc,
                                                     d0.floorDiv(bk), numKeys);
        end = numKeyBlocks;
      }

      SoftmaxState state = {
          buildFilled(rewriter, loc, {rewriter.getIndexAttr(bq)}, f32,
                      -std::numeric_limits<double>::infinity()),
          buildFilled(rewriter, loc, {rewriter.getIndexAttr(bq)}, f32, 0.0),
          buildFilled(rewriter, loc,
                      {rewriter.getIndexAttr(bq), rewriter.getIndexAttr(f)},
                      f32, 0.0)};
      state = buildKeyLoop(rewriter, loc, tile, rewriter.getIndexAttr(0), full,
                           state, /*masked=*/false);
      state = buildKeyLoop(rewriter, loc, tile, full, end, state,
                           /*masked=*/true);

      // out = acc / l
      AffineMap rowCol = AffineMap::get(2, 0, {d0, d1}, ctx);
      AffineMap row = AffineMap::get(2, 0, {d0}, ctx);
      Value tileOut = tensor::EmptyOp::create(
          rewriter, loc, ArrayRef<int64_t>{bq, f}, storage);
      tileOut =
          linalg::GenericOp::create(
              rewriter, loc, tileOut.getType(), ValueRange{state.acc, state.sum},
              tileOut, ArrayRef<AffineMap>{rowCol, row, rowCol}, iterators(2),
              [&](OpBuilder &nb, Location nloc, ValueRange args) {
                Value r = arith::DivFOp::create(nb, nloc, args[0], args[1]);
                linalg::YieldOp::create(nb, nloc,
                                        castScalar(nb, nloc, r, storage));
              })
              .getResult(0);

      rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
      SmallVector<OpFoldResult> offsets = {batch, head, queryOffset,
                                           rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
          rewriter.getIndexAttr(bq), rewriter.getIndexAttr(f)};
      SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
      tensor::ParallelInsertSliceOp::create(rewriter, loc, tileOut,
                                            forall.getRegionIterArgs()[0],
                                            offsets, sizes, strides);
    }

    // [B, N, Tp, F] -> [B, N, T, F] -> [B, T, N, F]
    SmallVector<OpFoldResult> keep = outSizes;
    keep[2] = qSizes[1];
    SmallVector<OpFoldResult> zeros(4, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(4, rewriter.getIndexAttr(1));
    Value result = tensor::ExtractSliceOp::create(
        rewriter, loc, forall.getResult(0), zeros, keep, ones);
    Value resultInit = tensor::EmptyOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{qSizes[0], qSizes[1], qSizes[2],
                                  rewriter.getIndexAttr(f)},
        storage);
    result = linalg::TransposeOp::create(rewriter, loc, result, resultInit,
                                         ArrayRef<int64_t>{0, 2, 1, 3})
                 .getResult()[0];
    if (result.getType() != resultType)
      result = tensor::CastOp::create(rewriter, loc, resultType, result);
    rewriter.replaceOp(op, result);
    return success();
  }

  int64_t queryTile, keyTile;
};

} // namespace

void mlir::sas::populateLowerAttentionPatterns(RewritePatternSet &patterns,
                                               int64_t queryTile,
                                               int64_t keyTile) {
  patterns.add<LowerAttention>(patterns.getContext(), queryTile, keyTile);
}
