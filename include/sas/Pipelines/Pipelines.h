//===- Pipelines.h - SAS pass pipelines -------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_PIPELINES_PIPELINES_H
#define SAS_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Codegen/PassDefaults.h"
#include "sas/Conversion/PassDefaults.h"

#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;

namespace sas {

/// sas-primitives-pipeline: expands every `sas.layer` into the primitive SAS
/// ops, then canonicalizes and removes common subexpressions (q, k and v of
/// self-attention are often one value, and so are shared weights).
void buildSASPrimitivesPipeline(OpPassManager &pm);

/// Options of sas-cpu-pipeline.
struct SASCPUPipelineOptions
    : public PassPipelineOptions<SASCPUPipelineOptions> {
  PassOptions::Option<int64_t> queryTile{
      *this, "query-tile",
      llvm::cl::desc("Queries per attention tile"),
      llvm::cl::init(kDefaultQueryTile)};
  PassOptions::Option<int64_t> keyTile{
      *this, "key-tile", llvm::cl::desc("Keys per online-softmax step"),
      llvm::cl::init(kDefaultKeyTile)};
  PassOptions::Option<int64_t> rowTile{
      *this, "row-tile",
      llvm::cl::desc("Output rows per contraction register tile"),
      llvm::cl::init(kDefaultRowTile)};
  PassOptions::Option<int64_t> columnTile{
      *this, "column-tile",
      llvm::cl::desc("Output columns per contraction register tile"),
      llvm::cl::init(kDefaultColumnTile)};
  PassOptions::Option<bool> fuseQSimulation{
      *this, "fuse-q-simulation",
      llvm::cl::desc("Compute the simulation of q inside each query tile"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fusePeaaMean{
      *this, "fuse-peaa-mean",
      llvm::cl::desc("Accumulate PEAA's head-group mean in the attention "
                     "epilogue"),
      llvm::cl::init(true)};
  PassOptions::Option<KVSimulation> kvSimulation{
      *this, "kv-simulation",
      llvm::cl::desc("Simulate k and v per query tile (fuse), once "
                     "(materialize), or as the cost model decides (auto)"),
      llvm::cl::init(KVSimulation::Auto), getKVSimulationValues()};
  PassOptions::Option<bool> fusionRemarks{
      *this, "fusion-remarks",
      llvm::cl::desc("Report fusion decisions and their costs as remarks"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> literalPeaa{
      *this, "literal-peaa",
      llvm::cl::desc("Lower sas.peaa in its literal per-group form"),
      llvm::cl::init(false)};
};

/// sas-cpu-pipeline: from sas ops on tensors to the LLVM dialect for the host
/// CPU: lower to tiled linalg, bufferize, run the attention tiles on OpenMP
/// threads, lower to LLVM. Functions may take tensors (bufferized with
/// identity layouts) or memrefs.
void buildSASCPUPipeline(OpPassManager &pm,
                         const SASCPUPipelineOptions &options);

/// Options of sas-gpu-pipeline.
struct SASGPUPipelineOptions
    : public PassPipelineOptions<SASGPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA GPU architecture: sm_90a, sm_90 or sm_80"),
      llvm::cl::init(kDefaultChip.str())};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Kernel binary: bin (cubin, needs ptxas), fatbin, or "
                     "isa (PTX, needs only LLVM)"),
      llvm::cl::init("bin")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit holding ptxas and libdevice"),
      llvm::cl::init("/usr/local/cuda")};
  PassOptions::Option<int64_t> queryTile{
      *this, "query-tile", llvm::cl::desc("Queries per attention block"),
      llvm::cl::init(kDefaultGPUQueryTile)};
  PassOptions::Option<int64_t> keyTile{
      *this, "key-tile", llvm::cl::desc("Keys per online-softmax step"),
      llvm::cl::init(kDefaultGPUKeyTile)};
  PassOptions::Option<int64_t> blockThreads{
      *this, "block-threads",
      llvm::cl::desc("Threads of an attention block"), llvm::cl::init(128)};
  PassOptions::Option<int64_t> elementwiseThreads{
      *this, "elementwise-threads",
      llvm::cl::desc("Threads per block of the kernels of the linalg path "
                     "(f32, and sizes the tensor-core kernels do not take)"),
      llvm::cl::init(256)};
  PassOptions::Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc("Tensor-core kernels for f16/bf16 (mma.sync, and wgmma "
                     "where the chip has it): the attention, and one kernel "
                     "each for head simulation, feature simulation and PEAA "
                     "(convert-sas-token-ops-to-gpu says which sizes they "
                     "take)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> mmaWarps{
      *this, "mma-warps",
      llvm::cl::desc("Warps of a tensor-core attention block"),
      llvm::cl::init(kDefaultMmaWarps)};
  PassOptions::Option<int64_t> mmaWarpRows{
      *this, "mma-warp-rows",
      llvm::cl::desc("Queries per warp of the tensor-core attention kernel "
                     "(16 or 32; with 32 each k/v fragment serves two row tiles)"),
      llvm::cl::init(kDefaultMmaWarpRows)};
  PassOptions::Option<int64_t> mmaKeyTile{
      *this, "mma-key-tile",
      llvm::cl::desc("Keys per step of the tensor-core attention kernel"),
      llvm::cl::init(kDefaultMmaKeyTile)};
  PassOptions::Option<int64_t> mmaStages{
      *this, "mma-stages",
      llvm::cl::desc("k/v buffers of the tensor-core kernel's copy ring"),
      llvm::cl::init(kDefaultMmaStages)};
  PassOptions::Option<int64_t> wgmmaWarps{
      *this, "wgmma-warps",
      llvm::cl::desc("Warps of an sm_90a (wgmma) attention block: 4 or 8, "
                     "64 query rows a warpgroup"),
      llvm::cl::init(kDefaultWgmmaWarps)};
  PassOptions::Option<int64_t> wgmmaKeyTile{
      *this, "wgmma-key-tile",
      llvm::cl::desc("Keys per step of the sm_90a (wgmma) attention kernel: "
                     "64 or 128, or 0: 128 for q/k heads of 64, 64 above"),
      llvm::cl::init(kDefaultWgmmaKeyTile)};
  PassOptions::Option<bool> attentionGradWgmma{
      *this, "attention-grad-wgmma",
      llvm::cl::desc("On an sm_90a target, the wgmma attention backward for "
                     "heads that are multiples of 64; off by default until "
                     "it has passed the GPU check (docs/perf-log/"
                     "gpu-backward.md)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> featureSimWarps{
      *this, "feature-sim-warps",
      llvm::cl::desc("Warps of a feature-simulation block (convert-sas-"
                     "token-ops-to-gpu's option of the same name)"),
      llvm::cl::init(kDefaultFeatureSimWarps)};
  PassOptions::Option<int64_t> featureSimRowTiles{
      *this, "feature-sim-row-tiles",
      llvm::cl::desc("Row tiles of a feature-simulation block (convert-sas-"
                     "token-ops-to-gpu's option of the same name)"),
      llvm::cl::init(kDefaultFeatureSimRowTiles)};
  PassOptions::Option<int64_t> peaaColumnTile{
      *this, "peaa-column-tile",
      llvm::cl::desc("Output columns of a PEAA block, 0: by kernel "
                     "(convert-sas-token-ops-to-gpu's option of the same "
                     "name)"),
      llvm::cl::init(kDefaultPeaaColumnTile)};
  PassOptions::Option<int64_t> peaaKTile{
      *this, "peaa-k-tile",
      llvm::cl::desc("Inputs per step of the PEAA ring (convert-sas-token-"
                     "ops-to-gpu's option of the same name)"),
      llvm::cl::init(kDefaultPeaaKTile)};
  PassOptions::Option<int64_t> peaaWarps{
      *this, "peaa-warps",
      llvm::cl::desc("Warps of a PEAA block (convert-sas-token-ops-to-gpu's "
                     "option of the same name)"),
      llvm::cl::init(kDefaultPeaaWarps)};
  PassOptions::Option<int64_t> peaaRowTiles{
      *this, "peaa-row-tiles",
      llvm::cl::desc("16-row tiles a PEAA warp computes (convert-sas-token-"
                     "ops-to-gpu's option of the same name)"),
      llvm::cl::init(kDefaultPeaaRowTiles)};
  PassOptions::Option<int64_t> peaaStages{
      *this, "peaa-stages",
      llvm::cl::desc("Shared-memory buffers of the PEAA copy ring (convert-"
                     "sas-token-ops-to-gpu's option of the same name)"),
      llvm::cl::init(kDefaultPeaaStages)};
  PassOptions::Option<int64_t> headSimWarps{
      *this, "head-sim-warps",
      llvm::cl::desc("Warps of a head-simulation block, 0: the most, up to "
                     "8, that fit (convert-sas-token-ops-to-gpu's option of "
                     "the same name)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> gradKernels{
      *this, "grad-kernels",
      llvm::cl::desc("Tensor-core kernels for the head simulations', the "
                     "feature simulations' and PEAA's gradients; off, they "
                     "run on the linalg path (the attention's gradient keeps "
                     "its kernel)"),
      llvm::cl::init(true)};
};

/// Why `options` cannot build a GPU pipeline (unknown chip or format,
/// non-positive sizes, a toolkit without libdevice or, for format=bin|fatbin,
/// without ptxas), or nothing when they can.
std::optional<std::string>
checkSASGPUPipelineOptions(const SASGPUPipelineOptions &options);

/// sas-gpu-pipeline: from sas ops on tensors to host code in the LLVM
/// dialect that launches NVVM kernels held in a gpu.binary. The target
/// (`chip`) is attached first; f16/bf16 attention, head simulation, feature
/// simulation and PEAA become one tensor-core kernel each (sas/Codegen/NVVM),
/// f32 and the sizes those kernels do not take go through linalg (attention
/// as block-mapped online-softmax tiles in shared memory, the rest one
/// kernel per linalg op); intermediates live in device memory.
void buildSASGPUPipeline(OpPassManager &pm,
                         const SASGPUPipelineOptions &options);

/// Registers the SAS pipelines with the global pass registry.
void registerSASPipelines();

/// Adds to `registry` what the SAS pipelines lower through: every upstream
/// dialect, the extensions with their interface models, and the LLVM IR
/// translations. `registerSASDialect` (sas/InitSAS.h) calls it.
void registerSASPipelineDependencies(DialectRegistry &registry);

} // namespace sas
} // namespace mlir

#endif // SAS_PIPELINES_PIPELINES_H
