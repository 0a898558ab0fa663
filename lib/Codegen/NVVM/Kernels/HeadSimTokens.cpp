//===- HeadSimTokens.cpp - What the head-simulation kernels share ---------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "HeadSimTokens.h"

#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/KernelLimits.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

gpu::LaunchOp sas::createHeadSimLaunch(OpBuilder &b, Operation *op,
                                       StringRef kind, unsigned index, Value x,
                                       int64_t simHeads, int64_t warps,
                                       int64_t groupsPerBlock,
                                       int64_t sharedBytes,
                                       int64_t minBlocksPerSM, Value &tokens) {
  Location loc = op->getLoc();
  tokens = createTokenCount(b, loc, x);
  int64_t dim = cast<MemRefType>(x.getType()).getDimSize(3);
  int64_t tokensPerBlock =
      warps / getHeadSimWarpsPerToken(simHeads, dim) * groupsPerBlock;
  Value blocks = arith::CeilDivUIOp::create(
      b, loc, tokens, arith::ConstantIndexOp::create(b, loc, tokensPerBlock));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return createKernelLaunch(b, op, kind, index, {blocks, one, one}, 32 * warps,
                            sharedBytes, minBlocksPerSM);
}

/// Weight elements a thread loads before storing them.
static constexpr int64_t kStageBatch = 16;

HeadSimTokenBuilder::HeadSimTokenBuilder(OpBuilder &b, Location loc,
                                         Type element, int64_t heads,
                                         int64_t simHeads, int64_t dim,
                                         int64_t kernel, int64_t warps)
    : b(b), loc(loc), k(b, loc), frag(b, loc, element), mem(b, loc),
      element(element), heads(heads), dim(dim), simHeads(simHeads),
      kernel(kernel), pad((kernel - 1) / 2), warps(warps),
      perToken(getHeadSimWarpsPerToken(simHeads, dim)),
      tokensPerGroup(warps / perToken), headsPadded((heads + 15) / 16 * 16),
      simHeadsPadded((simHeads + 15) / 16 * 16), tileRows(dim + kernel - 1),
      warpPositions(dim / perToken) {}

void HeadSimTokenBuilder::setThread(Value threadX, Value tokenCount) {
  k.setThread(threadX);
  tokens = k.toI64(tokenCount);
  slot = k.div(k.warp, perToken);
  firstPosition = k.mulC(k.rem(k.warp, perToken), warpPositions);
}

HeadSimTokenBuilder::TokenRows
HeadSimTokenBuilder::tokenRows(Value buffer, int64_t channels,
                               int64_t rowBytes) const {
  int64_t pairs = (channels + 1) / 2;
  int64_t units = tokensPerGroup * pairs * dim / 2;
  return {
      buffer,  channels, pairs, units, (units + 32 * warps - 1) / (32 * warps),
      rowBytes};
}

namespace {
/// A group's token, first (even) channel and position pair of unit `e`.
/// Eight consecutive units are eight position pairs of one channel pair (a
/// whole 32-byte sector of each channel); the units after them move on to
/// the next channel pair, so the 32 lanes of a warp store to rows of four
/// channel pairs, not of one: with the rows 48 or 80 bytes apart, lanes of
/// one channel pair on rows 2jp collide in 4 of the 32 banks (8-way
/// conflicts), lanes of four in 16.
struct InputUnit {
  InputUnit(KernelArith &k, Value e, int64_t channelPairs, int64_t dim) {
    Value rest = k.div(e, 8);
    Value rows = k.div(rest, channelPairs);
    pair = k.add(k.mulC(k.rem(rows, dim / 16), 8), k.rem(e, 8));
    token = k.div(rows, dim / 16);
    channel = k.mulC(k.rem(rest, channelPairs), 2);
  }
  Value token, channel, pair;
};
} // namespace

SmallVector<Value> HeadSimTokenBuilder::loadTokenRows(const TokenRows &rows,
                                                      Value firstToken) {
  Value base = mem.globalBase(rows.buffer);
  SmallVector<Value> pairs;
  for (int64_t i = 0; i < rows.steps; ++i) {
    Value e = k.addC(k.tid, i * 32 * warps);
    InputUnit u(k, e, rows.channelPairs, dim);
    Value token = k.add(firstToken, k.toI64(u.token));
    Value exists = k.slt(token, tokens);
    if (rows.units % (32 * warps) != 0)
      exists =
          arith::AndIOp::create(b, loc, exists, k.slt(e, k.i32(rows.units)));
    for (int64_t second = 0; second < 2; ++second) {
      Value c = k.addC(u.channel, second);
      Value valid = exists;
      if (second && rows.channels % 2)
        valid = arith::AndIOp::create(b, loc, valid,
                                      k.slt(c, k.i32(rows.channels)));
      Value element = k.add(
          k.mulC(k.select(valid, token, k.i64(0)), rows.channels * dim),
          k.toI64(k.select(valid, k.add(k.mulC(c, dim), k.mulC(u.pair, 2)),
                           k.i32(0))));
      Value pair = mem.loadI32(mem.offset(base, k.mulC(element, 2)));
      pairs.push_back(k.select(valid, pair, k.i32(0)));
    }
  }
  return pairs;
}

/// Rows p + 2jp and p + 2jp + 1 get channels c, c + 1 as one 32-bit store
/// each (the two pairs' low halves, then their high halves).
void HeadSimTokenBuilder::storeTokenRows(const TokenRows &rows,
                                         ArrayRef<Value> pairs, Value shared) {
  Value low = k.i32(0xFFFF), high = k.i32(static_cast<int32_t>(0xFFFF0000u));
  Value sixteen = k.i32(16);
  for (int64_t i = 0; i < rows.steps; ++i) {
    Value e = k.addC(k.tid, i * 32 * warps);
    auto store = [&] {
      InputUnit u(k, e, rows.channelPairs, dim);
      Value a = pairs[2 * i], c = pairs[2 * i + 1];
      Value first =
          arith::OrIOp::create(b, loc, arith::AndIOp::create(b, loc, a, low),
                               arith::ShLIOp::create(b, loc, c, sixteen));
      Value second = arith::OrIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, a, sixteen),
          arith::AndIOp::create(b, loc, c, high));
      Value tile =
          mem.offset(shared, k.mulC(u.token, tileRows * rows.rowBytes));
      Value address = mem.offset(
          tile, k.add(k.mulC(k.addC(k.mulC(u.pair, 2), pad), rows.rowBytes),
                      k.mulC(u.channel, 2)));
      mem.storeI32(first, address);
      mem.storeI32(second, mem.offset(address, k.i32(rows.rowBytes)));
    };
    if (rows.units % (32 * warps) == 0)
      store();
    else
      buildIf(b, loc, k.slt(e, k.i32(rows.units)), store);
  }
}

SmallVector<Value> HeadSimTokenBuilder::buildGroupLoop(
    Value blockX, int64_t groupsPerBlock,
    function_ref<SmallVector<Value>(Value)> initial,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  Value firstToken = k.mulC(k.toI64(blockX), groupsPerBlock * tokensPerGroup);
  Value groups = arith::MinSIOp::create(
      b, loc, k.i64(groupsPerBlock),
      arith::CeilDivSIOp::create(
          b, loc, arith::SubIOp::create(b, loc, tokens, firstToken),
          k.i64(tokensPerGroup)));
  auto loop = scf::ForOp::create(b, loc, k.i64(0), groups, k.i64(1),
                                 initial(firstToken));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value groupToken =
        k.add(firstToken, k.mulC(loop.getInductionVar(), tokensPerGroup));
    scf::YieldOp::create(b, loc, body(groupToken, loop.getRegionIterArgs()));
  }
  return SmallVector<Value>(loop.getResults());
}

void HeadSimTokenBuilder::zeroShared(Value base, int64_t bytes) {
  Value zero = arith::ConstantOp::create(
      b, loc,
      cast<TypedAttr>(b.getZeroAttr(VectorType::get(4, b.getI32Type()))));
  auto loop = scf::ForOp::create(b, loc, k.mulC(k.tid, 16), k.i32(bytes),
                                 k.i32(32 * warps * 16));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  mem.store(zero, mem.offset(base, loop.getInductionVar()));
}

/// Unrolled, the loads of a batch issued before its stores: a loop with one
/// load and its store a step waits a memory latency each step.
void HeadSimTokenBuilder::stageWeights(Value weights, int64_t inChannels,
                                       int64_t rowBytes, Value shared) {
  Value base = mem.globalBase(weights);
  int64_t threads = 32 * warps, count = simHeads * inChannels * kernel;
  int64_t steps = (count + threads - 1) / threads;
  for (int64_t first = 0; first < steps; first += kStageBatch) {
    SmallVector<std::pair<Value, Value>> batch; // element index, value
    for (int64_t i = first; i < std::min(steps, first + kStageBatch); ++i) {
      Value e = k.addC(k.tid, i * threads);
      // Past the end (the last step only): reload element 0, store nowhere.
      Value exists = k.slt(e, k.i32(count));
      Value index = k.select(exists, e, k.i32(0));
      batch.push_back(
          {e, mem.load(element, mem.offset(base, k.mulC(index, 2)))});
    }
    for (auto [e, v] : batch) {
      auto store = [&, e = e, v = v] {
        Value o = k.div(e, inChannels * kernel);
        Value c = k.rem(k.div(e, kernel), inChannels);
        Value tap = k.rem(e, kernel);
        Value row = k.add(k.mulC(tap, simHeadsPadded), o);
        mem.store(
            v, mem.offset(shared, k.add(k.mulC(row, rowBytes), k.mulC(c, 2))));
      };
      if (count % threads == 0)
        store();
      else
        buildIf(b, loc, k.slt(e, k.i32(count)), store);
    }
  }
}

std::array<Value, 2> HeadSimTokenBuilder::loadBias(Value bias, int64_t m) {
  Value base = mem.globalBase(bias);
  std::array<Value, 2> result;
  for (int r = 0; r < 2; ++r) {
    Value o = k.addC(k.group, 16 * m + 8 * r);
    Value exists = k.slt(o, k.i32(simHeads));
    Value v = mem.load(
        element, mem.offset(base, k.mulC(k.select(exists, o, k.i32(0)), 2)));
    result[r] =
        k.select(exists, arith::ExtFOp::create(b, loc, b.getF32Type(), v),
                 frag.f32(0.0));
  }
  return result;
}

void HeadSimTokenBuilder::convolve(Tiles &acc, Value weights,
                                   int64_t weightRowBytes, Value aLane,
                                   int64_t contraction, bool transposed,
                                   Value rows, int64_t rowBytes, Value bLane) {
  // One 16-channel step at a time: only its A fragments are live.
  for (int64_t tap = 0; tap < kernel; ++tap)
    for (int64_t kk = 0; kk < (contraction + 15) / 16; ++kk) {
      SmallVector<SmallVector<AFragment>> a(acc.size());
      for (int64_t m = 0; m < static_cast<int64_t>(acc.size()); ++m) {
        // The A tile (rows 16m, columns 16kk) of tap `tap`'s matrix: stored
        // as is, or (transposed) the stored tile (rows 16kk, columns 16m)
        // of the flipped tap.
        int64_t offset =
            transposed
                ? ((kernel - 1 - tap) * simHeadsPadded + 16 * kk) *
                          weightRowBytes +
                      32 * m
                : (tap * simHeadsPadded + 16 * m) * weightRowBytes + 32 * kk;
        a[m].push_back(frag.loadMatrixX4(
            mem.offset(weights, k.add(aLane, k.i32(offset))), transposed));
      }
      frag.multiplyTransposed(
          acc, a,
          mem.offset(rows, k.add(bLane, k.i32(tap * rowBytes + 32 * kk))),
          rowBytes);
    }
}

void HeadSimTokenBuilder::storePositionMajor(const Tiles &tiles, Value tile,
                                             int64_t rowBytes) {
  // Row c = 16m + g (+ 8), position j = 8n + 2q (+ 1): constant offsets
  // from the lane's first element, so one address register serves all (a
  // separate address per element kept 32 live across the group loop).
  Value j0 = k.add(firstPosition, k.addC(k.mulC(k.quad, 2), pad));
  Value lane =
      mem.offset(tile, k.add(k.mulC(j0, rowBytes), k.mulC(k.group, 2)));
  for (size_t m = 0; m < tiles.size(); ++m)
    for (size_t n = 0; n < tiles[m].size(); ++n)
      for (int e = 0; e < 4; ++e) {
        int64_t offset = (8 * n + AccLayout::column(e)) * rowBytes +
                         (16 * m + 8 * AccLayout::row(e)) * 2;
        Value v = arith::TruncFOp::create(b, loc, element, tiles[m][n][e]);
        mem.store(v, mem.offset(lane, k.i32(offset)));
      }
}

void HeadSimTokenBuilder::storeTokens(const Tiles &acc, Value buffer,
                                      int64_t channels, Value firstToken,
                                      Value stage) {
  Value token = k.add(firstToken, k.toI64(slot));
  Value base = mem.globalBase(buffer);
  // Row o of the token (o < channels: the padding rows are not stored).
  auto ifRowExists = [&](int64_t m, Value o, function_ref<void()> store) {
    if (16 * m + 16 <= channels)
      store();
    else
      buildIf(b, loc, k.slt(o, k.i32(channels)), store);
  };
  buildIf(b, loc, k.slt(token, tokens), [&] {
    if (stage) {
      // 16 bytes a lane through the warp's stage: whole 32-byte sectors.
      for (size_t m = 0; m < acc.size(); ++m)
        frag.storeTilesThroughShared(
            acc[m], 0, warpPositions / 8, stage, k.lane,
            [&](Value row, Value chunk, Value value) {
              Value o = k.addC(row, 16 * m);
              ifRowExists(m, o, [&] {
                Value e = k.add(
                    k.mulC(k.add(k.mulC(token, channels), k.toI64(o)), dim),
                    k.toI64(k.add(firstPosition, k.mulC(chunk, 8))));
                mem.store(value, mem.offset(base, k.mulC(e, 2)));
              });
            });
      return;
    }
    for (size_t m = 0; m < acc.size(); ++m)
      for (int r = 0; r < 2; ++r) {
        Value o = k.addC(k.group, 16 * m + 8 * r);
        ifRowExists(m, o, [&] {
          Value row = k.add(k.mulC(token, channels), k.toI64(o));
          Value j = k.add(firstPosition, k.mulC(k.quad, 2));
          Value address =
              mem.offset(base, k.mulC(k.add(k.mulC(row, dim), k.toI64(j)), 2));
          for (size_t n = 0; n < acc[m].size(); ++n)
            mem.storeI32(frag.pack(acc[m][n][AccLayout::reg(r, 0)],
                                   acc[m][n][AccLayout::reg(r, 1)]),
                         mem.offset(address, k.i32(16 * n)));
        });
      }
  });
}
