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

#include "HeadSimTokens.h"

#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

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

namespace {

class HeadSimKernelBuilder : public HeadSimTokenBuilder {
public:
  HeadSimKernelBuilder(OpBuilder &b, Location loc, MmaHeadSimOp op)
      : HeadSimTokenBuilder(b, loc, op.getX().getType().getElementType(),
                            op.getX().getType().getDimSize(2),
                            op.getOut().getType().getDimSize(2),
                            op.getX().getType().getDimSize(3),
                            op.getW().getType().getDimSize(2), op.getWarps()),
        op(op), plan(heads, simHeads, dim, kernel, warps),
        inputs(tokenRows(op.getX(), heads, plan.inputs.rowBytes())) {}

  void build(Value blockX, Value threadX, Value tokenCount);

private:
  SmallVector<Value> buildGroup(Value firstToken, ArrayRef<Value> pairs);

  MmaHeadSimOp op;
  HeadSimSharedPlan plan;
  TokenRows inputs;
  Value wShared, rwShared, xShared, rShared, sShared;
  Value xLaneA, rLaneA, xLaneB, rLaneB;
  SmallVector<std::array<Value, 2>> bias, resBias; // [m-tile][row g, g + 8]
};

SmallVector<Value> HeadSimKernelBuilder::buildGroup(Value firstToken,
                                                   ArrayRef<Value> pairs) {
  storeTokenRows(inputs, pairs, xShared);
  gpu::BarrierOp::create(b, loc);
  // The next group's inputs, in flight during this group's products.
  SmallVector<Value> next =
      loadTokenRows(inputs, k.addC(firstToken, tokensPerGroup));

  int64_t xRowBytes = plan.inputs.rowBytes(), rRowBytes = plan.relus.rowBytes();
  Tiles acc;
  for (size_t m = 0; m < bias.size(); ++m)
    acc.emplace_back(warpPositions / 8, AccFragment{bias[m][0], bias[m][0],
                                                    bias[m][1], bias[m][1]});
  Value xRows = mem.offset(xShared, k.add(k.mulC(slot, tileRows * xRowBytes),
                                          k.mulC(firstPosition, xRowBytes)));
  convolve(acc, wShared, xRowBytes, xLaneA, heads, /*transposed=*/false, xRows,
           xRowBytes, xLaneB);
  Tiles relu = acc;
  Value zero = frag.f32(0.0);
  for (auto &tiles : relu)
    for (AccFragment &a : tiles)
      for (Value &v : a)
        v = frag.max(v, zero);
  storePositionMajor(
      relu, mem.offset(rShared, k.mulC(slot, tileRows * rRowBytes)), rRowBytes);
  // relu(Y) of all the token's channels, written by every warp of the
  // token, is the next convolution's input.
  gpu::BarrierOp::create(b, loc);

  for (size_t m = 0; m < acc.size(); ++m)
    for (AccFragment &a : acc[m])
      for (int e = 0; e < 4; ++e)
        a[e] =
            arith::AddFOp::create(b, loc, a[e], resBias[m][AccLayout::row(e)]);
  Value rRows = mem.offset(rShared, k.add(k.mulC(slot, tileRows * rRowBytes),
                                          k.mulC(firstPosition, rRowBytes)));
  convolve(acc, rwShared, rRowBytes, rLaneA, simHeads, /*transposed=*/false,
           rRows, rRowBytes, rLaneB);
  storeTokens(acc, op.getOut(), simHeads, firstToken,
              plan.stageBytes
                  ? mem.offset(sShared, k.mulC(k.warp, plan.stageBytes))
                  : Value());
  // The next group's inputs overwrite x after the barrier above (every
  // warp's first product is done), its relu(Y) overwrites relu(Y) after
  // its own first barrier (every warp's second product is done).
  return next;
}

void HeadSimKernelBuilder::build(Value blockX, Value threadX,
                                 Value tokenCount) {
  setThread(threadX, tokenCount);
  wShared = mem.sharedBase();
  rwShared = mem.offset(wShared, k.i32(plan.resWeightsOffset));
  xShared = mem.offset(wShared, k.i32(plan.inputsOffset));
  rShared = mem.offset(wShared, k.i32(plan.relusOffset));
  sShared = mem.offset(wShared, k.i32(plan.stagesOffset));

  // Padding rows and channels stay zero: weights and inputs only ever
  // write inside them.
  zeroShared(wShared, plan.plan.getSize());
  gpu::BarrierOp::create(b, loc);
  int64_t xRowBytes = plan.inputs.rowBytes(), rRowBytes = plan.relus.rowBytes();
  stageWeights(op.getW(), heads, xRowBytes, wShared);
  stageWeights(op.getResW(), simHeads, rRowBytes, rwShared);

  xLaneA = frag.tileLaneOffset(k.lane, xRowBytes, /*forA=*/true);
  rLaneA = frag.tileLaneOffset(k.lane, rRowBytes, /*forA=*/true);
  xLaneB = frag.tileLaneOffset(k.lane, xRowBytes, /*forA=*/false);
  rLaneB = frag.tileLaneOffset(k.lane, rRowBytes, /*forA=*/false);
  for (int64_t m = 0; m < simHeadsPadded / 16; ++m) {
    bias.push_back(loadBias(op.getB(), m));
    resBias.push_back(loadBias(op.getResB(), m));
  }

  buildGroupLoop(
      blockX, kHeadSimGroupsPerBlock,
      [&](Value firstToken) { return loadTokenRows(inputs, firstToken); },
      [&](Value groupToken, ValueRange carried) {
        return buildGroup(groupToken, SmallVector<Value>(carried));
      });
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
  Value tokens;
  gpu::LaunchOp launch = createHeadSimLaunch(
      b, op, "head_sim", index, op.getX(), op.getOut().getType().getDimSize(2),
      op.getWarps(), kHeadSimGroupsPerBlock, getKernelSharedBytes(op),
      kHeadSimBlocksPerSM, tokens);
  HeadSimKernelBuilder(b, op.getLoc(), op)
      .build(launch.getBlockIds().x, launch.getThreadIds().x, tokens);
  op.erase();
  return success();
}
