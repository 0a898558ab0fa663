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
/// The attention core's forward that also saves the log-sum-exp, and its
/// backward: defined only where the library has a GPU attention backward
/// (kBackwardNote says why not otherwise).
inline constexpr const char *kAttentionLseFunction = "sas_attention_lse_device";
inline constexpr const char *kAttentionBackwardFunction =
    "sas_attention_backward_device";
/// The layer's backward (q, k, v, the parameters, d_out, then the 25
/// gradients): defined only in libraries built with it (sas-run --backward).
inline constexpr const char *kLayerBackwardFunction = "sas_layer_backward_device";
/// A training step's pair, defined where the library has the layer backward
/// and the cost model's plan keeps the attention's output and log-sum-exp:
/// the forward that also returns them (q, k, v, the parameters, out, then
/// the attention's output and log-sum-exp), and the backward that takes them
/// instead of recomputing the attention (q, k, v, the parameters, the
/// attention's output and log-sum-exp, d_out, then the 25 gradients).
inline constexpr const char *kLayerSaveFunction = "sas_layer_save_device";
inline constexpr const char *kLayerBackwardSavedFunction =
    "sas_layer_backward_saved_device";
/// Constants: the configuration JSON, {B, T} (kDynamic when any), and the
/// shape tables of the two functions' arguments.
inline constexpr const char *kConfigJson = "sas_layer_config_json";
inline constexpr const char *kSizes = "sas_layer_sizes";
inline constexpr const char *kLayerShapes = "sas_layer_arg_shapes";
inline constexpr const char *kAttentionShapes = "sas_attention_arg_shapes";
inline constexpr const char *kAttentionLseShapes =
    "sas_attention_lse_arg_shapes";
inline constexpr const char *kAttentionBackwardShapes =
    "sas_attention_backward_arg_shapes";
inline constexpr const char *kLayerBackwardShapes =
    "sas_layer_backward_arg_shapes";
inline constexpr const char *kLayerSaveShapes = "sas_layer_save_arg_shapes";
inline constexpr const char *kLayerBackwardSavedShapes =
    "sas_layer_backward_saved_arg_shapes";
/// A string: empty where the library has the attention backward, else why
/// it has none.
inline constexpr const char *kBackwardNote = "sas_attention_backward_note";
/// A string: empty where the library has the layer backward, else why not.
inline constexpr const char *kLayerBackwardNote = "sas_layer_backward_note";
/// {compute capability x 10, 1 if the code is arch-specific (sm_90a)}: the
/// devices the kernels' cubins run on, checked before they are loaded.
inline constexpr const char *kTargetCapability = "sas_layer_target_capability";

inline constexpr int64_t kDynamic = -1;
/// A shape table holds, per argument, the rank then the sizes; a size is
/// kBatch or kLength where the call's B or T goes.
inline constexpr int64_t kBatch = -1, kLength = -2;

/// Layer arguments: q, k, v, the parameters, out; its backward: q, k, v,
/// the parameters, d_out, d_q, d_k, d_v, the parameters' gradients.
/// Attention: q, k, v, out; with the log-sum-exp: q, k, v, out, lse;
/// backward: q, k, v, out, lse, d_out, d_q, d_k, d_v.
inline constexpr int kNumParameters = 22;
inline constexpr int kNumLayerArgs = 3 + kNumParameters + 1;
inline constexpr int kNumLayerBackwardArgs = 2 * (3 + kNumParameters) + 1;
/// The saved values: the attention's output and its log-sum-exp.
inline constexpr int kNumSaved = 2;
inline constexpr int kNumLayerSaveArgs = kNumLayerArgs + kNumSaved;
inline constexpr int kNumLayerBackwardSavedArgs =
    kNumLayerBackwardArgs + kNumSaved;
inline constexpr int kNumAttentionArgs = 4;
inline constexpr int kNumAttentionLseArgs = 5;
inline constexpr int kNumAttentionBackwardArgs = 9;

} // namespace mlir::sas::abi

#endif // SAS_RUNTIME_LAYERLIBRARYABI_H
