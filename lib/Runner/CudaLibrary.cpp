//===- CudaLibrary.cpp - Ahead-of-time CUDA layer libraries -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// A layer library is built on a machine without a GPU and runs on one that
// has only the CUDA driver: sas-gpu-pipeline compiles the kernels to a
// cubin (ptxas) held in a gpu.binary, the host code with the embedded cubin
// becomes an x86-64 object here, and the system C++ driver links it with the
// SAS CUDA runtime archive into a shared library.
//
//===----------------------------------------------------------------------===//

#include "sas/Runner/CudaLibrary.h"
#include "sas/Codegen/NVVM/KernelLimits.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Runtime/LayerLibraryABI.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::sas;

size_t LayerKernelReport::countLinalg() const {
  return llvm::count_if(kernels,
                        [](const LayerKernel &k) { return k.path == "linalg"; });
}

std::string LayerKernelReport::format() const {
  std::string text;
  for (const LayerKernel &kernel : kernels)
    text += "  " + kernel.name + ": " + kernel.path + "\n";
  for (const std::string &reason : linalgReasons)
    text += "  linalg path: " + reason + "\n";
  for (const std::string &note : notes)
    text += "  note: " + note + "\n";
  return text;
}

/// The kernels of `module` after sas-gpu-pipeline, by the names the kernel
/// builders and sas-gpu-map-to-launch give them (`<function>_<kind>_<n>`:
/// `*_wgmma_*` sm_90a tensor cores, `*_blocks_*` and `*_loop_*` linalg,
/// the rest mma.sync).
static std::vector<LayerKernel> listKernels(ModuleOp module) {
  std::vector<LayerKernel> kernels;
  module.walk([&](gpu::BinaryOp binary) {
    StringRef name = binary.getSymName();
    bool loops = name.contains("_blocks_") || name.contains("_loop_");
    // The backward's rowsum(d_o * o), d_q accumulator fill and d_q rounding
    // are memory-bound passes over [B, T, H'] rows, not a slow path.
    StringRef path = loops && name.starts_with(abi::kAttentionBackwardFunction)
                         ? "elementwise"
                     : loops                    ? "linalg"
                     : name.contains("_wgmma_") ? "wgmma"
                                                : "mma.sync";
    kernels.push_back({name.str(), path.str()});
  });
  return kernels;
}

std::string sas::getLayerConfigJson(const LayerConfig &config, StringRef chip,
                                    const LayerKernelReport &report) {
  // Dynamic sizes (B, T chosen at each call) are null.
  auto size = [](int64_t s) -> llvm::json::Value {
    if (ShapedType::isDynamic(s))
      return nullptr;
    return s;
  };
  auto shape = [&](ArrayRef<int64_t> dims) {
    llvm::json::Array array;
    for (int64_t d : dims)
      array.push_back(size(d));
    return array;
  };
  llvm::json::Array parameters;
  for (auto [i, name] : llvm::enumerate(LayerConfig::getParameterNames()))
    parameters.push_back(llvm::json::Object{
        {"name", name.str()}, {"shape", shape(config.getParameterShape(i))}});
  double scale =
      config.scale ? *config.scale : 1.0 / std::sqrt(double(config.simHeadDim));
  llvm::json::Object root{
      {"batch", size(config.batch)},
      {"seq_len", size(config.seqLen)},
      {"heads", config.heads},
      {"sim_heads", config.simHeads},
      {"head_dim", config.headDim},
      {"sim_head_dim", config.simHeadDim},
      {"kernel", config.kernel},
      {"causal", config.causal},
      {"scale", scale},
      {"dtype", stringifyStorageType(config.storage).str()},
      {"chip", chip.str()},
      {"input_shape", shape(config.getInputShape())},
      {"output_shape", shape(config.getOutputShape())},
      {"parameters", std::move(parameters)},
  };
  llvm::json::Array kernels, reasons;
  for (const LayerKernel &kernel : report.kernels)
    kernels.push_back(
        llvm::json::Object{{"name", kernel.name}, {"path", kernel.path}});
  llvm::json::Array notes;
  for (const std::string &reason : report.linalgReasons)
    reasons.push_back(reason);
  for (const std::string &note : report.notes)
    notes.push_back(note);
  root["kernels"] = std::move(kernels);
  root["linalg_reasons"] = std::move(reasons);
  root["tiling_notes"] = std::move(notes);
  root["attention_backward"] = report.backwardNote.empty();
  root["attention_backward_note"] = report.backwardNote;
  root["layer_backward"] = report.layerBackwardNote.empty();
  root["layer_backward_note"] = report.layerBackwardNote;
  root["saves_attention"] = report.savesAttention;
  std::string json;
  llvm::raw_string_ostream os(json);
  os << llvm::json::Value(std::move(root));
  return json;
}

/// The shapes of the arguments of [`shapes`] as the runtime reads them
/// (sas/Runtime/LayerLibraryABI.h): rank, then sizes, a dynamic batch
/// (dimension 0) as kBatch and a dynamic length (dimension 1) as kLength.
static void addShapeTable(OpBuilder &b, Location loc, StringRef name,
                          ArrayRef<SmallVector<int64_t>> shapes) {
  SmallVector<int64_t> table;
  for (ArrayRef<int64_t> shape : shapes) {
    table.push_back(shape.size());
    for (auto [i, d] : llvm::enumerate(shape))
      table.push_back(!ShapedType::isDynamic(d) ? d
                      : i == 0                  ? abi::kBatch
                                                : abi::kLength);
  }
  auto type = LLVM::LLVMArrayType::get(b.getI64Type(), table.size());
  LLVM::GlobalOp::create(
      b, loc, type, /*isConstant=*/true, LLVM::Linkage::External, name,
      DenseElementsAttr::get(
          RankedTensorType::get({int64_t(table.size())}, b.getI64Type()),
          ArrayRef<int64_t>(table)));
}

/// The shapes of the attention core at the simulated sizes: q and k
/// [B, T, H', D'], v and out [B, T, H', D].
static SmallVector<SmallVector<int64_t>>
getAttentionShapes(const LayerConfig &config) {
  SmallVector<int64_t> qk{config.batch, config.seqLen, config.simHeads,
                          config.simHeadDim};
  SmallVector<int64_t> v{config.batch, config.seqLen, config.simHeads,
                         config.headDim};
  return {qk, qk, v, v};
}

/// The shapes of the attention core's backward entry: q, k, v, out, the
/// log-sum-exp [B, T, H'] (the forward-with-lse entry takes these five),
/// then d_out, d_q, d_k, d_v.
static SmallVector<SmallVector<int64_t>>
getAttentionBackwardShapes(const LayerConfig &config) {
  SmallVector<SmallVector<int64_t>> shapes = getAttentionShapes(config);
  const SmallVector<int64_t> qk = shapes[0], v = shapes[2];
  shapes.push_back(SmallVector<int64_t>(qk.begin(), qk.begin() + 3));
  shapes.append({v, qk, qk, v});
  return shapes;
}

/// The shapes of what the forward saves for the backward: the attention's
/// output [B, T, H', D] and its log-sum-exp [B, T, H'].
static SmallVector<SmallVector<int64_t>>
getSavedShapes(const LayerConfig &config) {
  SmallVector<int64_t> o = getAttentionShapes(config)[2];
  return {o, SmallVector<int64_t>(o.begin(), o.begin() + 3)};
}

/// sas_layer_save_device's arguments: the forward's (q, k, v, the
/// parameters, out), then the saved values.
static SmallVector<SmallVector<int64_t>>
getLayerSaveShapes(const LayerConfig &config) {
  LayerConfig forward = config;
  forward.backward = false;
  SmallVector<SmallVector<int64_t>> shapes = forward.getArgumentShapes();
  shapes.append(forward.getResultShapes());
  shapes.append(getSavedShapes(config));
  return shapes;
}

/// sas_layer_backward_saved_device's arguments: q, k, v, the parameters,
/// the saved values, d_out, then the 25 gradients.
static SmallVector<SmallVector<int64_t>>
getLayerBackwardSavedShapes(const LayerConfig &config) {
  LayerConfig backward = config;
  backward.backward = true;
  SmallVector<SmallVector<int64_t>> shapes = backward.getArgumentShapes();
  SmallVector<SmallVector<int64_t>> saved = getSavedShapes(config);
  shapes.insert(shapes.end() - 1, saved.begin(), saved.end());
  shapes.append(backward.getResultShapes());
  return shapes;
}

/// Adds the constants the runtime reads: the configuration JSON, the batch
/// and sequence length (kDynamic when dynamic) and the shape tables of the
/// layer's and the attention core's arguments.
static void addLayerGlobals(ModuleOp module, const LayerConfig &config,
                            StringRef chip, const LayerKernelReport &report) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  std::string json = getLayerConfigJson(config, chip, report);
  json.push_back('\0');
  auto i8Array = LLVM::LLVMArrayType::get(b.getI8Type(), json.size());
  LLVM::GlobalOp::create(b, loc, i8Array, /*isConstant=*/true,
                         LLVM::Linkage::External, abi::kConfigJson,
                         b.getStringAttr(json));
  auto i64Array = LLVM::LLVMArrayType::get(b.getI64Type(), 2);
  auto orDynamic = [](int64_t s) {
    return ShapedType::isDynamic(s) ? abi::kDynamic : s;
  };
  auto sizes = DenseElementsAttr::get(
      RankedTensorType::get({2}, b.getI64Type()),
      ArrayRef<int64_t>{orDynamic(config.batch), orDynamic(config.seqLen)});
  LLVM::GlobalOp::create(b, loc, i64Array, /*isConstant=*/true,
                         LLVM::Linkage::External, abi::kSizes, sizes);
  SmallVector<SmallVector<int64_t>> layerShapes(
      3, SmallVector<int64_t>(config.getInputShape()));
  for (int i = 0; i < abi::kNumParameters; ++i)
    layerShapes.push_back(SmallVector<int64_t>(config.getParameterShape(i)));
  layerShapes.push_back(SmallVector<int64_t>(config.getOutputShape()));
  addShapeTable(b, loc, abi::kLayerShapes, layerShapes);
  addShapeTable(b, loc, abi::kAttentionShapes, getAttentionShapes(config));
  if (report.backwardNote.empty()) {
    SmallVector<SmallVector<int64_t>> shapes =
        getAttentionBackwardShapes(config);
    addShapeTable(b, loc, abi::kAttentionBackwardShapes, shapes);
    shapes.resize(abi::kNumAttentionLseArgs);
    addShapeTable(b, loc, abi::kAttentionLseShapes, shapes);
  }
  if (report.layerBackwardNote.empty()) {
    LayerConfig backward = config;
    backward.backward = true;
    SmallVector<SmallVector<int64_t>> shapes = backward.getArgumentShapes();
    shapes.append(backward.getResultShapes());
    addShapeTable(b, loc, abi::kLayerBackwardShapes, shapes);
  }
  if (report.savesAttention) {
    addShapeTable(b, loc, abi::kLayerSaveShapes, getLayerSaveShapes(config));
    addShapeTable(b, loc, abi::kLayerBackwardSavedShapes,
                  getLayerBackwardSavedShapes(config));
  }
  for (auto [name, text] :
       {std::pair(abi::kBackwardNote, report.backwardNote),
        std::pair(abi::kLayerBackwardNote, report.layerBackwardNote)}) {
    std::string note = text;
    note.push_back('\0');
    LLVM::GlobalOp::create(
        b, loc, LLVM::LLVMArrayType::get(b.getI8Type(), note.size()),
        /*isConstant=*/true, LLVM::Linkage::External, name,
        b.getStringAttr(note));
  }
  // The devices the cubins run on, checked before they are loaded.
  std::optional<TargetDescription> target = TargetDescription::lookup(chip);
  assert(target && "the pipeline options were checked");
  auto capability = DenseElementsAttr::get(
      RankedTensorType::get({2}, b.getI64Type()),
      ArrayRef<int64_t>{target->computeCapability,
                        target->archSpecific ? 1 : 0});
  LLVM::GlobalOp::create(b, loc, i64Array, /*isConstant=*/true,
                         LLVM::Linkage::External, abi::kTargetCapability,
                         capability);
}

/// A host function `name` with MLIR's C interface on buffers of
/// `shapes` and `types`, whose body `build` fills from the arguments.
static void
buildEntryPoint(ModuleOp module, StringRef name,
                ArrayRef<SmallVector<int64_t>> shapes, ArrayRef<Type> types,
                function_ref<void(OpBuilder &, Location, ValueRange)> build) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  SmallVector<Type> memrefTypes;
  for (auto [shape, type] : llvm::zip(shapes, types))
    memrefTypes.push_back(MemRefType::get(shape, type));
  auto entry =
      func::FuncOp::create(b, loc, name, b.getFunctionType(memrefTypes, {}));
  entry->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = entry.addEntryBlock();
  b.setInsertionPointToStart(body);
  build(b, loc, body->getArguments());
  func::ReturnOp::create(b, loc);
}

/// The tensor of buffer argument `buffer` (read only).
static Value readArgument(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get(type.getShape(), type.getElementType()),
      buffer, /*restrict=*/true);
}

/// Stores `value` into buffer argument `buffer`.
static void writeArgument(OpBuilder &b, Location loc, Value value,
                          Value buffer) {
  auto store =
      bufferization::MaterializeInDestinationOp::create(b, loc, value, buffer);
  store.setRestrict(true);
  store.setWritable(true);
}

/// Loads what the attention entry points are built of; returns the layer's
/// scale attribute (null: 1/sqrt(D'), the op's default).
static FloatAttr prepareAttentionEntry(ModuleOp module,
                                       const LayerConfig &config) {
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<bufferization::BufferizationDialect, SASDialect>();
  return config.scale ? Builder(ctx).getF32FloatAttr(*config.scale)
                      : FloatAttr();
}

/// The attention core of the layer alone, on buffers (q, k, v, out), with
/// MLIR's C interface: the library's sas_attention_forward, which measures
/// the attention kernel against other attention implementations.
static void buildAttentionEntryPoint(ModuleOp module, const LayerConfig &config,
                                     Type element) {
  FloatAttr scale = prepareAttentionEntry(module, config);
  buildEntryPoint(module, abi::kAttentionFunction, getAttentionShapes(config),
                  SmallVector<Type>(abi::kNumAttentionArgs, element),
                  [&](OpBuilder &b, Location loc, ValueRange args) {
                    Value result =
                        AttentionOp::create(
                            b, loc, readArgument(b, loc, args[0]),
                            readArgument(b, loc, args[1]),
                            readArgument(b, loc, args[2]), config.causal, scale)
                            .getResult();
                    writeArgument(b, loc, result, args[3]);
                  });
}

/// Why the attention core of `config` has no GPU backward on `chip`, or ""
/// if it has one (what convert-sas-attention-to-gpu takes).
static std::string getBackwardNote(MLIRContext &context,
                                   const LayerConfig &config,
                                   const SASGPUPipelineOptions &options) {
  if (config.storage == StorageType::F32)
    return "the GPU attention backward takes f16 and bf16 layers, this one "
           "is f32 (its gradients compile for the CPU)";
  if (!options.tensorCores)
    return "the GPU attention backward needs the tensor-core kernels, turned "
           "off (tensor-cores=false)";
  const TargetDescription target = *TargetDescription::lookup(options.chip);
  if (selectMmaAttentionGradWarps(&context, target, config.simHeadDim,
                                  config.headDim, options.mmaWarps))
    return "";
  std::string note;
  llvm::raw_string_ostream os(note);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    os << diag.str();
    return success();
  });
  (void)checkMmaAttentionGradTiling(
      target, config.simHeadDim, config.headDim,
      /*warps=*/1, [&] { return emitError(UnknownLoc::get(&context)); });
  return note;
}

/// sas_attention_lse_device (q, k, v, out, lse) and
/// sas_attention_backward_device (q, k, v, out, lse, d_out, d_q, d_k, d_v):
/// the attention core's forward that saves the log-sum-exp and its
/// backward, for sas_attention_forward_lse and sas_attention_backward.
static void buildAttentionBackwardEntryPoints(ModuleOp module,
                                              const LayerConfig &config,
                                              Type element) {
  FloatAttr scale = prepareAttentionEntry(module, config);
  SmallVector<SmallVector<int64_t>> shapes = getAttentionBackwardShapes(config);
  // 16-bit buffers but for the f32 log-sum-exp (argument 4).
  SmallVector<Type> types(abi::kNumAttentionBackwardArgs, element);
  types[4] = Float32Type::get(module.getContext());
  auto lseShapes = ArrayRef(shapes).take_front(abi::kNumAttentionLseArgs);
  auto lseTypes = ArrayRef(types).take_front(abi::kNumAttentionLseArgs);
  buildEntryPoint(module, abi::kAttentionLseFunction, lseShapes, lseTypes,
                  [&](OpBuilder &b, Location loc, ValueRange args) {
                    auto attention = AttentionOp::create(
                        b, loc, readArgument(b, loc, args[0]),
                        readArgument(b, loc, args[1]),
                        readArgument(b, loc, args[2]), config.causal, scale,
                        /*withLse=*/true);
                    writeArgument(b, loc, attention.getResult(), args[3]);
                    writeArgument(b, loc, attention.getLse(), args[4]);
                  });
  buildEntryPoint(module, abi::kAttentionBackwardFunction, shapes, types,
                  [&](OpBuilder &b, Location loc, ValueRange args) {
                    SmallVector<Value> in;
                    for (int i = 0; i < 6; ++i)
                      in.push_back(readArgument(b, loc, args[i]));
                    auto grad = AttentionGradOp::create(
                        b, loc, in[0], in[1], in[2], in[3], in[4], in[5],
                        config.causal, scale);
                    for (int i = 0; i < 3; ++i)
                      writeArgument(b, loc, grad->getResult(i), args[6 + i]);
                  });
}

/// Why the library of `config` has no layer backward, or "" if it has one:
/// asked for (sas-run --backward) and the attention has a GPU backward.
static std::string getLayerBackwardNote(const LayerConfig &config,
                                        const LayerKernelReport &report) {
  if (!config.backward)
    return "built without the layer backward (sas-run --target cuda "
           "--backward adds it)";
  if (!report.backwardNote.empty())
    return report.backwardNote;
  return "";
}

/// sas_layer_backward_device (q, k, v, the parameters, d_out, then the
/// gradients of q, k, v and the parameters): the layer's sas.layer_grad,
/// for sas_layer_backward.
static void buildLayerBackwardEntryPoint(MLIRContext &context, ModuleOp module,
                                         const LayerConfig &config) {
  OwningOpRef<ModuleOp> gradModule = buildLayerModule(context, config);
  auto grad = cast<func::FuncOp>(gradModule->getBody()->front());
  grad.setName("sas_layer_grad");
  // Private, so that the inliner drops it once inlined into the entry.
  grad.setPrivate();
  grad->remove();
  module.push_back(grad);
  buildLayerEntryPoint(module, grad, config, abi::kLayerBackwardFunction);
}

/// A training step's pair, sas_layer_save_device (the forward that also
/// writes the attention's output and log-sum-exp) and
/// sas_layer_backward_saved_device (the backward that takes them), for
/// sas_layer_forward_save and sas_layer_backward_saved.
static void buildLayerTrainingEntryPoints(ModuleOp module,
                                          const LayerConfig &config,
                                          Type element) {
  module.getContext()->loadDialect<bufferization::BufferizationDialect>();
  Builder builder(module.getContext());
  SmallVector<NamedAttribute> attrs = getLayerOpAttributes(builder, config);
  constexpr int numInputs = 3 + abi::kNumParameters;
  // An OpT of the tensors `operands` whose results go into `outputs`.
  auto createInto = [&](auto opTag, OpBuilder &b, Location loc,
                        ValueRange operands, ValueRange outputs) {
    using OpT = decltype(opTag);
    SmallVector<Type> resultTypes;
    for (Value buffer : outputs) {
      auto type = cast<MemRefType>(buffer.getType());
      resultTypes.push_back(
          RankedTensorType::get(type.getShape(), type.getElementType()));
    }
    Operation *op = OpT::create(b, loc, resultTypes, operands, attrs);
    for (auto [result, buffer] : llvm::zip_equal(op->getResults(), outputs))
      writeArgument(b, loc, result, buffer);
  };
  auto readAll = [](OpBuilder &b, Location loc, ValueRange buffers) {
    return llvm::map_to_vector(
        buffers, [&](Value buffer) { return readArgument(b, loc, buffer); });
  };

  SmallVector<Type> saveTypes(abi::kNumLayerSaveArgs, element);
  saveTypes.back() = Float32Type::get(module.getContext());
  buildEntryPoint(module, abi::kLayerSaveFunction, getLayerSaveShapes(config),
                  saveTypes, [&](OpBuilder &b, Location loc, ValueRange args) {
                    createInto(LayerOp(), b, loc,
                               readAll(b, loc, args.take_front(numInputs)),
                               args.drop_front(numInputs));
                  });

  SmallVector<Type> gradTypes(abi::kNumLayerBackwardSavedArgs, element);
  gradTypes[numInputs + 1] = Float32Type::get(module.getContext());
  buildEntryPoint(
      module, abi::kLayerBackwardSavedFunction,
      getLayerBackwardSavedShapes(config), gradTypes,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        // LayerGradOp's operands: the inputs, d_out, then the saved values.
        int64_t numOperands = numInputs + abi::kNumSaved + 1;
        SmallVector<Value> operands =
            readAll(b, loc, args.take_front(numOperands));
        std::rotate(operands.begin() + numInputs,
                    operands.begin() + numInputs + abi::kNumSaved,
                    operands.end());
        createInto(LayerGradOp(), b, loc, operands,
                   args.drop_front(numOperands));
      });
}

/// Writes `module` as a position-independent object for the host.
static llvm::Error emitHostObject(llvm::Module &module, StringRef path) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for %s: %s",
                                   triple.str().c_str(), error.c_str());
  // Generic x86-64: the library runs on another machine than this one.
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, "generic", "", llvm::TargetOptions(), llvm::Reloc::PIC_));
  module.setDataLayout(machine->createDataLayout());
  module.setTargetTriple(triple);

  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot write %s: %s", path.str().c_str(),
                                   ec.message().c_str());
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, out.os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("LLVM cannot emit objects for %s",
                                   triple.str().c_str());
  pm.run(module);
  out.keep();
  return llvm::Error::success();
}

llvm::Expected<LayerKernelReport> sas::emitCudaLayerLibrary(
    MLIRContext &context, const LayerConfig &config,
    const SASGPUPipelineOptions &options, StringRef outputPath,
    StringRef runtimeArchive, StringRef linker) {
  if (std::optional<std::string> error = checkSASGPUPipelineOptions(options))
    return llvm::createStringError("%s", error->c_str());
  if (!llvm::sys::fs::exists(runtimeArchive))
    return llvm::createStringError(
        "the SAS CUDA runtime archive %s does not exist",
        runtimeArchive.str().c_str());
  DialectRegistry registry;
  registerAllGPUToLLVMIRTranslations(registry);
  context.appendDialectRegistry(registry);
  context.loadDialect<LLVM::LLVMDialect>();

  std::string diagnostics;
  llvm::raw_string_ostream diagOS(diagnostics);
  LayerKernelReport report;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    // The conversions say, as remarks, why an op stays on the linalg path.
    if (diag.getSeverity() == DiagnosticSeverity::Remark) {
      std::string text = diag.str();
      std::vector<std::string> &list =
          StringRef(text).contains("stays on the linalg path")
              ? report.linalgReasons
              : report.notes;
      // Entry points that share an op (the layer's backward and its saved
      // variant) would say the same twice.
      if (!llvm::is_contained(list, text))
        list.push_back(text);
      return success();
    }
    diagOS << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  LayerConfig forward = config;
  forward.backward = false;
  OwningOpRef<ModuleOp> module = buildLayerModule(context, forward);
  auto layer = cast<func::FuncOp>(module->getBody()->front());
  // Private, so that the inliner drops it once inlined into the entry.
  layer.setPrivate();
  buildLayerEntryPoint(*module, layer, forward, abi::kLayerFunction);
  Type element = cast<ShapedType>(layer.getArgumentTypes()[0]).getElementType();
  buildAttentionEntryPoint(*module, forward, element);
  report.backwardNote = getBackwardNote(context, forward, options);
  if (report.backwardNote.empty())
    buildAttentionBackwardEntryPoints(*module, forward, element);
  report.layerBackwardNote = getLayerBackwardNote(config, report);
  if (report.layerBackwardNote.empty())
    buildLayerBackwardEntryPoint(context, *module, config);
  report.savesAttention =
      report.layerBackwardNote.empty() && config.keepsAttention();
  if (report.savesAttention)
    buildLayerTrainingEntryPoints(*module, config, element);
  if (failed(verify(*module)))
    return llvm::createStringError("invalid layer IR:\n%s",
                                   diagnostics.c_str());
  PassManager pm(&context);
  buildSASGPUPipeline(pm, options);
  if (failed(pm.run(*module)))
    return llvm::createStringError("sas-gpu-pipeline failed:\n%s",
                                   diagnostics.c_str());
  // The configuration goes in last: it lists the kernels the pipeline made.
  report.kernels = listKernels(*module);
  addLayerGlobals(*module, forward, options.chip, report);

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, "sas_layer");
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed:\n%s",
                                   diagnostics.c_str());

  SmallString<128> object;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("sas-layer", "o", object))
    return llvm::createStringError("cannot create a temporary file: %s",
                                   ec.message().c_str());
  llvm::FileRemover removeObject(object);
  if (llvm::Error error = emitHostObject(*llvmModule, object))
    return error;

  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName(linker);
  if (!driver)
    return llvm::createStringError(
        "cannot find the C++ compiler driver '%s' to link the library",
        linker.str().c_str());
  // Only the C API of sas-c/LayerLibrary.h leaves the library: the compiled
  // functions, constants and runtime internals stay local.
  SmallString<128> exports;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("sas-layer", "map", exports))
    return llvm::createStringError("cannot create a temporary file: %s",
                                   ec.message().c_str());
  llvm::FileRemover removeExports(exports);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(exports, ec);
    os << "{\n  global:\n    sas_layer_forward;\n    sas_layer_backward;\n"
          "    sas_layer_forward_save;\n    sas_layer_backward_saved;\n"
          "    sas_attention_forward;\n"
          "    sas_attention_forward_lse;\n    sas_attention_backward;\n"
          "    sas_layer_config;\n    sas_last_error;\n  local: *;\n};\n";
    if (ec)
      return llvm::createStringError("cannot write %s: %s",
                                     exports.c_str(), ec.message().c_str());
  }
  std::string versionScript = ("-Wl,--version-script=" + exports).str();
  // The whole archive: nothing in the object refers to the exported API.
  SmallVector<StringRef> args = {*driver,        "-shared",
                                 "-o",           outputPath,
                                 object,         "-Wl,--whole-archive",
                                 runtimeArchive, "-Wl,--no-whole-archive",
                                 "-ldl",         "-Wl,--no-undefined",
                                 versionScript};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0)
    return llvm::createStringError(
        "linking %s with %s failed (exit %d)%s%s", outputPath.str().c_str(),
        driver->c_str(), status, message.empty() ? "" : ": ", message.c_str());
  return report;
}

std::string sas::findCudaRuntimeArchive(const char *argv0, void *mainAddress) {
  std::string executable = llvm::sys::fs::getMainExecutable(argv0, mainAddress);
  SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(executable)));
  llvm::sys::path::append(path, "lib", "libSASCUDARuntime.a");
  return std::string(path);
}
