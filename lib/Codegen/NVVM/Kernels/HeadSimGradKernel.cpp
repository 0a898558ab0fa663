//===- HeadSimGradKernel.cpp - Head simulation's gradient -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The kernel of sas.mma_head_sim_grad, on the forward kernel's tiles
// (HeadSimTokens.h): a token's rows position-major in shared memory, a tap
// of a convolution a product with the rows shifted by the tap. The input
// gradient's convolution (the kernel flipped, the channels transposed) is
// the same product with the staged weights read by ldmatrix.trans and the
// taps taken in reverse; d_s's and d_Y's padding rows are zero, as the
// gradient is outside the D positions.
//
//   block of W warps: weights -> shared (once, as the forward's)
//   for each group of W / (warps per token) tokens:
//     x, d_s rows -> shared, position-major     (the next group's loads in
//                                                flight meanwhile)
//     Y    = b + sum_i w_i X_i                   (mma.sync)
//     relu(Y) -> shared                          (16-bit)
//     g    = sum_t res_w_{K-1-t}^T d_s_t         (mma.sync, ldmatrix.trans)
//     d_Y  = d_s + g * [Y > 0]  -> shared        (16-bit); sums of d_s and
//                                                 d_Y for the bias gradients
//     d_x  = sum_t w_{K-1-t}^T d_Y_t  -> d_x     (mma.sync)
//     each warp's units of the weight gradients: 16 x 16 tiles of one tap
//     of d_w (d_Y with x shifted by the tap) or d_res_w (d_s with relu(Y)),
//     summed over the group's tokens and positions in registers
//   the units and the bias sums -> red.global.add (f32)
//
//===----------------------------------------------------------------------===//

#include "HeadSimTokens.h"

#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::sas;

/// Token groups a block sums its weight gradients over before adding them
/// to memory: each block's reductions are (H' H + H'^2) K + 2 H' values, so
/// more groups a block means fewer reductions to the same addresses.
static constexpr int64_t kHeadSimGradGroupsPerBlock = 8;

namespace {

class HeadSimGradKernelBuilder : public HeadSimTokenBuilder {
public:
  HeadSimGradKernelBuilder(OpBuilder &b, Location loc, MmaHeadSimGradOp op)
      : HeadSimTokenBuilder(b, loc, op.getX().getType().getElementType(),
                            op.getX().getType().getDimSize(2),
                            op.getDS().getType().getDimSize(2),
                            op.getX().getType().getDimSize(3),
                            op.getW().getType().getDimSize(2), op.getWarps()),
        op(op), plan(heads, simHeads, dim, kernel, warps),
        inputs(tokenRows(op.getX(), heads, plan.inputs.rowBytes())),
        grads(tokenRows(op.getDS(), simHeads, plan.simRows.rowBytes())),
        inTiles(headsPadded / 16), simTiles(simHeadsPadded / 16),
        wUnits(simTiles * kernel * inTiles),
        units(wUnits + simTiles * kernel * simTiles),
        unitSlots((units + warps - 1) / warps) {}

  void build(Value blockX, Value threadX, Value tokenCount);

private:
  /// One unit of a weight gradient: the 16 x 16 tile (output channels 16m,
  /// input channels 16n) of tap `tap` of d_w (`isW`) or d_res_w, decoded
  /// from its index (the same for both weights but the sizes).
  struct Unit {
    Value exists, isW, m, tap, n;
  };
  /// What the group loop carries: the next group's x and d_s units, the
  /// weight-gradient accumulators (unitSlots units of two 16 x 8 tiles),
  /// and the lane's sums of d_s and d_Y (per m-tile, rows g and g + 8).
  struct Carried {
    SmallVector<Value> inputs, grads;
    SmallVector<std::array<AccFragment, 2>> unitAcc;
    SmallVector<std::array<Value, 2>> sumS, sumY;

    SmallVector<Value> flatten() const;
    static Carried unflatten(ValueRange values, size_t inputs, size_t grads,
                             size_t slots, size_t tiles);
  };

  Unit decodeUnit(int64_t slotIndex);
  Carried buildGroup(Value firstToken, Carried carried);
  void accumulateUnits(Carried &carried);
  void addUnits(const Carried &carried);

  MmaHeadSimGradOp op;
  HeadSimGradSharedPlan plan;
  TokenRows inputs, grads;
  int64_t inTiles, simTiles, wUnits, units, unitSlots;
  Value wShared, rwShared, xShared, gShared, rShared, yShared, sShared;
  // ldmatrix lane offsets: weights as A (forward) and transposed, token rows
  // as B (the convolutions), d_s/d_Y as transposed A and x/relu(Y) as
  // row-major B (the weight gradients).
  Value xLaneA, wLaneT, rwLaneT, xLaneB, sLaneB, sLaneAT, xLaneRowB, sLaneRowB;
  SmallVector<std::array<Value, 2>> bias; // [m-tile][row g, g + 8]
};

SmallVector<Value> HeadSimGradKernelBuilder::Carried::flatten() const {
  SmallVector<Value> values(inputs);
  llvm::append_range(values, grads);
  for (const auto &tiles : unitAcc)
    for (const AccFragment &tile : tiles)
      llvm::append_range(values, tile);
  for (const auto &sums : {sumS, sumY})
    for (const auto &rows : sums)
      llvm::append_range(values, rows);
  return values;
}

HeadSimGradKernelBuilder::Carried
HeadSimGradKernelBuilder::Carried::unflatten(ValueRange values, size_t inputs,
                                             size_t grads, size_t slots,
                                             size_t tiles) {
  Carried c;
  auto take = [&](size_t n) {
    ValueRange taken = values.take_front(n);
    values = values.drop_front(n);
    return taken;
  };
  c.inputs = llvm::to_vector(take(inputs));
  c.grads = llvm::to_vector(take(grads));
  for (size_t s = 0; s < slots; ++s) {
    std::array<AccFragment, 2> unit;
    for (AccFragment &tile : unit)
      llvm::copy(take(4), tile.begin());
    c.unitAcc.push_back(unit);
  }
  for (auto *sums : {&c.sumS, &c.sumY})
    for (size_t m = 0; m < tiles; ++m) {
      ValueRange rows = take(2);
      sums->push_back({rows[0], rows[1]});
    }
  return c;
}

/// Unit warp + slotIndex * W; past the last unit, the last unit again
/// (computed, never added: `exists` is false).
HeadSimGradKernelBuilder::Unit
HeadSimGradKernelBuilder::decodeUnit(int64_t slotIndex) {
  Value u = k.addC(k.warp, slotIndex * warps);
  Unit unit;
  unit.exists = k.slt(u, k.i32(units));
  u = arith::MinUIOp::create(b, loc, u, k.i32(units - 1));
  unit.isW = k.slt(u, k.i32(wUnits));
  Value v = k.select(unit.isW, u, k.addC(u, -wUnits));
  auto field = [&](auto decode) {
    return k.select(unit.isW, decode(inTiles), decode(simTiles));
  };
  unit.m = field([&](int64_t n) { return k.div(v, kernel * n); });
  unit.tap = field([&](int64_t n) { return k.rem(k.div(v, n), kernel); });
  unit.n = field([&](int64_t n) { return k.rem(v, n); });
  return unit;
}

/// Each slot's unit summed over the group's tokens and D positions:
/// A = d_Y or d_s (rows o, columns j; stored position-major, so read
/// transposed), B = x or relu(Y) at position j + tap - p (stored at row
/// j + tap, row-major: ldmatrix.trans).
void HeadSimGradKernelBuilder::accumulateUnits(Carried &carried) {
  int64_t sRowBytes = plan.simRows.rowBytes(),
          xRowBytes = plan.inputs.rowBytes();
  for (int64_t s = 0; s < unitSlots; ++s) {
    Unit unit = decodeUnit(s);
    Value aBase = mem.offset(
        k.select(unit.isW, yShared, gShared),
        k.add(sLaneAT, k.add(k.mulC(unit.m, 32), k.i32(pad * sRowBytes))));
    Value bRowBytes = k.select(unit.isW, k.i32(xRowBytes), k.i32(sRowBytes));
    Value bBase = mem.offset(
        k.select(unit.isW, xShared, rShared),
        k.add(k.select(unit.isW, xLaneRowB, sLaneRowB),
              k.add(k.mul(unit.tap, bRowBytes), k.mulC(unit.n, 32))));
    std::array<AccFragment, 2> &acc = carried.unitAcc[s];
    for (int64_t t = 0; t < tokensPerGroup; ++t)
      for (int64_t step = 0; step < dim / 16; ++step) {
        AFragment a = frag.loadMatrixX4(
            mem.offset(aBase, k.i32((t * tileRows + 16 * step) * sRowBytes)),
            /*transpose=*/true);
        std::array<Value, 4> bPair = frag.loadMatrixX4(
            mem.offset(bBase, k.mulC(bRowBytes, t * tileRows + 16 * step)),
            /*transpose=*/true);
        acc[0] = frag.mma(a, {bPair[0], bPair[1]}, acc[0]);
        acc[1] = frag.mma(a, {bPair[2], bPair[3]}, acc[1]);
      }
  }
}

HeadSimGradKernelBuilder::Carried
HeadSimGradKernelBuilder::buildGroup(Value firstToken, Carried carried) {
  int64_t xRowBytes = plan.inputs.rowBytes(),
          sRowBytes = plan.simRows.rowBytes();
  // Every warp is done with the previous group's rows (the weight
  // gradients read all its tokens').
  gpu::BarrierOp::create(b, loc);
  storeTokenRows(inputs, carried.inputs, xShared);
  storeTokenRows(grads, carried.grads, gShared);
  gpu::BarrierOp::create(b, loc);
  Value nextToken = k.addC(firstToken, tokensPerGroup);
  carried.inputs = loadTokenRows(inputs, nextToken);
  carried.grads = loadTokenRows(grads, nextToken);

  auto tokenTile = [&](Value area, int64_t rowBytes) {
    return mem.offset(area, k.mulC(slot, tileRows * rowBytes));
  };
  auto warpRows = [&](Value area, int64_t rowBytes) {
    return mem.offset(tokenTile(area, rowBytes),
                      k.mulC(firstPosition, rowBytes));
  };
  auto zeros = [&](int64_t tiles) {
    return Tiles(tiles,
                 SmallVector<AccFragment>(warpPositions / 8, frag.splat(0.0)));
  };

  // Y = b + conv(x; w), as the forward; relu(Y) for d_res_w.
  Tiles y;
  for (const auto &rows : bias)
    y.emplace_back(warpPositions / 8,
                   AccFragment{rows[0], rows[0], rows[1], rows[1]});
  convolve(y, wShared, xRowBytes, xLaneA, heads, /*transposed=*/false,
           warpRows(xShared, xRowBytes), xRowBytes, xLaneB);
  Value zero = frag.f32(0.0);
  Tiles relu = y;
  for (auto &tiles : relu)
    for (AccFragment &tile : tiles)
      for (Value &v : tile)
        v = frag.max(v, zero);
  storePositionMajor(relu, tokenTile(rShared, sRowBytes), sRowBytes);

  // g = conv_input_grad(d_s; res_w); d_Y = d_s + g * [Y > 0]. This lane's
  // d_s values: row j = j0 + 8n + 2q (+ 1), channel o = 16m + g (+ 8).
  Tiles dY = zeros(simTiles);
  convolve(dY, rwShared, sRowBytes, rwLaneT, simHeads, /*transposed=*/true,
           warpRows(gShared, sRowBytes), sRowBytes, sLaneB);
  Value dSLane = mem.offset(
      tokenTile(gShared, sRowBytes),
      k.add(k.mulC(k.add(firstPosition, k.addC(k.mulC(k.quad, 2), pad)),
                   sRowBytes),
            k.mulC(k.group, 2)));
  for (int64_t m = 0; m < simTiles; ++m)
    for (int64_t n = 0; n < warpPositions / 8; ++n)
      for (int e = 0; e < 4; ++e) {
        int r = AccLayout::row(e);
        int64_t offset =
            (8 * n + AccLayout::column(e)) * sRowBytes + (16 * m + 8 * r) * 2;
        Value dS = arith::ExtFOp::create(
            b, loc, b.getF32Type(),
            mem.load(element, mem.offset(dSLane, k.i32(offset))));
        Value positive = arith::CmpFOp::create(
            b, loc, arith::CmpFPredicate::OGT, y[m][n][e], zero);
        Value through = k.select(positive, dY[m][n][e], zero);
        dY[m][n][e] = arith::AddFOp::create(b, loc, dS, through);
        carried.sumS[m][r] =
            arith::AddFOp::create(b, loc, carried.sumS[m][r], dS);
        carried.sumY[m][r] =
            arith::AddFOp::create(b, loc, carried.sumY[m][r], dY[m][n][e]);
      }
  storePositionMajor(dY, tokenTile(yShared, sRowBytes), sRowBytes);
  // d_Y and relu(Y) of all the token's positions are read below.
  gpu::BarrierOp::create(b, loc);

  // d_x = conv_input_grad(d_Y; w).
  Tiles dX = zeros(inTiles);
  convolve(dX, wShared, xRowBytes, wLaneT, simHeads, /*transposed=*/true,
           warpRows(yShared, sRowBytes), sRowBytes, sLaneB);
  storeTokens(dX, op.getDX(), heads, firstToken,
              plan.stageBytes
                  ? mem.offset(sShared, k.mulC(k.warp, plan.stageBytes))
                  : Value());

  accumulateUnits(carried);
  return carried;
}

/// The block's sums into the f32 gradients: a unit's elements (o, c) of
/// its tap where o < H' and c < C, and the bias sums summed over the quad.
void HeadSimGradKernelBuilder::addUnits(const Carried &carried) {
  for (int64_t s = 0; s < unitSlots; ++s) {
    Unit unit = decodeUnit(s);
    buildIf(b, loc, unit.exists, [&] {
      Value channels = k.select(unit.isW, k.i32(heads), k.i32(simHeads));
      Value base = k.select(unit.isW, mem.globalBase(op.getDW()),
                            mem.globalBase(op.getDResW()));
      for (int h = 0; h < 2; ++h)
        for (int e = 0; e < 4; ++e) {
          Value o =
              k.add(k.mulC(unit.m, 16), k.addC(k.group, 8 * AccLayout::row(e)));
          Value c =
              k.add(k.mulC(unit.n, 16),
                    k.addC(k.mulC(k.quad, 2), 8 * h + AccLayout::column(e)));
          Value inside = arith::AndIOp::create(
              b, loc, k.slt(o, k.i32(simHeads)), k.slt(c, channels));
          buildIf(b, loc, inside, [&] {
            Value element =
                k.add(k.mulC(k.add(k.mul(o, channels), c), kernel), unit.tap);
            mem.reduceAddF32(mem.offset(base, k.mulC(element, 4)),
                             carried.unitAcc[s][h][e]);
          });
        }
    });
  }
  for (auto [sums, buffer] : {std::make_pair(&carried.sumS, op.getDResB()),
                              std::make_pair(&carried.sumY, op.getDB())}) {
    Value base = mem.globalBase(buffer);
    for (int64_t m = 0; m < simTiles; ++m)
      for (int r = 0; r < 2; ++r) {
        Value sum = frag.quadSum((*sums)[m][r]);
        Value o = k.addC(k.group, 16 * m + 8 * r);
        Value adds = arith::AndIOp::create(
            b, loc, k.slt(o, k.i32(simHeads)),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, k.quad,
                                  k.i32(0)));
        buildIf(b, loc, adds,
                [&] { mem.reduceAddF32(mem.offset(base, k.mulC(o, 4)), sum); });
      }
  }
}

void HeadSimGradKernelBuilder::build(Value blockX, Value threadX,
                                     Value tokenCount) {
  setThread(threadX, tokenCount);
  wShared = mem.sharedBase();
  rwShared = mem.offset(wShared, k.i32(plan.resWeightsOffset));
  xShared = mem.offset(wShared, k.i32(plan.inputsOffset));
  gShared = mem.offset(wShared, k.i32(plan.gradsOffset));
  rShared = mem.offset(wShared, k.i32(plan.relusOffset));
  yShared = mem.offset(wShared, k.i32(plan.rowGradsOffset));
  sShared = mem.offset(wShared, k.i32(plan.stagesOffset));

  // Padding rows and channels stay zero: nothing writes outside them.
  zeroShared(wShared, plan.plan.getSize());
  gpu::BarrierOp::create(b, loc);
  int64_t xRowBytes = plan.inputs.rowBytes(),
          sRowBytes = plan.simRows.rowBytes();
  stageWeights(op.getW(), heads, xRowBytes, wShared);
  stageWeights(op.getResW(), simHeads, sRowBytes, rwShared);

  xLaneA = frag.tileLaneOffset(k.lane, xRowBytes, /*forA=*/true);
  wLaneT = frag.transposedALaneOffset(k.lane, xRowBytes);
  rwLaneT = frag.transposedALaneOffset(k.lane, sRowBytes);
  xLaneB = frag.tileLaneOffset(k.lane, xRowBytes, /*forA=*/false);
  sLaneB = frag.tileLaneOffset(k.lane, sRowBytes, /*forA=*/false);
  sLaneAT = frag.transposedALaneOffset(k.lane, sRowBytes);
  xLaneRowB = frag.rowMajorBLaneOffset(k.lane, xRowBytes);
  sLaneRowB = frag.rowMajorBLaneOffset(k.lane, sRowBytes);
  for (int64_t m = 0; m < simTiles; ++m)
    bias.push_back(loadBias(op.getB(), m));

  SmallVector<Value> last = buildGroupLoop(
      blockX, kHeadSimGradGroupsPerBlock,
      [&](Value firstToken) {
        Carried c;
        c.inputs = loadTokenRows(inputs, firstToken);
        c.grads = loadTokenRows(grads, firstToken);
        c.unitAcc.assign(unitSlots, {frag.splat(0.0), frag.splat(0.0)});
        Value zero = frag.f32(0.0);
        c.sumS.assign(simTiles, {zero, zero});
        c.sumY.assign(simTiles, {zero, zero});
        return c.flatten();
      },
      [&](Value groupToken, ValueRange values) {
        return buildGroup(groupToken, Carried::unflatten(
                                          values, inputs.steps * 2,
                                          grads.steps * 2, unitSlots, simTiles))
            .flatten();
      });
  addUnits(Carried::unflatten(last, inputs.steps * 2, grads.steps * 2,
                              unitSlots, simTiles));
}

} // namespace

LogicalResult sas::checkKernelTiling(MmaHeadSimGradOp op,
                                     const TargetDescription &target) {
  return checkHeadSimGradTiling(
      target, op.getX().getType().getDimSize(2),
      op.getDS().getType().getDimSize(2), op.getX().getType().getDimSize(3),
      op.getW().getType().getDimSize(2), op.getWarps(),
      [&] { return op.emitOpError(); });
}

int64_t sas::getKernelSharedBytes(MmaHeadSimGradOp op) {
  return HeadSimGradSharedPlan(op.getX().getType().getDimSize(2),
                               op.getDS().getType().getDimSize(2),
                               op.getX().getType().getDimSize(3),
                               op.getW().getType().getDimSize(2), op.getWarps())
      .plan.getSize();
}

LogicalResult sas::buildKernel(OpBuilder &b, MmaHeadSimGradOp op,
                               const TargetDescription &target,
                               unsigned index) {
  Value tokens;
  gpu::LaunchOp launch = createHeadSimLaunch(
      b, op, "head_sim_grad", index, op.getX(),
      op.getDS().getType().getDimSize(2), op.getWarps(),
      kHeadSimGradGroupsPerBlock, getKernelSharedBytes(op),
      // Unasked, one block an SM; asked for two, ptxas spills and the
      // layer was no faster (docs/perf-log/gpu-backward.md).
      /*minBlocksPerSM=*/0, tokens);
  HeadSimGradKernelBuilder(b, op.getLoc(), op)
      .build(launch.getBlockIds().x, launch.getThreadIds().x, tokens);
  op.erase();
  return success();
}
