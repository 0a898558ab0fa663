//===- Passes.td - SAS conversion passes -------------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_PASSES_TD
#define SAS_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSASToLinalg : Pass<"convert-sas-to-linalg"> {
  let summary = "Lower the sas ops to tiled linalg, tensor, scf and math";
  let description = [{
    Lowers every sas op (expanding `sas.layer` first) to tensor IR that the
    upstream CPU and GPU pipelines compile:

    - `sas.head_sim`: two 1-D convolutions over each token (channels are the
      heads, the window slides along the zero-padded feature axis), each
      emitted as one `linalg.generic` contraction per kernel tap (an
      H' x H by H x D matmul per token on a shifted window); the first is
      initialized with its bias, the second (on the ReLU) with the first's
      result plus its bias, so bias and residual cost no extra pass.
    - `sas.feature_sim`: two `linalg.generic` contractions over all tokens
      and heads (x times the transposed weight), with the same
      bias/residual initialization.
    - `sas.attention`: flash-style online softmax. An `scf.forall` over
      (batch, query block) owns all heads of its tokens; per head, an
      `scf.for` over key blocks keeps the running row max, row sum and
      output in f32; no T x S score matrix is ever built. Under `causal`, key
      blocks past the diagonal are not visited at all, and only blocks that
      cross the diagonal (or the end of the keys) are masked. The scale is
      folded into q once per tile. Query blocks are visited in the order
      0, n-1, 1, n-2, ... so static thread schedules stay balanced.
    - Fusion (DESIGN.md section 2): when q is `feature_sim(head_sim(x))`
      with no other users, the simulation runs inside each query tile, on
      all heads of its tokens at once (`fuse-q-simulation`); when the
      attention's only user is `sas.peaa`, the head-group mean is
      accumulated in the tile epilogue and only the dense layer remains
      (`fuse-peaa-mean`). Simulating k and v inside each query tile saves
      materializing them but redoes them for every query tile: the cost
      model (`kv-simulation=auto`) prices the recomputed FLOPs against the
      bytes saved at `peak-gflops` and `bandwidth-gbps`, so short sequences
      (one query tile) fuse what long ones materialize. With a dynamic
      batch or length the model has nothing to price: `auto` materializes,
      `fuse` still fuses. `fusion-remarks` reports each decision with its
      numbers.
    - `sas.peaa`: the reassociated form (average the G head groups, then one
      dense layer) or, with `literal-peaa`, one dense layer per group and the
      mean of the results.

    f16 and bf16 storage is read into f32, computed in f32 and truncated once
    per op result.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultQueryTile",
           "Queries per attention tile (rows of the running statistics)">,
    Option<"keyTile", "key-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultKeyTile",
           "Keys per step of the online-softmax loop">,
    Option<"fuseQSimulation", "fuse-q-simulation", "bool", /*default=*/"true",
           "Compute the simulation of q inside each query tile">,
    Option<"fusePeaaMean", "fuse-peaa-mean", "bool", /*default=*/"true",
           "Accumulate PEAA's head-group mean in the attention epilogue "
           "(not with literal-peaa)">,
    Option<"kvSimulation", "kv-simulation", "::mlir::sas::KVSimulation",
           /*default=*/"::mlir::sas::KVSimulation::Auto",
           "Simulate k and v per query tile ('fuse'), once ('materialize'), "
           "or as the cost model decides ('auto')",
           [{::mlir::sas::getKVSimulationValues()}]>,
    Option<"fusionRemarks", "fusion-remarks", "bool", /*default=*/"false",
           "Report fusion decisions and their costs as remarks">,
    Option<"peakGflops", "peak-gflops", "double", /*default=*/"100",
           "Compute rate the cost model assumes (GFLOP/s)">,
    Option<"bandwidthGbps", "bandwidth-gbps", "double", /*default=*/"20",
           "Memory bandwidth the cost model assumes (GB/s)">,
    Option<"literalPeaa", "literal-peaa", "bool", /*default=*/"false",
           "Lower sas.peaa as one dense layer per head group followed by "
           "the mean, instead of the mean followed by one dense layer">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
  ];
}

def ConvertSASAttentionToGPU : Pass<"convert-sas-attention-to-gpu"> {
  let summary = "Lower sas.attention to block-mapped online-softmax tiles";
  let description = [{
    Lowers every `sas.attention` to flash-style attention for a GPU: an
    `scf.forall` over (batch, simulated head, query block) mapped to
    `#gpu.block<z, y, x>`; each block keeps its running row max, row sum and
    output in workgroup (shared) memory, in f32, and visits the key blocks in
    an `scf.for` (under `causal`, only those up to the diagonal). Every step
    of a key block (stage the k and v tiles, scores, mask and scale, row
    max, exponentials, row sums, rescale, P V) is one linalg op on the
    shared tiles, which `sas-gpu-map-to-launch` distributes over the
    block's threads with a barrier after each. The scale is folded into the
    scores together with log2(e), so the exponentials are `exp2`.

    The operands are read through `bufferization.to_buffer` and the result
    is a `bufferization.to_tensor` of a new buffer: run this pass on
    tensors, before one-shot bufferization. Tiles shrink (keys first) until
    they fit in `shared-memory-bytes`; a head too large for any tile is an
    error.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"32",
           "Queries per block">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"32",
           "Keys per step of the online-softmax loop">,
    Option<"sharedMemoryBytes", "shared-memory-bytes", "int64_t",
           /*default=*/"49152",
           "Workgroup memory one block may use (48 KiB: the static limit)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
  ];
}

#endif // SAS_CONVERSION_PASSES_TD
