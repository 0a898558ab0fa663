//===- Passes.td - SAS code generation passes --------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_PASSES_TD
#define SAS_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def SASCPUVectorize : Pass<"sas-cpu-vectorize", "func::FuncOp"> {
  let summary = "Tile linalg ops to register tiles and vectorize them";
  let description = [{
    The CPU code generation strategy of the SAS pipeline, on tensors. Every
    linalg op with static shapes is tiled with `scf.for` to a register tile
    and vectorized:

    - contractions (matmuls and the per-tap head convolutions) get an
      `mr x nr` tile of their output's two innermost dimensions and a
      reduction step of `kc`, so each step is `kc` rank-1 updates (broadcast
      and FMA) on an accumulator that is hoisted out of the reduction loop;
    - other ops (elementwise, broadcasts, row reductions, transposes) keep
      their innermost loop dimension (up to `max-vector-size`) as the vector
      and step through the others one at a time.

    A tile size is the largest divisor of the dimension not above its target,
    so every tile is static and no masking is needed. Vector `math.exp` is
    replaced by its polynomial approximation, so softmax stays vectorized.
    Ops that cannot be vectorized are left as they are (they become loops).
  }];
  let options = [
    Option<"rowTile", "row-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultRowTile",
           "Output rows per contraction register tile (mr)">,
    Option<"columnTile", "column-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultColumnTile",
           "Output columns per contraction register tile (nr)">,
    Option<"reductionTile", "reduction-tile", "int64_t", /*default=*/"4",
           "Reduction steps per contraction register tile (kc); 4 measured "
           "faster than 1, 2 and 8 on the build machine (docs/perf.md)">,
    Option<"maxVectorSize", "max-vector-size", "int64_t", /*default=*/"64",
           "Longest vector for non-contraction ops">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect",
  ];
}

def SASHoistVectorTransfers : Pass<"sas-hoist-vector-transfers",
                                   "func::FuncOp"> {
  let summary = "Keep loop-carried vector accumulators in registers";
  let description = [{
    After bufferization, moves vector transfers of loop-invariant buffers
    out of `scf.for` loops (upstream `linalg::hoistRedundantVectorTransfers`),
    so a contraction's accumulator tile is read once before its reduction
    loop and written once after it. Runs before the parallel loops become
    OpenMP regions.
  }];
}

def SASLinalgStridedCopies : Pass<"sas-linalg-strided-copies",
                                  "func::FuncOp"> {
  let summary = "Copy between strided buffers with linalg.copy";
  let description = [{
    Rewrites each `memref.copy` whose source or target is not a contiguous
    row-major buffer (a view into a padded buffer, for instance) into
    `linalg.copy`, which `convert-linalg-to-loops` turns into loops whose
    contiguous innermost dimension LLVM vectorizes. Left as it is,
    `finalize-memref-to-llvm` makes such a copy a call to the runtime's
    generic `memrefCopy`, which computes every element's address on its
    own. Copies between contiguous buffers stay `memref.copy` (a
    `memcpy`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def SASShortenBufferLifetimes : Pass<"sas-shorten-buffer-lifetimes",
                                     "func::FuncOp"> {
  let summary = "Free each buffer right after its last use";
  let description = [{
    The ownership-based deallocation pipeline frees a buffer at the end of the
    block that allocates it, so every intermediate of a SAS layer stays alive
    until the function returns and peak memory grows with the number of ops.
    This pass moves each `memref.dealloc` up to just after the last operation
    of its block that uses the buffer or a view of it (subviews, reshapes,
    casts), so only the intermediates still needed are alive at any time.
    Deallocations whose buffer escapes the block are left where they are.
  }];
}

def SASGPUHostBuffers : Pass<"sas-gpu-host-buffers", "func::FuncOp"> {
  let summary = "Allocate the host function's buffers on the GPU";
  let description = [{
    In a host function whose buffers all live on the device, turns every
    `memref.alloc` / `memref.dealloc` outside kernels and workgroup memory
    into `gpu.alloc` / `gpu.dealloc` (stream-ordered: each in its own
    `gpu.wait async` chain, which the SAS CUDA runtime places on the
    caller's stream), and every host `memref.copy` into a `linalg.copy`, so
    that it runs as a kernel like every other linalg op. Runs after
    bufferization, before the linalg ops become loops.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def SASPromoteLoopAccumulators : Pass<"sas-promote-loop-accumulators",
                                      "func::FuncOp"> {
  let summary = "Keep the output element of a reduction loop in a register";
  let description = [{
    A linalg reduction lowered to loops loads and stores its output element
    in every iteration of the reduction loop. When an `scf.for` body loads
    and later stores the same loop-invariant element of a buffer, and nothing
    else in the loop writes memory or reads that buffer (distinct root
    buffers are taken not to overlap, as linalg's inputs and outputs), the
    element is loaded once before the loop, carried as an `iter_args`
    value, and stored once after it. Only loops that provably run at least
    once are changed, since the load before the loop runs either way. Inner
    loops first, so accumulators of nested reduction loops move out of all
    of them.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def SASGPUThreadTile : Pass<"sas-gpu-thread-tile", "func::FuncOp"> {
  let summary = "Give each GPU thread a register tile of a contraction";
  let description = [{
    The GPU code generation of the linalg path's contractions (the
    simulations' and PEAA's gradients, the parameter gradients' partial sums
    over token chunks), on tensors. Lowered as they are, each output element
    is one thread that loads both operands at every reduction step: two
    loads a multiply-add. Here a contraction is tiled with an unmapped
    `scf.forall` to `row-tile x column-tile` of its output's two innermost
    dimensions (tile 1 for a dynamic one: tokens) and single elements of the
    others (one forall iteration is one thread after
    `sas-gpu-map-to-launch`), its static reduction dimensions are tiled by
    `reduction-tile` with `scf.for`, and the tile is vectorized to a
    `vector.contract` whose accumulator is read before the reduction loop
    and written after it (`hoistLoopInvariantSubsets`): it stays in
    registers. A tile size is the largest divisor of its dimension
    not above its target. Ops inside a block-mapped `scf.forall` (the
    attention's tiles), with dynamic reduction sizes, whose tile would be a
    single element or that are not contractions are left as they are.

    Elementwise ops (fills, casts, roundings, broadcasts), also on the
    buffers that the kernel ops' conversions write, and sums of the
    innermost dimension alone (rowsum(d_O o)) are tiled the same way where
    every operand reads or writes the innermost loop dimension contiguously
    (or not at all): 16 bytes of the narrowest operand a thread (a power of
    two elements dividing the dimension), or the whole row of a sum, as
    one vector; `sas-gpu-lower-vectors` then issues 16-byte loads and
    stores. An op that would be one tile in all is left as it is.
  }];
  let options = [
    Option<"rowTile", "row-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultGPUThreadRowTile",
           "Output rows of a thread's register tile">,
    Option<"columnTile", "column-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultGPUThreadColumnTile",
           "Output columns of a thread's register tile">,
    Option<"reductionTile", "reduction-tile", "int64_t",
           /*default=*/"::mlir::sas::kDefaultGPUThreadReductionTile",
           "Reduction steps a vector.contract of the tile takes">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect",
  ];
}

def SASGPULowerVectors : Pass<"sas-gpu-lower-vectors", "func::FuncOp"> {
  let summary = "Lower register-tile vector ops to loads, stores and FMAs";
  let description = [{
    After bufferization, before `sas-gpu-map-to-launch`: the vector ops of
    `sas-gpu-thread-tile`'s tiles become what the NVVM conversion takes.
    n-D transfers are unrolled to 1-D ones (`convert-vector-to-scf` runs
    first, fully unrolled), 1-D transfers become `vector.load` and
    `vector.store` (or scalar loads where the minor dimension is not
    contiguous), contractions become outer products and those
    `vector.fma`; transposes, broadcasts, shape casts and multi-reductions
    are lowered the way `convert-vector-to-llvm` lowers them on the CPU.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def SASGPUMapToLaunch : Pass<"sas-gpu-map-to-launch", "func::FuncOp"> {
  let summary = "Map block-mapped scf.forall and parallel loops to gpu.launch";
  let description = [{
    Turns the loops of a bufferized host function into GPU kernels:

    - an `scf.forall` mapped to `#gpu.block<...>` (lower bounds 0, steps 1)
      becomes a `gpu.launch` with one block per iteration and `block-threads`
      threads. In its body, every outermost `scf.parallel` (a linalg op
      lowered by `convert-linalg-to-parallel-loops`) is spread over the
      block's threads, linearized, in an `scf.for` starting at the thread id
      and striding by the block size, followed by a `gpu.barrier`; every
      `memref.alloc` in workgroup memory becomes a workgroup attribution of
      the launch (its deallocations are dropped);
    - every other outermost `scf.parallel`, and every `scf.forall` without a
      mapping (a thread loop of `sas-gpu-thread-tile`), becomes a
      `gpu.launch` with one thread per iteration in blocks of
      `elementwise-threads`.

    Kernels are named `<function>_blocks_<n>` and `<function>_loop_<n>` in
    launch order (each in a module of the same name), so that profilers tell
    them apart. Afterwards no operation outside a kernel may touch memory
    (loads, stores, linalg ops, copies): the pass reports any that does.
  }];
  let options = [
    Option<"blockThreads", "block-threads", "int64_t", /*default=*/"128",
           "Threads of a block that runs a block-mapped scf.forall">,
    Option<"elementwiseThreads", "elementwise-threads", "int64_t",
           /*default=*/"256",
           "Threads per block of the launches of other parallel loops">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect"];
}


def SASGPUAttachTarget : Pass<"sas-gpu-attach-target", "ModuleOp"> {
  let summary = "Attach the GPU target that every later GPU pass asks";
  let description = [{
    Sets the module's `sas.target` attribute to the `#nvvm.target` of
    `chip` (its PTX features included). The GPU conversions and kernel
    builders read it through `sas::getTargetDescription`: which kernels a
    target has (wgmma on sm_90a), how much shared memory a block may use,
    how many blocks an SM holds. `sas-gpu-pipeline` runs it first; a module
    that already has a different target is an error.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"::mlir::sas::kDefaultChip.str()",
           "NVIDIA GPU architecture: sm_90a, sm_90 or sm_80">,
  ];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect"];
}

def SASGPUKernelOccupancy : Pass<"sas-gpu-kernel-occupancy", "ModuleOp"> {
  let summary = "Give outlined kernels the occupancy their builder asked for";
  let description = [{
    A kernel builder that wants more blocks of a kernel on each SM than its
    registers allow records it on the host function, before outlining
    (which keeps no attribute of a `gpu.launch`): `sas.kernel_occupancy`,
    a dictionary from kernel name to `[threads, blocks]`. After
    `gpu-kernel-outlining` this pass sets `nvvm.maxntid = [threads, 1, 1]`
    and `nvvm.minctasm = blocks` on each named `gpu.func` (ptxas then keeps
    its registers within 65536 / (threads * blocks)) and removes the
    dictionary. A name with no outlined kernel is an error.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // SAS_CODEGEN_PASSES_TD
