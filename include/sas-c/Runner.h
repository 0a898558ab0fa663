/*===- Runner.h - C API to build, compile and run SAS layers -----*- C -*-===*\
|*                                                                            *|
|* Part of the SAS-MLIR project.                                              *|
|*                                                                            *|
|* A narrow compiler facade: a context with everything SAS needs, layer       *|
|* modules from sizes, pass pipelines by name, and layers compiled for the    *|
|* host CPU and run on caller-owned buffers. Errors are reported through a    *|
|* string callback and a failed MlirLogicalResult or a null handle.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SAS_C_RUNNER_H
#define SAS_C_RUNNER_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Element types of SAS storage (f16 and bf16 compute in f32).
typedef enum SasStorageType {
  SasStorageF32 = 0,
  SasStorageF16 = 1,
  SasStorageBF16 = 2,
} SasStorageType;

/// The sizes and attributes of a SAS layer (docs/spec.md).
typedef struct SasLayerConfig {
  int64_t heads, simHeads, headDim, simHeadDim, kernel;
  bool causal;
  /// Without a scale, 1/sqrt(simHeadDim).
  bool hasScale;
  float scale;
  SasStorageType storage;
} SasLayerConfig;

/// What a caller calls each size of a layer, for the messages of
/// sasVerifyLayerConfig (e.g. its own flags or keyword arguments).
typedef struct SasLayerSizeNames {
  const char *batch, *seqLen, *heads, *simHeads, *headDim, *simHeadDim,
      *kernel, *scale;
} SasLayerSizeNames;

/// Checks `config` for `batch` x `seqLen` tokens (negative: any) against
/// the rules of the sas.layer verifier (positive sizes, odd kernel, simHeads
/// a multiple of heads, a positive finite scale) and the limit of 2^38
/// elements on one tensor of the layer. Reports the first broken rule,
/// naming sizes by `names` (NULL: by the fields of SasLayerConfig, "batch"
/// and "seqLen"), and fails.
MLIR_CAPI_EXPORTED MlirLogicalResult sasVerifyLayerConfig(
    SasLayerConfig config, int64_t batch, int64_t seqLen,
    const SasLayerSizeNames *names, MlirStringCallback errorCallback,
    void *userData);

/// A context with the sas dialect, every upstream dialect, and the LLVM
/// translations the CPU JIT needs. Destroy with mlirContextDestroy.
MLIR_CAPI_EXPORTED MlirContext sasContextCreate(void);

/// A module with `func.func @sas_layer` taking q, k, v ([B, T, H, D]) and the
/// 22 parameters (PyTorch layouts and state-dict order) and returning
/// [B, T, H*D]. A negative batch or seqLen is a dynamic size. Returns a null
/// module, after reporting why, for sizes sasVerifyLayerConfig rejects.
MLIR_CAPI_EXPORTED MlirModule sasBuildLayerModule(
    MlirContext context, SasLayerConfig config, int64_t batch, int64_t seqLen,
    MlirStringCallback errorCallback, void *userData);

/// The backward of the same layer: `func.func @sas_layer` taking q, k, v,
/// the 22 parameters and the output's gradient [B, T, H*D] and returning
/// the gradients of q, k, v and the 22 parameters, each of its input's
/// shape (a sas.layer_grad, run as the cost model's training plan says:
/// where it keeps the attention's output and log-sum-exp, after the forward
/// that returns them). Returns a null module, after reporting why, for
/// sizes sasVerifyLayerConfig rejects.
MLIR_CAPI_EXPORTED MlirModule sasBuildLayerGradModule(
    MlirContext context, SasLayerConfig config, int64_t batch, int64_t seqLen,
    MlirStringCallback errorCallback, void *userData);

/// Runs a textual pass pipeline (e.g. "builtin.module(sas-expand)") on
/// `module`, reporting parse errors and diagnostics.
MLIR_CAPI_EXPORTED MlirLogicalResult
sasRunPassPipeline(MlirModule module, MlirStringRef pipeline,
                   MlirStringCallback errorCallback, void *userData);

/// Reads the configuration of the one sas.layer in `module` (held by a
/// function that takes its 25 operands as arguments). Batch and length are
/// -1 when dynamic. Fails, after reporting why, for any other module.
MLIR_CAPI_EXPORTED MlirLogicalResult sasGetLayerConfig(
    MlirModule module, SasLayerConfig *config, int64_t *batch,
    int64_t *seqLen, MlirStringCallback errorCallback, void *userData);

/// A layer compiled for the host CPU.
typedef struct SasCompiledLayer {
  void *ptr;
} SasCompiledLayer;

static inline bool sasCompiledLayerIsNull(SasCompiledLayer layer) {
  return !layer.ptr;
}

/// Calls `callback` with the name of each sas-cpu-pipeline option
/// ("query-tile", ...), in alphabetical order.
MLIR_CAPI_EXPORTED void
sasGetCPUPipelineOptionNames(MlirStringCallback callback, void *userData);

/// The register tile (rows, columns) sasCompileLayer picks for this host's
/// CPU where the options do not name one: 8 x 32 with AVX-512, else 4 x 16.
MLIR_CAPI_EXPORTED void sasGetHostRegisterTile(int64_t *rows, int64_t *columns);

/// Compiles the function of `module` holding its one sas.layer (whose 25
/// operands must be the function's arguments), or the backward of
/// sasBuildLayerGradModule, for `batch` x `seqLen` tokens
/// with sas-cpu-pipeline; `pipelineOptions` is that pipeline's option string
/// ("query-tile=32 fuse-peaa-mean=false", may be empty). `module` is
/// lowered in place. Returns a null handle after reporting why on failure.
MLIR_CAPI_EXPORTED SasCompiledLayer sasCompileLayer(
    MlirModule module, int64_t batch, int64_t seqLen,
    MlirStringRef pipelineOptions, MlirStringCallback errorCallback,
    void *userData);

/// The configuration of a compiled layer (with its batch and length).
MLIR_CAPI_EXPORTED SasLayerConfig sasCompiledLayerGetConfig(
    SasCompiledLayer layer, int64_t *batch, int64_t *seqLen);

/// Runs the layer on caller-owned dense row-major buffers in the layer's
/// storage type: `inputs` holds 25 pointers (q, k, v, then the 22
/// parameters in state-dict order), `output` is [B, T, H*D]. Safe to call
/// from several threads on different buffers.
MLIR_CAPI_EXPORTED MlirLogicalResult sasCompiledLayerRun(
    SasCompiledLayer layer, const void *const *inputs, void *output,
    MlirStringCallback errorCallback, void *userData);

/// Whether `layer` is a backward (run by sasCompiledLayerRunBackward).
MLIR_CAPI_EXPORTED bool sasCompiledLayerIsBackward(SasCompiledLayer layer);

/// Runs a compiled backward on caller-owned dense row-major buffers in the
/// layer's storage type: `inputs` holds 26 pointers (q, k, v, the 22
/// parameters in state-dict order, the output's gradient [B, T, H*D]),
/// `gradients` 25 (of q, k, v and the 22 parameters, each its input's
/// shape). Safe to call from several threads on different buffers.
MLIR_CAPI_EXPORTED MlirLogicalResult sasCompiledLayerRunBackward(
    SasCompiledLayer layer, const void *const *inputs, void *const *gradients,
    MlirStringCallback errorCallback, void *userData);

MLIR_CAPI_EXPORTED void sasCompiledLayerDestroy(SasCompiledLayer layer);

#ifdef __cplusplus
}
#endif

#endif // SAS_C_RUNNER_H
