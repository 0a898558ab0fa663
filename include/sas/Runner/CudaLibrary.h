//===- CudaLibrary.h - Ahead-of-time CUDA layer libraries -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_RUNNER_CUDALIBRARY_H
#define SAS_RUNNER_CUDALIBRARY_H

#include "sas/Pipelines/Pipelines.h"
#include "sas/Runner/LayerRunner.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir {
class MLIRContext;

namespace sas {

/// One kernel of a compiled layer and the path it took: "wgmma" or
/// "mma.sync" (tensor cores), or "linalg" (loops generated from linalg: the
/// elementwise passes between kernels, and the slow path of f32 or of
/// sizes the tensor-core kernels do not take, which linalgReasons names).
struct LayerKernel {
  std::string name, path;
};

/// What the GPU pipeline made of a layer: its kernels in launch order, for
/// each op that stayed on the linalg path why, and the tilings the
/// conversions chose other than asked (a smaller ring that fits).
struct LayerKernelReport {
  std::vector<LayerKernel> kernels;
  std::vector<std::string> linalgReasons;
  std::vector<std::string> notes;
  /// Why the library has no attention backward; empty where it has one.
  std::string backwardNote;
  /// Why the library has no layer backward (sas_layer_backward); empty
  /// where it has one.
  std::string layerBackwardNote;
  /// Whether the library has the training step's pair
  /// (sas_layer_forward_save, sas_layer_backward_saved): with the layer
  /// backward, where the cost model's plan keeps the attention's output and
  /// log-sum-exp (LayerConfig::keepsAttention).
  bool savesAttention = false;

  /// Kernels on the linalg path.
  size_t countLinalg() const;
  /// One line a kernel, "  <name>: <path>", then the linalg reasons and
  /// the notes.
  std::string format() const;
};

/// The JSON that sas_layer_config() of a layer library returns: sizes,
/// dtype, causal, scale, chip, the parameters (state-dict key and shape)
/// in the order sas_layer_forward takes them, `kernels` with their paths,
/// `linalg_reasons`, `tiling_notes`, `attention_backward` (whether
/// sas_attention_backward runs) with `attention_backward_note` (why not),
/// and `layer_backward` (whether sas_layer_backward runs) with
/// `layer_backward_note`.
std::string getLayerConfigJson(const LayerConfig &config, llvm::StringRef chip,
                               const LayerKernelReport &kernels = {});

/// Compiles the layer `config` with sas-gpu-pipeline and writes a shared
/// library exporting the API of sas-c/LayerLibrary.h to `outputPath`: the
/// host code as an x86-64 object, the kernels embedded in it, linked with
/// the SAS CUDA runtime archive `runtimeArchive` by the C++ compiler driver
/// `linker`. `context` needs the dialects and extensions of sas-opt.
/// With `config.backward` the library also has the layer's backward
/// (sas_layer_backward), where the attention has a GPU backward. Returns
/// which kernels it made and their paths.
llvm::Expected<LayerKernelReport>
emitCudaLayerLibrary(MLIRContext &context, const LayerConfig &config,
                     const SASGPUPipelineOptions &options,
                     llvm::StringRef outputPath,
                     llvm::StringRef runtimeArchive, llvm::StringRef linker);

/// The SAS CUDA runtime archive next to the tool `argv0`
/// (<prefix>/lib/libSASCUDARuntime.a, build tree and install tree alike).
std::string findCudaRuntimeArchive(const char *argv0, void *mainAddress);

} // namespace sas
} // namespace mlir

#endif // SAS_RUNNER_CUDALIBRARY_H
