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

#include "mlir/Dialect/Func/IR/FuncOps.h"
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

using namespace mlir;
using namespace mlir::sas;

std::string sas::getLayerConfigJson(const LayerConfig &config, StringRef chip) {
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
  std::string json;
  llvm::raw_string_ostream os(json);
  os << llvm::json::Value(std::move(root));
  return json;
}

/// Adds the constants the runtime reads: the configuration JSON, the batch
/// and sequence length (-1 when dynamic) and the shapes of the entry's
/// arguments.
static void addLayerGlobals(ModuleOp module, const LayerConfig &config,
                            StringRef chip) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  std::string json = getLayerConfigJson(config, chip);
  json.push_back('\0');
  auto i8Array = LLVM::LLVMArrayType::get(b.getI8Type(), json.size());
  LLVM::GlobalOp::create(b, loc, i8Array, /*isConstant=*/true,
                         LLVM::Linkage::External, "sas_layer_config_json",
                         b.getStringAttr(json));
  auto i64Array = LLVM::LLVMArrayType::get(b.getI64Type(), 2);
  auto orMinusOne = [](int64_t s) {
    return ShapedType::isDynamic(s) ? int64_t(-1) : s;
  };
  auto sizes = DenseElementsAttr::get(
      RankedTensorType::get({2}, b.getI64Type()),
      ArrayRef<int64_t>{orMinusOne(config.batch), orMinusOne(config.seqLen)});
  LLVM::GlobalOp::create(b, loc, i64Array, /*isConstant=*/true,
                         LLVM::Linkage::External, "sas_layer_sizes", sizes);
  // The shape of each argument of the entry (q, k, v, the 22 parameters,
  // out) as rank, sizes...: the runtime builds their memref descriptors.
  // A dynamic batch is -1, a dynamic length -2 (dimensions 0 and 1 of q, k,
  // v and out): the runtime puts in the call's B and T.
  SmallVector<int64_t> shapes;
  auto addShape = [&](ArrayRef<int64_t> shape) {
    shapes.push_back(shape.size());
    for (auto [i, d] : llvm::enumerate(shape))
      shapes.push_back(ShapedType::isDynamic(d) ? -1 - int64_t(i) : d);
  };
  for (int i = 0; i < 3; ++i)
    addShape(config.getInputShape());
  for (unsigned i = 0; i < 22; ++i)
    addShape(config.getParameterShape(i));
  addShape(config.getOutputShape());
  auto shapesType = LLVM::LLVMArrayType::get(b.getI64Type(), shapes.size());
  LLVM::GlobalOp::create(
      b, loc, shapesType, /*isConstant=*/true, LLVM::Linkage::External,
      "sas_layer_arg_shapes",
      DenseElementsAttr::get(
          RankedTensorType::get({int64_t(shapes.size())}, b.getI64Type()),
          ArrayRef<int64_t>(shapes)));
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

llvm::Error sas::emitCudaLayerLibrary(MLIRContext &context,
                                      const LayerConfig &config,
                                      const SASGPUPipelineOptions &options,
                                      StringRef outputPath,
                                      StringRef runtimeArchive,
                                      StringRef linker) {
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
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagOS << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  OwningOpRef<ModuleOp> module = buildLayerModule(context, config);
  auto layer = cast<func::FuncOp>(module->getBody()->front());
  // Private, so that the inliner drops it once inlined into the entry.
  layer.setPrivate();
  buildLayerEntryPoint(*module, layer, config, "sas_layer_device");
  addLayerGlobals(*module, config, options.chip);
  if (failed(verify(*module)))
    return llvm::createStringError("invalid layer IR:\n%s",
                                   diagnostics.c_str());
  PassManager pm(&context);
  buildSASGPUPipeline(pm, options);
  if (failed(pm.run(*module)))
    return llvm::createStringError("sas-gpu-pipeline failed:\n%s",
                                   diagnostics.c_str());

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
  // The whole archive: nothing in the object refers to the exported API.
  SmallVector<StringRef> args = {*driver,        "-shared",
                                 "-o",           outputPath,
                                 object,         "-Wl,--whole-archive",
                                 runtimeArchive, "-Wl,--no-whole-archive",
                                 "-ldl",         "-Wl,--no-undefined"};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0)
    return llvm::createStringError(
        "linking %s with %s failed (exit %d)%s%s", outputPath.str().c_str(),
        driver->c_str(), status, message.empty() ? "" : ": ", message.c_str());
  return llvm::Error::success();
}

std::string sas::findCudaRuntimeArchive(const char *argv0, void *mainAddress) {
  std::string executable = llvm::sys::fs::getMainExecutable(argv0, mainAddress);
  SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(executable)));
  llvm::sys::path::append(path, "lib", "libSASCUDARuntime.a");
  return std::string(path);
}
