//===- HeadSimKernel.cpp - Head simulation on tensor cores ------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The kernel of sas.mma_head_sim. For one token, with X its [H, D] input,
// tap i of the head convolution is a matrix product
//
//   Y[o, j] += sum_c w[o, c, i] * X[c, j + i - p]
//
// of the tap's weights [H', H] (A) with X's columns shifted by i - p (B).
// Stored position-major in shared memory (row p + j holds X[:, j], rows
// 0 .. p-1 and p+D .. are zero), the shift is a shift of rows, which keeps
// every ldmatrix row 16-byte aligned: no copy per tap.
//
//   block of W warps; `warps per token` warps share a token's positions
//     shared <- 0; weights -> shared [tap][o][c]   (once; channels padded
//                                                   to 16, pads zero)
//     x rows of the first group -> registers
//     for each group of W / (warps per token) tokens:
//       x rows: registers -> shared, position-major (two channels a 32-bit
//               store, lanes spread over four channel pairs)
//       x rows of the next group -> registers      (in flight meanwhile)
//       acc = b + sum_i w_i X_i                    (mma.sync)
//       relu(acc) -> shared, position-major        (16-bit)
//       acc += res_b + sum_i res_w_i relu(Y)_i     (mma.sync)
//       out <- acc                                 (rows and tokens that exist;
//                                                   16 bytes a lane through
//                                                   the warp's stage where a
//                                                   warp has 32 or 64
//                                                   positions)
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::sas;

/// Token groups a block goes through after zeroing its shared memory and
/// staging the weights once: with 8, the weights (12 KiB at H = 12,
/// H' = 24) are read from L2 once per 32 tokens, and config 1 of
/// docs/baselines.md still has 256 blocks, about one for each of the
/// H200's 264 block slots (two an SM). 4-14% faster than 4 on all five
/// configs, same run (docs/perf.md).
static constexpr int64_t kHeadSimGroupsPerBlock = 8;
/// Blocks an SM ptxas is asked to fit: two 8-warp blocks, 128 registers a
/// thread. Unasked: 154 registers, one block an SM (12.5% occupancy, Nsight
/// Compute); asked: 15-18% faster on all five configs of docs/baselines.md
/// (docs/perf.md); relu(Y) stored from one address register and its
/// constants folded, it spills nothing (122, 110 and 128 registers at
/// H' = 24, 32 and 64).
static constexpr int64_t kHeadSimBlocksPerSM = 2;
/// Weight elements a thread loads before storing them.
static constexpr int64_t kStageBatch = 16;

namespace {

class HeadSimKernelBuilder {
public:
  HeadSimKernelBuilder(OpBuilder &b, Location loc, MmaHeadSimOp op)
      : b(b), loc(loc), k(b, loc),
        frag(b, loc, op.getX().getType().getElementType()), mem(b, loc),
        op(op),
        plan(op.getX().getType().getDimSize(2),
             op.getOut().getType().getDimSize(2),
             op.getX().getType().getDimSize(3),
             op.getW().getType().getDimSize(2), op.getWarps()) {
    heads = op.getX().getType().getDimSize(2);
    dim = op.getX().getType().getDimSize(3);
    simHeads = op.getOut().getType().getDimSize(2);
    kernel = op.getW().getType().getDimSize(2);
    pad = (kernel - 1) / 2;
    warps = op.getWarps();
    perToken = getHeadSimWarpsPerToken(simHeads, dim);
    tokensPerGroup = warps / perToken;
    headsPadded = (heads + 15) / 16 * 16;
    simHeadsPadded = (simHeads + 15) / 16 * 16;
    xRowBytes = plan.inputs.rowBytes();
    rRowBytes = plan.relus.rowBytes();
    tokenRows = dim + kernel - 1;
    warpPositions = dim / perToken;
    channelPairs = (heads + 1) / 2;
    inputUnits = tokensPerGroup * channelPairs * dim / 2;
    inputSteps = (inputUnits + 32 * warps - 1) / (32 * warps);
  }

  void build(Value blockX, Value threadX, Value tokenCount);

private:
  using Tiles = SmallVector<SmallVector<AccFragment>>;
  /// A group's token, first (even) channel and position pair of a unit.
  struct InputUnit {
    Value token, channel, pair;
  };

  void zeroShared();
  void stageWeights(Value weights, int64_t inChannels, int64_t rowBytes,
                    Value shared);
  std::array<Value, 2> loadBias(Value bias, int64_t m);
  InputUnit inputUnit(Value e);
  SmallVector<Value> loadInputs(Value firstToken);
  void storeInputs(ArrayRef<Value> pairs);
  void convolve(Tiles &acc, Value weights, int64_t inChannels,
                int64_t rowBytes, Value aLane, Value rows, Value bLane);
  void storeRelu(const Tiles &acc);
  void storeResult(const Tiles &acc, Value firstToken);
  SmallVector<Value> buildGroup(Value firstToken, ArrayRef<Value> pairs);

  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  MmaHeadSimOp op;
  HeadSimSharedPlan plan;

  int64_t heads, dim, simHeads, kernel, pad, warps, perToken, tokensPerGroup;
  int64_t headsPadded, simHeadsPadded, xRowBytes, rRowBytes, tokenRows,
      warpPositions;
  // A group's input in units of two channels at two positions: channel
  // pairs a token, units in all, units a thread.
  int64_t channelPairs, inputUnits, inputSteps;
  Value tokens; // i64
  Value wShared, rwShared, xShared, rShared, sShared;
  Value slot, firstPosition; // this warp's token in the group, position j0
  Value xLaneA, rLaneA, xLaneB, rLaneB;
  SmallVector<std::array<Value, 2>> bias, resBias; // [m-tile][row g, g + 8]
};

void HeadSimKernelBuilder::zeroShared() {
  int64_t bytes = plan.plan.getSize();
  Value zero = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(VectorType::get(4, b.getI32Type()))));
  auto loop = scf::ForOp::create(b, loc, k.mulC(k.tid, 16), k.i32(bytes),
                                 k.i32(32 * warps * 16));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  mem.store(zero, mem.offset(wShared, loop.getInductionVar()));
}

/// weights [H', C, K] (global) -> shared [tap][o][c], rows `rowBytes` apart.
/// Unrolled, the loads of a batch issued before its stores: a loop with
/// one load and its store a step waits a memory latency each step.
void HeadSimKernelBuilder::stageWeights(Value weights, int64_t inChannels,
                                        int64_t rowBytes, Value shared) {
  Value base = mem.globalBase(weights);
  Type element = op.getX().getType().getElementType();
  int64_t threads = 32 * warps, count = simHeads * inChannels * kernel;
  int64_t steps = (count + threads - 1) / threads;
  for (int64_t first = 0; first < steps; first += kStageBatch) {
    SmallVector<std::pair<Value, Value>> batch; // element index, value
    for (int64_t i = first; i < std::min(steps, first + kStageBatch); ++i) {
      Value e = k.addC(k.tid, i * threads);
      // Past the end (the last step only): reload element 0, store nowhere.
      Value exists = k.slt(e, k.i32(count));
      Value index = k.select(exists, e, k.i32(0));
      batch.push_back({e, mem.load(element, mem.offset(base, k.mulC(index, 2)))});
    }
    for (auto [e, v] : batch) {
      auto store = [&, e = e, v = v] {
        Value o = k.div(e, inChannels * kernel);
        Value c = k.rem(k.div(e, kernel), inChannels);
        Value tap = k.rem(e, kernel);
        Value row = k.add(k.mulC(tap, simHeadsPadded), o);
        mem.store(v, mem.offset(shared, k.add(k.mulC(row, rowBytes),
                                              k.mulC(c, 2))));
      };
      if (count % threads == 0)
        store();
      else
        buildIf(b, loc, k.slt(e, k.i32(count)), store);
    }
  }
}

/// The bias of this lane's rows o = 16m + g and 16m + g + 8, as f32 (0 for
/// the padding rows).
std::array<Value, 2> HeadSimKernelBuilder::loadBias(Value biasBuffer,
                                                    int64_t m) {
  Value base = mem.globalBase(biasBuffer);
  Type element = op.getX().getType().getElementType();
  std::array<Value, 2> result;
  for (int r = 0; r < 2; ++r) {
    Value o = k.addC(k.group, 16 * m + 8 * r);
    Value exists = k.slt(o, k.i32(simHeads));
    Value v = mem.load(element,
                       mem.offset(base, k.mulC(k.select(exists, o, k.i32(0)),
                                               2)));
    result[r] = k.select(exists,
                         arith::ExtFOp::create(b, loc, b.getF32Type(), v),
                         frag.f32(0.0));
  }
  return result;
}

/// Input unit `e` of a group: two channels c, c + 1 at two positions 2jp,
/// 2jp + 1 of token t. Eight consecutive units are eight position pairs
/// of one channel pair (a whole 32-byte sector of each channel); the
/// units after them move on to the next channel pair, so the 32 lanes of a
/// warp store to rows of four channel pairs, not of one: with the rows
/// 48 or 80 bytes apart, lanes of one channel pair on rows 2jp collide in
/// 4 of the 32 banks (8-way conflicts), lanes of four in 16.
HeadSimKernelBuilder::InputUnit HeadSimKernelBuilder::inputUnit(Value e) {
  Value rest = k.div(e, 8);
  Value rows = k.div(rest, channelPairs);
  Value jp = k.add(k.mulC(k.rem(rows, dim / 16), 8), k.rem(e, 8));
  return {k.div(rows, dim / 16), k.mulC(k.rem(rest, channelPairs), 2), jp};
}

/// This thread's part of the x rows of the group starting at `firstToken`,
/// two i32 position pairs a unit (channels c and c + 1); zero past the
/// tokens and channels (read clamped, never out of bounds). All issued
/// together, ahead of their use.
SmallVector<Value> HeadSimKernelBuilder::loadInputs(Value firstToken) {
  Value base = mem.globalBase(op.getX());
  SmallVector<Value> pairs;
  for (int64_t i = 0; i < inputSteps; ++i) {
    Value e = k.addC(k.tid, i * 32 * warps);
    InputUnit u = inputUnit(e);
    Value token = k.add(firstToken, k.toI64(u.token));
    Value exists = k.slt(token, tokens);
    if (inputUnits % (32 * warps) != 0)
      exists = arith::AndIOp::create(b, loc, exists,
                                     k.slt(e, k.i32(inputUnits)));
    for (int64_t second = 0; second < 2; ++second) {
      Value c = k.addC(u.channel, second);
      Value valid = exists;
      if (second && heads % 2)
        valid = arith::AndIOp::create(b, loc, valid, k.slt(c, k.i32(heads)));
      Value element = k.add(
          k.mulC(k.select(valid, token, k.i64(0)), heads * dim),
          k.toI64(k.select(valid, k.add(k.mulC(c, dim), k.mulC(u.pair, 2)),
                           k.i32(0))));
      Value pair = mem.loadI32(mem.offset(base, k.mulC(element, 2)));
      pairs.push_back(k.select(valid, pair, k.i32(0)));
    }
  }
  return pairs;
}

/// The units of loadInputs into shared memory, position-major: rows
/// p + 2jp and p + 2jp + 1 get channels c, c + 1 as one 32-bit store each
/// (the two pairs' low halves, then their high halves).
void HeadSimKernelBuilder::storeInputs(ArrayRef<Value> pairs) {
  Value low = k.i32(0xFFFF), high = k.i32(static_cast<int32_t>(0xFFFF0000u));
  Value sixteen = k.i32(16);
  for (int64_t i = 0; i < inputSteps; ++i) {
    Value e = k.addC(k.tid, i * 32 * warps);
    auto store = [&] {
      InputUnit u = inputUnit(e);
      Value a = pairs[2 * i], c = pairs[2 * i + 1];
      Value first = arith::OrIOp::create(
          b, loc, arith::AndIOp::create(b, loc, a, low),
          arith::ShLIOp::create(b, loc, c, sixteen));
      Value second = arith::OrIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, a, sixteen),
          arith::AndIOp::create(b, loc, c, high));
      Value tile = mem.offset(xShared, k.mulC(u.token, tokenRows * xRowBytes));
      Value address = mem.offset(
          tile, k.add(k.mulC(k.addC(k.mulC(u.pair, 2), pad), xRowBytes),
                      k.mulC(u.channel, 2)));
      mem.storeI32(first, address);
      mem.storeI32(second, mem.offset(address, k.i32(xRowBytes)));
    };
    if (inputUnits % (32 * warps) == 0)
      store();
    else
      buildIf(b, loc, k.slt(e, k.i32(inputUnits)), store);
  }
}

/// acc += sum over taps i of w_i (A, from `weights`) times the token's
/// rows shifted by i (B, from `rows`, this warp's first position).
void HeadSimKernelBuilder::convolve(Tiles &acc, Value weights,
                                    int64_t inChannels, int64_t rowBytes,
                                    Value aLane, Value rows, Value bLane) {
  // One 16-channel step at a time: only its A fragments are live.
  for (int64_t tap = 0; tap < kernel; ++tap)
    for (int64_t kk = 0; kk < (inChannels + 15) / 16; ++kk) {
      SmallVector<SmallVector<AFragment>> a(simHeadsPadded / 16);
      for (int64_t m = 0; m < simHeadsPadded / 16; ++m)
        a[m].push_back(frag.loadMatrixX4(
            mem.offset(weights,
                       k.add(aLane, k.i32((tap * simHeadsPadded + 16 * m) *
                                              rowBytes +
                                          32 * kk))),
            /*transpose=*/false));
      frag.multiplyTransposed(
          acc, a,
          mem.offset(rows,
                     k.add(bLane, k.i32(tap * rowBytes + 32 * kk))),
          rowBytes);
    }
}

/// relu(acc) -> this warp's token's rows of relu(Y), position-major.
void HeadSimKernelBuilder::storeRelu(const Tiles &acc) {
  Value tile = mem.offset(rShared, k.mulC(slot, tokenRows * rRowBytes));
  Type element = op.getX().getType().getElementType();
  Value zero = frag.f32(0.0);
  // Row o = 16m + g (+ 8), position j = 8n + 2q (+ 1): constant offsets
  // from the lane's first element, so one address register serves all (a
  // separate address per element kept 32 live across the group loop).
  Value j0 = k.add(firstPosition, k.addC(k.mulC(k.quad, 2), pad));
  Value lane = mem.offset(
      tile, k.add(k.mulC(j0, rRowBytes), k.mulC(k.group, 2)));
  for (size_t m = 0; m < acc.size(); ++m)
    for (size_t n = 0; n < acc[m].size(); ++n)
      for (int e = 0; e < 4; ++e) {
        int64_t offset =
            (8 * n + e % 2) * rRowBytes + (16 * m + 8 * (e / 2)) * 2;
        Value v = arith::TruncFOp::create(b, loc, element,
                                          frag.max(acc[m][n][e], zero));
        mem.store(v, mem.offset(lane, k.i32(offset)));
      }
}

void HeadSimKernelBuilder::storeResult(const Tiles &acc, Value firstToken) {
  Value token = k.add(firstToken, k.toI64(slot));
  Value base = mem.globalBase(op.getOut());
  if (plan.stageBytes != 0) {
    // 16 bytes a lane through the warp's stage: whole 32-byte sectors.
    Value stage = mem.offset(sShared, k.mulC(k.warp, plan.stageBytes));
    buildIf(b, loc, k.slt(token, tokens), [&] {
      for (size_t m = 0; m < acc.size(); ++m)
        frag.storeTilesThroughShared(
            acc[m], 0, warpPositions / 8, stage, k.lane,
            [&](Value row, Value chunk, Value value) {
              Value o = k.addC(row, 16 * m);
              auto store = [&] {
                Value element = k.add(
                    k.mulC(k.add(k.mulC(token, simHeads), k.toI64(o)), dim),
                    k.toI64(k.add(firstPosition, k.mulC(chunk, 8))));
                mem.store(value, mem.offset(base, k.mulC(element, 2)));
              };
              if (16 * static_cast<int64_t>(m) + 16 <= simHeads)
                store();
              else
                buildIf(b, loc, k.slt(o, k.i32(simHeads)), store);
            });
    });
    return;
  }
  buildIf(b, loc, k.slt(token, tokens), [&] {
    for (size_t m = 0; m < acc.size(); ++m)
      for (int r = 0; r < 2; ++r) {
        Value o = k.addC(k.group, 16 * m + 8 * r);
        auto store = [&] {
          Value row = k.add(k.mulC(token, simHeads), k.toI64(o));
          Value j = k.add(firstPosition, k.mulC(k.quad, 2));
          Value address = mem.offset(
              base, k.mulC(k.add(k.mulC(row, dim), k.toI64(j)), 2));
          for (size_t n = 0; n < acc[m].size(); ++n)
            mem.storeI32(frag.pack(acc[m][n][AccLayout::reg(r, 0)],
                                   acc[m][n][AccLayout::reg(r, 1)]),
                         mem.offset(address, k.i32(16 * n)));
        };
        if (16 * static_cast<int64_t>(m) + 16 <= simHeads)
          store();
        else
          buildIf(b, loc, k.slt(o, k.i32(simHeads)), store);
      }
  });
}

SmallVector<Value> HeadSimKernelBuilder::buildGroup(Value firstToken,
                                                   ArrayRef<Value> pairs) {
  storeInputs(pairs);
  gpu::BarrierOp::create(b, loc);
  // The next group's inputs, in flight during this group's products.
  SmallVector<Value> next = loadInputs(k.addC(firstToken, tokensPerGroup));

  Tiles acc;
  for (size_t m = 0; m < bias.size(); ++m)
    acc.emplace_back(warpPositions / 8, AccFragment{bias[m][0], bias[m][0],
                                                    bias[m][1], bias[m][1]});
  Value xRows = mem.offset(
      xShared, k.add(k.mulC(slot, tokenRows * xRowBytes),
                     k.mulC(firstPosition, xRowBytes)));
  convolve(acc, wShared, heads, xRowBytes, xLaneA, xRows, xLaneB);
  storeRelu(acc);
  // relu(Y) of all the token's channels, written by every warp of the
  // token, is the next convolution's input.
  gpu::BarrierOp::create(b, loc);

  for (size_t m = 0; m < acc.size(); ++m)
    for (AccFragment &a : acc[m])
      for (int e = 0; e < 4; ++e)
        a[e] = arith::AddFOp::create(b, loc, a[e], resBias[m][e / 2]);
  Value rRows = mem.offset(
      rShared, k.add(k.mulC(slot, tokenRows * rRowBytes),
                     k.mulC(firstPosition, rRowBytes)));
  convolve(acc, rwShared, simHeads, rRowBytes, rLaneA, rRows, rLaneB);
  storeResult(acc, firstToken);
  // The next group's inputs overwrite x after the barrier above (every
  // warp's first product is done), its relu(Y) overwrites relu(Y) after
  // its own first barrier (every warp's second product is done).
  return next;
}

void HeadSimKernelBuilder::build(Value blockX, Value threadX,
                                 Value tokenCount) {
  k.setThread(threadX);
  tokens = k.toI64(tokenCount);
  wShared = mem.sharedBase();
  rwShared = mem.offset(wShared, k.i32(plan.resWeightsOffset));
  xShared = mem.offset(wShared, k.i32(plan.inputsOffset));
  rShared = mem.offset(wShared, k.i32(plan.relusOffset));
  sShared = mem.offset(wShared, k.i32(plan.stagesOffset));

  // Padding rows and channels stay zero: weights and inputs only ever
  // write inside them.
  zeroShared();
  gpu::BarrierOp::create(b, loc);
  stageWeights(op.getW(), heads, xRowBytes, wShared);
  stageWeights(op.getResW(), simHeads, rRowBytes, rwShared);

  slot = k.div(k.warp, perToken);
  firstPosition = k.mulC(k.rem(k.warp, perToken), warpPositions);
  xLaneA = frag.tileLaneOffset(k.lane, xRowBytes, /*forA=*/true);
  rLaneA = frag.tileLaneOffset(k.lane, rRowBytes, /*forA=*/true);
  xLaneB = frag.tileLaneOffset(k.lane, xRowBytes, /*forA=*/false);
  rLaneB = frag.tileLaneOffset(k.lane, rRowBytes, /*forA=*/false);
  for (int64_t m = 0; m < simHeadsPadded / 16; ++m) {
    bias.push_back(loadBias(op.getB(), m));
    resBias.push_back(loadBias(op.getResB(), m));
  }

  // This block's groups: up to kHeadSimGroupsPerBlock, as many as have
  // tokens (the same for all threads: the barriers inside are reached by
  // all).
  Value firstToken =
      k.mulC(k.toI64(blockX), kHeadSimGroupsPerBlock * tokensPerGroup);
  Value groups = arith::MinSIOp::create(
      b, loc, k.i64(kHeadSimGroupsPerBlock),
      arith::CeilDivSIOp::create(b, loc, arith::SubIOp::create(
                                             b, loc, tokens, firstToken),
                                 k.i64(tokensPerGroup)));
  SmallVector<Value> pairs = loadInputs(firstToken);
  auto loop = scf::ForOp::create(b, loc, k.i64(0), groups, k.i64(1), pairs);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value groupToken = k.add(
      firstToken, k.mulC(loop.getInductionVar(), tokensPerGroup));
  SmallVector<Value> current(loop.getRegionIterArgs());
  SmallVector<Value> next = buildGroup(groupToken, current);
  scf::YieldOp::create(b, loc, next);
}

} // namespace

LogicalResult sas::checkKernelTiling(MmaHeadSimOp op,
                                     const TargetDescription &target) {
  return checkHeadSimTiling(target, op.getX().getType().getDimSize(2),
                            op.getOut().getType().getDimSize(2),
                            op.getX().getType().getDimSize(3),
                            op.getW().getType().getDimSize(2), op.getWarps(),
                            [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaHeadSimOp op) {
  return HeadSimSharedPlan(op.getX().getType().getDimSize(2),
                           op.getOut().getType().getDimSize(2),
                           op.getX().getType().getDimSize(3),
                           op.getW().getType().getDimSize(2), op.getWarps())
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaHeadSimOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Location loc = op.getLoc();
  Value tokens = createTokenCount(b, loc, op.getX());
  int64_t simHeads = op.getOut().getType().getDimSize(2),
          dim = op.getX().getType().getDimSize(3);
  int64_t tokensPerBlock = op.getWarps() /
                           getHeadSimWarpsPerToken(simHeads, dim) *
                           kHeadSimGroupsPerBlock;
  Value blocks = arith::CeilDivUIOp::create(
      b, loc, tokens, arith::ConstantIndexOp::create(b, loc, tokensPerBlock));
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::LaunchOp launch = createKernelLaunch(
      b, op, "head_sim", index, {blocks, one, one}, 32 * op.getWarps(),
      getKernelSharedBytes(op), kHeadSimBlocksPerSM);
  HeadSimKernelBuilder(b, loc, op).build(launch.getBlockIds().x,
                                         launch.getThreadIds().x, tokens);
  op.erase();
  return success();
}
