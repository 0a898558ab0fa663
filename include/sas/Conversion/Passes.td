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
    - Fusion (docs/architecture.md): when q is `feature_sim(head_sim(x))`
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
    Option<"tokenSumChunk", "token-sum-chunk", "int64_t", /*default=*/"0",
           "Sum parameter gradients over the tokens in partial sums of at "
           "most this many tokens each (each sum picks its own power of "
           "two below it), computed in parallel, then their sum (0: one "
           "sum over all tokens)">,
    Option<"simulationTokenTile", "simulation-token-tile", "int64_t",
           /*default=*/"0",
           "Compute each sas.head_sim and sas.feature_sim with static B and "
           "T in a parallel loop over tiles of at most this many tokens of "
           "one batch element, every step and intermediate per tile (0: each "
           "step over all tokens)">,
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
    is a `bufferization.to_tensor` of a new buffer, or, when its only use
    stores it into a buffer argument (`bufferization.materialize_in_destination`
    restrict writable) with nothing in between touching that buffer, is
    written into that buffer directly (bufferization would allocate it and
    copy it there): run this pass on tensors, before one-shot bufferization. Tiles shrink (keys first) until
    they fit in `shared-memory-bytes`; a head too large for any tile is an
    error.

    With `tensor-cores` (the default), f16 and bf16 attention whose head
    sizes are multiples of 16 and at most 256 becomes `sas.mma_attention`
    instead, on buffers, which `convert-sas-mma-attention-to-nvvm` turns
    into a tensor-core kernel after bufferization (`mma-warps`,
    `mma-key-tile`, `mma-stages`; values outside the kernel's limits are
    an error naming the limit). Where the asked tiling's fragments would
    not fit a thread's registers (large heads) or its k/v ring the
    target's shared memory, the pass takes 16 rows a warp, then fewer keys
    a step, and says so in a remark. f32 attention, and head sizes the
    kernel cannot take, keep the linalg block body above: it is exact in
    f32, and a head of another size is compiled correctly rather than
    padded.

    The backward: a `sas.attention` that returns its log-sum-exp and
    `sas.attention_grad` lower, for 16-bit heads that are multiples of 16
    and at most 256, to the tensor-core kernels (`sas.mma_attention` with
    its `lse` operand, `sas.mma_attention_grad` after a rowsum(d_o * o)
    pass and an f32 d_q accumulator); other sizes and f32 are errors naming
    them. The simulations' and PEAA's gradients are
    `convert-sas-token-ops-to-gpu`'s to report and `convert-sas-to-linalg`'s
    to lower.

    The module's target (`sas.target`, an `#nvvm.target` that
    `sas-gpu-attach-target` attaches and `sas-gpu-pipeline` attaches first)
    decides the kernel: on a target with wgmma (sm_90a), the tensor-core
    attention whose v head size is a multiple of 64 is marked for the
    sm_90a kernel (any q/k head size that is a multiple of 16: k is read
    K-major, a partial last panel only as far as the head goes),
    warpgroups of four warps computing q k^T and p v with wgmma.mma_async;
    other v head sizes, and other targets, keep the mma.sync kernel. With
    `attention-grad-wgmma` (off by default: the kernel has not yet run on
    a GPU) the backward likewise takes the sm_90a kernel (one warpgroup of
    64 keys) where both head sizes are multiples of 64, and otherwise the
    mma.sync one with a remark saying why. Tilings are checked against the
    target's shared memory. Without a target on the module the pass fails,
    naming it.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultGPUQueryTile",
           "Queries per block">,
    Option<"keyTile", "key-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultGPUKeyTile",
           "Keys per step of the online-softmax loop">,
    Option<"sharedMemoryBytes", "shared-memory-bytes", "int64_t",
           /*default=*/"49152",
           "Workgroup memory one block may use (48 KiB: the static limit)">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "Lower f16/bf16 attention whose head sizes the tensor-core kernel "
           "takes to sas.mma_attention">,
    Option<"mmaWarps", "mma-warps", "int64_t",
           /*default=*/"::mlir::sas::kDefaultMmaWarps",
           "Warps of a tensor-core attention block">,
    Option<"mmaWarpRows", "mma-warp-rows", "int64_t",
           /*default=*/"::mlir::sas::kDefaultMmaWarpRows",
           "Queries per warp of the tensor-core kernel: 16 or 32 (each k/v "
           "fragment read from shared memory serves two row tiles)">,
    Option<"mmaKeyTile", "mma-key-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultMmaKeyTile",
           "Keys per step of the tensor-core kernel (a multiple of 16)">,
    Option<"mmaStages", "mma-stages", "int64_t",
           /*default=*/"::mlir::sas::kDefaultMmaStages",
           "Shared-memory k/v buffers of the tensor-core kernel's copy ring">,
    Option<"wgmmaWarps", "wgmma-warps", "int64_t",
           /*default=*/"::mlir::sas::kDefaultWgmmaWarps",
           "Warps of an sm_90a attention block: 4 or 8 (64 query rows a "
           "warpgroup)">,
    Option<"wgmmaKeyTile", "wgmma-key-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultWgmmaKeyTile",
           "Keys per step of the sm_90a attention kernel: 64 or 128, or 0: "
           "128 for q/k heads of 64, 64 above">,
    Option<"attentionGradWgmma", "attention-grad-wgmma", "bool",
           /*default=*/"false",
           "On a target with wgmma, the sm_90a attention backward for heads "
           "that are multiples of 64; off by default until it has passed "
           "the GPU check">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
  ];
}

def ConvertSASMmaAttentionToNVVM : Pass<"convert-sas-mma-attention-to-nvvm"> {
  let summary = "Build the tensor-core kernels of sas.mma_attention";
  let description = [{
    Replaces every `sas.mma_attention` with a `gpu.launch` whose body is a
    FlashAttention-2-style kernel for sm_80 and later, in NVVM, GPU, arith,
    math and scf ops: one block of `warps` warps of `warp_rows` queries per
    (batch, head, query block); q held in registers as mma.sync A fragments; k
    and v tiles staged in their 16-bit type through a ring of `stages`
    shared-memory buffers filled by `cp.async` (rows past the keys
    zero-filled, never read); scores and `p v` on `mma.sync.m16n8k16` with
    f32 accumulators, k read by `ldmatrix`, v by `ldmatrix.trans`; the
    online softmax in registers, row reductions by quad shuffles, `exp2`
    (`ex2.approx.ftz`, no libdevice) with scale * log2(e) folded into one
    fma; `p` packed to 16-bit pairs in
    registers as the A operand of `p v`. With 32 rows per warp each k and
    v fragment read from shared memory feeds two row tiles. Under `causal`, key blocks past
    the diagonal are never visited and only blocks that cross the diagonal
    or the end of the keys are masked. A step waits for its key block, passes
    one barrier, then refills the slot the previous step read (whole key
    blocks without bounds checks, the tail block zero-filled). The row max
    moves lazily: only when a row of the warp would otherwise get
    probabilities above 2^8 (a warp vote) are the max, the row sum and the
    accumulator rescaled; the final `o / l` cancels the stale max exactly.
    Kernels are named `<function>_attention_mma_<n>`.

    An op marked `wgmma` becomes the sm_90a kernel instead
    (`<function>_attention_wgmma_<n>`): each warpgroup of four warps owns
    64 query rows; the k/v ring is copied by `cp.async` into
    128-byte-swizzled shared-memory panels; `q k^T` is `wgmma.mma_async`
    m64nBk16 with q in registers (each warp's A fragments, read once) and k
    K-major, `p v` is wgmma with p in registers and v MN-major (both in the
    mma.sync A fragment layout); each batch is fenced, committed and waited
    for, and copies are made visible to wgmma's async proxy before the
    barrier. The online softmax, masking and epilogue are the mma.sync
    kernel's. The kernel asks for as many blocks an SM as its shared memory
    holds (`.minnctapersm`; four at q/k heads of 128 and v heads of 64,
    hence at most 128 registers).

    The kernels are generated by `sas/Codegen/NVVM` for the module's
    target (`sas.target`): each op's tiling is checked against it first
    (an op the target cannot run is an error naming the limit). Run it
    after bufferization (the op works on buffers) and before
    `gpu-kernel-outlining`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def ConvertSASTokenOpsToGPU : Pass<"convert-sas-token-ops-to-gpu"> {
  let summary = "Lower the per-token sas ops to GPU kernel ops on buffers";
  let description = [{
    Replaces `sas.head_sim`, `sas.feature_sim` and `sas.peaa` on f16 or
    bf16 tensors by `sas.mma_head_sim`, `sas.mma_feature_sim` and
    `sas.mma_peaa` on their buffers, each of which
    `convert-sas-token-kernels-to-nvvm` turns into one kernel after
    bufferization: the whole op (both convolutions, or both products, with
    their biases, ReLUs and residuals; PEAA's mean and dense layer) in one
    launch instead of one linalg kernel for each step. Buffers as in
    `convert-sas-attention-to-gpu`: operands through
    `bufferization.to_buffer`, the result in a new buffer or written into
    the buffer argument it is stored to. Run it on tensors, before one-shot
    bufferization.

    A PEAA ring too large for a block's shared memory (many head groups)
    takes fewer stages, down to two, with a remark saying so. Ops the
    kernels do not take stay for `convert-sas-to-linalg`, with a remark
    saying why: f32 (the linalg path is exact in f32), head and
    feature sizes that are not multiples of 16, feature sizes above 256, a
    PEAA width that is not a multiple of 16, and head simulations and
    feature simulations whose weights do not fit in a block's shared
    memory (feature sizes above about 160 on sm_80).

    On a target with wgmma (the module's `sas.target` is sm_90a), feature
    simulations with D and D' multiples of 64 become
    `sas.mma_feature_sim {wgmma}` (the mma.sync kernel, with a remark,
    where its weights and x ring do not fit beside each other) and PEAA with a width that is a multiple
    of 64 `sas.mma_peaa {wgmma}`: the sm_90a kernels (warpgroups of four
    warps; `feature-sim-warps` and `peaa-warps` must then be 4 or 8; PEAA
    takes one row tile a warp and 64 inputs a step whatever
    `peaa-row-tiles` and `peaa-k-tile` say). Other sizes keep the mma.sync
    kernels, which run on every chip from sm_80 on. Shared memory is
    checked against the target's; without a target the pass fails.

    `sas.feature_sim_grad` on 16-bit tensors becomes
    `sas.mma_feature_sim_grad` (`d_x`, and `d_f` and `relu(f)` in the
    16-bit type) and two `sas.mma_weight_grad` (`d res_w`, `d res_b` from
    `d_z` and `relu(f)`; `d w`, `d b` from `d_f` and `x`), accumulated in
    f32 and rounded once; feature sizes that are not multiples of 32 stay
    on the linalg path with a remark. `sas.peaa_grad` becomes PEAA's GEMM
    (`sas.mma_peaa` on the output's gradient as one head group, with `w`
    transposed and a zero bias), the broadcast of its result to the head
    groups, the group mean, and a `sas.mma_weight_grad` for `d w` and
    `d b`. `sas.head_sim_grad` on 16-bit tensors becomes
    `sas.mma_head_sim_grad`, one kernel that writes `d_x` and adds the
    four parameter gradients to f32 buffers, rounded once after it; head
    sizes that are not multiples of 16, or tokens too large for a block's
    shared memory, stay on the linalg path with a remark.
    `grad-kernels=false` leaves the three gradients to the linalg path (a
    same-compiler baseline), with a remark on each.
  }];
  let options = [
    Option<"featureSimWarps", "feature-sim-warps", "int64_t",
           /*default=*/"::mlir::sas::kDefaultFeatureSimWarps",
           "Warps of a feature-simulation block (16 rows each)">,
    Option<"featureSimRowTiles", "feature-sim-row-tiles", "int64_t",
           /*default=*/"::mlir::sas::kDefaultFeatureSimRowTiles",
           "Row tiles a feature-simulation block computes after loading the "
           "weights once">,
    Option<"gradKernels", "grad-kernels", "bool", /*default=*/"true",
           "Lower sas.head_sim_grad, sas.feature_sim_grad and "
           "sas.peaa_grad to their kernel ops (off: they stay for "
           "convert-sas-to-linalg)">,
    Option<"weightGradRowChunk", "weight-grad-row-chunk", "int64_t",
           /*default=*/"::mlir::sas::kDefaultWeightGradRowChunk",
           "Rows each block of a weight gradient's kernel sums (a multiple "
           "of 32)">,
    Option<"peaaWarps", "peaa-warps", "int64_t",
           /*default=*/"::mlir::sas::kDefaultPeaaWarps",
           "Warps of a PEAA block">,
    Option<"peaaRowTiles", "peaa-row-tiles", "int64_t",
           /*default=*/"::mlir::sas::kDefaultPeaaRowTiles",
           "16-row tiles a PEAA warp computes (they share each w fragment)">,
    Option<"peaaColumnTile", "peaa-column-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultPeaaColumnTile",
           "Output columns of a PEAA block (the largest of this and its "
           "halves down to 16 that divides the width); 0: 128, or 256 for "
           "the sm_90a kernel">,
    Option<"peaaKTile", "peaa-k-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultPeaaKTile",
           "Inputs per step of the PEAA ring (the largest of this, 32, 16 "
           "that divides the width)">,
    Option<"peaaStages", "peaa-stages", "int64_t",
           /*default=*/"::mlir::sas::kDefaultPeaaStages",
           "Shared-memory buffers of the PEAA copy ring">,
    Option<"headSimWarps", "head-sim-warps", "int64_t", /*default=*/"0",
           "Warps of a head-simulation block, forward and gradient; 0: the "
           "most, up to 8, whose tokens fit the block's shared memory">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def ConvertSASTokenKernelsToNVVM : Pass<"convert-sas-token-kernels-to-nvvm"> {
  let summary = "Build the kernels of sas.mma_head_sim, sas.mma_feature_sim, "
                "sas.mma_peaa and the gradients' sas.mma_head_sim_grad, "
                "sas.mma_feature_sim_grad and sas.mma_weight_grad";
  let description = [{
    Replaces each per-token kernel op with a `gpu.launch` whose body is
    built in NVVM, GPU, LLVM, arith and scf ops:

    - `sas.mma_head_sim`: a block stages both convolutions' weights in
      shared memory once ([tap][out channel][in channel], channels padded
      to 16 with zeros), then for each group of tokens stores their rows
      position-major ([position + (K-1)/2][channel], zero rows on both
      sides), so that tap i of a convolution is the product of its weights
      (mma.sync A fragments) with the rows shifted by i (B fragments by
      ldmatrix). Y = b + conv(x) stays in the accumulators; relu(Y) goes to
      shared memory, position-major, as the residual convolution's input,
      whose taps accumulate onto Y + res_b; the result is written once.
    - `sas.mma_feature_sim`: both weight matrices staged in shared memory
      once per block (cp.async, rows padded 16 bytes); per warp, 16 rows of
      `x` as mma.sync A fragments, `f = x w^T` and then `relu(f + b)`
      packed in registers as the A operand of `res_w`, accumulated onto
      `f + b + res_b`: `f` never leaves the registers. Marked `wgmma`
      (`<function>_feature_sim_wgmma_<n>`, sm_90a): the weights in
      128-byte-swizzled panels, the rows of `x` through a ring of
      swizzled cp.async buffers, and per warpgroup of four warps 64 rows:
      `f = x w^T` by wgmma from shared memory, `relu(f + b)` packed in
      registers as wgmma's A operand for `res_w` (K-major in shared
      memory); z goes out through the tile's x slot, 16 bytes a lane.
    - `sas.mma_peaa`: a GEMM over (token rows, output columns) blocks whose
      A tile holds the `G` head groups of each token's inputs; the mean is
      taken in registers while the A fragments are formed (the prologue);
      A and w tiles come through a ring of cp.async buffers; the bias is
      added to the f32 accumulators (the epilogue). The column blocks of a
      row block are neighbours in the (1-D) grid, so that they read its A
      rows from L2. Marked `wgmma` (`<function>_peaa_wgmma_<n>`, sm_90a):
      the w tile is one 128-byte-swizzled panel and each warpgroup's mean
      fragments multiply it with wgmma (A from registers); a step's wgmma
      runs while the warps form the next step's mean fragments.

    - `sas.mma_head_sim_grad`: the weights and each group's `x` and `d_s`
      staged as for `sas.mma_head_sim`; Y recomputed, relu(Y) stored;
      the input gradients' convolutions are the same products with the
      staged weights read transposed (`ldmatrix.trans`) and the taps in
      reverse: `d_Y = d_s + conv_input_grad(d_s; res_w) * [Y > 0]`
      (stored), `d_x = conv_input_grad(d_Y; w)` (written); the weight
      gradients are 16 x 16 units of one tap spread over the warps, summed
      in registers over the block's tokens and positions, and added with
      the bias sums by `red.global.add` after the last group.
    - `sas.mma_feature_sim_grad`: the weights staged as for
      `sas.mma_feature_sim`; per warp, 16 rows of `x` and `d_z` as A
      fragments, and a chunk of f's columns at a time: `f = x w^T + b`
      recomputed, `relu(f)` stored, `d_z res_w` (res_w read row-major by
      `ldmatrix.trans`), `d_f = d_z + (d_z res_w) * [f > 0]` stored, and
      `d_x += d_f w` (w read row-major), all in registers.
    - `sas.mma_weight_grad`: a grid of (64 x 64 tiles of `d_w`, chunks of
      rows); each block multiplies the transposed `grad` rows (A fragments
      by `ldmatrix.trans`) with the `input` rows, 32 rows a step through a
      ring of cp.async buffers, the row sums (the bias gradient) by a
      product with a fragment of ones, and adds its tiles to `d_w` and
      `d_b` with `red.global.add`.

    Kernels are named `<function>_<head_sim|feature_sim|peaa|
    head_sim_grad|feature_sim_grad|weight_grad>_<n>`; each
    op's tiling is checked against the module's target (`sas.target`)
    first. Run it after bufferization and before `gpu-kernel-outlining`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // SAS_CONVERSION_PASSES_TD
