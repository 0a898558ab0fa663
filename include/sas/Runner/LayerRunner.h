//===- LayerRunner.h - Compile and run SAS layers on the CPU ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Builds (or takes) a function holding one sas.layer, compiles it with
// sas-cpu-pipeline and the MLIR ExecutionEngine JIT, and runs it on host
// tensors laid out as PyTorch lays them out.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_RUNNER_LAYERRUNNER_H
#define SAS_RUNNER_LAYERRUNNER_H

#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Pipelines/Pipelines.h"
#include "sas/Runner/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <optional>
#include <string>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace mlir {
class MLIRContext;

namespace sas {

/// The sizes and attributes of one SAS layer, and which of its functions
/// is compiled: the forward (q, k, v and the 22 parameters -> the output),
/// or with `backward` its gradient (the same and the output's gradient ->
/// the gradients of q, k, v and the 22 parameters, sas.layer_grad).
struct LayerConfig {
  int64_t batch = 1, seqLen = 1;
  int64_t heads = 0, simHeads = 0, headDim = 0, simHeadDim = 0, kernel = 0;
  bool causal = true;
  std::optional<float> scale;
  StorageType storage = StorageType::F32;
  bool backward = false;

  /// The 22 parameters in sas.layer operand order, by PyTorch state-dict key.
  static llvm::ArrayRef<llvm::StringLiteral> getParameterNames();
  /// The expected shape of parameter `index` (of getParameterNames()).
  llvm::SmallVector<int64_t> getParameterShape(unsigned index) const;
  /// [B, T, H, D] of q, k and v.
  llvm::SmallVector<int64_t> getInputShape() const;
  /// [B, T, H*D].
  llvm::SmallVector<int64_t> getOutputShape() const;
  /// The shapes of the compiled function's arguments: q, k, v, the 22
  /// parameters and, for the backward, the output's gradient.
  llvm::SmallVector<llvm::SmallVector<int64_t>> getArgumentShapes() const;
  /// The shapes of its results: the output, or the 25 gradients.
  llvm::SmallVector<llvm::SmallVector<int64_t>> getResultShapes() const;
  /// The sizes verifyLayerConfig checks.
  LayerSizes getSizes() const;
  /// For the backward: whether the cost model's training plan keeps the
  /// attention's output and log-sum-exp from the forward
  /// (cost::planSavedForward). The compiled backward then runs the forward
  /// that returns them and takes them, as a training step would; otherwise
  /// it recomputes the attention's forward.
  bool keepsAttention() const;
};

/// The attributes of the config's sas.layer and sas.layer_grad: causal,
/// and the scale where the config sets one.
SmallVector<NamedAttribute> getLayerOpAttributes(Builder &b,
                                                 const LayerConfig &config);

/// A module with `func.func @sas_layer`, taking the config's arguments as
/// tensors and returning its results: a sas.layer, or a sas.layer_grad for
/// the backward.
OwningOpRef<ModuleOp> buildLayerModule(MLIRContext &context,
                                       const LayerConfig &config);

/// Finds the function of `module` that holds a sas.layer (or a
/// sas.layer_grad) whose operands are its arguments and whose results it
/// returns, and reads the layer's configuration from it.
llvm::Expected<std::pair<func::FuncOp, LayerConfig>>
findLayerFunction(ModuleOp module);

/// Adds `func.func @<name>(memref...)` with MLIR's C interface: the config's
/// arguments, then its results, as buffers of their shapes; it calls
/// `callee` and writes each result into its buffer.
void buildLayerEntryPoint(ModuleOp module, func::FuncOp callee,
                          const LayerConfig &config, llvm::StringRef name);

/// Where the time of CompiledLayer::compile went, in seconds.
struct CompileTimes {
  /// sas-cpu-pipeline, down to the LLVM dialect.
  double pipeline = 0;
  /// Translation to LLVM IR, LLVM's optimizer and code generation (zero on
  /// a cache hit).
  double codegen = 0;
  /// Linking the object into the process.
  double load = 0;
  /// Whether the object came from the on-disk cache.
  bool cacheHit = false;
};

/// A SAS layer compiled for the host CPU.
class CompiledLayer {
public:
  /// Compiles `function` of `module` (as found by findLayerFunction) for
  /// batch and length `config.batch` and `config.seqLen`. `sharedLibs` are
  /// the libraries the compiled code calls (getRuntimeLibraries()). The
  /// object code is cached in getCacheDirectory(), when there is one, keyed
  /// by the LLVM dialect module sas-cpu-pipeline produces and the target.
  static llvm::Expected<std::unique_ptr<CompiledLayer>>
  compile(ModuleOp module, func::FuncOp function, const LayerConfig &config,
          const SASCPUPipelineOptions &options,
          llvm::ArrayRef<llvm::StringRef> sharedLibs);

  /// The directory of compiled layers: `$SAS_CACHE_DIR`, else
  /// `$XDG_CACHE_HOME/sas-mlir`, else `$HOME/.cache/sas-mlir`; none when
  /// `SAS_CACHE_DIR` is set and empty (caching off).
  static std::optional<std::string> getCacheDirectory();

  ~CompiledLayer();

  /// Runs the layer's function: `inputs` and `outputs` of the shapes of
  /// getArgumentShapes() and getResultShapes(), in the layer's storage type.
  llvm::Error run(llvm::ArrayRef<const HostTensor *> inputs,
                  llvm::ArrayRef<HostTensor *> outputs);

  /// Runs it on caller-owned dense row-major buffers of those shapes and
  /// the storage type of getConfig().
  llvm::Error runOnBuffers(llvm::ArrayRef<const void *> inputs,
                           llvm::ArrayRef<void *> outputs);

  /// The contraction register tile (rows, columns) that fits the host's
  /// vector registers: 8 x 32 f32 accumulators are 16 of AVX-512's 32 zmm
  /// registers; with AVX2's 16 ymm registers, 4 x 16 (8 registers) leaves
  /// room for the operands.
  static std::pair<int64_t, int64_t> getHostRegisterTile();

  /// The runtime libraries compiled layers call: the OpenMP runtime and
  /// MLIR's C runner utilities of the LLVM this project was built with.
  static llvm::SmallVector<llvm::StringRef> getRuntimeLibraries();

  const LayerConfig &getConfig() const { return config; }
  const CompileTimes &getCompileTimes() const { return times; }

private:
  CompiledLayer(LayerConfig config, std::unique_ptr<llvm::orc::LLJIT> jit,
                void (*entry)(void **), CompileTimes times);

  LayerConfig config;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  /// Takes the memref descriptors of the arguments, then the results.
  void (*entry)(void **);
  CompileTimes times;
};

} // namespace sas
} // namespace mlir

#endif // SAS_RUNNER_LAYERRUNNER_H
