//===- LayerLibraryABI.h - Symbols inside a SAS layer library ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// What the compiled layer (written by sas-run --emit-lib, lib/Runner) and
// the CUDA runtime linked with it (lib/Runtime/CUDA) agree on: the names of
// the symbols the compiler defines and the encoding of the argument shape
// tables. Only the functions of sas-c/LayerLibrary.h leave the library.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_RUNTIME_LAYERLIBRARYABI_H
#define SAS_RUNTIME_LAYERLIBRARYABI_H

#include <cstdint>

namespace mlir::sas::abi {

/// Host functions, with MLIR's C interface (_mlir_ciface_<name>: a pointer
/// to the memref descriptor of each argument).
inline constexpr const char *kLayerFunction = "sas_layer_device";
inline constexpr const char *kAttentionFunction = "sas_attention_device";
/// Constants: the configuration JSON, {B, T} (kDynamic when any), and the
/// shape tables of the two functions' arguments.
inline constexpr const char *kConfigJson = "sas_layer_config_json";
inline constexpr const char *kSizes = "sas_layer_sizes";
inline constexpr const char *kLayerShapes = "sas_layer_arg_shapes";
inline constexpr const char *kAttentionShapes = "sas_attention_arg_shapes";
/// {compute capability x 10, 1 if the code is arch-specific (sm_90a)}: the
/// devices the kernels' cubins run on, checked before they are loaded.
inline constexpr const char *kTargetCapability = "sas_layer_target_capability";

inline constexpr int64_t kDynamic = -1;
/// A shape table holds, per argument, the rank then the sizes; a size is
/// kBatch or kLength where the call's B or T goes.
inline constexpr int64_t kBatch = -1, kLength = -2;

/// Layer arguments: q, k, v, the parameters, out. Attention: q, k, v, out.
inline constexpr int kNumParameters = 22;
inline constexpr int kNumLayerArgs = 3 + kNumParameters + 1;
inline constexpr int kNumAttentionArgs = 4;

} // namespace mlir::sas::abi

#endif // SAS_RUNTIME_LAYERLIBRARYABI_H
