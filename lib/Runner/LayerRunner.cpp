//===- LayerRunner.cpp - Compile and run SAS layers on the CPU --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Runner/LayerRunner.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::sas;
using llvm::createStringError;

static constexpr llvm::StringLiteral kParameterNames[] = {
    "sas_q.0.weight",         "sas_q.0.bias",
    "sas_q.1.process.weight", "sas_q.1.process.bias",
    "sas_q.2.weight",         "sas_q.2.bias",
    "sas_q.3.process.weight", "sas_q.3.process.bias",
    "sas_k.0.weight",         "sas_k.0.bias",
    "sas_k.1.process.weight", "sas_k.1.process.bias",
    "sas_k.2.weight",         "sas_k.2.bias",
    "sas_k.3.process.weight", "sas_k.3.process.bias",
    "sas_v.0.weight",         "sas_v.0.bias",
    "sas_v.1.process.weight", "sas_v.1.process.bias",
    "output_dense.weight",    "output_dense.bias"};

/// The name of the wrapper function that sas-run compiles and calls.
static constexpr llvm::StringLiteral kEntryName = "sas_run";

ArrayRef<llvm::StringLiteral> LayerConfig::getParameterNames() {
  return kParameterNames;
}

SmallVector<int64_t> LayerConfig::getParameterShape(unsigned index) const {
  // Per stream: head conv w, b, residual w, b, then (q, k) feature w, b,
  // residual w, b.
  auto streamShape = [&](unsigned i) -> SmallVector<int64_t> {
    switch (i) {
    case 0:
      return {simHeads, heads, kernel};
    case 1:
    case 3:
      return {simHeads};
    case 2:
      return {simHeads, simHeads, kernel};
    case 4:
      return {simHeadDim, headDim};
    case 5:
    case 7:
      return {simHeadDim};
    default:
      return {simHeadDim, simHeadDim};
    }
  };
  if (index < 16)
    return streamShape(index % 8);
  if (index < 20)
    return streamShape(index - 16);
  if (index == 20)
    return {heads * headDim, heads * headDim};
  return {heads * headDim};
}

SmallVector<int64_t> LayerConfig::getInputShape() const {
  return {batch, seqLen, heads, headDim};
}

SmallVector<int64_t> LayerConfig::getOutputShape() const {
  return {batch, seqLen, heads * headDim};
}

static Type getElementType(MLIRContext &ctx, StorageType type) {
  switch (type) {
  case StorageType::F32:
    return Float32Type::get(&ctx);
  case StorageType::F16:
    return Float16Type::get(&ctx);
  case StorageType::BF16:
    return BFloat16Type::get(&ctx);
  }
  llvm_unreachable("unknown storage type");
}

OwningOpRef<ModuleOp> sas::buildLayerModule(MLIRContext &context,
                                            const LayerConfig &config) {
  context.loadDialect<func::FuncDialect, SASDialect>();
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  Type element = getElementType(context, config.storage);

  SmallVector<Type> argTypes(3, RankedTensorType::get(config.getInputShape(),
                                                      element));
  for (unsigned i = 0; i < 22; ++i)
    argTypes.push_back(
        RankedTensorType::get(config.getParameterShape(i), element));
  auto resultType = RankedTensorType::get(config.getOutputShape(), element);

  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      b, loc, "sas_layer", b.getFunctionType(argTypes, resultType));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<NamedAttribute> attrs;
  if (config.causal)
    attrs.push_back(b.getNamedAttr("causal", b.getUnitAttr()));
  if (config.scale)
    attrs.push_back(b.getNamedAttr("scale", b.getF32FloatAttr(*config.scale)));
  auto layer = LayerOp::create(b, loc, TypeRange{resultType},
                               body->getArguments(), attrs);
  func::ReturnOp::create(b, loc, layer.getResult());
  return module;
}

llvm::Expected<std::pair<func::FuncOp, LayerConfig>>
sas::findLayerFunction(ModuleOp module) {
  SmallVector<LayerOp> layers;
  module.walk([&](LayerOp op) { layers.push_back(op); });
  if (layers.size() != 1)
    return createStringError(std::errc::invalid_argument,
                             "the input must hold exactly one sas.layer, it "
                             "holds %zu",
                             layers.size());
  LayerOp layer = layers.front();
  auto func = layer->getParentOfType<func::FuncOp>();
  if (!func || func.getNumArguments() != layer->getNumOperands() ||
      !llvm::equal(func.getArguments(), layer->getOperands()) ||
      func.getNumResults() != 1)
    return createStringError(
        std::errc::invalid_argument,
        "the function holding the sas.layer must take its 25 operands, in "
        "order, as its arguments and return one result");

  auto dims = [](Value v) { return cast<ShapedType>(v.getType()).getShape(); };
  LayerConfig config;
  ArrayRef<int64_t> q = dims(layer.getQ());
  config.batch = q[0];
  config.seqLen = q[1];
  config.heads = q[2];
  config.headDim = q[3];
  config.simHeads = dims(layer.getQHeadW())[0];
  config.kernel = dims(layer.getQHeadW())[2];
  config.simHeadDim = dims(layer.getQFeatW())[0];
  config.causal = layer.getCausal();
  if (std::optional<APFloat> scale = layer.getScale())
    config.scale = scale->convertToFloat();
  Type element = layer.getQ().getType().getElementType();
  config.storage = element.isF16()    ? StorageType::F16
                   : element.isBF16() ? StorageType::BF16
                                      : StorageType::F32;
  return std::make_pair(func, config);
}

void sas::buildLayerEntryPoint(ModuleOp module, func::FuncOp callee,
                               const LayerConfig &config, StringRef name) {
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<bufferization::BufferizationDialect, tensor::TensorDialect,
                   memref::MemRefDialect>();
  OpBuilder b(ctx);
  Location loc = callee.getLoc();
  Type element = getElementType(*ctx, config.storage);
  SmallVector<RankedTensorType> tensorTypes(
      3, RankedTensorType::get(config.getInputShape(), element));
  for (unsigned i = 0; i < 22; ++i)
    tensorTypes.push_back(
        RankedTensorType::get(config.getParameterShape(i), element));
  tensorTypes.push_back(
      RankedTensorType::get(config.getOutputShape(), element));
  SmallVector<Type> memrefTypes;
  for (RankedTensorType t : tensorTypes)
    memrefTypes.push_back(MemRefType::get(t.getShape(), element));

  b.setInsertionPointToEnd(module.getBody());
  auto entry = func::FuncOp::create(b, loc, name,
                                    b.getFunctionType(memrefTypes, {}));
  entry->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = entry.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  for (auto [i, calleeType] : llvm::enumerate(callee.getArgumentTypes())) {
    Value t = bufferization::ToTensorOp::create(
        b, loc, tensorTypes[i], body->getArgument(i), /*restrict=*/true);
    if (t.getType() != calleeType)
      t = tensor::CastOp::create(b, loc, calleeType, t);
    args.push_back(t);
  }
  Value result = func::CallOp::create(b, loc, callee, args).getResult(0);
  if (result.getType() != tensorTypes.back())
    result = tensor::CastOp::create(b, loc, tensorTypes.back(), result);
  auto store = bufferization::MaterializeInDestinationOp::create(
      b, loc, result, body->getArguments().back());
  store.setRestrict(true);
  store.setWritable(true);
  func::ReturnOp::create(b, loc);
}

CompiledLayer::CompiledLayer(LayerConfig config,
                             std::unique_ptr<ExecutionEngine> engine)
    : config(std::move(config)), engine(std::move(engine)) {}

CompiledLayer::~CompiledLayer() = default;

llvm::Expected<std::unique_ptr<CompiledLayer>>
CompiledLayer::compile(ModuleOp module, func::FuncOp function,
                       const LayerConfig &config,
                       const SASCPUPipelineOptions &options,
                       ArrayRef<StringRef> sharedLibs) {
  MLIRContext *ctx = module.getContext();
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  ctx->appendDialectRegistry(registry);

  std::string diagnostics;
  llvm::raw_string_ostream diagOS(diagnostics);
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
    diagOS << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  // The CPU code generation vectorizes static shapes only: a layer function
  // with dynamic batch or length is rebuilt at this call's sizes. That is
  // exact only for a function that holds nothing but the layer.
  auto isDynamic = [](Type t) { return !cast<ShapedType>(t).hasStaticShape(); };
  if (llvm::any_of(function.getArgumentTypes(), isDynamic) ||
      llvm::any_of(function.getResultTypes(), isDynamic)) {
    Block &body = function.getBody().front();
    if (!llvm::hasSingleElement(body.without_terminator()) ||
        !isa<LayerOp>(body.front()))
      return createStringError(
          std::errc::invalid_argument,
          "@%s has dynamic batch or length and holds more than its "
          "sas.layer: give it static shapes to compile it",
          function.getName().str().c_str());
    OwningOpRef<ModuleOp> specialized = buildLayerModule(*ctx, config);
    auto staticFunction =
        cast<func::FuncOp>(specialized->getBody()->front().clone());
    staticFunction.setName(function.getName());
    module.getBody()->getOperations().insert(Block::iterator(function),
                                             staticFunction);
    function.erase();
    function = staticFunction;
  }
  buildLayerEntryPoint(module, function, config, kEntryName);
  if (failed(verify(module)))
    return createStringError(std::errc::invalid_argument,
                             "invalid layer IR:\n%s", diagnostics.c_str());
  PassManager pm(ctx);
  buildSASCPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return createStringError(std::errc::invalid_argument,
                             "sas-cpu-pipeline failed:\n%s",
                             diagnostics.c_str());

  static bool targetInitialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)targetInitialized;

  // The options hold a function_ref: the transformer it refers to must
  // outlive ExecutionEngine::create.
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  engineOptions.sharedLibPaths = sharedLibs;
  auto engineOr = ExecutionEngine::create(module, engineOptions);
  if (!engineOr)
    return createStringError(std::errc::invalid_argument,
                             "JIT compilation failed: %s",
                             llvm::toString(engineOr.takeError()).c_str());
  return std::unique_ptr<CompiledLayer>(
      new CompiledLayer(config, std::move(*engineOr)));
}

std::pair<int64_t, int64_t> CompiledLayer::getHostRegisterTile() {
  if (llvm::sys::getHostCPUFeatures().lookup("avx512f"))
    return {8, 32};
  return {4, 16};
}

SmallVector<StringRef> CompiledLayer::getRuntimeLibraries() {
  return {SAS_OPENMP_RUNTIME, SAS_C_RUNNER_UTILS};
}

llvm::Error CompiledLayer::run(ArrayRef<const HostTensor *> inputs,
                               HostTensor &output) {
  if (inputs.size() != 25)
    return createStringError(std::errc::invalid_argument,
                             "expected 25 inputs, got %zu", inputs.size());
  SmallVector<const void *> buffers;
  for (auto [i, t] : llvm::enumerate(inputs)) {
    SmallVector<int64_t> expected =
        i < 3 ? config.getInputShape() : config.getParameterShape(i - 3);
    if (t->type != config.storage ||
        ArrayRef<int64_t>(t->shape) != ArrayRef<int64_t>(expected))
      return createStringError(
          std::errc::invalid_argument, "input %zu must be %s %s, got %s %s", i,
          stringifyStorageType(config.storage).str().c_str(),
          formatShape(expected).c_str(),
          stringifyStorageType(t->type).str().c_str(),
          formatShape(t->shape).c_str());
    buffers.push_back(t->bytes.data());
  }
  if (output.type != config.storage ||
      ArrayRef<int64_t>(output.shape) !=
          ArrayRef<int64_t>(config.getOutputShape()))
    return createStringError(std::errc::invalid_argument,
                             "the output buffer must be %s %s",
                             stringifyStorageType(config.storage).str().c_str(),
                             formatShape(config.getOutputShape()).c_str());
  return runOnBuffers(buffers, output.bytes.data());
}

llvm::Error CompiledLayer::runOnBuffers(ArrayRef<const void *> inputs,
                                        void *output) {
  if (inputs.size() != 25)
    return createStringError(std::errc::invalid_argument,
                             "expected 25 inputs, got %zu", inputs.size());
  // One strided memref descriptor per buffer, as the C interface lays it
  // out: allocated and aligned pointers, offset, sizes, strides.
  std::vector<std::vector<int64_t>> descriptors;
  auto addDescriptor = [&](ArrayRef<int64_t> shape, const void *data) {
    std::vector<int64_t> d = {reinterpret_cast<int64_t>(data),
                              reinterpret_cast<int64_t>(data), 0};
    d.insert(d.end(), shape.begin(), shape.end());
    std::vector<int64_t> strides(shape.size());
    int64_t stride = 1;
    for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
      strides[i] = stride;
      stride *= shape[i];
    }
    d.insert(d.end(), strides.begin(), strides.end());
    descriptors.push_back(std::move(d));
  };
  for (auto [i, data] : llvm::enumerate(inputs))
    addDescriptor(i < 3 ? config.getInputShape()
                        : config.getParameterShape(i - 3),
                  data);
  addDescriptor(config.getOutputShape(), output);

  SmallVector<void *> pointers, args;
  for (std::vector<int64_t> &d : descriptors)
    pointers.push_back(d.data());
  for (void *&p : pointers)
    args.push_back(&p);
  return engine->invokePacked(("_mlir_ciface_" + kEntryName).str(), args);
}
