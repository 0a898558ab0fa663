//===- Runner.cpp - C API to build, compile and run SAS layers --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas-c/Runner.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/InitSAS.h"
#include "sas/Runner/LayerRunner.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sas;

/// Sends `message` to the caller's callback, if any.
static void report(MlirStringCallback callback, void *userData,
                   const llvm::Twine &message) {
  if (!callback)
    return;
  std::string text = message.str();
  callback(mlirStringRefCreate(text.data(), text.size()), userData);
}

/// A string callback appending to the std::string at `userData`.
static void appendTo(MlirStringRef text, void *userData) {
  static_cast<std::string *>(userData)->append(text.data, text.length);
}

/// Collects the diagnostics emitted while alive into one string.
struct DiagnosticCollector {
  explicit DiagnosticCollector(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": " << diag << "\n";
          for (Diagnostic &note : diag.getNotes())
            os << note.getLocation() << ": note: " << note << "\n";
          return success();
        }) {}
  std::string text;
  ScopedDiagnosticHandler handler;
};

static LayerConfig unwrapConfig(SasLayerConfig c, int64_t batch,
                                int64_t seqLen) {
  LayerConfig config;
  config.batch = batch < 0 ? ShapedType::kDynamic : batch;
  config.seqLen = seqLen < 0 ? ShapedType::kDynamic : seqLen;
  config.heads = c.heads;
  config.simHeads = c.simHeads;
  config.headDim = c.headDim;
  config.simHeadDim = c.simHeadDim;
  config.kernel = c.kernel;
  config.causal = c.causal;
  if (c.hasScale)
    config.scale = c.scale;
  config.storage = c.storage == SasStorageF16    ? StorageType::F16
                   : c.storage == SasStorageBF16 ? StorageType::BF16
                                                 : StorageType::F32;
  return config;
}

static SasLayerConfig wrapConfig(const LayerConfig &config) {
  SasLayerConfig c;
  c.heads = config.heads;
  c.simHeads = config.simHeads;
  c.headDim = config.headDim;
  c.simHeadDim = config.simHeadDim;
  c.kernel = config.kernel;
  c.causal = config.causal;
  c.hasScale = config.scale.has_value();
  c.scale = config.scale.value_or(0.0f);
  c.storage = config.storage == StorageType::F16    ? SasStorageF16
              : config.storage == StorageType::BF16 ? SasStorageBF16
                                                    : SasStorageF32;
  return c;
}

MlirLogicalResult sasVerifyLayerConfig(SasLayerConfig config, int64_t batch,
                                       int64_t seqLen,
                                       const SasLayerSizeNames *names,
                                       MlirStringCallback errorCallback,
                                       void *userData) {
  LayerSizes sizes = unwrapConfig(config, batch, seqLen).getSizes();
  LayerSizeNames sizeNames;
  sizeNames.batch = names ? names->batch : "batch";
  sizeNames.seqLen = names ? names->seqLen : "seqLen";
  sizeNames.heads = names ? names->heads : "heads";
  sizeNames.simHeads = names ? names->simHeads : "simHeads";
  sizeNames.headDim = names ? names->headDim : "headDim";
  sizeNames.simHeadDim = names ? names->simHeadDim : "simHeadDim";
  sizeNames.kernel = names ? names->kernel : "kernel";
  sizeNames.scale = names ? names->scale : "scale";
  std::string error =
      verifyLayerConfig(sizes, sizeNames, kMaxLayerTensorElements);
  if (error.empty())
    return mlirLogicalResultSuccess();
  report(errorCallback, userData, error);
  return mlirLogicalResultFailure();
}

MlirContext sasContextCreate(void) {
  DialectRegistry registry;
  registerSASDialect(registry);
  auto *context = new MLIRContext(registry);
  context->loadAllAvailableDialects();
  // Passes and pipelines are global; registering twice is harmless.
  static bool registered = (registerSASPassesAndPipelines(), true);
  (void)registered;
  return wrap(context);
}

/// The forward (or the backward) module of sasBuildLayerModule.
static MlirModule buildModule(MlirContext context, SasLayerConfig config,
                              int64_t batch, int64_t seqLen, bool backward,
                              MlirStringCallback errorCallback,
                              void *userData) {
  MLIRContext *ctx = unwrap(context);
  std::string error;
  if (mlirLogicalResultIsFailure(sasVerifyLayerConfig(
          config, batch, seqLen, nullptr, appendTo, &error))) {
    report(errorCallback, userData, "invalid SAS layer: " + error);
    return MlirModule{nullptr};
  }
  DiagnosticCollector diagnostics(ctx);
  LayerConfig layer = unwrapConfig(config, batch, seqLen);
  layer.backward = backward;
  OwningOpRef<ModuleOp> module = buildLayerModule(*ctx, layer);
  if (failed(verify(*module))) {
    report(errorCallback, userData, "invalid SAS layer:\n" + diagnostics.text);
    return MlirModule{nullptr};
  }
  return wrap(module.release());
}

MlirModule sasBuildLayerModule(MlirContext context, SasLayerConfig config,
                               int64_t batch, int64_t seqLen,
                               MlirStringCallback errorCallback,
                               void *userData) {
  return buildModule(context, config, batch, seqLen, /*backward=*/false,
                     errorCallback, userData);
}

MlirModule sasBuildLayerGradModule(MlirContext context, SasLayerConfig config,
                                   int64_t batch, int64_t seqLen,
                                   MlirStringCallback errorCallback,
                                   void *userData) {
  return buildModule(context, config, batch, seqLen, /*backward=*/true,
                     errorCallback, userData);
}

MlirLogicalResult sasRunPassPipeline(MlirModule module, MlirStringRef pipeline,
                                     MlirStringCallback errorCallback,
                                     void *userData) {
  ModuleOp op = unwrap(module);
  MLIRContext *ctx = op.getContext();
  std::string parseErrors;
  llvm::raw_string_ostream errorStream(parseErrors);
  // The pipeline names its own anchor ("builtin.module(...)").
  FailureOr<OpPassManager> parsed =
      parsePassPipeline(unwrap(pipeline), errorStream);
  if (failed(parsed)) {
    report(errorCallback, userData,
           "cannot parse the pass pipeline: " + parseErrors);
    return mlirLogicalResultFailure();
  }
  PassManager pm(ctx, parsed->getOpAnchorName());
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  DiagnosticCollector diagnostics(ctx);
  if (failed(pm.run(op))) {
    report(errorCallback, userData,
           "the pass pipeline failed:\n" + diagnostics.text);
    return mlirLogicalResultFailure();
  }
  return mlirLogicalResultSuccess();
}

/// The layer function of `module`, which must be a forward: a backward's
/// configuration is the one it was built from.
static llvm::Expected<std::pair<func::FuncOp, LayerConfig>>
findForwardLayer(ModuleOp module) {
  auto found = findLayerFunction(module);
  if (found && found->second.backward)
    return llvm::createStringError(
        std::errc::invalid_argument,
        "the module holds a sas.layer_grad: sasGetLayerConfig reads forward "
        "layers");
  return found;
}

MlirLogicalResult sasGetLayerConfig(MlirModule module, SasLayerConfig *config,
                                    int64_t *batch, int64_t *seqLen,
                                    MlirStringCallback errorCallback,
                                    void *userData) {
  auto found = findForwardLayer(unwrap(module));
  if (!found) {
    report(errorCallback, userData, llvm::toString(found.takeError()));
    return mlirLogicalResultFailure();
  }
  const LayerConfig &c = found->second;
  *config = wrapConfig(c);
  *batch = ShapedType::isDynamic(c.batch) ? -1 : c.batch;
  *seqLen = ShapedType::isDynamic(c.seqLen) ? -1 : c.seqLen;
  return mlirLogicalResultSuccess();
}

void sasGetHostRegisterTile(int64_t *rows, int64_t *columns) {
  auto [hostRows, hostColumns] = CompiledLayer::getHostRegisterTile();
  *rows = hostRows;
  *columns = hostColumns;
}

void sasGetCPUPipelineOptionNames(MlirStringCallback callback,
                                  void *userData) {
  // print() writes "{name=value name=value ...}", sorted by name; values
  // hold no spaces.
  std::string text;
  llvm::raw_string_ostream os(text);
  SASCPUPipelineOptions().print(os);
  StringRef options = StringRef(text).trim().drop_front().drop_back();
  SmallVector<StringRef> entries;
  options.split(entries, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    StringRef name = entry.split('=').first;
    callback(mlirStringRefCreate(name.data(), name.size()), userData);
  }
}

SasCompiledLayer sasCompileLayer(MlirModule module, int64_t batch,
                                 int64_t seqLen, MlirStringRef pipelineOptions,
                                 MlirStringCallback errorCallback,
                                 void *userData) {
  if (batch <= 0 || seqLen <= 0) {
    report(errorCallback, userData,
           "batch and sequence length must be positive to compile");
    return SasCompiledLayer{nullptr};
  }
  ModuleOp op = unwrap(module);
  auto found = findLayerFunction(op);
  if (!found) {
    report(errorCallback, userData, llvm::toString(found.takeError()));
    return SasCompiledLayer{nullptr};
  }
  auto [function, config] = *found;
  auto fits = [](int64_t layerSize, int64_t size) {
    return ShapedType::isDynamic(layerSize) || layerSize == size;
  };
  if (!fits(config.batch, batch) || !fits(config.seqLen, seqLen)) {
    report(errorCallback, userData,
           "the layer has static batch or length sizes other than " +
               llvm::Twine(batch) + " x " + llvm::Twine(seqLen));
    return SasCompiledLayer{nullptr};
  }
  config.batch = batch;
  config.seqLen = seqLen;
  // The verifier checked the layer's rules; this adds the limit on what is
  // allocated at these sizes.
  if (mlirLogicalResultIsFailure(sasVerifyLayerConfig(
          wrapConfig(config), batch, seqLen, nullptr, errorCallback,
          userData)))
    return SasCompiledLayer{nullptr};

  std::string optionErrors;
  llvm::raw_string_ostream optionStream(optionErrors);
  SASCPUPipelineOptions options;
  if (failed(options.parseFromString(unwrap(pipelineOptions), optionStream))) {
    report(errorCallback, userData,
           "bad sas-cpu-pipeline options '" + unwrap(pipelineOptions) +
               "': " + optionErrors);
    return SasCompiledLayer{nullptr};
  }
  // Register tiles for the host unless the caller chose them.
  auto [hostRows, hostColumns] = CompiledLayer::getHostRegisterTile();
  if (!options.rowTile.getNumOccurrences())
    options.rowTile = hostRows;
  if (!options.columnTile.getNumOccurrences())
    options.columnTile = hostColumns;
  auto compiled = CompiledLayer::compile(op, function, config, options,
                                         CompiledLayer::getRuntimeLibraries());
  if (!compiled) {
    report(errorCallback, userData, llvm::toString(compiled.takeError()));
    return SasCompiledLayer{nullptr};
  }
  return SasCompiledLayer{compiled->release()};
}

SasLayerConfig sasCompiledLayerGetConfig(SasCompiledLayer layer,
                                         int64_t *batch, int64_t *seqLen) {
  const LayerConfig &config =
      static_cast<CompiledLayer *>(layer.ptr)->getConfig();
  if (batch)
    *batch = config.batch;
  if (seqLen)
    *seqLen = config.seqLen;
  return wrapConfig(config);
}

bool sasCompiledLayerIsBackward(SasCompiledLayer layer) {
  return static_cast<CompiledLayer *>(layer.ptr)->getConfig().backward;
}

MlirLogicalResult sasCompiledLayerRunBackward(SasCompiledLayer layer,
                                              const void *const *inputs,
                                              void *const *gradients,
                                              MlirStringCallback errorCallback,
                                              void *userData) {
  auto *compiled = static_cast<CompiledLayer *>(layer.ptr);
  if (!compiled->getConfig().backward) {
    report(errorCallback, userData,
           "the layer is a forward: run it with sasCompiledLayerRun");
    return mlirLogicalResultFailure();
  }
  if (llvm::Error err =
          compiled->runOnBuffers(llvm::ArrayRef<const void *>(inputs, 26),
                                 llvm::ArrayRef<void *>(gradients, 25))) {
    report(errorCallback, userData, llvm::toString(std::move(err)));
    return mlirLogicalResultFailure();
  }
  return mlirLogicalResultSuccess();
}

MlirLogicalResult sasCompiledLayerRun(SasCompiledLayer layer,
                                      const void *const *inputs, void *output,
                                      MlirStringCallback errorCallback,
                                      void *userData) {
  auto *compiled = static_cast<CompiledLayer *>(layer.ptr);
  if (compiled->getConfig().backward) {
    report(errorCallback, userData,
           "the layer is a backward: run it with "
           "sasCompiledLayerRunBackward");
    return mlirLogicalResultFailure();
  }
  if (llvm::Error err = compiled->runOnBuffers(
          llvm::ArrayRef<const void *>(inputs, 25),
          llvm::ArrayRef<void *>(&output, 1))) {
    report(errorCallback, userData, llvm::toString(std::move(err)));
    return mlirLogicalResultFailure();
  }
  return mlirLogicalResultSuccess();
}

void sasCompiledLayerDestroy(SasCompiledLayer layer) {
  delete static_cast<CompiledLayer *>(layer.ptr);
}
