//===- PassDefaults.h - Defaults and choices of conversion options -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The one place the defaults and choice values of the conversion passes'
// options are written: the TableGen pass options, the fusion and GPU tiling
// options and the sas-cpu-pipeline and sas-gpu-pipeline options all take them
// from here.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_PASSDEFAULTS_H
#define SAS_CONVERSION_PASSDEFAULTS_H

#include "llvm/Support/CommandLine.h"

#include <cstdint>

namespace mlir {
namespace sas {

/// Queries per attention tile (rows of the running statistics).
inline constexpr int64_t kDefaultQueryTile = 64;
/// Keys per step of the online-softmax loop.
inline constexpr int64_t kDefaultKeyTile = 64;

/// convert-sas-attention-to-gpu: the linalg block body (f32, and heads the
/// tensor-core kernel does not take).
inline constexpr int64_t kDefaultGPUQueryTile = 32;
inline constexpr int64_t kDefaultGPUKeyTile = 32;
/// The tensor-core kernel, chosen by measurement on the H200 (docs/perf.md):
/// 4 warps, 32 rows per warp (two 16-row tiles share every k and v fragment:
/// 279 against 233 TFLOP/s at q/k heads of 128, no spills at 249
/// registers), 64 keys a step, 2 buffers.
inline constexpr int64_t kDefaultMmaWarps = 4;
inline constexpr int64_t kDefaultMmaWarpRows = 32;
inline constexpr int64_t kDefaultMmaKeyTile = 64;
inline constexpr int64_t kDefaultMmaStages = 2;
/// The sm_90a (wgmma) attention kernel: one warpgroup (64 query rows), faster
/// than two in 5 of 6 same-run comparisons on the H200 (docs/perf.md).
inline constexpr int64_t kDefaultWgmmaWarps = 4;
/// Its keys a step: 0 picks by q/k head size, 128 for heads of 64 (310
/// against 282 TFLOP/s at config 5 of docs/baselines.md, same run), 64
/// above (128 keys there leave one block an SM: 46-70% slower).
inline constexpr int64_t kDefaultWgmmaKeyTile = 0;

/// The per-token GPU kernels (convert-sas-token-ops-to-gpu). Feature
/// simulation: 4 warps of 16 rows, 4 row tiles a block (the 53 KiB of
/// weights it stages are then read from L2 once per 256 rows). PEAA: 8 warps
/// of one 16-row tile (128 token rows) by 128 columns, 32 inputs a step, 3
/// buffers. Two row tiles a warp (4 warps) halve the w reads from shared
/// memory but need 243 registers instead of 124 and ran slower on the H200
/// (docs/perf.md).
inline constexpr int64_t kDefaultFeatureSimWarps = 4;
inline constexpr int64_t kDefaultFeatureSimRowTiles = 4;
inline constexpr int64_t kDefaultPeaaWarps = 8;
inline constexpr int64_t kDefaultPeaaRowTiles = 1;
/// Rows each block of a tensor-core weight gradient (sas.mma_weight_grad)
/// sums before adding its tile to the result: at config 1 (196,608 rows of
/// a feature simulation) 192 chunks, so a [128, 64] gradient (two tiles)
/// still makes 384 blocks, and 16,384 f32 reductions a 128 x 128 chunk.
inline constexpr int64_t kDefaultWeightGradRowChunk = 1024;
/// The PEAA column tile: 0 picks per kernel, 128 for mma.sync and 256 for
/// the sm_90a kernel, whose A rows (all G head groups of a token) are then
/// read from L2 three times at width 768 instead of six: 1.3-1.5x faster
/// on the H200 (docs/perf.md).
inline constexpr int64_t kDefaultPeaaColumnTile = 0;
inline constexpr int64_t kDefaultMmaPeaaColumnTile = 128;
inline constexpr int64_t kDefaultWgmmaPeaaColumnTile = 256;
/// The column tile a PEAA kernel starts from: the option, or where it is 0
/// the kernel's default.
inline constexpr int64_t getPeaaColumnTile(int64_t option, bool wgmma) {
  if (option)
    return option;
  return wgmma ? kDefaultWgmmaPeaaColumnTile : kDefaultMmaPeaaColumnTile;
}
inline constexpr int64_t kDefaultPeaaKTile = 32;
inline constexpr int64_t kDefaultPeaaStages = 3;

/// sas-gpu-pipeline's token-sum-chunk for convert-sas-to-linalg: the most
/// tokens one partial sum of a parameter gradient covers on the linalg path
/// (PEAA's weight: 768^2 partial sums a chunk at GPT-2 sizes). Each sum
/// takes its own chunk below that (chooseTokenChunk in SASToLinalg's
/// LoweringUtils): few enough tokens that a thread's serial loop stays near
/// kTokenSumWork multiply-adds, so that a grid as small as a bias still
/// fills the GPU, and enough that the f64 partial sums keep at most
/// kTokenSumPartialsPerToken elements a token (2 KiB).
inline constexpr int64_t kGPUTokenSumChunk = 1024;
/// The unit attribute on the linalg op that sums one parameter gradient's
/// token chunks (one partial sum a chunk): sas-gpu-thread-tile sizes its
/// register tiles by it.
inline constexpr llvm::StringLiteral kTokenChunkSumAttrName =
    "sas.token_chunk_sum";
inline constexpr int64_t kTokenSumWork = 512;
inline constexpr int64_t kTokenSumPartialsPerToken = 256;

/// sas-cpu-pipeline's simulation-token-tile for convert-sas-to-linalg: a
/// simulation computed 16 tokens at a time keeps its intermediates in a
/// core's L2 (at H' = 24, D = 64, D' = 128: about 22 KiB a token for a head
/// simulation, 42 KiB for a feature simulation).
inline constexpr int64_t kCPUSimulationTokenTile = 16;

/// Where k and v are simulated when they feed an attention op.
enum class KVSimulation {
  /// As the cost model decides.
  Auto,
  /// Inside each query tile.
  Fuse,
  /// Once, for all keys.
  Materialize,
};

/// The command-line spellings of KVSimulation, for option parsers.
inline llvm::cl::ValuesClass getKVSimulationValues() {
  return llvm::cl::values(
      clEnumValN(KVSimulation::Auto, "auto", "as the cost model decides"),
      clEnumValN(KVSimulation::Fuse, "fuse", "inside each query tile"),
      clEnumValN(KVSimulation::Materialize, "materialize", "once"));
}

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_PASSDEFAULTS_H
