//===- GPUMapToLaunch.cpp - Loops of a host function as kernels -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Upstream's forall-to-GPU mapping (transform.gpu.map_forall_to_blocks and
// map_nested_forall_to_threads) needs static trip counts and one thread per
// iteration; convert-parallel-loops-to-gpu rejects side effects between
// nested loops. SAS kernels have dynamic sequence lengths and a block body
// that is a sequence of steps inside a sequential key loop, so this pass
// maps them itself: blocks from the forall, threads striding over each
// step's linearized iteration space, a barrier between steps.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SmallBitVector.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASGPUMAPTOLAUNCH
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {

/// The number of iterations of `loop`, linearized.
Value buildTripCount(OpBuilder &b, Location loc, scf::ParallelOp loop) {
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value n = arith::CeilDivUIOp::create(b, loc, span, step);
    total = arith::MulIOp::create(b, loc, total, n);
  }
  return total;
}

/// Clones the body of `loop` at `b`'s insertion point for the iteration of
/// linear index `linear` (the last dimension varies fastest).
void cloneIteration(OpBuilder &b, Location loc, scf::ParallelOp loop,
                    Value linear) {
  IRMapping mapping;
  Value rest = linear;
  for (int64_t d = loop.getNumLoops() - 1; d >= 0; --d) {
    Value lb = loop.getLowerBound()[d], step = loop.getStep()[d];
    Value position = rest;
    if (d != 0) {
      Value span = arith::SubIOp::create(b, loc, loop.getUpperBound()[d], lb);
      Value n = arith::CeilDivUIOp::create(b, loc, span, step);
      position = arith::RemUIOp::create(b, loc, rest, n);
      rest = arith::DivUIOp::create(b, loc, rest, n);
    }
    Value iv = arith::AddIOp::create(
        b, loc, lb, arith::MulIOp::create(b, loc, position, step));
    mapping.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
}

/// The outermost scf.parallel ops under `root` (not inside another one).
SmallVector<scf::ParallelOp> getOutermostParallelLoops(Operation *root) {
  SmallVector<scf::ParallelOp> loops;
  root->walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
    loops.push_back(loop);
    return WalkResult::skip();
  });
  return loops;
}

struct SASGPUMapToLaunchPass
    : sas::impl::SASGPUMapToLaunchBase<SASGPUMapToLaunchPass> {
  using Base::Base;

  void runOnOperation() override {
    numLaunches = 0;
    if (blockThreads <= 0 || elementwiseThreads <= 0) {
      emitError(getOperation().getLoc())
          << "sas-gpu-map-to-launch: thread counts must be positive";
      return signalPassFailure();
    }
    // A forall without a mapping is a loop of threads (sas-gpu-thread-tile):
    // launched like a parallel loop.
    SmallVector<scf::ForallOp> threadLoops;
    getOperation().walk([&](scf::ForallOp forall) {
      if (!forall.getMapping())
        threadLoops.push_back(forall);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForallOp forall : threadLoops) {
      rewriter.setInsertionPoint(forall);
      if (failed(scf::forallToParallelLoop(rewriter, forall))) {
        forall.emitOpError("with results cannot become a kernel");
        return signalPassFailure();
      }
    }
    SmallVector<scf::ForallOp> blockLoops;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ForallOp forall) {
      blockLoops.push_back(forall);
      return WalkResult::skip();
    });
    for (scf::ForallOp forall : blockLoops)
      if (failed(mapBlockLoop(forall)))
        return signalPassFailure();
    for (scf::ParallelOp loop : getOutermostParallelLoops(getOperation()))
      if (!loop->getParentOfType<gpu::LaunchOp>() &&
          failed(mapElementwiseLoop(loop)))
        return signalPassFailure();
    if (failed(checkHostCode()))
      signalPassFailure();
  }

  /// A gpu.launch of `grid` blocks of `threads` threads at the builder's
  /// insertion point, with a terminated body; the builder is left at the
  /// start of the body.
  gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, ArrayRef<Value> grid,
                             int64_t threads, StringRef kind) {
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value blockSize = arith::ConstantIndexOp::create(b, loc, threads);
    auto launch = gpu::LaunchOp::create(b, loc, grid[0], grid[1], grid[2],
                                        blockSize, one, one);
    // Kernel and module names that say what a kernel is and where it sits
    // (profilers list kernels by name): <function>_<kind>_<n>.
    auto name = FlatSymbolRefAttr::get(
        b.getContext(),
        (getOperation().getName() + "_" + kind + "_" + Twine(numLaunches++))
            .str());
    launch.setFunctionAttr(name);
    launch.setModuleAttr(name);
    b.setInsertionPointToEnd(&launch.getBody().front());
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&launch.getBody().front());
    return launch;
  }

  LogicalResult mapBlockLoop(scf::ForallOp forall) {
    Location loc = forall.getLoc();
    std::optional<ArrayAttr> mapping = forall.getMapping();
    if (!mapping || forall.getRank() > 3 || forall.getNumResults() != 0 ||
        !llvm::all_of(*mapping, llvm::IsaPred<gpu::GPUBlockMappingAttr>))
      return forall.emitOpError(
          "must be mapped to at most three #gpu.block dimensions and have no "
          "results to become a kernel");
    // x, y and z, each at most once (not the linear mapping ids).
    llvm::SmallBitVector used(3);
    for (Attribute attr : *mapping) {
      int64_t id = cast<gpu::GPUBlockMappingAttr>(attr).getMappingId();
      if (id > 2 || used.test(id))
        return forall.emitOpError("must map each loop to a different one of "
                                  "#gpu.block<x>, <y> and <z>");
      used.set(id);
    }
    if (!llvm::all_of(forall.getMixedLowerBound(), isZeroInteger) ||
        !llvm::all_of(forall.getMixedStep(), isOneInteger))
      return forall.emitOpError("must have lower bounds 0 and steps 1 to "
                                "become a kernel");

    OpBuilder b(forall);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    SmallVector<Value> grid(3, one);
    SmallVector<Value> ubs =
        getValueOrCreateConstantIndexOp(b, loc, forall.getMixedUpperBound());
    for (auto [attr, ub] : llvm::zip(*mapping, ubs))
      grid[cast<gpu::GPUBlockMappingAttr>(attr).getMappingId()] = ub;
    gpu::LaunchOp launch = createLaunch(b, loc, grid, blockThreads, "blocks");

    IRMapping ivs;
    gpu::KernelDim3 ids = launch.getBlockIds();
    Value idValues[3] = {ids.x, ids.y, ids.z};
    for (auto [attr, iv] : llvm::zip(*mapping, forall.getInductionVars()))
      ivs.map(iv,
              idValues[cast<gpu::GPUBlockMappingAttr>(attr).getMappingId()]);
    for (Operation &op : forall.getBody()->without_terminator())
      b.clone(op, ivs);
    forall.erase();

    // Each step over all threads, then a barrier before the next one reads
    // what it wrote. Every thread reaches each barrier: the steps sit in
    // block-uniform control flow (the key loop).
    Value tid = launch.getThreadIds().x;
    Value numThreads = launch.getBlockSizeX();
    for (scf::ParallelOp loop : getOutermostParallelLoops(launch)) {
      if (loop.getNumResults() != 0)
        return loop.emitOpError("with reductions cannot be spread over "
                                "threads");
      OpBuilder lb(loop);
      Location lloc = loop.getLoc();
      Value total = buildTripCount(lb, lloc, loop);
      auto strided = scf::ForOp::create(lb, lloc, tid, total, numThreads);
      lb.setInsertionPointToStart(strided.getBody());
      cloneIteration(lb, lloc, loop, strided.getInductionVar());
      lb.setInsertionPointAfter(strided);
      gpu::BarrierOp::create(lb, lloc);
      loop.erase();
    }

    // Workgroup buffers become attributions of the launch.
    SmallVector<memref::AllocOp> allocs;
    launch.getBody().walk([&](memref::AllocOp alloc) {
      if (gpu::GPUDialect::isWorkgroupMemoryAddressSpace(
              alloc.getType().getMemorySpace()))
        allocs.push_back(alloc);
    });
    for (memref::AllocOp alloc : allocs) {
      if (alloc->getParentOp() != launch || !alloc.getType().hasStaticShape())
        return alloc.emitOpError("in workgroup memory must have a static "
                                 "shape and sit directly in the block body");
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      BlockArgument attribution =
          launch.addWorkgroupAttribution(alloc.getType(), alloc.getLoc());
      alloc.replaceAllUsesWith(attribution);
      alloc.erase();
    }
    return success();
  }

  LogicalResult mapElementwiseLoop(scf::ParallelOp loop) {
    if (loop.getNumResults() != 0)
      return loop.emitOpError("with reductions cannot become a kernel");
    Location loc = loop.getLoc();
    OpBuilder b(loop);
    Value total = buildTripCount(b, loc, loop);
    Value threads = arith::ConstantIndexOp::create(b, loc, elementwiseThreads);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value blocks = arith::CeilDivUIOp::create(b, loc, total, threads);
    gpu::LaunchOp launch =
        createLaunch(b, loc, {blocks, one, one}, elementwiseThreads, "loop");
    Value linear = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                              launch.getBlockSizeX()),
        launch.getThreadIds().x);
    Value inRange =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, linear, total);
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    b.setInsertionPointToStart(guard.thenBlock());
    cloneIteration(b, loc, loop, linear);
    loop.erase();
    return success();
  }

  unsigned numLaunches = 0;

  /// After mapping, the host only allocates, views and launches.
  LogicalResult checkHostCode() {
    WalkResult result = getOperation().walk([&](Operation *op) {
      if (op->getParentOfType<gpu::LaunchOp>() || isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp, linalg::LinalgOp,
              scf::ForallOp, scf::ParallelOp>(op)) {
        op->emitOpError("would touch device memory on the host: it is not "
                        "inside a kernel");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }
};

} // namespace
