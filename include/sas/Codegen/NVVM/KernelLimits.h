//===- KernelLimits.h - Limits and tiling rules of SAS's kernels -*- C++
//-*-===//
//
// Part of the SAS-MLIR project.
//
// What each tensor-core kernel takes: head and feature sizes, warps, tiles,
// stages, and its shared memory (SharedMemoryLayout.h) against the target's
// (TargetDescription.h). The conversions that create kernel ops check a
// tiling here before choosing it, and the kernel builders check it again
// before building, both against the module's target.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_KERNELLIMITS_H
#define SAS_CODEGEN_NVVM_KERNELLIMITS_H

#include "sas/Codegen/NVVM/TargetDescription.h"

#include "mlir/IR/Diagnostics.h"

namespace mlir {
namespace sas {

using EmitErrorFn = function_ref<InFlightDiagnostic()>;

/// Head sizes of the attention kernels (q/k and v), as FlashAttention and
/// cuDNN take them.
constexpr int64_t kMaxMmaHeadSize = 256;
/// The registers a tensor-core thread may give to the fragments it keeps
/// through a step (an attention's q, output and scores; a feature
/// simulation's x, z and a chunk of f). The rest of a kernel (addresses,
/// softmax state) takes about kAttentionOtherRegisters, measured on the
/// sm_90a attention at E = 128, F = 64, 64 keys, which fits 128 registers:
/// past this many fragments it would no longer fit the 255 a thread may
/// have and ptxas would spill.
constexpr int64_t kMaxFragmentRegisters = 208;
constexpr int64_t kAttentionOtherRegisters = 32;
/// Warps of a hand-built block, keys of an attention step, ring stages.
constexpr int64_t kMaxMmaWarps = 8;
constexpr int64_t kMaxMmaKeyTile = 128;
constexpr int64_t kMaxMmaStages = 4;
/// Feature sizes D and D' of the feature-simulation kernels.
constexpr int64_t kMaxMmaFeatureSize = 256;
/// The f32 accumulators a head-simulation thread keeps (its part of one
/// token's [H', D] output, carried from one convolution to the next): 32 if
/// the token's positions can be shared out that finely, else at most 64.
/// The kernel asks for two 8-warp blocks an SM (128 registers); with its
/// constants folded none of the kernels of docs/baselines.md spills.
constexpr int64_t kHeadSimAccumulators = 32;
constexpr int64_t kMaxHeadSimAccumulators = 64;
/// Shared memory each head-simulation warp uses to write its result 16
/// bytes a lane, where a warp's positions are 32 or 64.
constexpr int64_t kHeadSimStageBytes = 2048;
/// Buffers of the x ring of the sm_90a feature-simulation kernel: two row
/// tiles in flight while one is multiplied (D = 64, D' = 128: 72 KiB a
/// block, three an SM).
constexpr int64_t kWgmmaFeatureSimStages = 3;
/// The sm_90a PEAA kernel's k tile: one swizzled panel of w rows.
constexpr int64_t kWgmmaPeaaKTile = 64;

/// Columns of f a feature-simulation thread computes at a time (a chunk):
/// it keeps x (D / 4 registers), z (D' / 2), and a chunk of f (chunk / 2)
/// with relu(f) packed (chunk / 4). The widest chunk that divides D' and
/// keeps these within kMaxFragmentRegisters: all of D' up to
/// D' = 128 (one chunk: f, then z), 64 at D = 128, D' = 256.
int64_t getFeatureSimChunk(int64_t dim, int64_t simDim);

/// Columns of f the feature-simulation gradient's thread computes at a
/// time: it keeps x (D / 4 registers), d_z (D' / 4) and d_x (D / 2) through
/// a row tile, and, per chunk, f and d_z res_w together (chunk / 2 each;
/// relu(f) and d_f, packed, take their place). The widest chunk up to
/// kMaxFeatureSimGradChunk that divides D' and keeps these within
/// kMaxFragmentRegisters; 0 if none does.
int64_t getFeatureSimGradChunk(int64_t dim, int64_t simDim);
constexpr int64_t kMaxFeatureSimGradChunk = 64;

/// The weight-gradient kernel (sas.mma_weight_grad): a block of
/// kWeightGradWarps warps (2 x 2) computes a [64, 64] tile of d_w (32 where
/// P or Q is not a multiple of 64), kWeightGradStepRows rows a step through
/// a ring of kWeightGradStages slots.
constexpr int64_t kWeightGradWarps = 4;
constexpr int64_t kWeightGradStepRows = 32;
constexpr int64_t kWeightGradStages = 3;
/// The tile of d_w's `size` (P or Q) rows or columns a block computes.
int64_t getWeightGradTile(int64_t size);

/// Warps that share the positions of one token in the head-simulation
/// kernel: the fewest, up to kMaxMmaWarps, that keep each thread's
/// accumulators within kHeadSimAccumulators (else kMaxHeadSimAccumulators)
/// with whole 16-position steps each (D = 112 at H' = 24: seven warps of
/// 16 positions); 0 if none does.
int64_t getHeadSimWarpsPerToken(int64_t simHeads, int64_t dim);
/// Whether head-simulation warps write their result through a stage
/// (a warp's positions are 32 or 64).
bool hasHeadSimStage(int64_t simHeads, int64_t dim);

/// Blocks of `sharedBytes` of dynamic shared memory an SM of `target`
/// holds (each block also reserves its own), at least 1 and at most
/// `maxBlocks`: what a kernel asks ptxas to fit when shared memory, not
/// registers, should decide its occupancy.
int64_t getBlocksPerSMForSharedBytes(const TargetDescription &target,
                                     int64_t sharedBytes, int64_t maxBlocks);

/// Warps of a block: 1 to kMaxMmaWarps; whole warpgroups (4 or 8) for the
/// wgmma kernels.
LogicalResult checkMmaWarps(int64_t warps, EmitErrorFn emitError);
LogicalResult checkWgmmaWarps(int64_t warps, EmitErrorFn emitError);
/// The copy rings' stage count: between 2 and kMaxMmaStages.
LogicalResult checkMmaStages(int64_t stages, EmitErrorFn emitError);
/// "<what> needs N bytes of shared memory, above the L a block may use on
/// <chip>".
LogicalResult checkSharedBytes(const TargetDescription &target,
                               const Twine &what, int64_t bytes,
                               EmitErrorFn emitError);

/// Registers an attention thread keeps for its fragments through a key
/// step: per 16-row tile, q (E / 4), the output accumulator (F / 2) and
/// the scores (keyTile / 2; p, packed from them, takes their place). The
/// conversion takes fewer rows a warp, then fewer keys a step, until they
/// fit kMaxFragmentRegisters.
int64_t getAttentionFragmentRegisters(int64_t e, int64_t f, int64_t warpRows,
                                      int64_t keyTile);
/// Blocks of the sm_90a attention kernel an SM should hold: as many as its
/// shared memory holds, up to 16 warps, and no more than leave each thread
/// its fragments plus kAttentionOtherRegisters.
int64_t getWgmmaAttentionBlocksPerSM(const TargetDescription &target, int64_t e,
                                     int64_t f, int64_t warps, int64_t keyTile,
                                     int64_t sharedBytes);

/// The attention kernels: mma.sync (head sizes multiples of 16 up to
/// kMaxMmaHeadSize) and sm_90a (q/k head sizes multiples of 16, v head
/// sizes multiples of 64, whole warpgroups, 16 rows a warp, 32, 64 or 128
/// keys a step, a target with wgmma); both within
/// kMaxFragmentRegisters.
LogicalResult checkMmaAttentionTiling(const TargetDescription &target,
                                      int64_t e, int64_t f, int64_t warps,
                                      int64_t warpRows, int64_t keyTile,
                                      int64_t stages, EmitErrorFn emitError);
LogicalResult checkWgmmaAttentionTiling(const TargetDescription &target,
                                        int64_t e, int64_t f, int64_t warps,
                                        int64_t warpRows, int64_t keyTile,
                                        int64_t stages, EmitErrorFn emitError);

/// Registers an attention-backward thread keeps in fragments: its 16
/// keys' d_k and d_v accumulators ((E + F) / 2) through the whole kernel,
/// and, per query block of 16 * warps rows, the scores and d_o v^T
/// (8 * warps each; dA and p, packed, take their place).
int64_t getAttentionGradFragmentRegisters(int64_t e, int64_t f, int64_t warps);
/// The attention backward (mma.sync): head sizes multiples of 16 up to
/// kMaxMmaHeadSize, 1 to kMaxMmaWarps warps (16 keys and 16 queries
/// each), within kMaxFragmentRegisters and the target's shared memory.
LogicalResult checkMmaAttentionGradTiling(const TargetDescription &target,
                                          int64_t e, int64_t f, int64_t warps,
                                          EmitErrorFn emitError);
/// The sm_90a attention backward: one warpgroup (4 warps, 64 keys, query
/// blocks of 64 rows), head sizes multiples of 64 up to kMaxMmaHeadSize
/// (d_k's and d_q's products read q and k MN-major, d_v's reads d_o: in
/// whole panels), a target with wgmma, within kMaxFragmentRegisters and
/// the target's shared memory.
LogicalResult checkWgmmaAttentionGradTiling(const TargetDescription &target,
                                            int64_t e, int64_t f, int64_t warps,
                                            EmitErrorFn emitError);
/// The warps the attention backward takes at head sizes `e` and `f`: the
/// most, halving from `maxWarps`, that pass checkMmaAttentionGradTiling;
/// 0 where none does. The checks' diagnostics (in `context`) are dropped.
int64_t selectMmaAttentionGradWarps(MLIRContext *context,
                                    const TargetDescription &target, int64_t e,
                                    int64_t f, int64_t maxWarps);

/// The per-token kernels; the wgmma variants also need a target with wgmma.
LogicalResult checkHeadSimTiling(const TargetDescription &target, int64_t heads,
                                 int64_t simHeads, int64_t dim, int64_t kernel,
                                 int64_t warps, EmitErrorFn emitError);
/// The head simulation's gradient: the forward's warps a token, and its
/// shared-memory plan (HeadSimGradSharedPlan) within the target's.
LogicalResult checkHeadSimGradTiling(const TargetDescription &target,
                                     int64_t heads, int64_t simHeads,
                                     int64_t dim, int64_t kernel, int64_t warps,
                                     EmitErrorFn emitError);
LogicalResult checkMmaFeatureSimTiling(const TargetDescription &target,
                                       int64_t dim, int64_t simDim,
                                       int64_t warps, int64_t rowTiles,
                                       EmitErrorFn emitError);
LogicalResult checkWgmmaFeatureSimTiling(const TargetDescription &target,
                                         int64_t dim, int64_t simDim,
                                         int64_t warps, int64_t rowTiles,
                                         EmitErrorFn emitError);
/// The feature-simulation gradient (mma.sync): D and D' multiples of 16 up
/// to kMaxMmaFeatureSize with a chunk that fits (getFeatureSimGradChunk),
/// 1 to kMaxMmaWarps warps, both weights within the target's shared memory.
LogicalResult checkMmaFeatureSimGradTiling(const TargetDescription &target,
                                           int64_t dim, int64_t simDim,
                                           int64_t warps, int64_t rowTiles,
                                           EmitErrorFn emitError);
/// The weight gradient: P and Q (d_w's sizes) multiples of 32, a row chunk
/// of whole steps.
LogicalResult checkMmaWeightGradTiling(const TargetDescription &target,
                                       int64_t p, int64_t q, int64_t rowChunk,
                                       EmitErrorFn emitError);
LogicalResult checkMmaPeaaTiling(const TargetDescription &target,
                                 int64_t groups, int64_t width, int64_t warps,
                                 int64_t rowTiles, int64_t columnTile,
                                 int64_t kTile, int64_t stages,
                                 EmitErrorFn emitError);
LogicalResult checkWgmmaPeaaTiling(const TargetDescription &target,
                                   int64_t groups, int64_t width, int64_t warps,
                                   int64_t rowTiles, int64_t columnTile,
                                   int64_t kTile, int64_t stages,
                                   EmitErrorFn emitError);

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_KERNELLIMITS_H
