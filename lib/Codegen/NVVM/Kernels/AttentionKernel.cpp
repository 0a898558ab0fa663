//===- AttentionKernel.cpp - Tensor-core flash attention --------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Replaces a sas.mma_attention with a gpu.launch whose body is a
// FlashAttention-2-style kernel on mma.sync tensor cores (sm_80 and later):
//
//   block (query block x, head y, batch z): W warps, 16 or 32 query rows
//   each (one or two 16-row tiles sharing every k and v fragment)
//     q fragments <- global                  (registers, for the whole loop)
//     m = -inf, l = 0, o = 0                 (registers, f32)
//     ring of `stages` k/v tiles in shared memory, filled by cp.async
//     for key block j in [0, full):          // below the diagonal: no mask
//       wait for block j; barrier
//       refill the slot of block j - 1       (block j + stages - 1; whole
//                                             blocks without bounds checks)
//       s = q k^T                            (mma.sync, k by ldmatrix)
//       online-softmax step                  (quad shuffles, exp2; m, l, o
//                                             rescaled only when a row's
//                                             max grew by more than 2^8)
//       o += p v                             (p packed in registers, v by
//                                             ldmatrix.trans)
//     for key block j in [full, end):        // the diagonal and the tail:
//       the same, with s masked               // keys past the query or S
//     out <- o / l                           (rows < T only)
//
// Under `causal` the loop ends at the block holding the block's last query:
// key blocks past the diagonal are never visited. The scale is folded with
// log2(e) into the exponent (p = exp2(s * c - m), one fma and one ex2 an
// element). k and v stay in their 16-bit type in shared memory; rows past
// the end of the keys are zero-filled by the copy, never read from global
// memory; query rows past T are computed but never stored.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernelBuilder.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"
#include "sas/Conversion/Common/OnlineSoftmax.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/bit.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::sas;
using namespace mlir::sas::attention;

/// How far (log2) a row's max may fall behind its scores before the kernel
/// moves it (onlineSoftmaxStep): p stays at most 2^8 = 256, far from
/// overflow in f32 sums and in bf16 and f16 alike.
static constexpr double kRescaleBound = 8.0;


Value AttentionKernelBuilder::rowOffset(Value batchIndex, Value length,
                                        Value token, int64_t width) {
  auto wide = [&](Value v) {
    return arith::ExtUIOp::create(b, loc, b.getI64Type(), v);
  };
  Value row = k.add(k.mul(wide(batchIndex), wide(length)), wide(token));
  row = k.add(k.mulC(row, numHeads), wide(head));
  return k.mulC(row, width * 2);
}

/// q rows of this warp as A fragments, one per 16 columns, read once from
/// global memory (rows past T read row T - 1 and are zeroed).
void AttentionKernelBuilder::loadQueryFragments(Value q) {
  Value qBase = mem.globalBase(q);
  Value zero = k.i32(0);
  for (int64_t m = 0; m < rowTiles; ++m) {
    std::array<Value, 2> rowAddress, valid;
    for (int r = 0; r < 2; ++r) {
      valid[r] = k.slt(rows[m][r], queries);
      Value row = k.minS(rows[m][r], k.addC(queries, -1));
      rowAddress[r] =
          mem.offset(mem.offset(qBase, rowOffset(batch, queries, row, e)),
                     k.mulC(quad, 4)); // bytes of 2q elements
    }
    auto load = [&](int r, int64_t column) {
      Value v = mem.loadI32(mem.offset(rowAddress[r], k.i32(column * 2)));
      return (Value)arith::SelectOp::create(b, loc, valid[r], v, zero);
    };
    qFrags.emplace_back();
    for (int64_t kk = 0; kk < e / 16; ++kk)
      qFrags.back().push_back({load(0, 16 * kk), load(1, 16 * kk),
                               load(0, 16 * kk + 8), load(1, 16 * kk + 8)});
  }
}

/// Starts the copies of key block `keyBlock`, if it is one of the
/// `numBlocks` to visit, into its ring slot: a block of keys that all exist
/// without the bounds checks of the tail block (two selects and a compare
/// a chunk: a tenth of a step's PTX instructions at E = 128).
void AttentionKernelBuilder::issueKeyValueLoadIfAny(Value keyBlock,
                                                    Value numBlocks) {
  Value stage = kvRing.slotIndex(keyBlock);
  auto exists = scf::IfOp::create(b, loc, k.slt(keyBlock, numBlocks));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&exists.getThenRegion().front());
  Value whole = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                      k.mulC(k.addC(keyBlock, 1), bk), keys);
  auto load = scf::IfOp::create(b, loc, whole, /*withElseRegion=*/true);
  b.setInsertionPointToStart(&load.getThenRegion().front());
  issueKeyValueLoad(keyBlock, stage, /*whole=*/true);
  b.setInsertionPointToStart(&load.getElseRegion().front());
  issueKeyValueLoad(keyBlock, stage, /*whole=*/false);
}

/// Starts the copies of key block `keyBlock` (k and v rows) into ring slot
/// `stage`. Unless the block is `whole`, rows past the keys are zero-filled,
/// their source never read.
void AttentionKernelBuilder::issueKeyValueLoad(Value keyBlock, Value stage,
                                               bool whole) {
  Value keyStart = k.mulC(keyBlock, bk);
  Value slot = mem.offset(ring, k.mulC(stage, stageBytes));
  Value tiles[2] = {slot, mem.offset(slot, k.i32(kTileBytes))};
  for (int t = 0; t < 2; ++t) {
    if (copies[t].empty()) {
      // No plan: addresses computed per chunk (any head size and threads).
      int64_t width = t == 0 ? e : f, rowBytes = t == 0 ? kRowBytes : vRowBytes;
      copyRowsAsync(t == 0 ? kBase : vBase, keyStart, keys, bk, width, tiles[t],
                    [&](Value row, Value column) {
                      return tileChunkOffset(row, column, width, rowBytes);
                    });
      continue;
    }
    for (const TileCopy &copy : copies[t]) {
      Value blockStart = mem.offset(
          copy.global,
          arith::MulIOp::create(
              b, loc, arith::ExtUIOp::create(b, loc, b.getI64Type(), keyStart),
              k.i64(copy.keyBytes)));
      Value firstKey = k.add(keyStart, copy.firstRow);
      Value dest = mem.offset(tiles[t], copy.sharedOffset);
      for (int64_t i = 0; i < copy.steps; ++i) {
        Value source =
            mem.offset(blockStart, k.i64(i * copy.rowsPerStep * copy.keyBytes));
        Value destination =
            mem.offset(dest, k.i32(i * copy.rowsPerStep * copy.rowBytes));
        if (whole) {
          mem.copyAsync16(destination, source, /*srcBytes=*/nullptr);
          continue;
        }
        Value inRange = k.slt(k.addC(firstKey, i * copy.rowsPerStep), keys);
        mem.copyAsync16(
            destination,
            arith::SelectOp::create(b, loc, inRange, source, copy.headStart),
            arith::SelectOp::create(b, loc, inRange, k.i32(16), k.i32(0)));
      }
    }
  }
}

/// The per-thread parts of the copy plan of a tile of `width` columns, one
/// a column segment, or none when the block's threads cannot cover whole
/// rows of some segment.
SmallVector<TileCopy> AttentionKernelBuilder::planTileCopy(Value global,
                                                           int64_t width,
                                                           int64_t rowBytes) {
  int64_t threads = 32 * warps;
  // A segment of `chunks` columns: the threads cover whole rows of it, the
  // key tile whole steps of those rows, and (swizzled) a thread's rows keep
  // their phase (row % 8) from step to step for its offsets to advance by
  // a constant.
  auto fits = [&](int64_t chunks) {
    if (threads % chunks != 0)
      return false;
    int64_t rowsPerStep = threads / chunks;
    return bk % rowsPerStep == 0 && rowsPerStep % getCopyRowGranule() == 0;
  };
  SmallVector<TileCopy> segments;
  for (int64_t start = 0, left = width / 8; left > 0;) {
    int64_t chunks = llvm::bit_floor(static_cast<uint64_t>(left));
    while (chunks > 0 && !fits(chunks))
      chunks /= 2;
    if (chunks == 0)
      return {};
    TileCopy copy;
    copy.rowBytes = rowBytes;
    copy.keyBytes = numHeads * width * 2;
    copy.rowsPerStep = threads / chunks;
    copy.steps = bk / copy.rowsPerStep;
    copy.firstRow = arith::DivUIOp::create(b, loc, tid, k.i32(chunks));
    Value column =
        k.addC(arith::RemUIOp::create(b, loc, tid, k.i32(chunks)), start);
    copy.headStart =
        mem.offset(global, rowOffset(batch, keys, k.i32(0), width));
    copy.global = mem.offset(
        mem.offset(global, rowOffset(batch, keys, copy.firstRow, width)),
        k.mulC(column, 16));
    copy.sharedOffset = tileChunkOffset(copy.firstRow, column, width, rowBytes);
    segments.push_back(copy);
    start += chunks;
    left -= chunks;
  }
  return segments;
}

/// Rows [start, start + rows) of this block's head in a [B, L, N, width]
/// tensor with L = `limit` into `tile` at destOffset(row, 16-byte column),
/// the block's threads taking the 16-byte chunks in turn; rows past `limit`
/// are zero-filled and their source never read.
void AttentionKernelBuilder::copyRowsAsync(
    Value global, Value start, Value limit, int64_t rows, int64_t width,
    Value tile, function_ref<Value(Value, Value)> destOffset) {
  int64_t chunksPerRow = width / 8;
  forEachThreadItem(
      b, loc, tid, 32 * warps, rows * chunksPerRow, [&](Value chunk) {
        Value row = arith::DivUIOp::create(b, loc, chunk, k.i32(chunksPerRow));
        Value column =
            arith::RemUIOp::create(b, loc, chunk, k.i32(chunksPerRow));
        Value index = k.add(start, row);
        Value inRange = k.slt(index, limit);
        Value source = mem.offset(
            mem.offset(global,
                       rowOffset(batch, limit, k.minS(index, k.addC(limit, -1)),
                                 width)),
            k.mulC(column, 16));
        mem.copyAsync16(
            mem.offset(tile, destOffset(row, column)), source,
            arith::SelectOp::create(b, loc, inRange, k.i32(16), k.i32(0)));
      });
}

/// Scores of keys past the end, or past the query under causal, to -inf.
void AttentionKernelBuilder::maskScores(Scores &s, Value keyStart) {
  Value laneKey = k.add(keyStart, k.mulC(quad, 2));
  for (int64_t j = 0; j < bk / 8; ++j)
    for (int i = 0; i < 4; ++i) {
      Value key = k.addC(laneKey, 8 * j + AccLayout::column(i));
      for (int64_t m = 0; m < rowTiles; ++m)
        s[m][j][i] = online_softmax::maskScore(
            b, loc,
            online_softmax::isHiddenKey(b, loc, key, rows[m][AccLayout::row(i)], keys,
                                        causal),
            s[m][j][i]);
    }
}

/// Per row tile: m' = max(m, c * rowmax s); p = exp2(c * s - m');
/// l = l * exp2(m - m') + rowsum p (this lane's part; the quad sum is taken
/// once, at the end); o = o * exp2(m - m'). Returns p as A fragments for
/// p v. c > 0, so the scale can be applied after the max.
///
/// The max moves lazily: only when some row of the warp would get p above
/// 2^kRescaleBound is m' taken (for every row of the warp, which keeps the
/// branch warp-uniform); otherwise m, l and o stay as they are. After the
/// first key block that is rare, and it saves a step its exponentials of
/// m - m' and the F / 2 multiplications rescaling o (a tenth of the
/// step's instructions at F = 64, where the kernel is issue-bound).
SmallVector<SmallVector<AFragment>>
AttentionKernelBuilder::onlineSoftmaxStep(SoftmaxState &state, Scores &s) {
  Value c = frag.f32(scaleLog2);
  auto exp2 = [&](OpBuilder &, Location, Value x) { return frag.exp2(x); };
  auto fma = [&](OpBuilder &, Location, Value x, Value y, Value z) {
    return frag.fma(x, y, z);
  };
  // The candidate maxima, and whether any row of the warp needs one.
  SmallVector<std::array<Value, 2>> newMax(rowTiles);
  Value grows;
  for (int64_t m = 0; m < rowTiles; ++m)
    for (int r = 0; r < 2; ++r) {
      Value rowMax = s[m][0][AccLayout::reg(r, 0)];
      for (int64_t j = 0; j < bk / 8; ++j)
        for (int i = 0; i < 2; ++i)
          if (j || i)
            rowMax = frag.max(rowMax, s[m][j][AccLayout::reg(r, i)]);
      rowMax = arith::MulFOp::create(b, loc, frag.quadMax(rowMax), c);
      newMax[m][r] = frag.max(state.max[m][r], rowMax);
      Value row = online_softmax::exceedsRescaleBound(
          b, loc, state.max[m][r], newMax[m][r], kRescaleBound);
      grows = grows ? arith::OrIOp::create(b, loc, grows, row) : row;
    }
  Value anyGrows = NVVM::VoteSyncOp::create(b, loc, b.getI1Type(), k.i32(-1),
                                            grows, NVVM::VoteSyncKind::any);

  // m' is the candidate where the warp moves, m elsewhere; c = exp2(m - m')
  // is then exactly 1.
  SmallVector<std::array<Value, 2>> correction(rowTiles);
  SmallVector<SmallVector<AFragment>> p(rowTiles);
  for (int64_t m = 0; m < rowTiles; ++m) {
    std::array<Value, 2> negMax;
    for (int r = 0; r < 2; ++r) {
      Value moved = arith::SelectOp::create(b, loc, anyGrows, newMax[m][r],
                                            state.max[m][r]);
      correction[m][r] =
          online_softmax::rescaleFactor(b, loc, state.max[m][r], moved, exp2);
      negMax[r] = online_softmax::negatedMax(b, loc, moved);
      state.max[m][r] = moved;
    }
    std::array<Value, 2> blockSum = {frag.f32(0.0), frag.f32(0.0)};
    for (int64_t j = 0; j < bk / 8; ++j)
      for (int i = 0; i < 4; ++i) {
        Value prob = online_softmax::scaledProbability(
            b, loc, s[m][j][i], c, negMax[AccLayout::row(i)], exp2, fma);
        s[m][j][i] = prob;
        int r = AccLayout::row(i);
        blockSum[r] = arith::AddFOp::create(b, loc, blockSum[r], prob);
      }
    for (int r = 0; r < 2; ++r)
      state.sum[m][r] = online_softmax::rescaledSum(
          b, loc, state.sum[m][r], correction[m][r], blockSum[r], fma);
    for (int64_t kk = 0; kk < bk / 16; ++kk)
      p[m].push_back(frag.accumulatorsToA(s[m][2 * kk], s[m][2 * kk + 1]));
  }

  // o is rescaled in a branch of its own, after p is packed: the branch
  // then holds o and p (half the registers of s).
  SmallVector<Value> acc = flattenRowTiles(state.acc);
  auto rescaled = scf::IfOp::create(b, loc, ValueRange(acc).getTypes(),
                                    anyGrows, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&rescaled.getThenRegion().front());
    SmallVector<Value> values;
    for (int64_t m = 0; m < rowTiles; ++m)
      for (const AccFragment &a : state.acc[m])
        for (int i = 0; i < 4; ++i)
          values.push_back(
              online_softmax::rescale(b, loc, a[i], correction[m][AccLayout::row(i)]));
    scf::YieldOp::create(b, loc, values);
    b.setInsertionPointToStart(&rescaled.getElseRegion().front());
    scf::YieldOp::create(b, loc, acc);
  }
  state.acc =
      unflattenRowTiles(SmallVector<Value>(rescaled.getResults()), rowTiles);
  return p;
}

/// scf.for over key blocks [lower, upper) with the softmax state in
/// iter_args. Each step waits for block j, then, past the barrier that says
/// every warp is done with step j - 1, refills the slot step j - 1 read with
/// block j + stages - 1, and computes: one barrier a step.
SoftmaxState AttentionKernelBuilder::buildKeyLoop(Value lower, Value upper,
                                                  Value numBlocks,
                                                  const SoftmaxState &init,
                                                  bool masked) {
  auto loop =
      scf::ForOp::create(b, loc, lower, upper, k.i32(1), init.flatten());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value j = loop.getInductionVar();
  SoftmaxState state =
      SoftmaxState::unflatten(loop.getRegionIterArgs(), rowTiles);

  kvRing.beginStep();
  kvRing.waitForStep();
  makeCopiesVisible();
  gpu::BarrierOp::create(b, loc);
  kvRing.refill(
      [&] { issueKeyValueLoadIfAny(k.addC(j, stages - 1), numBlocks); });

  Value stageBase = mem.offset(ring, k.mulC(kvRing.slotIndex(j), stageBytes));
  Scores s = computeScores(stageBase);
  if (masked)
    maskScores(s, k.mulC(j, bk));
  SmallVector<SmallVector<AFragment>> p = onlineSoftmaxStep(state, s);
  accumulateValues(state, p, stageBase);
  scf::YieldOp::create(b, loc, state.flatten());
  return SoftmaxState::unflatten(loop.getResults(), rowTiles);
}

/// out = o / l for the lane's rows that exist and, given `lse`, the rows'
/// log-sum-exp (m + log2 l) * ln 2: m is in the exp2 domain of the scaled
/// scores, and l sums exp2(c * s - m) whether or not m is the rows' max.
void AttentionKernelBuilder::storeOutput(Value out, Value lse,
                                         const SoftmaxState &state) {
  Value outBase = mem.globalBase(out);
  Value lseBase = lse ? mem.globalBase(lse) : Value();
  for (int64_t m = 0; m < rowTiles; ++m)
    for (int r = 0; r < 2; ++r) {
      Value sum = frag.quadSum(state.sum[m][r]);
      Value inverse = arith::DivFOp::create(b, loc, frag.f32(1.0), sum);
      auto store = scf::IfOp::create(b, loc, k.slt(rows[m][r], queries));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      if (lseBase) {
        Value logSumExp = arith::MulFOp::create(
            b, loc,
            arith::AddFOp::create(b, loc, state.max[m][r], frag.log2(sum)),
            frag.f32(std::log(2.0)));
        buildIf(b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, quad,
                                      k.i32(0)),
                [&] {
                  // One f32 a row of [B, T, N]: a "row" of two 16-bit
                  // elements in rowOffset's units.
                  mem.store(logSumExp,
                            mem.offset(lseBase, rowOffset(batch, queries,
                                                          rows[m][r], 2)));
                });
      }
      Value rowAddress = mem.offset(
          mem.offset(outBase, rowOffset(batch, queries, rows[m][r], f)),
          k.mulC(quad, 4));
      for (int64_t jf = 0; jf < f / 8; ++jf) {
        Value pair = frag.pack(
            arith::MulFOp::create(b, loc, state.acc[m][jf][AccLayout::reg(r, 0)], inverse),
            arith::MulFOp::create(b, loc, state.acc[m][jf][AccLayout::reg(r, 1)],
                                  inverse));
        mem.storeI32(pair, mem.offset(rowAddress, k.i32(16 * jf)));
      }
    }
}

void AttentionKernelBuilder::build(MmaAttentionOp op, Value blockX,
                                   Value blockY, Value blockZ, Value threadX,
                                   Value queryCount, Value keyCount,
                                   Value queryBlocks) {
  tid = k.toI32(threadX);
  lane = arith::RemUIOp::create(b, loc, tid, k.i32(32));
  warp = arith::DivUIOp::create(b, loc, tid, k.i32(32));
  group = arith::DivUIOp::create(b, loc, lane, k.i32(4));
  quad = arith::RemUIOp::create(b, loc, lane, k.i32(4));
  queries = k.toI32(queryCount);
  keys = k.toI32(keyCount);
  head = k.toI32(blockY);
  batch = k.toI32(blockZ);
  // Under causal, later query blocks visit more keys: launch them first
  // so that the last wave is made of short blocks.
  Value queryBlock = k.toI32(blockX);
  if (causal)
    queryBlock = arith::SubIOp::create(b, loc, k.addC(k.toI32(queryBlocks), -1),
                                       queryBlock);
  q0 = k.mulC(queryBlock, bq);
  Value warpRow = k.add(k.add(q0, k.mulC(warp, 16 * rowTiles)), group);
  for (int64_t m = 0; m < rowTiles; ++m)
    rows.push_back({k.addC(warpRow, 16 * m), k.addC(warpRow, 16 * m + 8)});

  kBase = mem.globalBase(op.getK());
  vBase = mem.globalBase(op.getV());
  smem = mem.sharedBase();
  ring = alignRing(smem);
  planLaneOffsets();

  copies[0] = planTileCopy(kBase, e, kRowBytes);
  copies[1] = planTileCopy(vBase, f, vRowBytes);
  // q in registers, read once: the A operand of q k^T on both paths (wgmma
  // takes A from registers in the mma.sync fragment layout), so the sm_90a
  // kernel's shared memory is the k/v ring alone.
  loadQueryFragments(op.getQ());

  // Key blocks: all up to the end of the keys, or of the block's queries
  // under causal; the first `full` need no mask (every key of the block is
  // visible to the block's first query and exists).
  Value keyEnd = keys;
  Value fullEnd = keys;
  if (causal) {
    keyEnd = k.minS(keys, k.addC(q0, bq));
    fullEnd = k.minS(keys, k.addC(q0, 1));
  }
  Value numBlocks = arith::CeilDivUIOp::create(b, loc, keyEnd, k.i32(bk));
  Value full = arith::DivUIOp::create(b, loc, fullEnd, k.i32(bk));

  // Prologue: blocks 0 .. stages - 2 in flight.
  kvRing.issuePrologue(
      [&](int64_t s) { issueKeyValueLoadIfAny(k.i32(s), numBlocks); });

  SoftmaxState state;
  Value minusInf = frag.f32(-std::numeric_limits<double>::infinity());
  for (int64_t m = 0; m < rowTiles; ++m) {
    state.max.push_back({minusInf, minusInf});
    state.sum.push_back({frag.f32(0.0), frag.f32(0.0)});
    state.acc.emplace_back(f / 8, frag.splat(0.0));
  }
  state = buildKeyLoop(k.i32(0), full, numBlocks, state, /*masked=*/false);
  state = buildKeyLoop(full, numBlocks, numBlocks, state, /*masked=*/true);
  finishKeyLoops();
  storeOutput(op.getOut(), op.getLse(), state);
}

LogicalResult sas::checkKernelTiling(MmaAttentionOp op,
                                     const TargetDescription &target) {
  int64_t e = op.getQ().getType().getDimSize(3),
          f = op.getV().getType().getDimSize(3);
  auto check =
      op.getWgmma() ? checkWgmmaAttentionTiling : checkMmaAttentionTiling;
  return check(target, e, f, op.getWarps(), op.getWarpRows(), op.getKeyTile(),
               op.getStages(), [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaAttentionOp op) {
  return AttentionSharedPlan(op.getQ().getType().getDimSize(3),
                             op.getV().getType().getDimSize(3), op.getKeyTile(),
                             op.getStages(), op.getWgmma())
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaAttentionOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  int64_t warps = op.getWarps();
  Value queries = memref::DimOp::create(b, loc, op.getQ(), 1);
  Value keys = memref::DimOp::create(b, loc, op.getK(), 1);
  Value queryBlocks = arith::CeilDivUIOp::create(
      b, loc, queries,
      arith::ConstantIndexOp::create(b, loc, op.getWarpRows() * warps));
  Value heads =
      arith::ConstantIndexOp::create(b, loc, op.getQ().getType().getDimSize(2));
  Value batch = memref::DimOp::create(b, loc, op.getQ(), 0);
  int64_t sharedBytes = getKernelSharedBytes(op);
  gpu::LaunchOp launch = createKernelLaunch(
      b, op, op.getWgmma() ? "attention_wgmma" : "attention_mma", index,
      {queryBlocks, heads, batch}, 32 * warps, sharedBytes,
      // sm_90a: as many blocks an SM as the shared memory and the
      // fragments allow (registers at most 65536 / (threads * blocks)). At
      // E = 128, F = 64: four blocks of 49 KiB, 128 registers; the lazy
      // rescaling's branch had ptxas take 137 unasked, three blocks.
      op.getWgmma() ? getWgmmaAttentionBlocksPerSM(
                          target, op.getQ().getType().getDimSize(3),
                          op.getV().getType().getDimSize(3), warps,
                          op.getKeyTile(), sharedBytes)
                    : 0);
  std::unique_ptr<AttentionKernelBuilder> kernel;
  if (op.getWgmma())
    kernel = std::make_unique<WgmmaAttentionBuilder>(b, loc, op);
  else
    kernel = std::make_unique<MmaSyncAttentionBuilder>(b, loc, op);
  kernel->build(op, launch.getBlockIds().x, launch.getBlockIds().y,
                launch.getBlockIds().z, launch.getThreadIds().x, queries, keys,
                queryBlocks);
  op.erase();
  return success();
}
