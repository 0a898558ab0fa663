//===- LowerAttention.cpp - Lower sas.attention to online softmax -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.attention becomes flash-style attention on tensors:
//
//   scf.forall (b, query block) {               // the tile owns all heads
//     q tile (simulated here when fused), scaled, [N, bq, E]
//     k, v (simulated here when fused, else materialized once outside)
//     scf.for head n {
//       m = -inf, l = 0, acc = 0                    // f32, per query row
//       scf.for key block in [0, full)     { step } // no mask needed
//       scf.for key block in [full, end)   { step } // crosses diagonal/end
//       out = acc / l      // or: PEAA group mean += out / G, when fused
//       lse = m + log(l)   // when the op returns its log-sum-exp
//     }
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
#include "sas/Conversion/Common/OnlineSoftmax.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/IR/SASCostModel.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/Support/FormatVariadic.h"

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

/// init = fn(input, init) elementwise over the loops of `maps` (input's map,
/// then init's): a linalg.generic that updates `init` in place.
static Value
buildUpdate(OpBuilder &b, Location loc, Value input, Value init,
            ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> its,
            function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  return linalg::GenericOp::create(
             b, loc, init.getType(), input, init, maps, its,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               yieldValue(nb, nloc, fn(nb, nloc, args[0], args[1]));
             })
      .getResult(0);
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

/// The rank-reduced [rows, cols] slice at [index, 0, 0] of a rank-3 tensor.
static Value extractTile3(OpBuilder &b, Location loc, Value src, Value index,
                          int64_t rows, int64_t cols) {
  auto srcType = cast<RankedTensorType>(src.getType());
  auto type = RankedTensorType::get({rows, cols}, srcType.getElementType());
  return tensor::ExtractSliceOp::create(
      b, loc, type, src, {index, b.getIndexAttr(0), b.getIndexAttr(0)},
      {b.getIndexAttr(1), b.getIndexAttr(rows), b.getIndexAttr(cols)},
      SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
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
        Value hidden = online_softmax::isHiddenKey(nb, nloc, key, query,
                                                   t.numKeys, t.causal);
        linalg::YieldOp::create(
            nb, nloc, online_softmax::maskScore(nb, nloc, hidden, args[0]));
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
  Value rowMax = buildUpdate(
      b, loc, scores,
      buildFilled(b, loc, {b.getIndexAttr(t.bq)}, f32,
                  -std::numeric_limits<double>::infinity()),
      {rowCol, row}, iterators(1, 1),
      [](OpBuilder &nb, Location nloc, Value s, Value m) -> Value {
        return arith::MaximumFOp::create(nb, nloc, s, m);
      });
  // m' = max(m, rowmax) and c = exp(m - m'), the correction of everything
  // accumulated so far, in one op that reads m before overwriting it. q is
  // pre-scaled: the exponentials are e^x of the plain scores.
  auto exp = [](OpBuilder &nb, Location nloc, Value x) -> Value {
    return math::ExpOp::create(nb, nloc, x);
  };
  auto maxAndCorrection = linalg::GenericOp::create(
      b, loc, TypeRange{state.max.getType(), state.max.getType()}, rowMax,
      ValueRange{state.max, tensor::EmptyOp::create(
                                b, loc, ArrayRef<int64_t>{t.bq}, f32)},
      ArrayRef<AffineMap>{row1, row1, row1}, iterators(1),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value newMax = arith::MaximumFOp::create(nb, nloc, args[1], args[0]);
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{newMax, online_softmax::rescaleFactor(
                                   nb, nloc, args[1], newMax, exp)});
      });
  Value newMax = maxAndCorrection.getResult(0);
  Value correction = maxAndCorrection.getResult(1);
  // p = exp(s - m')
  Value probs = buildUpdate(
      b, loc, newMax, scores, {row, rowCol}, iterators(2),
      [&](OpBuilder &nb, Location nloc, Value m, Value s) -> Value {
        return online_softmax::probability(nb, nloc, s, m, exp);
      });
  auto scale = [](OpBuilder &nb, Location nloc, Value c, Value x) -> Value {
    return online_softmax::rescale(nb, nloc, x, c);
  };
  // l' = l * c + rowsum p
  Value newSum = buildUpdate(
      b, loc, probs,
      buildUpdate(b, loc, correction, state.sum, {row1, row1}, iterators(1),
                  scale),
      {rowCol, row}, iterators(1, 1),
      [](OpBuilder &nb, Location nloc, Value p, Value l) -> Value {
        return arith::AddFOp::create(nb, nloc, p, l);
      });
  // acc' = acc * c + p * v
  Value scaledAcc = buildUpdate(b, loc, correction, state.acc, {row, rowCol},
                                iterators(2), scale);
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

/// Finishes one head of a query tile: out = acc / l. With PEAA fused
/// (`hf` > 0), adds out / G into columns [(head mod H) * F, +F) of the tile's
/// [bq, H*F] head-group mean; otherwise writes out, in the storage type, as
/// row block `head` of the tile's [N, bq, F] output.
static Value buildTileEpilogue(OpBuilder &b, Location loc, SoftmaxState state,
                               Value tileOut, Value head, int64_t hf,
                               int64_t groups, Type storage) {
  MLIRContext *ctx = b.getContext();
  auto accType = cast<RankedTensorType>(state.acc.getType());
  int64_t bq = accType.getDimSize(0), f = accType.getDimSize(1);
  AffineMap rowCol = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, ctx);
  SmallVector<OpFoldResult> ones2(2, b.getIndexAttr(1));
  if (hf > 0) {
    OpFoldResult column = affine::makeComposedFoldedAffineApply(
        b, loc, (b.getAffineDimExpr(0) % (hf / f)) * f, {OpFoldResult(head)});
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), column};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(bq), b.getIndexAttr(f)};
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, tileOut, offsets, sizes, ones2);
    Value updated =
        linalg::GenericOp::create(
            b, loc, slice.getType(), ValueRange{state.acc, state.sum}, slice,
            ArrayRef<AffineMap>{rowCol, row, rowCol}, iterators(2),
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value o = arith::DivFOp::create(nb, nloc, args[0], args[1]);
              Value w = arith::ConstantOp::create(
                  nb, nloc, nb.getF32FloatAttr(1.0f / groups));
              Value sum = arith::AddFOp::create(
                  nb, nloc, args[2], arith::MulFOp::create(nb, nloc, o, w));
              yieldValue(nb, nloc, sum);
            })
            .getResult(0);
    return tensor::InsertSliceOp::create(b, loc, updated, tileOut, offsets,
                                         sizes, ones2);
  }
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{bq, f},
                                       storage);
  Value out =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{state.acc, state.sum}, init,
          ArrayRef<AffineMap>{rowCol, row, rowCol}, iterators(2),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value o = arith::DivFOp::create(nb, nloc, args[0], args[1]);
            yieldValue(nb, nloc, castScalar(nb, nloc, o, storage));
          })
          .getResult(0);
  return tensor::InsertSliceOp::create(
      b, loc, out, tileOut, {head, b.getIndexAttr(0), b.getIndexAttr(0)},
      {b.getIndexAttr(1), b.getIndexAttr(bq), b.getIndexAttr(f)},
      SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
}

/// Writes one head's log-sum-exp, lse = m + log(l) of the pre-scaled scores,
/// as row `head` of the tile's [N, bq] log-sum-exp.
static Value buildTileLse(OpBuilder &b, Location loc, SoftmaxState state,
                          Value tileLse, Value head) {
  int64_t bq = cast<RankedTensorType>(state.sum.getType()).getDimSize(0);
  AffineMap row = AffineMap::getMultiDimIdentityMap(1, b.getContext());
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{bq},
                                       b.getF32Type());
  Value lse =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{state.max, state.sum}, init,
          ArrayRef<AffineMap>{row, row, row}, iterators(1),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value log = math::LogOp::create(nb, nloc, args[1]);
            yieldValue(nb, nloc, arith::AddFOp::create(nb, nloc, args[0], log));
          })
          .getResult(0);
  return tensor::InsertSliceOp::create(
      b, loc, lse, tileLse, {head, b.getIndexAttr(0)},
      {b.getIndexAttr(1), b.getIndexAttr(bq)},
      SmallVector<OpFoldResult>(2, b.getIndexAttr(1)));
}

namespace {

/// Producers and the consumer of an attention op that its lowering absorbs.
struct AttentionFusion {
  /// With qFeature: q simulation computed per query tile, from qHead's input.
  HeadSimOp qHead;
  FeatureSimOp qFeature;
  /// The PEAA whose head-group mean goes into the tile epilogue.
  PeaaOp peaa;
  /// With all three: k and v simulated inside each query tile.
  HeadSimOp kHead, vHead;
  FeatureSimOp kFeature;
};

} // namespace

/// The query block a parallel iteration `i` of `n` handles: 0, n-1, 1, n-2,
/// ... Under a causal mask block j costs j+1 key blocks, so any contiguous
/// range of iterations (what a static OpenMP schedule hands a thread) gets a
/// balanced mix of cheap and expensive blocks.
static Value balancedQueryBlock(OpBuilder &b, Location loc, Value i,
                                OpFoldResult n) {
  AffineExpr d0 = b.getAffineDimExpr(0);
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  Value half = getValueOrCreateConstantIndexOp(
      b, loc, affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(2),
                                                    {OpFoldResult(i)}));
  Value fromEnd = getValueOrCreateConstantIndexOp(
      b, loc,
      affine::makeComposedFoldedAffineApply(
          b, loc, AffineMap::get(1, 1, s0 - 1 - d0.floorDiv(2)),
          {OpFoldResult(i), n}));
  Value odd = getValueOrCreateConstantIndexOp(
      b, loc, affine::makeComposedFoldedAffineApply(b, loc, d0 % 2, {OpFoldResult(i)}));
  Value isOdd = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, odd,
      arith::ConstantIndexOp::create(b, loc, 0));
  return arith::SelectOp::create(b, loc, isOdd, fromEnd, half);
}

namespace {

/// The lowering of one attention op (and what `fusion` names) to an
/// scf.forall over (batch, query block) whose tiles own all N heads: per
/// tile, q (simulated here when fused) is scaled and laid out [N, bq, E]
/// once, then an scf.for over heads runs the online-softmax key loops of
/// each head. Each step below emits its part of the IR, in order.
class AttentionLowering {
public:
  AttentionLowering(PatternRewriter &rewriter, AttentionOp op,
                    AttentionFusion fusion, int64_t queryTile,
                    int64_t keyTile);

  void run();

private:
  void prepareQueries();
  void prepareKeysAndValues();
  void buildOutput();
  void buildTile();
  Value buildQueryTile(Value b, OpFoldResult queryOffset);
  void buildTileKeysAndValues(Value b);
  void buildKeyBlockRange(Value queryBlock);
  scf::ForOp buildHeadLoop(Value queries, OpFoldResult queryOffset);
  void buildTileInsert(Value b, OpFoldResult queryOffset, ValueRange tile);
  void replaceResults();
  Value transposed(Value x, ArrayRef<int64_t> perm);

  PatternRewriter &rewriter;
  AttentionOp op;
  AttentionFusion fusion;
  Location loc;
  MLIRContext *ctx;
  Type f32, storage;
  int64_t numHeads, e, f;
  bool fuseQ, fuseKV, withLse;
  PeaaOp peaa;
  int64_t bq, bk;
  AffineExpr d0, d1;

  // Where query tiles come from and the sizes of q: prepareQueries.
  Value qSource;
  SmallVector<OpFoldResult> qSizes;
  // Materialized kT [B, N, E, Sp] and v [B, N, Sp, F], or the padded
  // inputs of the fused k and v simulation: prepareKeysAndValues.
  Value kT, v, kSource, vSource;
  OpFoldResult paddedKeys, numKeys;
  // buildOutput.
  OpFoldResult batch, paddedLen, numQueryBlocks, numKeyBlocks;
  int64_t hf = 0, groups = 0;
  scf::ForallOp forall;
  // Per tile: the keys and values it reads (buildTileKeysAndValues) and its
  // key blocks [0, full) without a mask and [full, end) with one
  // (buildKeyBlockRange).
  Value tileKT, tileV, kvBatch;
  OpFoldResult full, end;
};

} // namespace

AttentionLowering::AttentionLowering(PatternRewriter &rewriter, AttentionOp op,
                                     AttentionFusion fusion, int64_t queryTile,
                                     int64_t keyTile)
    : rewriter(rewriter), op(op), fusion(fusion), loc(op.getLoc()),
      ctx(rewriter.getContext()) {
  RankedTensorType qType = op.getQ().getType();
  RankedTensorType vType = op.getV().getType();
  f32 = rewriter.getF32Type();
  storage = qType.getElementType();
  numHeads = qType.getDimSize(2);
  e = qType.getDimSize(3);
  f = vType.getDimSize(3);
  fuseQ = fusion.qHead && fusion.qFeature;
  fuseKV = fusion.kHead && fusion.kFeature && fusion.vHead;
  withLse = static_cast<bool>(op.getLse());
  peaa = fusion.peaa;
  assert(!(peaa && withLse) && "PEAA is not fused into an attention whose "
                                "log-sum-exp is used");

  // A tile larger than a static sequence would only add padding.
  bq = queryTile;
  bk = keyTile;
  if (!qType.isDynamicDim(1))
    bq = std::min(bq, qType.getDimSize(1));
  if (!vType.isDynamicDim(1))
    bk = std::min(bk, vType.getDimSize(1));
  bindDims(ctx, d0, d1);
}

void AttentionLowering::run() {
  prepareQueries();
  prepareKeysAndValues();
  buildOutput();
  buildTile();
  replaceResults();
}

/// Where query tiles come from: q itself, or the input of its simulation.
/// B and T come from it too: a fused q is erased, so no size may be read
/// from it.
void AttentionLowering::prepareQueries() {
  qSource = fuseQ ? fusion.qHead.getX() : op.getQ();
  qSizes = tensor::getMixedSizes(rewriter, loc, qSource);
  qSizes[2] = rewriter.getIndexAttr(numHeads);
  qSizes[3] = rewriter.getIndexAttr(e);
  qSource = padToMultiple(rewriter, loc, qSource, 1, bq);
}

/// `x` permuted by `perm`, in f32, so the contractions multiply operands of
/// one type.
Value AttentionLowering::transposed(Value x, ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
  SmallVector<OpFoldResult> permuted;
  for (int64_t p : perm)
    permuted.push_back(sizes[p]);
  Value init = tensor::EmptyOp::create(rewriter, loc, permuted, f32);
  return linalg::TransposeOp::create(rewriter, loc,
                                     buildCast(rewriter, loc, x, f32), init,
                                     perm)
      .getResult()[0];
}

/// Materialized: k [B, S, N, E] -> kT [B, N, E, Sp] and v [B, S, N, F] ->
/// [B, N, Sp, F] once for all tiles. Fused: the padded inputs of the k and
/// v simulation, simulated per tile.
void AttentionLowering::prepareKeysAndValues() {
  if (fuseKV) {
    kSource = padToMultiple(rewriter, loc, fusion.kHead.getX(), 1, bk);
    vSource = padToMultiple(rewriter, loc, fusion.vHead.getX(), 1, bk);
    paddedKeys = tensor::getMixedSize(rewriter, loc, kSource, 1);
    numKeys = tensor::getMixedSize(rewriter, loc, fusion.kHead.getX(), 1);
    return;
  }
  kT = padToMultiple(rewriter, loc, transposed(op.getK(), {0, 2, 3, 1}), 3,
                     bk);
  v = padToMultiple(rewriter, loc, transposed(op.getV(), {0, 2, 1, 3}), 2,
                    bk);
  paddedKeys = tensor::getMixedSize(rewriter, loc, kT, 3);
  numKeys = tensor::getMixedSize(rewriter, loc, op.getK(), 1);
}

/// The block counts and the scf.forall over (batch, query block) writing
/// the output: the PEAA head-group mean [B, Tp, H*F] in f32, or the
/// attention output [B, N, Tp, F].
void AttentionLowering::buildOutput() {
  batch = qSizes[0];
  paddedLen = tensor::getMixedSize(rewriter, loc, qSource, 1);
  numQueryBlocks = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0.floorDiv(bq), {paddedLen});
  numKeyBlocks = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0.floorDiv(bk), {paddedKeys});

  hf = peaa ? peaa.getW().getType().getDimSize(0) : 0;
  groups = peaa ? numHeads * f / hf : 0;
  Value out =
      peaa ? buildFilled(rewriter, loc,
                         {batch, paddedLen, rewriter.getIndexAttr(hf)}, f32, 0.0)
           : tensor::EmptyOp::create(
                 rewriter, loc,
                 SmallVector<OpFoldResult>{batch,
                                           rewriter.getIndexAttr(numHeads),
                                           paddedLen, rewriter.getIndexAttr(f)},
                 storage);
  SmallVector<Value> outs = {out};
  if (withLse)
    outs.push_back(tensor::EmptyOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{batch, rewriter.getIndexAttr(numHeads),
                                  paddedLen},
        f32));
  forall = scf::ForallOp::create(rewriter, loc, {batch, numQueryBlocks}, outs,
                                 std::nullopt);
}

/// The body of the scf.forall: one query tile of one batch.
void AttentionLowering::buildTile() {
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(forall.getBody());
  SmallVector<Value> ivs = forall.getInductionVars();
  Value b = ivs[0];
  Value queryBlock = balancedQueryBlock(rewriter, loc, ivs[1], numQueryBlocks);
  OpFoldResult queryOffset = affine::makeComposedFoldedAffineApply(
      rewriter, loc, d0 * bq, {OpFoldResult(queryBlock)});
  Value queries = buildQueryTile(b, queryOffset);
  buildTileKeysAndValues(b);
  buildKeyBlockRange(queryBlock);
  scf::ForOp headLoop = buildHeadLoop(queries, queryOffset);
  buildTileInsert(b, queryOffset, headLoop.getResults());
}

/// The tile's queries [1, bq, ., .] (simulated when fused), as [N, bq, E]
/// in f32, pre-scaled.
Value AttentionLowering::buildQueryTile(Value b, OpFoldResult queryOffset) {
  auto srcType = cast<RankedTensorType>(qSource.getType());
  SmallVector<OpFoldResult> tileOffsets = {b, queryOffset,
                                           rewriter.getIndexAttr(0),
                                           rewriter.getIndexAttr(0)};
  SmallVector<OpFoldResult> tileSizes = {
      rewriter.getIndexAttr(1), rewriter.getIndexAttr(bq),
      rewriter.getIndexAttr(srcType.getDimSize(2)),
      rewriter.getIndexAttr(srcType.getDimSize(3))};
  SmallVector<OpFoldResult> ones4(4, rewriter.getIndexAttr(1));
  Value qTile = tensor::ExtractSliceOp::create(rewriter, loc, qSource,
                                               tileOffsets, tileSizes, ones4);
  if (fuseQ) {
    HeadSimOp h = fusion.qHead;
    FeatureSimOp fs = fusion.qFeature;
    // All heads of these tokens at once: the cross-head convolutions run
    // once per tile, not once per head.
    qTile = buildHeadSim(rewriter, loc, qTile, h.getW(), h.getB(),
                         h.getResW(), h.getResB());
    qTile = buildFeatureSim(rewriter, loc, qTile, fs.getW(), fs.getB(),
                            fs.getResW(), fs.getResB());
  }
  double scale = op.getScaleValue();
  Value qInit = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{numHeads, bq, e}, f32);
  AffineExpr n, t, c;
  bindDims(ctx, n, t, c);
  return linalg::GenericOp::create(
             rewriter, loc, qInit.getType(), qTile, qInit,
             ArrayRef<AffineMap>{
                 AffineMap::get(3, 0,
                                {rewriter.getAffineConstantExpr(0), t, n, c},
                                ctx),
                 AffineMap::getMultiDimIdentityMap(3, ctx)},
             iterators(3),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value x = castScalar(nb, nloc, args[0], f32);
               Value sv = arith::ConstantOp::create(
                   nb, nloc, nb.getF32FloatAttr(static_cast<float>(scale)));
               yieldValue(nb, nloc, arith::MulFOp::create(nb, nloc, x, sv));
             })
      .getResult(0);
}

/// The keys and values the tile reads: the materialized tensors, or (fused)
/// all keys of this batch simulated here, all heads at once, laid out as
/// the materialized tensors with a batch of one.
void AttentionLowering::buildTileKeysAndValues(Value b) {
  tileKT = kT;
  tileV = v;
  kvBatch = b;
  if (!fuseKV)
    return;
  SmallVector<OpFoldResult> ones4(4, rewriter.getIndexAttr(1));
  auto batchSlice = [&](Value src) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, src);
    sizes[0] = rewriter.getIndexAttr(1);
    return tensor::ExtractSliceOp::create(
               rewriter, loc, src,
               {b, rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
                rewriter.getIndexAttr(0)},
               sizes, ones4)
        .getResult();
  };
  HeadSimOp kh = fusion.kHead, vh = fusion.vHead;
  FeatureSimOp kf = fusion.kFeature;
  Value keys = buildHeadSim(rewriter, loc, batchSlice(kSource), kh.getW(),
                            kh.getB(), kh.getResW(), kh.getResB());
  keys = buildFeatureSim(rewriter, loc, keys, kf.getW(), kf.getB(),
                         kf.getResW(), kf.getResB());
  Value values = buildHeadSim(rewriter, loc, batchSlice(vSource), vh.getW(),
                              vh.getB(), vh.getResW(), vh.getResB());
  tileKT = transposed(keys, {0, 2, 3, 1});
  tileV = transposed(values, {0, 2, 1, 3});
  kvBatch = arith::ConstantIndexOp::create(rewriter, loc, 0);
}

/// Key blocks [0, full) need no mask; [full, end) do.
void AttentionLowering::buildKeyBlockRange(Value queryBlock) {
  if (op.getCausal()) {
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
    return;
  }
  full = affine::makeComposedFoldedAffineApply(rewriter, loc, d0.floorDiv(bk),
                                               numKeys);
  end = numKeyBlocks;
}

/// scf.for over the heads of the tile: per head, the online-softmax key
/// loops and the epilogue.
scf::ForOp AttentionLowering::buildHeadLoop(Value queries,
                                            OpFoldResult queryOffset) {
  Value tileInit =
      peaa ? buildFilled(rewriter, loc,
                         {rewriter.getIndexAttr(bq), rewriter.getIndexAttr(hf)},
                         f32, 0.0)
           : tensor::EmptyOp::create(rewriter, loc,
                                     ArrayRef<int64_t>{numHeads, bq, f},
                                     storage)
                 .getResult();
  SmallVector<Value> inits = {tileInit};
  if (withLse)
    inits.push_back(tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{numHeads, bq}, f32));
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value headCount = arith::ConstantIndexOp::create(rewriter, loc, numHeads);
  return scf::ForOp::create(
      rewriter, loc, zero, headCount, one, inits,
      [&](OpBuilder &nb, Location nloc, Value head, ValueRange args) {
        AttentionTile tile;
        tile.q = extractTile3(nb, nloc, queries, head, bq, e);
        tile.kT = tileKT;
        tile.v = tileV;
        tile.batch = kvBatch;
        tile.head = head;
        tile.queryOffset = queryOffset;
        tile.numKeys = getValueOrCreateConstantIndexOp(nb, nloc, numKeys);
        tile.bq = bq;
        tile.bk = bk;
        tile.e = e;
        tile.f = f;
        tile.causal = op.getCausal();
        SoftmaxState state = {
            buildFilled(nb, nloc, {nb.getIndexAttr(bq)}, f32,
                        -std::numeric_limits<double>::infinity()),
            buildFilled(nb, nloc, {nb.getIndexAttr(bq)}, f32, 0.0),
            buildFilled(nb, nloc, {nb.getIndexAttr(bq), nb.getIndexAttr(f)},
                        f32, 0.0)};
        state = buildKeyLoop(nb, nloc, tile, nb.getIndexAttr(0), full, state,
                             /*masked=*/false);
        state = buildKeyLoop(nb, nloc, tile, full, end, state,
                             /*masked=*/true);
        SmallVector<Value> results = {buildTileEpilogue(
            nb, nloc, state, args[0], head, peaa ? hf : 0, groups, storage)};
        if (withLse)
          results.push_back(buildTileLse(nb, nloc, state, args[1], head));
        scf::YieldOp::create(nb, nloc, results);
      });
}

/// Inserts the tile's output into the forall's result.
void AttentionLowering::buildTileInsert(Value b, OpFoldResult queryOffset,
                                        ValueRange tile) {
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  Value tileOut = tile[0];
  if (peaa) {
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, tileOut, forall.getRegionIterArgs()[0],
        {b, queryOffset, rewriter.getIndexAttr(0)},
        {rewriter.getIndexAttr(1), rewriter.getIndexAttr(bq),
         rewriter.getIndexAttr(hf)},
        SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1)));
    return;
  }
  tensor::ParallelInsertSliceOp::create(
      rewriter, loc, tileOut, forall.getRegionIterArgs()[0],
      {b, rewriter.getIndexAttr(0), queryOffset, rewriter.getIndexAttr(0)},
      {rewriter.getIndexAttr(1), rewriter.getIndexAttr(numHeads),
       rewriter.getIndexAttr(bq), rewriter.getIndexAttr(f)},
      SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
  // After the output's insert: scf.forall's canonicalization of a single
  // iteration pairs the inserts with the outputs by position.
  if (withLse)
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, tile[1], forall.getRegionIterArgs()[1],
        {b, rewriter.getIndexAttr(0), queryOffset},
        {rewriter.getIndexAttr(1), rewriter.getIndexAttr(numHeads),
         rewriter.getIndexAttr(bq)},
        SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1)));
}

/// Replaces the attention (or, fused, its PEAA) by the unpadded result and
/// erases the fused producers.
void AttentionLowering::replaceResults() {
  if (peaa) {
    // [B, Tp, H*F] -> [B, T, H*F] -> dense layer.
    Value mean = tensor::ExtractSliceOp::create(
        rewriter, loc, forall.getResult(0),
        SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(0)),
        {batch, qSizes[1], rewriter.getIndexAttr(hf)},
        SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1)));
    Value y = buildPeaaDense(rewriter, loc, mean, peaa.getW(), peaa.getB());
    replaceWithCasts(rewriter, peaa, {y});
    rewriter.eraseOp(op);
  } else {
    // [B, N, Tp, F] -> [B, N, T, F] -> [B, T, N, F]
    SmallVector<OpFoldResult> keep = {batch, rewriter.getIndexAttr(numHeads),
                                      qSizes[1], rewriter.getIndexAttr(f)};
    Value result = tensor::ExtractSliceOp::create(
        rewriter, loc, forall.getResult(0),
        SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(0)), keep,
        SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
    Value resultInit = tensor::EmptyOp::create(
        rewriter, loc,
        SmallVector<OpFoldResult>{qSizes[0], qSizes[1], qSizes[2],
                                  rewriter.getIndexAttr(f)},
        storage);
    result = linalg::TransposeOp::create(rewriter, loc, result, resultInit,
                                         ArrayRef<int64_t>{0, 2, 1, 3})
                 .getResult()[0];
    SmallVector<Value> results = {result};
    if (withLse) {
      // [B, N, Tp] -> [B, N, T] -> [B, T, N]
      Value lse = tensor::ExtractSliceOp::create(
          rewriter, loc, forall.getResult(1),
          SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(0)),
          ArrayRef<OpFoldResult>(keep).take_front(3),
          SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1)));
      Value lseInit = tensor::EmptyOp::create(
          rewriter, loc,
          SmallVector<OpFoldResult>{qSizes[0], qSizes[1], qSizes[2]}, f32);
      results.push_back(linalg::TransposeOp::create(rewriter, loc, lse,
                                                    lseInit,
                                                    ArrayRef<int64_t>{0, 2, 1})
                            .getResult()[0]);
    }
    replaceWithCasts(rewriter, op, results);
  }
  if (fuseQ) {
    rewriter.eraseOp(fusion.qFeature);
    rewriter.eraseOp(fusion.qHead);
  }
  if (fuseKV) {
    rewriter.eraseOp(fusion.kFeature);
    rewriter.eraseOp(fusion.kHead);
    rewriter.eraseOp(fusion.vHead);
  }
}

/// Lowers `op` (and what `fusion` names): see AttentionLowering.
static void lowerAttention(PatternRewriter &rewriter, AttentionOp op,
                           AttentionFusion fusion, int64_t queryTile,
                           int64_t keyTile) {
  AttentionLowering(rewriter, op, fusion, queryTile, keyTile).run();
}

namespace {

/// Plain lowering of sas.attention (nothing fused).
struct LowerAttention : OpRewritePattern<AttentionOp> {
  LowerAttention(MLIRContext *ctx, int64_t queryTile, int64_t keyTile)
      : OpRewritePattern(ctx), queryTile(queryTile), keyTile(keyTile) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    lowerAttention(rewriter, op, {}, queryTile, keyTile);
    return success();
  }

  int64_t queryTile, keyTile;
};

} // namespace

namespace {

/// What the fused lowering of one attention op absorbs, and the cost model's
/// prices behind the k/v decision when it had any.
struct FusionPlan {
  AttentionFusion fusion;
  /// k and v are feature_sim(head_sim(x)) and head_sim(y), single-use, and
  /// kv-simulation is not "materialize".
  bool kvCandidate = false;
  std::optional<cost::KeyValueFusionCost> kvCost;
};

} // namespace

/// q's head and feature simulation, when enabled and single-use.
static void planQFusion(AttentionOp op, const AttentionFusionOptions &options,
                        AttentionFusion &fusion) {
  if (!options.fuseQSimulation)
    return;
  auto feature = op.getQ().getDefiningOp<FeatureSimOp>();
  HeadSimOp head =
      feature ? feature.getX().getDefiningOp<HeadSimOp>() : HeadSimOp();
  if (head && feature->hasOneUse() && head->hasOneUse()) {
    fusion.qHead = head;
    fusion.qFeature = feature;
  }
}

/// The PEAA consuming `op`, when enabled, its only user, and its dense
/// layer's operands are available where the attention is (the fused lowering
/// emits the dense layer there).
static void planPeaaFusion(AttentionOp op,
                           const AttentionFusionOptions &options,
                           AttentionFusion &fusion) {
  // The output is still needed where the log-sum-exp is (a backward).
  if (!options.fusePeaaMean || op.getLse() || !op->hasOneUse())
    return;
  auto peaa = dyn_cast<PeaaOp>(*op->user_begin());
  if (!peaa)
    return;
  DominanceInfo dominance;
  if (dominance.properlyDominates(peaa.getW(), op) &&
      dominance.properlyDominates(peaa.getB(), op))
    fusion.peaa = peaa;
}

/// k and v simulation, when they have the fusible form and kv-simulation or
/// the cost model says so. With dynamic sizes the model has nothing to
/// price: only "fuse" fuses them.
static void planKeyValueFusion(AttentionOp op,
                               const AttentionFusionOptions &options,
                               FusionPlan &plan) {
  if (options.kvSimulation == KVSimulation::Materialize)
    return;
  auto kFeature = op.getK().getDefiningOp<FeatureSimOp>();
  HeadSimOp kHead =
      kFeature ? kFeature.getX().getDefiningOp<HeadSimOp>() : HeadSimOp();
  auto vHead = op.getV().getDefiningOp<HeadSimOp>();
  if (!kHead || !vHead || !kFeature->hasOneUse() || !kHead->hasOneUse() ||
      !vHead->hasOneUse() || kHead == vHead)
    return;
  plan.kvCandidate = true;
  auto qType = op.getQ().getType();
  auto xType = kHead.getX().getType();
  if (!xType.isDynamicDim(0) && !xType.isDynamicDim(1) &&
      !qType.isDynamicDim(1)) {
    int64_t t = qType.getDimSize(1);
    int64_t bq = std::min(options.queryTile, t);
    plan.kvCost = cost::priceKeyValueFusion(
        xType.getDimSize(0), xType.getDimSize(1), llvm::divideCeil(t, bq),
        xType.getDimSize(2), kHead.getW().getType().getDimSize(0),
        xType.getDimSize(3), kFeature.getW().getType().getDimSize(0),
        kHead.getKernelSize(), options.peakGflops * 1e9,
        options.bandwidthGbps * 1e9);
  }
  bool fuse = options.kvSimulation == KVSimulation::Fuse ||
              (plan.kvCost && plan.kvCost->fuse());
  if (!fuse)
    return;
  plan.fusion.kHead = kHead;
  plan.fusion.kFeature = kFeature;
  plan.fusion.vHead = vHead;
}

/// Decides what the fused lowering of `op` absorbs. Pure: the pattern and
/// the remarks of the pass both ask it.
static FusionPlan planFusion(AttentionOp op,
                             const AttentionFusionOptions &options) {
  FusionPlan plan;
  planQFusion(op, options, plan.fusion);
  planPeaaFusion(op, options, plan.fusion);
  planKeyValueFusion(op, options, plan);
  return plan;
}

/// Reports the k/v decision of `plan` with its prices.
static void remarkKeyValueFusion(AttentionOp op, const FusionPlan &plan,
                                 const AttentionFusionOptions &options) {
  if (!plan.kvCandidate)
    return;
  bool fused = plan.fusion.kHead != nullptr;
  const char *decision =
      fused ? "fused into the query tiles" : "materialized";
  const char *by =
      options.kvSimulation == KVSimulation::Auto ? "cost model" : "forced";
  if (!plan.kvCost) {
    op->emitRemark() << "sas fusion: k and v simulation " << decision << " ("
                     << by
                     << "): dynamic sizes leave the cost model nothing to "
                        "price";
    return;
  }
  const cost::KeyValueFusionCost &c = *plan.kvCost;
  op->emitRemark() << llvm::formatv(
      "sas fusion: k and v simulation {0} ({1}): recomputing it per "
      "query tile costs {2:F3} GFLOP ({3:F3} ms at {4} GFLOP/s), "
      "materializing it moves {5:F3} MB ({6:F3} ms at {7} GB/s)",
      decision, by, c.recomputeFlops / 1e9, c.recomputeSeconds * 1e3,
      options.peakGflops, c.savedBytes / 1e6, c.savedSeconds * 1e3,
      options.bandwidthGbps);
}

/// q simulation and the PEAA mean are fused whenever they are enabled and
/// single-use: neither recomputes anything (a tile owns all heads of its
/// tokens, the mean is linear), so the model has no trade-off to weigh; the
/// remark states what each saves.
static void remarkStaticFusions(AttentionOp op, const AttentionFusion &fusion) {
  RankedTensorType q = op.getQ().getType(), o = op.getResult().getType();
  if (!q.hasStaticShape() || !o.hasStaticShape())
    return;
  // The tensor each fusion avoids, in f32, written once and read back.
  double simulatedQ = 2.0 * 4 * q.getNumElements();
  double attentionOut = 2.0 * 4 * o.getNumElements();
  op->emitRemark() << llvm::formatv(
      "sas fusion: q simulation {0} (saves {1:F3} MB, recomputes nothing); "
      "PEAA mean {2} (saves {3:F3} MB)",
      fusion.qHead ? "fused into the query tiles" : "materialized",
      fusion.qHead ? simulatedQ / 1e6 : 0.0,
      fusion.peaa ? "in the attention epilogue" : "a separate op",
      fusion.peaa ? attentionOut / 1e6 : 0.0);
}

namespace {

/// Lowers sas.attention together with the simulation of its q (and k, v)
/// and the PEAA that consumes it, as planFusion decides.
struct FuseIntoAttention : OpRewritePattern<AttentionOp> {
  FuseIntoAttention(MLIRContext *ctx, const AttentionFusionOptions &options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    AttentionFusion fusion = planFusion(op, options).fusion;
    if (!fusion.qHead && !fusion.peaa && !fusion.kHead)
      return rewriter.notifyMatchFailure(op, "nothing to fuse");
    lowerAttention(rewriter, op, fusion, options.queryTile, options.keyTile);
    return success();
  }

  AttentionFusionOptions options;
};

} // namespace

void mlir::sas::populateLowerAttentionPatterns(RewritePatternSet &patterns,
                                               int64_t queryTile,
                                               int64_t keyTile) {
  patterns.add<LowerAttention>(patterns.getContext(), queryTile, keyTile);
}

void mlir::sas::remarkAttentionFusion(Operation *root,
                                     const AttentionFusionOptions &options) {
  root->walk([&](AttentionOp op) {
    FusionPlan plan = planFusion(op, options);
    remarkKeyValueFusion(op, plan, options);
    remarkStaticFusions(op, plan.fusion);
  });
}

void mlir::sas::populateFuseIntoAttentionPatterns(
    RewritePatternSet &patterns, const AttentionFusionOptions &options) {
  patterns.add<FuseIntoAttention>(patterns.getContext(), options);
}
