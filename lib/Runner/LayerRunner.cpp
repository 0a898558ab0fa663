//===- LayerRunner.cpp - Compile and run SAS layers on the CPU --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Runner/LayerRunner.h"
#include "sas/Dialect/SAS/IR/SASCostModel.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <dlfcn.h>
#include <cstdlib>

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
/// The function that calls it with its arguments packed in one array.
static constexpr llvm::StringLiteral kPackedEntryName = "sas_run_packed";

/// LLVM's optimization level and the code generator's. The IR arrives tiled,
/// vectorized and unrolled by the pass pipeline: without LLVM's IR
/// optimizer and with the code generator at "Less" the layer runs as fast as
/// with O3 (within noise at T = 512 and 2048) and compiles in half the time
/// (docs/perf.md, "CPU compile time").
static constexpr unsigned kOptLevel = 0;
static constexpr llvm::CodeGenOptLevel kCodeGenOptLevel =
    llvm::CodeGenOptLevel::Less;

/// Cache entries: kCacheMagic, the object's length and xxh3 checksum (each
/// 64-bit little endian), then the object. kCacheFormat is part of the key:
/// change it when the entries or what goes into them change.
static constexpr llvm::StringLiteral kCacheMagic = "SASOBJ1\n";
static constexpr llvm::StringLiteral kCacheFormat = "sas-mlir layer object 1";

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

SmallVector<SmallVector<int64_t>> LayerConfig::getArgumentShapes() const {
  SmallVector<SmallVector<int64_t>> shapes(3, getInputShape());
  for (unsigned i = 0; i < 22; ++i)
    shapes.push_back(getParameterShape(i));
  if (backward)
    shapes.push_back(getOutputShape());
  return shapes;
}

SmallVector<SmallVector<int64_t>> LayerConfig::getResultShapes() const {
  if (!backward)
    return {getOutputShape()};
  SmallVector<SmallVector<int64_t>> shapes = getArgumentShapes();
  shapes.pop_back();
  return shapes;
}

LayerSizes LayerConfig::getSizes() const {
  LayerSizes sizes;
  sizes.batch = batch;
  sizes.seqLen = seqLen;
  sizes.heads = heads;
  sizes.simHeads = simHeads;
  sizes.headDim = headDim;
  sizes.simHeadDim = simHeadDim;
  sizes.kernel = kernel;
  sizes.scale = scale;
  return sizes;
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

/// Tensor types of `shapes` with element type `element`.
static SmallVector<Type> tensorTypes(ArrayRef<SmallVector<int64_t>> shapes,
                                     Type element) {
  SmallVector<Type> types;
  for (ArrayRef<int64_t> shape : shapes)
    types.push_back(RankedTensorType::get(shape, element));
  return types;
}

SmallVector<NamedAttribute> sas::getLayerOpAttributes(Builder &b,
                                                      const LayerConfig &config) {
  SmallVector<NamedAttribute> attrs;
  if (config.causal)
    attrs.push_back(b.getNamedAttr("causal", b.getUnitAttr()));
  if (config.scale)
    attrs.push_back(b.getNamedAttr("scale", b.getF32FloatAttr(*config.scale)));
  return attrs;
}

OwningOpRef<ModuleOp> sas::buildLayerModule(MLIRContext &context,
                                            const LayerConfig &config) {
  context.loadDialect<func::FuncDialect, SASDialect>();
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  Type element = getElementType(context, config.storage);
  SmallVector<Type> argTypes = tensorTypes(config.getArgumentShapes(), element);
  SmallVector<Type> resultTypes =
      tensorTypes(config.getResultShapes(), element);

  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      b, loc, "sas_layer", b.getFunctionType(argTypes, resultTypes));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<NamedAttribute> attrs = getLayerOpAttributes(b, config);
  Operation *layer;
  if (config.backward) {
    SmallVector<Value> operands(body->getArguments());
    if (config.keepsAttention()) {
      // The training plan: a forward that keeps the attention's output and
      // log-sum-exp, which the backward takes instead of recomputing them.
      Type o = RankedTensorType::get(
          {config.batch, config.seqLen, config.simHeads, config.headDim},
          element);
      Type outputType = RankedTensorType::get(config.getOutputShape(), element);
      auto forward = LayerOp::create(
          b, loc, TypeRange{outputType, o, AttentionOp::inferLseType(o)},
          body->getArguments().drop_back(), attrs);
      llvm::append_range(operands, forward.getSaved());
    }
    layer = LayerGradOp::create(b, loc, resultTypes, operands, attrs);
  } else {
    layer = LayerOp::create(b, loc, resultTypes, body->getArguments(), attrs);
  }
  func::ReturnOp::create(b, loc, layer->getResults());
  return module;
}

/// The configuration of `layer` (a LayerOp or a LayerGradOp).
template <typename OpT>
static LayerConfig readLayerConfig(OpT layer) {
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
  Type element = cast<ShapedType>(layer.getQ().getType()).getElementType();
  config.storage = element.isF16()    ? StorageType::F16
                   : element.isBF16() ? StorageType::BF16
                                      : StorageType::F32;
  config.backward = std::is_same_v<OpT, LayerGradOp>;
  return config;
}

bool LayerConfig::keepsAttention() const {
  // A dynamic length is taken as long, as sas-expand's remark does.
  if (ShapedType::isDynamic(seqLen))
    return true;
  int64_t elementBytes = storage == StorageType::F32 ? 4 : 2;
  return cost::planSavedForward(seqLen, seqLen, heads, simHeads, headDim,
                                simHeadDim, kernel, causal, elementBytes)
      .keepAttention();
}

llvm::Expected<std::pair<func::FuncOp, LayerConfig>>
sas::findLayerFunction(ModuleOp module) {
  SmallVector<LayerOp> forwards;
  SmallVector<LayerGradOp> grads;
  module.walk([&](Operation *op) {
    if (auto forward = dyn_cast<LayerOp>(op))
      forwards.push_back(forward);
    if (auto grad = dyn_cast<LayerGradOp>(op))
      grads.push_back(grad);
  });
  // One sas.layer, or one sas.layer_grad, with at most the forward whose
  // saved values it takes (the backward buildLayerModule writes).
  Operation *layer = nullptr;
  if (grads.size() == 1 && grads.front().getSaved().empty() && forwards.empty())
    layer = grads.front();
  else if (grads.size() == 1 && forwards.size() == 1 &&
           !grads.front().getSaved().empty() &&
           llvm::equal(grads.front().getSaved(), forwards.front().getSaved()) &&
           llvm::equal(grads.front().getLayerOperands(),
                       forwards.front().getOperands()))
    layer = grads.front();
  else if (grads.empty() && forwards.size() == 1 &&
           forwards.front().getSaved().empty())
    layer = forwards.front();
  if (!layer)
    return createStringError(
        std::errc::invalid_argument,
        "the input must hold one sas.layer, or one sas.layer_grad (with at "
        "most the sas.layer of the same operands whose saved results it "
        "takes); it holds %zu sas.layer and %zu sas.layer_grad",
        forwards.size(), grads.size());
  OperandRange operands = layer->getOperands();
  if (auto grad = dyn_cast<LayerGradOp>(layer))
    operands = operands.take_front(grad.getLayerOperands().size() + 1);
  auto func = layer->getParentOfType<func::FuncOp>();
  if (!func || !llvm::equal(func.getArguments(), operands) ||
      func.getNumResults() != layer->getNumResults())
    return createStringError(
        std::errc::invalid_argument,
        "the function holding the %s must take its %zu operands, in order, "
        "as its arguments and return %u results",
        layer->getName().getStringRef().str().c_str(), operands.size(),
        layer->getNumResults());
  LayerConfig config = isa<LayerOp>(layer)
                           ? readLayerConfig(cast<LayerOp>(layer))
                           : readLayerConfig(cast<LayerGradOp>(layer));
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
  SmallVector<Type> argTypes = tensorTypes(config.getArgumentShapes(), element);
  SmallVector<Type> resultTypes =
      tensorTypes(config.getResultShapes(), element);
  SmallVector<Type> memrefTypes;
  for (Type t : llvm::concat<Type>(argTypes, resultTypes))
    memrefTypes.push_back(
        MemRefType::get(cast<RankedTensorType>(t).getShape(), element));

  b.setInsertionPointToEnd(module.getBody());
  auto entry = func::FuncOp::create(b, loc, name,
                                    b.getFunctionType(memrefTypes, {}));
  entry->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *body = entry.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  for (auto [i, calleeType] : llvm::enumerate(callee.getArgumentTypes())) {
    Value t = bufferization::ToTensorOp::create(
        b, loc, argTypes[i], body->getArgument(i), /*restrict=*/true);
    if (t.getType() != calleeType)
      t = tensor::CastOp::create(b, loc, calleeType, t);
    args.push_back(t);
  }
  auto call = func::CallOp::create(b, loc, callee, args);
  for (auto [i, result] : llvm::enumerate(call.getResults())) {
    Value value = result;
    if (value.getType() != resultTypes[i])
      value = tensor::CastOp::create(b, loc, resultTypes[i], value);
    auto store = bufferization::MaterializeInDestinationOp::create(
        b, loc, value, body->getArgument(argTypes.size() + i));
    store.setRestrict(true);
    store.setWritable(true);
  }
  func::ReturnOp::create(b, loc);
}

CompiledLayer::CompiledLayer(LayerConfig config,
                             std::unique_ptr<llvm::orc::LLJIT> jit,
                             void (*entry)(void **), CompileTimes times)
    : config(std::move(config)), jit(std::move(jit)), entry(entry),
      times(times) {}

CompiledLayer::~CompiledLayer() {
  if (jit)
    llvm::consumeError(jit->deinitialize(jit->getMainJITDylib()));
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// Adds `llvm.func @sas_run_packed(%args: !llvm.ptr)`, which calls the C
/// interface of the entry point with the descriptor pointers of the array
/// %args: one symbol with one signature to look up and call.
static LogicalResult addPackedEntryPoint(ModuleOp module) {
  auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(
      ("_mlir_ciface_" + kEntryName).str());
  if (!callee)
    return failure();
  MLIRContext *ctx = module.getContext();
  Location loc = callee.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  if (!llvm::all_of(callee.getArgumentTypes(),
                    [&](Type t) { return t == ptrType; }))
    return failure();
  auto b = OpBuilder::atBlockEnd(module.getBody());
  auto packed = LLVM::LLVMFuncOp::create(
      b, loc, kPackedEntryName,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrType}));
  Block *body = packed.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  for (unsigned i = 0, e = callee.getNumArguments(); i < e; ++i) {
    Value slot =
        LLVM::GEPOp::create(b, loc, ptrType, ptrType, body->getArgument(0),
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, ptrType, slot));
  }
  LLVM::CallOp::create(b, loc, callee, args);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  return success();
}

/// The host's target machine, position-independent so that the object links
/// anywhere in the process.
static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createHostTargetMachine() {
  static bool targetInitialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)targetInitialized;
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setCodeGenOptLevel(kCodeGenOptLevel);
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeModel(llvm::CodeModel::Small);
  return builder->createTargetMachine();
}

/// Appends the path, size and modification time of the file that holds
/// `code` (a function of this process), as ccache identifies a compiler.
static void appendFileIdentity(llvm::raw_ostream &os, const void *code) {
  Dl_info info;
  llvm::sys::fs::file_status status;
  if (!dladdr(code, &info) || !info.dli_fname ||
      llvm::sys::fs::status(info.dli_fname, status)) {
    os << "unknown" << '\0';
    return;
  }
  os << info.dli_fname << '\0' << status.getSize() << '\0'
     << status.getLastModificationTime().time_since_epoch().count() << '\0';
}

/// The cache key of compiling `module` (the layer and its entry point) with
/// `options` for `tm`: the SHA-256, in hex, of everything that decides the
/// object code. The compiler is identified by the files that hold this
/// project's code (linked statically into the executable or the Python
/// extension), MLIR's and LLVM's.
static std::string getCacheKey(ModuleOp module,
                               const SASCPUPipelineOptions &options,
                               llvm::TargetMachine &tm) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << kCacheFormat << '\0' << LLVM_VERSION_STRING << '\0';
  appendFileIdentity(os, reinterpret_cast<const void *>(&getCacheKey));
  appendFileIdentity(os, reinterpret_cast<const void *>(&verify));
  appendFileIdentity(os, reinterpret_cast<const void *>(
                             static_cast<uint64_t (*)(ArrayRef<uint8_t>)>(
                                 &llvm::xxh3_64bits)));
  os << tm.getTargetTriple().str() << '\0' << tm.getTargetCPU() << '\0'
     << tm.getTargetFeatureString() << '\0' << kOptLevel << '\0'
     << static_cast<int>(kCodeGenOptLevel) << '\0';
  options.print(os);
  os << '\0';
  module->print(os);
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(text)),
                     /*LowerCase=*/true);
}

/// Reads the object of cache entry `path`: none when the file is missing,
/// unreadable, or not a complete entry (magic, length, checksum).
static std::unique_ptr<llvm::MemoryBuffer>
readCacheEntry(StringRef path) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return nullptr;
  StringRef data = (*file)->getBuffer();
  if (!data.consume_front(kCacheMagic) || data.size() < 16)
    return nullptr;
  uint64_t size = llvm::support::endian::read64le(data.data());
  uint64_t checksum = llvm::support::endian::read64le(data.data() + 8);
  data = data.drop_front(16);
  if (data.size() != size || llvm::xxh3_64bits(data) != checksum)
    return nullptr;
  return llvm::MemoryBuffer::getMemBufferCopy(data, path);
}

/// Writes `object` as cache entry `path`, atomically: a temporary file in
/// the same directory renamed over it. Failing to write only loses the
/// cache entry.
static void writeCacheEntry(StringRef path, llvm::MemoryBufferRef object) {
  if (llvm::sys::fs::create_directories(llvm::sys::path::parent_path(path)))
    return;
  auto temp = llvm::sys::fs::TempFile::create(path + "-%%%%%%%%.tmp");
  if (!temp) {
    llvm::consumeError(temp.takeError());
    return;
  }
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    StringRef data = object.getBuffer();
    char header[16];
    llvm::support::endian::write64le(header, data.size());
    llvm::support::endian::write64le(header + 8, llvm::xxh3_64bits(data));
    os << kCacheMagic << StringRef(header, sizeof(header)) << data;
  }
  if (llvm::Error err = temp->keep(path)) {
    llvm::consumeError(std::move(err));
    llvm::consumeError(temp->discard());
  }
}

/// Translates the LLVM dialect `module` to LLVM IR, optimizes it and emits
/// an object file for `tm`.
static llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
compileToObject(ModuleOp module, llvm::TargetMachine &tm) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return createStringError(std::errc::invalid_argument,
                             "translation to LLVM IR failed");
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());
  if (llvm::Error err = makeOptimizingTransformer(kOptLevel, /*sizeLevel=*/0,
                                                  &tm)(llvmModule.get()))
    return std::move(err);
  return llvm::orc::SimpleCompiler(tm)(*llvmModule);
}

/// Links `object` into a new JIT that resolves its calls in `sharedLibs` and
/// this process, and looks up the packed entry point.
static llvm::Expected<
    std::pair<std::unique_ptr<llvm::orc::LLJIT>, void (*)(void **)>>
loadObject(std::unique_ptr<llvm::MemoryBuffer> object,
           ArrayRef<StringRef> sharedLibs) {
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  llvm::orc::JITDylib &mainLib = (*jit)->getMainJITDylib();
  char prefix = (*jit)->getDataLayout().getGlobalPrefix();
  for (StringRef lib : sharedLibs) {
    auto generator = llvm::orc::DynamicLibrarySearchGenerator::Load(
        lib.str().c_str(), prefix);
    if (!generator)
      return generator.takeError();
    mainLib.addGenerator(std::move(*generator));
  }
  auto process =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix);
  if (!process)
    return process.takeError();
  mainLib.addGenerator(std::move(*process));
  if (llvm::Error err = (*jit)->addObjectFile(std::move(object)))
    return std::move(err);
  // Errors of the JIT may refer to its strings: they become plain strings
  // before it goes away.
  auto linkError = [](llvm::Error err) {
    return createStringError(std::errc::invalid_argument, "%s",
                             llvm::toString(std::move(err)).c_str());
  };
  if (llvm::Error err = (*jit)->initialize(mainLib))
    return linkError(std::move(err));
  auto address = (*jit)->lookup(kPackedEntryName);
  if (!address)
    return linkError(address.takeError());
  return std::make_pair(std::move(*jit),
                        address->toPtr<void (*)(void **)>());
}

std::optional<std::string> CompiledLayer::getCacheDirectory() {
  if (const char *dir = std::getenv("SAS_CACHE_DIR"))
    return *dir ? std::optional<std::string>(dir) : std::nullopt;
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    path = xdg;
  else if (llvm::sys::path::home_directory(path))
    llvm::sys::path::append(path, ".cache");
  else
    return std::nullopt;
  llvm::sys::path::append(path, "sas-mlir");
  return std::string(path);
}

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
    // (findLayerFunction allows a sas.layer_grad beside nothing but the
    // forward whose saved values it takes, as buildLayerModule writes it.)
    Block &body = function.getBody().front();
    if (!llvm::all_of(body.without_terminator(), [](Operation &op) {
          return isa<LayerOp, LayerGradOp>(op);
        }))
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
  auto tm = createHostTargetMachine();
  if (!tm)
    return tm.takeError();

  // A cached object is used when it is intact and links; anything else is
  // compiled again (and the entry rewritten). Fusion remarks come from the
  // pipeline: they need a compile.
  CompileTimes times;
  std::optional<std::string> cacheDir;
  if (!options.fusionRemarks)
    cacheDir = getCacheDirectory();
  llvm::SmallString<256> entryPath;
  auto start = std::chrono::steady_clock::now();
  if (cacheDir) {
    entryPath = *cacheDir;
    llvm::sys::path::append(entryPath,
                            getCacheKey(module, options, **tm) + ".o");
    if (std::unique_ptr<llvm::MemoryBuffer> cached =
            readCacheEntry(entryPath)) {
      auto loaded = loadObject(std::move(cached), sharedLibs);
      if (loaded) {
        times.load = secondsSince(start);
        times.cacheHit = true;
        return std::unique_ptr<CompiledLayer>(new CompiledLayer(
            config, std::move(loaded->first), loaded->second, times));
      }
      llvm::consumeError(loaded.takeError());
    }
  }

  start = std::chrono::steady_clock::now();
  PassManager pm(ctx);
  buildSASCPUPipeline(pm, options);
  if (failed(pm.run(module)))
    return createStringError(std::errc::invalid_argument,
                             "sas-cpu-pipeline failed:\n%s",
                             diagnostics.c_str());
  if (failed(addPackedEntryPoint(module)))
    return createStringError(std::errc::invalid_argument,
                             "sas-cpu-pipeline did not produce the C "
                             "interface of @%s",
                             kEntryName.data());
  times.pipeline = secondsSince(start);

  start = std::chrono::steady_clock::now();
  auto object = compileToObject(module, **tm);
  if (!object)
    return createStringError(std::errc::invalid_argument,
                             "LLVM code generation failed: %s",
                             llvm::toString(object.takeError()).c_str());
  times.codegen = secondsSince(start);
  if (cacheDir)
    writeCacheEntry(entryPath, (*object)->getMemBufferRef());
  start = std::chrono::steady_clock::now();
  auto loaded = loadObject(std::move(*object), sharedLibs);
  if (!loaded)
    return createStringError(std::errc::invalid_argument,
                             "JIT linking failed: %s",
                             llvm::toString(loaded.takeError()).c_str());
  times.load = secondsSince(start);
  return std::unique_ptr<CompiledLayer>(new CompiledLayer(
      config, std::move(loaded->first), loaded->second, times));
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
                               ArrayRef<HostTensor *> outputs) {
  SmallVector<SmallVector<int64_t>> argShapes = config.getArgumentShapes();
  SmallVector<SmallVector<int64_t>> resultShapes = config.getResultShapes();
  if (inputs.size() != argShapes.size() || outputs.size() != resultShapes.size())
    return createStringError(std::errc::invalid_argument,
                             "expected %zu inputs and %zu outputs, got %zu and "
                             "%zu",
                             argShapes.size(), resultShapes.size(),
                             inputs.size(), outputs.size());
  auto checkTensor = [&](const HostTensor &t, ArrayRef<int64_t> expected,
                         StringRef what, size_t i) -> llvm::Error {
    if (t.type == config.storage && ArrayRef<int64_t>(t.shape) == expected)
      return llvm::Error::success();
    return createStringError(
        std::errc::invalid_argument, "%s %zu must be %s %s, got %s %s",
        what.str().c_str(), i,
        stringifyStorageType(config.storage).str().c_str(),
        formatShape(expected).c_str(),
        stringifyStorageType(t.type).str().c_str(),
        formatShape(t.shape).c_str());
  };
  SmallVector<const void *> inputBuffers;
  for (auto [i, t] : llvm::enumerate(inputs)) {
    if (llvm::Error err = checkTensor(*t, argShapes[i], "input", i))
      return err;
    inputBuffers.push_back(t->bytes.data());
  }
  SmallVector<void *> outputBuffers;
  for (auto [i, t] : llvm::enumerate(outputs)) {
    if (llvm::Error err = checkTensor(*t, resultShapes[i], "output", i))
      return err;
    outputBuffers.push_back(t->bytes.data());
  }
  return runOnBuffers(inputBuffers, outputBuffers);
}

llvm::Error CompiledLayer::runOnBuffers(ArrayRef<const void *> inputs,
                                        ArrayRef<void *> outputs) {
  SmallVector<SmallVector<int64_t>> argShapes = config.getArgumentShapes();
  SmallVector<SmallVector<int64_t>> resultShapes = config.getResultShapes();
  if (inputs.size() != argShapes.size() || outputs.size() != resultShapes.size())
    return createStringError(std::errc::invalid_argument,
                             "expected %zu inputs and %zu outputs, got %zu and "
                             "%zu",
                             argShapes.size(), resultShapes.size(),
                             inputs.size(), outputs.size());
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
  for (auto [shape, data] : llvm::zip_equal(argShapes, inputs))
    addDescriptor(shape, data);
  for (auto [shape, data] : llvm::zip_equal(resultShapes, outputs))
    addDescriptor(shape, data);

  SmallVector<void *> pointers;
  for (std::vector<int64_t> &d : descriptors)
    pointers.push_back(d.data());
  entry(pointers.data());
  return llvm::Error::success();
}
