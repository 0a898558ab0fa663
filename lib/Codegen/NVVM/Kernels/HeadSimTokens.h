//===- HeadSimTokens.h - What the head-simulation kernels share -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The forward (sas.mma_head_sim) and the gradient (sas.mma_head_sim_grad)
// kernels of the head simulation work on the same tiles: a group of tokens
// a block, `perToken` warps a token, each warp a run of its positions; a
// token's [C, D] rows staged position-major in shared memory (row p + j
// holds position j, the padding rows zero), so that a tap of a convolution
// is a shift of rows; the weights [H', C, K] staged once as [tap][o][c].
// This builder holds that geometry and the steps on it.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_CODEGEN_NVVM_KERNELS_HEADSIMTOKENS_H
#define SAS_LIB_CODEGEN_NVVM_KERNELS_HEADSIMTOKENS_H

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelArith.h"
#include "sas/Codegen/NVVM/Builders/WarpFragments.h"

namespace mlir {
namespace gpu {
class LaunchOp;
} // namespace gpu
namespace sas {

/// The launch of a head-simulation kernel over the tokens of `x` ([B, T,
/// H, D]): blocks of `warps` warps, each `groupsPerBlock` groups of the
/// tokens its warps take (getHeadSimWarpsPerToken); `tokens` is set to B *
/// T (index).
gpu::LaunchOp createHeadSimLaunch(OpBuilder &b, Operation *op, StringRef kind,
                                  unsigned index, Value x, int64_t simHeads,
                                  int64_t warps, int64_t groupsPerBlock,
                                  int64_t sharedBytes, int64_t minBlocksPerSM,
                                  Value &tokens);

class HeadSimTokenBuilder {
public:
  using Tiles = SmallVector<SmallVector<AccFragment>>;

  /// A token group's rows of one [B, T, C, D] buffer on their way into
  /// shared memory: units of two channels at two positions, spread over
  /// the block's threads (`steps` a thread).
  struct TokenRows {
    Value buffer;
    int64_t channels, channelPairs, units, steps, rowBytes;
  };

  HeadSimTokenBuilder(OpBuilder &b, Location loc, Type element, int64_t heads,
                      int64_t simHeads, int64_t dim, int64_t kernel,
                      int64_t warps);

  /// Sets the thread, the token count and this warp's token slot and first
  /// position.
  void setThread(Value threadX, Value tokenCount);

  TokenRows tokenRows(Value buffer, int64_t channels, int64_t rowBytes) const;
  /// This thread's units of the group starting at `firstToken`, two i32
  /// position pairs a unit; zero past the tokens and channels (read
  /// clamped, never out of bounds). All issued together, ahead of use.
  SmallVector<Value> loadTokenRows(const TokenRows &rows, Value firstToken);
  /// The units of loadTokenRows into `shared` (the group's first token
  /// tile), position-major.
  void storeTokenRows(const TokenRows &rows, ArrayRef<Value> pairs,
                      Value shared);

  /// The block's token groups, up to `groupsPerBlock` from token blockX *
  /// groupsPerBlock * tokensPerGroup, as many as have tokens (the same for
  /// all threads: barriers inside are reached by all), as an scf.for that
  /// carries `initial(first token)`; `body(group's first token, carried)`
  /// returns what the next group gets. Returns what the last one returned.
  SmallVector<Value>
  buildGroupLoop(Value blockX, int64_t groupsPerBlock,
                 function_ref<SmallVector<Value>(Value)> initial,
                 function_ref<SmallVector<Value>(Value, ValueRange)> body);

  /// Zeroes `bytes` (a multiple of 16) of shared memory from `base`.
  void zeroShared(Value base, int64_t bytes);
  /// weights [H', C, K] (global) -> shared [tap][o][c], rows `rowBytes`
  /// apart.
  void stageWeights(Value weights, int64_t inChannels, int64_t rowBytes,
                    Value shared);
  /// The bias of this lane's rows o = 16m + g and 16m + g + 8, as f32 (0 for
  /// the padding rows).
  std::array<Value, 2> loadBias(Value bias, int64_t m);

  /// acc += the convolution's taps over this warp's positions: tap t is the
  /// weights' tap t as A (from `weights`, staged [tap][o][c] with rows
  /// `weightRowBytes` apart; `aLane` this lane's tileLaneOffset) times the
  /// token's rows shifted by t (B, from `rows`, the warp's first position;
  /// `bLane` its tileLaneOffset), summed over `contraction` channels.
  /// `transposed`: the input gradient's convolution instead, tap t the
  /// weights' tap K - 1 - t transposed ([c][o], read by ldmatrix.trans:
  /// `aLane` a transposedALaneOffset) and acc's rows the weights' c.
  void convolve(Tiles &acc, Value weights, int64_t weightRowBytes, Value aLane,
                int64_t contraction, bool transposed, Value rows,
                int64_t rowBytes, Value bLane);

  /// `tiles` (this warp's positions, rows of C channels) -> the token tile
  /// `tile` (rows `rowBytes` apart), position-major, 16-bit.
  void storePositionMajor(const Tiles &tiles, Value tile, int64_t rowBytes);

  /// `acc` (this warp's positions of `channels` rows) -> token
  /// `firstToken` + slot of the [B, T, C, D] buffer, rounded to 16 bits;
  /// through the warp's 2 KiB `stage` (16 bytes a lane) unless it is null.
  void storeTokens(const Tiles &acc, Value buffer, int64_t channels,
                   Value firstToken, Value stage);

protected:
  OpBuilder &b;
  Location loc;
  KernelArith k;
  WarpFragmentBuilder frag;
  DeviceMemoryBuilder mem;
  Type element;

  int64_t heads, dim, simHeads, kernel, pad, warps, perToken, tokensPerGroup;
  int64_t headsPadded, simHeadsPadded;
  /// Rows of a token's tile (D + K - 1) and positions of a warp.
  int64_t tileRows, warpPositions;
  Value tokens;              // i64
  Value slot, firstPosition; // this warp's token in the group, position j0
};

} // namespace sas
} // namespace mlir

#endif // SAS_LIB_CODEGEN_NVVM_KERNELS_HEADSIMTOKENS_H
