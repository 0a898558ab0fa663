//===- LowerAttentionToGPU.cpp - Attention as GPU block tiles ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas.attention becomes flash-style attention with one GPU block per
// (batch, simulated head, query block):
//
//   scf.forall (b, n, query block) mapping [#gpu.block<z, y, x>] {
//     shared: k tile [bk, E+1], v tile [bk, F], scores [bq, bk+1],
//             acc [bq, F], m, l, m', c [bq]                     // all f32
//     m = -inf, l = 0, acc = 0
//     scf.for key block in [0, end) {    // end: the diagonal under causal
//       k, v tiles <- global                          (f32)
//       s = q k^T; s = s * scale * log2(e), masked to -inf past the diagonal
//       m' = max(m, rowmax s); s = exp2(s - m')
//       c = exp2(m - m'); l = l * c; m = m'; l += rowsum s
//       acc = acc * c + s v
//     }
//     out = acc / l
//   }
//
// Each step is one linalg op on (dynamic-size views of) the shared tiles:
// the tile tails past the end of the sequence are never read or written, so
// stale shared memory cannot leak into the result. sas-gpu-map-to-launch
// turns the forall into a gpu.launch and spreads every step over the
// block's threads with a barrier after it. q is read from global memory by
// the score step (it is read once per key block and stays in L1/L2): shared
// memory holds what is reused by all rows.
//
//===----------------------------------------------------------------------===//

#include "OpBuffers.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Conversion/Common/OnlineSoftmax.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_CONVERTSASATTENTIONTOGPU
#include "sas/Conversion/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {

/// Tiles read down a column by the threads of a warp (k by the score step,
/// scores by the row reductions) get one padding column: with a row stride
/// that is a multiple of 32 words, 32 threads reading one column hit one
/// shared-memory bank, a 32-way conflict.
constexpr int64_t kBankPadding = 1;

/// The f32 shared tiles of one block of `bq` queries and `bk` keys: the k
/// and v tiles, the scores, the output accumulator and four row vectors
/// (max, sum, new max, correction). The size check and the allocations
/// both read it.
struct BlockTiles {
  BlockTiles(int64_t bq, int64_t bk, int64_t e, int64_t f)
      : key{bk, e + kBankPadding}, value{bk, f},
        scores{bq, bk + kBankPadding}, acc{bq, f}, row{bq} {}

  std::array<int64_t, 2> key, value, scores, acc;
  std::array<int64_t, 1> row;
  static constexpr int64_t kRowVectors = 4;

  int64_t getBytes() const {
    auto elements = [](ArrayRef<int64_t> shape) {
      int64_t n = 1;
      for (int64_t size : shape)
        n *= size;
      return n;
    };
    return 4 * (elements(key) + elements(value) + elements(scores) +
                elements(acc) + kRowVectors * elements(row));
  }
};

/// Builds the linalg ops of one block on memrefs. Loops are ordered with the
/// parallel dimensions first, so that each op becomes one scf.parallel (with
/// its reduction as an inner scf.for) that the threads can share.
class BlockBuilder {
public:
  BlockBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value f32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value toF32(Value v) {
    if (v.getType().isF32())
      return v;
    return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  }

  /// A workgroup-memory f32 buffer.
  Value shared(ArrayRef<int64_t> shape) {
    auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                            gpu::AddressSpace::Workgroup);
    auto type = MemRefType::get(shape, b.getF32Type(),
                                MemRefLayoutAttrInterface{}, space);
    return memref::AllocOp::create(b, loc, type);
  }

  /// The view [sizes] at `offsets` of `source` (unit strides), rank-reduced
  /// to `resultShape` by dropping unit dimensions.
  Value view(Value source, ArrayRef<OpFoldResult> offsets,
             ArrayRef<OpFoldResult> sizes, ArrayRef<int64_t> resultShape) {
    auto type = cast<MemRefType>(source.getType());
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    auto resultType = memref::SubViewOp::inferRankReducedResultType(
        resultShape, type, offsets, sizes, strides);
    return memref::SubViewOp::create(b, loc, cast<MemRefType>(resultType),
                                     source, offsets, sizes, strides);
  }

  /// A linalg.generic over memrefs with `numLoops` loops, the first
  /// `numParallel` of them parallel and the rest reductions.
  void generic(ValueRange inputs, ValueRange outputs, ArrayRef<AffineMap> maps,
               unsigned numLoops, unsigned numParallel,
               function_ref<void(OpBuilder &, Location, ValueRange)> body) {
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::reduction);
    for (unsigned i = 0; i < numParallel; ++i)
      iterators[i] = utils::IteratorType::parallel;
    linalg::GenericOp::create(b, loc, TypeRange{}, inputs, outputs, maps,
                              iterators, body);
  }

  void fill(Value buffer, double value) {
    linalg::FillOp::create(b, loc, ValueRange{f32(value)}, ValueRange{buffer});
  }

  AffineMap map(unsigned numLoops, ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims)
      exprs.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(numLoops, 0, exprs, b.getContext());
  }

  OpBuilder &b;
  Location loc;
};

struct LowerAttentionToGPUPattern : OpRewritePattern<AttentionOp> {
  LowerAttentionToGPUPattern(MLIRContext *ctx, const GPUAttentionTiling &tiling)
      : OpRewritePattern(ctx), tiling(tiling) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    auto vType = cast<RankedTensorType>(op.getV().getType());
    // The verifier guarantees static heads and head sizes.
    int64_t numHeads = qType.getDimSize(2), e = qType.getDimSize(3),
            f = vType.getDimSize(3);
    if (usesTensorCores(qType, e, f))
      return lowerToMmaAttention(op, rewriter);
    // What a backward's forward saves: only the tensor-core kernels write it.
    if (op.getLse())
      return op.emitOpError()
             << "with its log-sum-exp (the forward of a backward) has no GPU "
                "kernel for these heads: the GPU backward takes f16 and bf16 "
                "heads of sizes that are multiples of 16 up to "
             << kMaxMmaHeadSize << ", got " << qType.getElementType() << ", "
             << e << " (q, k) and " << f
             << " (v); other gradients compile for the CPU (sas-cpu-pipeline)";
    // No silent slow path: 16-bit attention is meant for the tensor cores.
    Type element = qType.getElementType();
    if (tiling.tensorCores && (element.isF16() || element.isBF16()))
      op.emitRemark() << op->getName()
                      << " stays on the linalg path: the tensor-core kernels "
                         "take head sizes that are multiples of 16 up to "
                      << kMaxMmaHeadSize << ", got " << e << " (q, k) and "
                      << f << " (v)";

    // Shrink the tiles, keys first, until they fit in shared memory.
    int64_t bq = tiling.queryTile, bk = tiling.keyTile;
    while (BlockTiles(bq, bk, e, f).getBytes() > tiling.sharedMemoryBytes &&
           (bk > 1 || bq > 1)) {
      if (bk >= bq && bk > 1)
        bk = (bk + 1) / 2;
      else
        bq = (bq + 1) / 2;
    }
    if (BlockTiles(bq, bk, e, f).getBytes() > tiling.sharedMemoryBytes)
      return op.emitOpError()
             << "heads of size " << e << " (q, k) and " << f
             << " (v) do not fit in " << tiling.sharedMemoryBytes
             << " bytes of shared memory";

    Location loc = op.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    Value q = buffers.inputs[0], k = buffers.inputs[1], v = buffers.inputs[2],
          out = buffers.out;

    BlockBuilder bb(rewriter, loc);
    Value batch = memref::DimOp::create(rewriter, loc, q, 0);
    Value queries = memref::DimOp::create(rewriter, loc, q, 1);
    Value keys = memref::DimOp::create(rewriter, loc, k, 1);
    Value bqV = bb.index(bq);
    Value queryBlocks = arith::CeilDivUIOp::create(rewriter, loc, queries, bqV);
    MLIRContext *ctx = rewriter.getContext();
    auto block = [&](gpu::MappingId id) {
      return gpu::GPUBlockMappingAttr::get(ctx, id);
    };
    ArrayAttr mapping = rewriter.getArrayAttr({block(gpu::MappingId::DimZ),
                                               block(gpu::MappingId::DimY),
                                               block(gpu::MappingId::DimX)});
    Value zero = bb.index(0), one = bb.index(1);
    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{zero, zero, zero},
        ArrayRef<OpFoldResult>{batch, bb.index(numHeads), queryBlocks},
        ArrayRef<OpFoldResult>{one, one, one}, ValueRange{}, mapping);
    rewriter.setInsertionPointToStart(forall.getBody());
    buildBlock(bb, forall.getInductionVars(), q, k, v, out, queries, keys, bq,
               bk, e, f, op.getCausal(), op.getScaleValue());

    rewriter.setInsertionPointAfter(forall);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  /// Whether the tensor-core kernel takes this attention: 16-bit storage and
  /// head sizes within its limits (the f32 path stays exact).
  bool usesTensorCores(RankedTensorType qType, int64_t e, int64_t f) const {
    Type element = qType.getElementType();
    return tiling.tensorCores && (element.isF16() || element.isBF16()) &&
           e % 16 == 0 && f % 16 == 0 && e <= kMaxMmaHeadSize &&
           f <= kMaxMmaHeadSize;
  }

  /// sas.mma_attention on the operands' buffers into a new buffer; the
  /// kernel is built after bufferization (convert-sas-mma-attention-to-nvvm).
  LogicalResult lowerToMmaAttention(AttentionOp op,
                                    PatternRewriter &rewriter) const {
    int64_t e = op.getQ().getType().getDimSize(3),
            f = op.getV().getType().getDimSize(3);
    int64_t warpRows = tiling.mmaWarpRows;
    int64_t warps = tiling.mmaWarps, keyTile = tiling.mmaKeyTile;
    // The sm_90a kernel reads k K-major (any q/k head size that is a
    // multiple of 16) and v MN-major (whole 64-column panels).
    bool wgmma = tiling.target.hasWgmma && f % 64 == 0;
    if (wgmma) {
      // The sm_90a kernel's shape: 16 rows a warp, its own key tile.
      warps = tiling.wgmmaWarps;
      warpRows = 16;
      keyTile = tiling.wgmmaKeyTile ? tiling.wgmmaKeyTile
                                    : (e <= 64 ? 128 : 64);
    }
    auto check = [&](int64_t rows, int64_t keys, EmitErrorFn emitError) {
      return (wgmma ? checkWgmmaAttentionTiling : checkMmaAttentionTiling)(
          tiling.target, e, f, warps, rows, keys, tiling.mmaStages, emitError);
    };
    fitTiling(op, check, e, f, warpRows, keyTile,
              /*minKeyTile=*/wgmma ? 32 : 16);
    if (failed(check(warpRows, keyTile, [&] { return op.emitOpError(); })))
      return failure();
    OpBuffers buffers = OpBuffers::create(op, rewriter);
    MmaAttentionOp::create(
        rewriter, op.getLoc(), buffers.inputs[0], buffers.inputs[1],
        buffers.inputs[2], buffers.out,
        /*lse=*/op.getLse() ? buffers.outs[1] : Value(), op.getCausal(),
        llvm::APFloat(static_cast<float>(op.getScaleValue())), warps, warpRows,
        keyTile, tiling.mmaStages, wgmma);
    buffers.replaceWithBuffer(op, rewriter);
    return success();
  }

  /// Where the asked tiling fails `check` (its fragments would not fit a
  /// thread's registers, or its k/v ring the target's shared memory), the
  /// nearest that passes: 16 rows a warp rather than 32 where registers
  /// are short (a k/v fragment then serves one row tile, not two), then
  /// half the keys a step, down to `minKeyTile`. A remark names the tiling
  /// taken and the asked one's failure.
  static void
  fitTiling(AttentionOp op,
            function_ref<LogicalResult(int64_t, int64_t, EmitErrorFn)> check,
            int64_t e, int64_t f, int64_t &warpRows, int64_t &keyTile,
            int64_t minKeyTile) {
    auto fits = [&] {
      ScopedDiagnosticHandler drop(op->getContext(),
                                   [](Diagnostic &) { return success(); });
      return succeeded(
          check(warpRows, keyTile, [&] { return op->emitRemark(); }));
    };
    int64_t askedRows = warpRows, askedKeys = keyTile;
    while (!fits() && (warpRows > 16 || keyTile > minKeyTile)) {
      if (warpRows > 16 && getAttentionFragmentRegisters(
                               e, f, warpRows, keyTile) > kMaxFragmentRegisters)
        warpRows = 16;
      else
        keyTile /= 2;
    }
    if (warpRows == askedRows && keyTile == askedKeys)
      return;
    (void)check(askedRows, askedKeys, [&] {
      return op.emitRemark() << op->getName() << " takes " << warpRows
                             << " rows a warp and " << keyTile
                             << " keys a step, not " << askedRows << " and "
                             << askedKeys << ": ";
    });
  }

  /// The body of one block: see the file header.
  static void buildBlock(BlockBuilder &bb, ValueRange ivs, Value q, Value k,
                         Value v, Value out, Value queries, Value keys,
                         int64_t bq, int64_t bk, int64_t e, int64_t f,
                         bool causal, double scale) {
    OpBuilder &b = bb.b;
    Location loc = bb.loc;
    Value batch = ivs[0], head = ivs[1];
    Value q0 = arith::MulIOp::create(b, loc, ivs[2], bb.index(bq));
    Value rows = arith::MinSIOp::create(
        b, loc, bb.index(bq), arith::SubIOp::create(b, loc, queries, q0));

    BlockTiles tiles(bq, bk, e, f);
    Value kTile = bb.shared(tiles.key);
    Value vTile = bb.shared(tiles.value);
    Value scores = bb.shared(tiles.scores);
    Value acc = bb.shared(tiles.acc);
    Value rowMax = bb.shared(tiles.row), rowSum = bb.shared(tiles.row);
    Value newMax = bb.shared(tiles.row), correction = bb.shared(tiles.row);
    bb.fill(rowMax, -std::numeric_limits<double>::infinity());
    bb.fill(rowSum, 0.0);
    bb.fill(acc, 0.0);

    OpFoldResult zeroI = b.getIndexAttr(0), oneI = b.getIndexAttr(1);
    auto rowsView = [&](Value buffer) {
      return bb.view(buffer, {zeroI}, {rows}, {ShapedType::kDynamic});
    };
    Value m = rowsView(rowMax), l = rowsView(rowSum), m2 = rowsView(newMax),
          c = rowsView(correction);
    Value accRows = bb.view(acc, {zeroI, zeroI}, {rows, b.getIndexAttr(f)},
                            {ShapedType::kDynamic, f});
    Value qRows = bb.view(q, {batch, q0, head, zeroI},
                          {oneI, rows, oneI, b.getIndexAttr(e)},
                          {ShapedType::kDynamic, e});

    // Under causal, the last key block is the one holding the last query.
    Value keyEnd = keys;
    if (causal)
      keyEnd = arith::MinSIOp::create(b, loc, keys,
                                      arith::AddIOp::create(b, loc, q0, rows));
    Value keyBlocks = arith::CeilDivUIOp::create(b, loc, keyEnd, bb.index(bk));
    auto loop = scf::ForOp::create(b, loc, bb.index(0), keyBlocks, bb.index(1));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      BlockTile tile{batch,  head,  q0, rows, qRows, k, v, keyEnd, kTile,
                     vTile,  scores, accRows, m, l, m2, c, bk, e, f,
                     causal, scale};
      buildKeyStep(bb, tile, loop.getInductionVar());
    }

    // out = acc / l, in the result's element type.
    Value outRows = bb.view(out, {batch, q0, head, zeroI},
                            {oneI, rows, oneI, b.getIndexAttr(f)},
                            {ShapedType::kDynamic, f});
    Type outType = cast<MemRefType>(out.getType()).getElementType();
    bb.generic({accRows, l}, {outRows},
               {bb.map(2, {0, 1}), bb.map(2, {0}), bb.map(2, {0, 1})}, 2, 2,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 Value r = arith::DivFOp::create(nb, nloc, args[0], args[1]);
                 if (outType != r.getType())
                   r = arith::TruncFOp::create(nb, nloc, outType, r);
                 linalg::YieldOp::create(nb, nloc, r);
               });
  }

  /// One block's view of the operands, its shared tiles and its running
  /// state (views of `rows` rows), as the key step reads them.
  struct BlockTile {
    Value batch, head, q0, rows, qRows, k, v, keyEnd;
    Value kTile, vTile, scores, accRows;
    Value m, l, m2, c; // row max, row sum, new row max, correction
    int64_t bk, e, f;
    bool causal;
    double scale;
  };

  /// One online-softmax step over key block `keyBlock`: stage k and v, then
  /// each step of the file header as one linalg op on the shared tiles.
  static void buildKeyStep(BlockBuilder &bb, const BlockTile &t,
                           Value keyBlock) {
    Value batch = t.batch, head = t.head, q0 = t.q0, rows = t.rows,
          qRows = t.qRows, k = t.k, v = t.v, keyEnd = t.keyEnd;
    Value kTile = t.kTile, vTile = t.vTile, scores = t.scores,
          accRows = t.accRows, m = t.m, l = t.l, m2 = t.m2, c = t.c;
    int64_t bk = t.bk, e = t.e, f = t.f;
    bool causal = t.causal;
    double scale = t.scale;
    OpBuilder &b = bb.b;
    Location loc = bb.loc;
    OpFoldResult zeroI = b.getIndexAttr(0), oneI = b.getIndexAttr(1);
    int64_t dyn = ShapedType::kDynamic;
    Value k0 = arith::MulIOp::create(b, loc, keyBlock, bb.index(bk));
    Value cols = arith::MinSIOp::create(
        b, loc, bb.index(bk), arith::SubIOp::create(b, loc, keyEnd, k0));

    // Stage the k and v tiles in f32.
    auto stage = [&](Value source, Value tile, int64_t width) {
      Value from =
          bb.view(source, {batch, k0, head, zeroI},
                  {oneI, cols, oneI, b.getIndexAttr(width)}, {dyn, width});
      Value to = bb.view(tile, {zeroI, zeroI}, {cols, b.getIndexAttr(width)},
                         {dyn, width});
      bb.generic({from}, {to}, {bb.map(2, {0, 1}), bb.map(2, {0, 1})}, 2, 2,
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   BlockBuilder inner(nb, nloc);
                   linalg::YieldOp::create(nb, nloc, inner.toF32(args[0]));
                 });
      return to;
    };
    Value kCols = stage(k, kTile, e);
    Value vCols = stage(v, vTile, f);

    // s = q k^T.
    Value s = bb.view(scores, {zeroI, zeroI}, {rows, cols}, {dyn, dyn});
    bb.fill(s, 0.0);
    bb.generic(
        {qRows, kCols}, {s},
        {bb.map(3, {0, 2}), bb.map(3, {1, 2}), bb.map(3, {0, 1})}, 3, 2,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          BlockBuilder inner(nb, nloc);
          Value p =
              arith::MulFOp::create(nb, nloc, inner.toF32(args[0]), args[1]);
          linalg::YieldOp::create(
              nb, nloc, (Value)arith::AddFOp::create(nb, nloc, args[2], p));
        });

    // Scale (with log2(e), for exp2) and mask keys past the query.
    double scaleLog2 = scale / std::log(2.0);
    bb.generic({}, {s}, {bb.map(2, {0, 1})}, 2, 2,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 BlockBuilder inner(nb, nloc);
                 Value x = arith::MulFOp::create(nb, nloc, args[0],
                                                 inner.f32(scaleLog2));
                 if (causal) {
                   // Keys past the end are never in the tile: only the
                   // causal mask.
                   Value i = linalg::IndexOp::create(nb, nloc, 0);
                   Value j = linalg::IndexOp::create(nb, nloc, 1);
                   Value query = arith::AddIOp::create(nb, nloc, q0, i);
                   Value key = arith::AddIOp::create(nb, nloc, k0, j);
                   x = online_softmax::maskScore(
                       nb, nloc,
                       online_softmax::isHiddenKey(nb, nloc, key, query,
                                                   /*numKeys=*/{}, causal),
                       x);
                 }
                 linalg::YieldOp::create(nb, nloc, x);
               });

    // m' = max(m, rowmax s). The first key block holds key 0, which every
    // query sees, so m' is finite from the first step on.
    bb.generic({m}, {m2}, {bb.map(1, {0}), bb.map(1, {0})}, 1, 1,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 linalg::YieldOp::create(nb, nloc, args[0]);
               });
    bb.generic({s}, {m2}, {bb.map(2, {0, 1}), bb.map(2, {0})}, 2, 1,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 linalg::YieldOp::create(nb, nloc,
                                         (Value)arith::MaximumFOp::create(
                                             nb, nloc, args[0], args[1]));
               });
    // s = exp2(s - m').
    auto exp2 = [](OpBuilder &nb, Location nloc, Value x) -> Value {
      return math::Exp2Op::create(nb, nloc, x);
    };
    bb.generic({m2}, {s}, {bb.map(2, {0}), bb.map(2, {0, 1})}, 2, 2,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 linalg::YieldOp::create(
                     nb, nloc,
                     online_softmax::probability(nb, nloc, args[1], args[0],
                                                 exp2));
               });
    // c = exp2(m - m'); l = l * c; m = m'.
    bb.generic(
        {m2}, {c, l, m},
        {bb.map(1, {0}), bb.map(1, {0}), bb.map(1, {0}), bb.map(1, {0})}, 1, 1,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value corr =
              online_softmax::rescaleFactor(nb, nloc, args[3], args[0], exp2);
          Value sum = online_softmax::rescale(nb, nloc, args[2], corr);
          linalg::YieldOp::create(nb, nloc, ValueRange{corr, sum, args[0]});
        });
    // l += rowsum s.
    bb.generic({s}, {l}, {bb.map(2, {0, 1}), bb.map(2, {0})}, 2, 1,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 linalg::YieldOp::create(
                     nb, nloc,
                     (Value)arith::AddFOp::create(nb, nloc, args[1], args[0]));
               });
    // acc = acc * c + s v, in one op: the reduction starts from the rescaled
    // accumulator at j = 0.
    bb.generic({c}, {accRows}, {bb.map(2, {0}), bb.map(2, {0, 1})}, 2, 2,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 linalg::YieldOp::create(
                     nb, nloc,
                     online_softmax::rescale(nb, nloc, args[1], args[0]));
               });
    bb.generic({s, vCols}, {accRows},
               {bb.map(3, {0, 2}), bb.map(3, {2, 1}), bb.map(3, {0, 1})}, 3, 2,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 Value p = arith::MulFOp::create(nb, nloc, args[0], args[1]);
                 linalg::YieldOp::create(
                     nb, nloc,
                     (Value)arith::AddFOp::create(nb, nloc, args[2], p));
               });
  }

  GPUAttentionTiling tiling;
};

struct ConvertSASAttentionToGPUPass
    : sas::impl::ConvertSASAttentionToGPUBase<ConvertSASAttentionToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    if (queryTile <= 0 || keyTile <= 0 || sharedMemoryBytes <= 0) {
      emitError(getOperation()->getLoc())
          << "convert-sas-attention-to-gpu: query-tile, key-tile and "
             "shared-memory-bytes must be positive";
      return signalPassFailure();
    }
    FailureOr<TargetDescription> target = getTargetDescription(getOperation());
    if (failed(target))
      return signalPassFailure();
    GPUAttentionTiling tiling;
    tiling.queryTile = queryTile;
    tiling.keyTile = keyTile;
    tiling.sharedMemoryBytes = sharedMemoryBytes;
    tiling.tensorCores = tensorCores;
    tiling.mmaWarps = mmaWarps;
    tiling.mmaWarpRows = mmaWarpRows;
    tiling.mmaKeyTile = mmaKeyTile;
    tiling.mmaStages = mmaStages;
    tiling.target = *target;
    tiling.wgmmaWarps = wgmmaWarps;
    tiling.wgmmaKeyTile = wgmmaKeyTile;
    tiling.attentionGradWgmma = attentionGradWgmma;
    // Head sizes are checked per op; the tiling alone against the limits.
    auto error = [&] {
      return emitError(getOperation()->getLoc())
             << "convert-sas-attention-to-gpu: ";
    };
    if (tensorCores &&
        failed(checkMmaAttentionTiling(*target, /*e=*/16, /*f=*/16, mmaWarps,
                                       mmaWarpRows, mmaKeyTile, mmaStages,
                                       error)))
      return signalPassFailure();
    if (tensorCores && target->hasWgmma &&
        failed(checkWgmmaAttentionTiling(
            *target, /*e=*/64, /*f=*/64, wgmmaWarps, 16,
            wgmmaKeyTile ? static_cast<int64_t>(wgmmaKeyTile) : 64, mmaStages,
            error)))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateLowerAttentionToGPUPatterns(patterns, tiling);
    populateLowerAttentionGradToGPUPatterns(patterns, tiling);
    SmallVector<Operation *> attentions;
    getOperation()->walk([&](Operation *op) {
      if (isa<AttentionOp, AttentionGradOp>(op))
        attentions.push_back(op);
    });
    rewriteOpsToBuffers(attentions, std::move(patterns));
    // The patterns report why they did not apply.
    if (getOperation()
            ->walk([](Operation *op) {
              return isa<AttentionOp, AttentionGradOp>(op)
                         ? WalkResult::interrupt()
                         : WalkResult::advance();
            })
            .wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::sas::populateLowerAttentionToGPUPatterns(
    RewritePatternSet &patterns, const GPUAttentionTiling &tiling) {
  patterns.add<LowerAttentionToGPUPattern>(patterns.getContext(), tiling);
}
