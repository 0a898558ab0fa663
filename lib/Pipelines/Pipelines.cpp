//===- Pipelines.cpp - SAS pass pipelines -----------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Pipelines/Pipelines.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Codegen/Passes.h"
#include "sas/Conversion/SASKernelsToNVVM/SASKernelsToNVVM.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"
#include "sas/Conversion/SASToLinalg/SASToLinalg.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"
#include "sas/Pipelines/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

/// One-shot bufferization of whole modules; function arguments and results
/// get identity layouts, the contiguous buffers callers pass.
static void addOneShotBufferize(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(options));
}

void sas::buildSASPrimitivesPipeline(OpPassManager &pm) {
  pm.addPass(createSASExpand());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void sas::buildSASCPUPipeline(OpPassManager &pm,
                              const SASCPUPipelineOptions &options) {
  pm.addPass(createSASCheckRegistration());
  // SAS ops -> tiled linalg/scf on tensors.
  ConvertSASToLinalgOptions lowering;
  lowering.queryTile = options.queryTile;
  lowering.keyTile = options.keyTile;
  lowering.fuseQSimulation = options.fuseQSimulation;
  lowering.fusePeaaMean = options.fusePeaaMean;
  lowering.kvSimulation = options.kvSimulation;
  lowering.fusionRemarks = options.fusionRemarks;
  lowering.literalPeaa = options.literalPeaa;
  lowering.simulationTokenTile = kCPUSimulationTokenTile;
  pm.addPass(createConvertSASToLinalg(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Register tiles as vector ops, still on tensors.
  SASCPUVectorizeOptions vectorize;
  vectorize.rowTile = options.rowTile;
  vectorize.columnTile = options.columnTile;
  pm.addNestedPass<func::FuncOp>(createSASCPUVectorize(vectorize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors -> buffers.
  addOneShotBufferize(pm);
  // Score and statistics buffers of the key loop have static sizes: allocate
  // them once per tile, not once per key block (before deallocations exist).
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createSASShortenBufferLifetimes());
  // Subviews folded into transfer indices, so that the reads and writes of
  // an accumulator tile match and can be hoisted out of the reduction loop.
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addNestedPass<func::FuncOp>(createSASHoistVectorTransfers());
  pm.addPass(createCanonicalizerPass());

  // Loops; attention tiles run on OpenMP threads. Strided copies (into
  // padded buffers) become loops too, rather than calls to the runtime's
  // element-by-element memrefCopy.
  pm.addNestedPass<func::FuncOp>(createSASLinalgStridedCopies());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  // The OpenMP conversion wraps each parallel body in memref.alloca_scope;
  // without allocas inside, canonicalization inlines it, which must happen
  // before SCF becomes a CFG (alloca_scope holds a single block).
  pm.addPass(createCanonicalizerPass());
  // Row reductions -> 1-D reductions; n-D vector transfers -> unrolled 1-D
  // transfers.
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass(
      vector::VectorMultiReductionLowering::InnerReduction));
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());

  // LLVM dialect.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Contractions become broadcast + FMA rank-1 updates.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

/// Why the CUDA toolkit of `options` cannot serve gpu-module-to-binary, which
/// would otherwise report it once per kernel, each time with the kernel.
/// With a toolkit path it links libdevice from there; cubins need its ptxas.
static std::optional<std::string>
checkCUDAToolkit(const sas::SASGPUPipelineOptions &options) {
  bool needsPtxas = options.format != "isa";
  const std::string &toolkit = options.toolkit;
  std::string fix = "install the CUDA toolkit and give its directory with "
                    "toolkit=DIR, or use format=isa toolkit= (PTX, needs no "
                    "toolkit)";
  if (toolkit.empty()) {
    if (!needsPtxas)
      return std::nullopt;
    return "format=" + options.format +
           " needs the CUDA toolkit's ptxas, but toolkit= is empty; " + fix;
  }
  if (!llvm::sys::fs::is_directory(toolkit))
    return "the CUDA toolkit directory " + toolkit + " does not exist; " + fix;
  SmallString<128> libdevice(toolkit);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (!llvm::sys::fs::is_regular_file(libdevice))
    return "the CUDA toolkit " + toolkit + " has no " + libdevice.str().str() +
           "; " + fix;
  SmallString<128> ptxas(toolkit);
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  if (needsPtxas && !llvm::sys::fs::can_execute(ptxas))
    return "format=" + options.format + " needs the CUDA toolkit's ptxas, but " +
           ptxas.str().str() + " does not exist or is not executable; " + fix;
  return std::nullopt;
}

std::optional<std::string>
sas::checkSASGPUPipelineOptions(const SASGPUPipelineOptions &options) {
  if (!TargetDescription::lookup(options.chip))
    return ("chip must be " + TargetDescription::getKnownChips() + ", got '" +
            options.chip + "'")
        .str();
  if (options.format != "bin" && options.format != "fatbin" &&
      options.format != "isa")
    return "format must be bin, fatbin or isa, got '" + options.format + "'";
  if (options.queryTile <= 0 || options.keyTile <= 0 ||
      options.blockThreads <= 0 || options.elementwiseThreads <= 0)
    return std::string("query-tile, key-tile, block-threads and "
                       "elementwise-threads must be positive");
  return checkCUDAToolkit(options);
}

void sas::buildSASGPUPipeline(OpPassManager &pm,
                              const SASGPUPipelineOptions &options) {
  pm.addPass(createSASCheckRegistration(SASCheckRegistrationOptions{
      /*gpu=*/true}));
  // The target first: every conversion and kernel builder below asks it
  // (wgmma, shared memory, occupancy), and the NVVM modules get it last.
  pm.addPass(createSASGPUAttachTarget(SASGPUAttachTargetOptions{options.chip}));
  // Inlined first, so that a layer called from a wrapper that stores its
  // result into an argument (sas-run's layer libraries) writes that buffer
  // directly instead of a temporary copied there.
  pm.addPass(createInlinerPass());
  // Attention -> block-mapped tiles; the rest -> linalg over all tokens.
  pm.addPass(createSASExpand());
  // A training forward and the backward that takes its saved values
  // recompute the same simulations: one kernel each, not two.
  pm.addPass(createCSEPass());
  ConvertSASAttentionToGPUOptions attention;
  attention.queryTile = options.queryTile;
  attention.keyTile = options.keyTile;
  attention.tensorCores = options.tensorCores;
  attention.mmaWarps = options.mmaWarps;
  attention.mmaWarpRows = options.mmaWarpRows;
  attention.mmaKeyTile = options.mmaKeyTile;
  attention.mmaStages = options.mmaStages;
  attention.wgmmaWarps = options.wgmmaWarps;
  attention.wgmmaKeyTile = options.wgmmaKeyTile;
  attention.attentionGradWgmma = options.attentionGradWgmma;
  pm.addPass(createConvertSASAttentionToGPU(attention));
  // Per-token ops on 16-bit data -> one kernel op each; f32 and the sizes
  // the kernels do not take stay for the linalg lowering below.
  if (options.tensorCores) {
    ConvertSASTokenOpsToGPUOptions tokenOps;
    tokenOps.featureSimWarps = options.featureSimWarps;
    tokenOps.featureSimRowTiles = options.featureSimRowTiles;
    tokenOps.peaaColumnTile = options.peaaColumnTile;
    tokenOps.peaaKTile = options.peaaKTile;
    tokenOps.peaaWarps = options.peaaWarps;
    tokenOps.peaaRowTiles = options.peaaRowTiles;
    tokenOps.peaaStages = options.peaaStages;
    tokenOps.headSimWarps = options.headSimWarps;
    tokenOps.gradKernels = options.gradKernels;
    pm.addPass(createConvertSASTokenOpsToGPU(tokenOps));
  }
  // Per-token ops materialized: on the GPU they are separate kernels.
  ConvertSASToLinalgOptions lowering;
  lowering.fuseQSimulation = false;
  lowering.fusePeaaMean = false;
  lowering.kvSimulation = KVSimulation::Materialize;
  lowering.tokenSumChunk = kGPUTokenSumChunk;
  pm.addPass(createConvertSASToLinalg(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Contractions on the linalg path: a register tile of the output a thread.
  pm.addNestedPass<func::FuncOp>(createSASGPUThreadTile());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors -> device buffers.
  addOneShotBufferize(pm);
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createSASShortenBufferLifetimes());
  // Tensor-core attention kernels, built on the final buffers; the
  // canonicalizer after the host buffers also folds their index arithmetic.
  pm.addNestedPass<func::FuncOp>(createConvertSASMmaAttentionToNVVM());
  pm.addNestedPass<func::FuncOp>(createConvertSASTokenKernelsToNVVM());
  pm.addNestedPass<func::FuncOp>(createSASGPUHostBuffers());
  pm.addPass(createCanonicalizerPass());

  // The thread tiles' vector ops as loads, stores and FMAs. First the
  // subview a tile reads (a dynamic offset) folded into the transfers'
  // indices, whose loop steps then prove the vectors' alignment.
  pm.addNestedPass<func::FuncOp>(memref::createFoldMemRefAliasOpsPass());
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addNestedPass<func::FuncOp>(createSASGPULowerVectors());

  // Loops -> kernels.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createSASPromoteLoopAccumulators());
  SASGPUMapToLaunchOptions mapping;
  mapping.blockThreads = options.blockThreads;
  mapping.elementwiseThreads = options.elementwiseThreads;
  pm.addNestedPass<func::FuncOp>(createSASGPUMapToLaunch(mapping));
  // The canonicalizer hoisted the kernels' constants to the function's
  // entry (gpu.launch is not isolated from above); outlining alone would
  // make each a kernel parameter, which ptxas cannot fold: divisions and
  // shifts by parameters, descriptor fields in registers. Sink them back.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createSASGPUKernelOccupancy());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // NVVM kernels and LLVM host code.
  TargetDescription description = *TargetDescription::lookup(options.chip);
  GpuNVVMAttachTargetOptions target;
  target.chip = description.chip.str();
  target.features = description.features.str();
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  // Memref descriptors on both sides: kernels take views with dynamic
  // offsets and sizes, and gpu-to-llvm passes launch operands in the host's
  // convention.
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.toolkit;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void sas::registerSASPipelines() {
  PassPipelineRegistration<>(
      "sas-primitives-pipeline",
      "Expand sas.layer into the primitive SAS ops, then canonicalize and CSE",
      buildSASPrimitivesPipeline);
  PassPipelineRegistration<SASCPUPipelineOptions>(
      "sas-cpu-pipeline",
      "Compile sas ops to the LLVM dialect for the host CPU (OpenMP threads)",
      buildSASCPUPipeline);
  // Registered by hand (not PassPipelineRegistration) to reject bad options
  // with a message instead of building a pipeline that fails late.
  registerPassPipeline(
      "sas-gpu-pipeline",
      "Compile sas ops to LLVM host code launching NVVM kernels (cubin or "
      "PTX in a gpu.binary)",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        SASGPUPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        if (std::optional<std::string> error =
                checkSASGPUPipelineOptions(options))
          return errorHandler("sas-gpu-pipeline: " + *error);
        buildSASGPUPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(SASGPUPipelineOptions());
      });
}
