//===- Pipelines.h - SAS pass pipelines -------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_PIPELINES_PIPELINES_H
#define SAS_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
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
      llvm::cl::desc("Queries per attention tile"), llvm::cl::init(64)};
  PassOptions::Option<int64_t> keyTile{
      *this, "key-tile", llvm::cl::desc("Keys per online-softmax step"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> rowTile{
      *this, "row-tile",
      llvm::cl::desc("Output rows per contraction register tile"),
      llvm::cl::init(4)};
  PassOptions::Option<int64_t> columnTile{
      *this, "column-tile",
      llvm::cl::desc("Output columns per contraction register tile"),
      llvm::cl::init(16)};
  PassOptions::Option<bool> fuseQSimulation{
      *this, "fuse-q-simulation",
      llvm::cl::desc("Compute the simulation of q inside each query tile"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fusePeaaMean{
      *this, "fuse-peaa-mean",
      llvm::cl::desc("Accumulate PEAA's head-group mean in the attention "
                     "epilogue"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> kvSimulation{
      *this, "kv-simulation",
      llvm::cl::desc("Simulate k and v per query tile (fuse), once "
                     "(materialize), or as the cost model decides (auto)"),
      llvm::cl::init("auto")};
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

/// Registers the SAS pipelines with the global pass registry.
void registerSASPipelines();

} // namespace sas
} // namespace mlir

#endif // SAS_PIPELINES_PIPELINES_H
