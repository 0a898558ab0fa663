//===- SASOps.h - SAS dialect operations ------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASOPS_H
#define SAS_DIALECT_SAS_IR_SASOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sas/Dialect/SAS/IR/SASCost.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include <limits>
#include <optional>
#include <string>

#include "sas/Dialect/SAS/IR/SASInterfaces.h.inc"

#define GET_OP_CLASSES
#include "sas/Dialect/SAS/IR/SASOps.h.inc"

namespace mlir {
namespace sas {

/// Limits of the tensor-core attention kernel (sas.mma_attention). Head
/// sizes: q/k fragments (E/4 registers a thread) and the output accumulator
/// (F/2) must stay in registers next to a score tile. 99 KiB is the dynamic
/// shared memory a block may opt into on every chip from sm_80 on (sm_86 and
/// sm_89 allow 99 KiB, sm_80 163 KiB, sm_90 227 KiB).
constexpr int64_t kMaxMmaHeadSize = 128;
constexpr int64_t kMaxMmaWarps = 8;
constexpr int64_t kMaxMmaKeyTile = 128;
constexpr int64_t kMaxMmaStages = 4;
constexpr int64_t kMaxMmaSharedBytes = 99 * 1024;
/// The sm_90a (wgmma) attention kernel runs on sm_90a only, where a block
/// may opt into 227 KiB.
constexpr int64_t kMaxWgmmaSharedBytes = 227 * 1024;
/// Elements of padding after each shared-memory row of a k or v tile: 16
/// bytes shift consecutive rows by four banks, so the eight rows an ldmatrix
/// reads fall in distinct banks.
constexpr int64_t kMmaRowPadding = 8;

/// Warps of a hand-built tensor-core kernel's block: 1 to kMaxMmaWarps.
LogicalResult checkMmaWarps(int64_t warps,
                            function_ref<InFlightDiagnostic()> emitError);
/// Warps of an sm_90a (wgmma) kernel's block: whole warpgroups, 4 or 8.
LogicalResult checkWgmmaWarps(int64_t warps,
                              function_ref<InFlightDiagnostic()> emitError);
/// A block's shared memory against `limit` (kMaxMmaSharedBytes or, for the
/// sm_90a kernels, kMaxWgmmaSharedBytes): "<what> needs N bytes of shared
/// memory, above the L a block may use[ on sm_90a]".
LogicalResult checkSharedBytes(const Twine &what, int64_t bytes,
                               int64_t limit,
                               function_ref<InFlightDiagnostic()> emitError);
/// The copy rings' stage count: between 2 and kMaxMmaStages.
LogicalResult checkMmaStages(int64_t stages,
                             function_ref<InFlightDiagnostic()> emitError);

/// Bytes of the shared-memory ring of the tensor-core attention kernel.
int64_t getMmaAttentionSharedBytes(int64_t e, int64_t f, int64_t keyTile,
                                   int64_t stages);
/// Bytes of the sm_90a (wgmma) attention kernel's shared memory: the k/v
/// ring in 128-byte-swizzled panels of 64 columns (q stays in registers),
/// and 1024 bytes to align them.
int64_t getWgmmaAttentionSharedBytes(int64_t e, int64_t f, int64_t keyTile,
                                     int64_t stages);
/// Checks the sm_90a kernel's limits: head sizes multiples of 64 up to
/// 128, whole warpgroups, 16 rows a warp, 64 or 128 keys a step.
LogicalResult
checkWgmmaAttentionTiling(int64_t e, int64_t f, int64_t warps,
                          int64_t warpRows, int64_t keyTile, int64_t stages,
                          function_ref<InFlightDiagnostic()> emitError);

/// Checks head sizes and tiling against the limits above; reports the first
/// violation, naming the limit, through `emitError`.
LogicalResult
checkMmaAttentionTiling(int64_t e, int64_t f, int64_t warps, int64_t warpRows,
                        int64_t keyTile, int64_t stages,
                        function_ref<InFlightDiagnostic()> emitError);

/// Limits of the per-token GPU kernels (sas.mma_head_sim,
/// sas.mma_feature_sim, sas.mma_peaa), checked by their verifiers and by
/// convert-sas-token-ops-to-gpu, which leaves sizes outside them to the
/// linalg path. Feature simulation keeps a row tile's f (D'/2 registers a
/// thread), relu(f) as A fragments (D'/4) and x (D/4) in registers.
constexpr int64_t kMaxMmaFeatureSize = 128;
/// The f32 accumulators a head-simulation thread keeps (its part of one
/// token's [H', D] output, carried from one convolution to the next): 32 if
/// the token's positions can be shared out that finely, else at most 64.
/// The kernel asks for two 8-warp blocks an SM (128 registers); with its
/// constants folded none of the kernels of docs/baselines.md spills (110 to
/// 128 registers at H' = 24, 32 and 64; docs/perf.md, step 13).
constexpr int64_t kHeadSimAccumulators = 32;
constexpr int64_t kMaxHeadSimAccumulators = 64;

/// Warps that share the positions of one token in the head-simulation
/// kernel: the fewest of 1, 2, 4, 8 that keep each thread's accumulators
/// within kHeadSimAccumulators (else kMaxHeadSimAccumulators) with whole
/// 16-position steps; 0 if none does.
int64_t getHeadSimWarpsPerToken(int64_t simHeads, int64_t dim);
/// Shared memory each head-simulation warp uses to write its result 16
/// bytes a lane (WarpFragmentBuilder::storeTilesThroughShared), where a
/// warp's positions are 32 or 64 (hasHeadSimStage).
constexpr int64_t kHeadSimStageBytes = 2048;
bool hasHeadSimStage(int64_t simHeads, int64_t dim);
/// Bytes of shared memory of a head-simulation block of `warps` warps:
/// both convolutions' weights and, per token of the block, its input and
/// relu(Y) rows (position-major, zero-padded), all 16-bit; and the warps'
/// stages.
int64_t getHeadSimSharedBytes(int64_t heads, int64_t simHeads, int64_t dim,
                              int64_t kernel, int64_t warps);
/// Checks a head simulation against the kernel's limits.
LogicalResult checkHeadSimTiling(int64_t heads, int64_t simHeads, int64_t dim,
                                 int64_t kernel, int64_t warps,
                                 function_ref<InFlightDiagnostic()> emitError);

/// Bytes of shared memory of a feature-simulation block (both weights).
int64_t getMmaFeatureSimSharedBytes(int64_t dim, int64_t simDim);
LogicalResult
checkMmaFeatureSimTiling(int64_t dim, int64_t simDim, int64_t warps,
                         int64_t rowTiles,
                         function_ref<InFlightDiagnostic()> emitError);
/// Buffers of the x ring of the sm_90a (wgmma) feature-simulation kernel:
/// two row tiles in flight while one is multiplied. With D = 64 and
/// D' = 128 a block then needs 72 KiB, so three fit an SM.
constexpr int64_t kWgmmaFeatureSimStages = 3;
/// Bytes of shared memory of an sm_90a feature-simulation block: both
/// weights and the x ring in 128-byte-swizzled panels of 64 columns, and
/// 1024 bytes to align them.
int64_t getWgmmaFeatureSimSharedBytes(int64_t dim, int64_t simDim,
                                      int64_t warps);
/// Checks the sm_90a kernel's limits: D and D' multiples of 64 (whole
/// swizzled panels), D' at most 128, whole warpgroups.
LogicalResult
checkWgmmaFeatureSimTiling(int64_t dim, int64_t simDim, int64_t warps,
                           int64_t rowTiles,
                           function_ref<InFlightDiagnostic()> emitError);

/// Bytes of the shared-memory ring of a PEAA block of `rowTiles` 16-row
/// tiles (all its warps') for `groups` head groups.
int64_t getMmaPeaaSharedBytes(int64_t groups, int64_t rowTiles,
                              int64_t columnTile, int64_t kTile,
                              int64_t stages);
LogicalResult checkMmaPeaaTiling(int64_t groups, int64_t width, int64_t warps,
                                 int64_t rowTiles, int64_t columnTile,
                                 int64_t kTile, int64_t stages,
                                 function_ref<InFlightDiagnostic()> emitError);
/// The sm_90a (wgmma) PEAA kernel's fixed k tile: one 128-byte-swizzled
/// panel of w rows.
constexpr int64_t kWgmmaPeaaKTile = 64;
/// Bytes of the shared-memory ring of an sm_90a PEAA block of `warps`
/// warps (16 rows each): per stage the A tile (padded rows, 1024-byte
/// aligned) and the swizzled w tile, and 1024 bytes to align them.
int64_t getWgmmaPeaaSharedBytes(int64_t groups, int64_t warps,
                                int64_t columnTile, int64_t stages);
/// Checks the sm_90a kernel's limits: whole warpgroups, one row tile a
/// warp, 64 inputs a step, the column tile a multiple of 8 up to 256.
LogicalResult
checkWgmmaPeaaTiling(int64_t groups, int64_t width, int64_t warps,
                     int64_t rowTiles, int64_t columnTile, int64_t kTile,
                     int64_t stages,
                     function_ref<InFlightDiagnostic()> emitError);

/// The sizes of one SAS layer as plain numbers, as front ends take them
/// (flags, C structs, keyword arguments). Batch and length may be dynamic.
struct LayerSizes {
  int64_t batch = ShapedType::kDynamic, seqLen = ShapedType::kDynamic;
  int64_t heads = 0, simHeads = 0, headDim = 0, simHeadDim = 0, kernel = 0;
  std::optional<double> scale;
};

/// What a caller calls each size (a flag, a keyword argument, an operand
/// dimension); verifyLayerConfig's messages use these names.
struct LayerSizeNames {
  StringRef batch = "B", seqLen = "T", heads = "H", simHeads = "H'",
            headDim = "D", simHeadDim = "D'", kernel = "K", scale = "scale";
};

/// The most elements one tensor of a layer may have where a front end
/// allocates it (sas-run, the C API, Python): 2^38, 1 TiB of f32.
constexpr int64_t kMaxLayerTensorElements = int64_t(1) << 38;

/// Checks the rules of docs/spec.md on the sizes of a layer, the ones the
/// `sas.layer` verifier enforces: positive sizes, an odd kernel size K, H' a
/// multiple of H, a positive finite scale, and no tensor of the layer
/// (inputs, simulated q/k/v, parameters, output) with more than
/// `maxElements` elements. Dynamic batch and length count as 1. Returns a
/// message naming the first broken rule by `names`, or an empty string.
std::string
verifyLayerConfig(const LayerSizes &sizes, const LayerSizeNames &names = {},
                  int64_t maxElements = std::numeric_limits<int64_t>::max());

} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_IR_SASOPS_H
