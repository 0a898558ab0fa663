//===- sas-run.cpp - Compile and run a SAS layer on the CPU -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas-run --heads H --sim-heads H' --head-dim D --sim-head-dim D' --kernel K
//         [--no-causal] [--scale S] [--dtype f32|f16|bf16] --weights DIR
//         --q Q.npy --k K.npy --v V.npy --out OUT.npy [--threads N]
//         [--repeat N] [--input FILE.mlir]
//
// Weights are one <PyTorch state-dict key>.npy per parameter in DIR. Inputs
// are [B, T, H, D]; the output is [B, T, H*D] float32.
//
//===----------------------------------------------------------------------===//

#include "sas/InitSAS.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Runner/CudaLibrary.h"
#include "sas/Runner/LayerRunner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

using namespace mlir;
using namespace mlir::sas;
namespace cl = llvm::cl;

static cl::OptionCategory category("sas-run options");

static cl::opt<int64_t> heads("heads", cl::desc("Heads H of q, k and v"),
                              cl::init(0), cl::cat(category));
static cl::opt<int64_t> simHeads("sim-heads", cl::desc("Simulated heads H'"),
                                 cl::init(0), cl::cat(category));
static cl::opt<int64_t> headDim("head-dim", cl::desc("Head size D"),
                                cl::init(0), cl::cat(category));
static cl::opt<int64_t> simHeadDim("sim-head-dim",
                                   cl::desc("Simulated q/k head size D'"),
                                   cl::init(0), cl::cat(category));
static cl::opt<int64_t> kernel("kernel", cl::desc("Convolution kernel size K"),
                               cl::init(0), cl::cat(category));
static cl::opt<bool> noCausal("no-causal", cl::desc("Attend to all keys"),
                              cl::cat(category));
static cl::opt<float> scale("scale",
                            cl::desc("Softmax scale (default 1/sqrt(D'))"),
                            cl::cat(category));
static cl::opt<std::string> dtype("dtype",
                                  cl::desc("Storage type: f32, f16 or bf16"),
                                  cl::init("f32"), cl::cat(category));
static cl::opt<std::string> weightsDir(
    "weights", cl::desc("Directory of <state-dict key>.npy parameter files"),
    cl::value_desc("DIR"), cl::cat(category));
static cl::opt<std::string> qPath("q", cl::desc("q, [B, T, H, D] .npy"),
                                  cl::value_desc("Q.npy"), cl::cat(category));
static cl::opt<std::string> kPath("k", cl::desc("k, [B, T, H, D] .npy"),
                                  cl::value_desc("K.npy"), cl::cat(category));
static cl::opt<std::string> vPath("v", cl::desc("v, [B, T, H, D] .npy"),
                                  cl::value_desc("V.npy"), cl::cat(category));
static cl::opt<std::string> outPath(
    "out",
    cl::desc("Output, [B, T, H*D] float32 (with --backward: a directory, "
             "written q.npy, k.npy, v.npy and <state-dict key>.npy, the "
             "gradients, float32)"),
    cl::value_desc("OUT.npy|DIR"), cl::cat(category));
static cl::opt<bool> backward(
    "backward",
    cl::desc("Run the layer's backward (sas.layer_grad): the gradients of "
             "q, k, v and the parameters for the output gradient --d-out "
             "(with --target cuda: also compile it into the library, "
             "sas_layer_backward)"),
    cl::cat(category));
static cl::opt<std::string> dOutPath(
    "d-out", cl::desc("With --backward: the output's gradient, [B, T, H*D] .npy"),
    cl::value_desc("D_OUT.npy"), cl::cat(category));
static cl::opt<int> repeat("repeat",
                           cl::desc("Run N times and print the median time of the runs"),
                           cl::init(1), cl::cat(category));
static cl::opt<std::string> inputFile(
    "input", cl::desc("Run the function holding a sas.layer in this file"),
    cl::value_desc("FILE.mlir"), cl::cat(category));
static cl::opt<int64_t> queryTile("query-tile",
                                  cl::desc("Queries per attention tile"),
                                  cl::init(kDefaultQueryTile), cl::cat(category));
static cl::opt<int64_t> keyTile("key-tile",
                                cl::desc("Keys per online-softmax step"),
                                cl::init(kDefaultKeyTile), cl::cat(category));
static cl::opt<int64_t> rowTile(
    "row-tile",
    cl::desc("Output rows per contraction register tile (default: 8 with "
             "AVX-512, else 4)"),
    cl::init(0), cl::cat(category));
static cl::opt<int64_t> columnTile(
    "column-tile",
    cl::desc("Output columns per contraction register tile (default: 32 "
             "with AVX-512, else 16)"),
    cl::init(0), cl::cat(category));
static cl::opt<bool> fuseQSimulation(
    "fuse-q-simulation",
    cl::desc("Compute the simulation of q inside each query tile"),
    cl::init(true), cl::cat(category));
static cl::opt<bool> fusePeaaMean(
    "fuse-peaa-mean",
    cl::desc("Accumulate PEAA's head-group mean in the attention epilogue"),
    cl::init(true), cl::cat(category));
static cl::opt<KVSimulation> kvSimulation(
    "kv-simulation",
    cl::desc("Simulate k and v per query tile (fuse), once (materialize), or "
             "as the cost model decides (auto)"),
    cl::init(KVSimulation::Auto), getKVSimulationValues(), cl::cat(category));
static cl::opt<bool> literalPeaa("literal-peaa",
                                 cl::desc("Use the literal per-group PEAA"),
                                 cl::cat(category));
static cl::opt<std::string> target(
    "target",
    cl::desc("cpu: compile and run here; cuda: write a CUDA layer library "
             "(--emit-lib)"),
    cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> emitLib(
    "emit-lib",
    cl::desc("With --target cuda: write the layer library to this path"),
    cl::value_desc("OUT.so"), cl::cat(category));
static cl::opt<int64_t>
    batch("batch",
          cl::desc("With --emit-lib: the batch size B (default: any, given "
                   "at each call)"),
          cl::init(0), cl::cat(category));
static cl::opt<int64_t>
    seqLen("seq-len",
           cl::desc("With --emit-lib: the length T (default: any, given at "
                    "each call)"),
           cl::init(0), cl::cat(category));
static cl::opt<std::string> chip(
    "chip", cl::desc("With --target cuda: sm_90a, sm_90 or sm_80"),
    cl::init(kDefaultChip.str()), cl::cat(category));
static cl::opt<std::string> gpuPipelineOptions(
    "gpu-pipeline-options",
    cl::desc("With --target cuda: more sas-gpu-pipeline options, as in "
             "--sas-gpu-pipeline='...' (e.g. 'mma-warps=8 mma-stages=3')"),
    cl::value_desc("OPTIONS"), cl::init(""), cl::cat(category));
static cl::opt<std::string> cudaToolkit(
    "cuda-toolkit",
    cl::desc("With --target cuda: the CUDA toolkit (ptxas, libdevice)"),
    cl::init("/usr/local/cuda"), cl::cat(category));
static cl::opt<std::string> linker(
    "linker", cl::desc("With --emit-lib: the C++ driver that links it"),
    cl::init("c++"), cl::cat(category));

/// Prints `message` and exits with status 1.
[[noreturn]] static void fail(const llvm::Twine &message) {
  llvm::errs() << "sas-run: error: " << message << "\n";
  std::exit(1);
}

static void check(llvm::Error err) {
  if (err)
    fail(llvm::toString(std::move(err)));
}

template <typename T>
static T check(llvm::Expected<T> value) {
  if (!value)
    fail(llvm::toString(value.takeError()));
  return std::move(*value);
}

static HostTensor loadTensor(StringRef path, StringRef what,
                             ArrayRef<int64_t> expected, StorageType storage) {
  if (path.empty())
    fail("missing --" + what);
  HostTensor t = check(readNpy(path));
  if (ArrayRef<int64_t>(t.shape) != expected)
    fail("'" + path + "' (" + what + ") has shape " + formatShape(t.shape) +
         ", expected " + formatShape(expected));
  return t.convertTo(storage);
}

/// Removes `--threads N` / `--threads=N` from the arguments and returns N
/// (0 when absent). LLVM already registers a global option of that name, so
/// sas-run reads its own before the command line parser sees it.
static int extractThreads(std::vector<char *> &args) {
  int threads = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    StringRef arg = args[i];
    if (!arg.consume_front("--") && !arg.consume_front("-"))
      continue;
    std::optional<StringRef> value;
    if (arg == "threads") {
      if (i + 1 == args.size())
        fail("--threads needs a value");
      value = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
    } else if (arg.consume_front("threads=")) {
      value = arg;
      args.erase(args.begin() + i);
    } else {
      continue;
    }
    if (value->getAsInteger(10, threads) || threads <= 0)
      fail("--threads must be a positive integer, got '" + *value + "'");
    --i;
  }
  return threads;
}

/// The size flags, as verifyLayerConfig names them.
static LayerSizeNames flagNames() {
  LayerSizeNames names;
  names.batch = "--batch";
  names.seqLen = "--seq-len";
  names.heads = "--heads";
  names.simHeads = "--sim-heads";
  names.headDim = "--head-dim";
  names.simHeadDim = "--sim-head-dim";
  names.kernel = "--kernel";
  names.scale = "--scale";
  return names;
}

/// Fails unless `config` (batch and length included) follows the layer
/// rules and its tensors fit in memory; `names` name its sizes.
static void verifyConfig(const LayerConfig &config,
                         const LayerSizeNames &names) {
  std::string error =
      verifyLayerConfig(config.getSizes(), names, kMaxLayerTensorElements);
  if (!error.empty())
    fail(error);
}

static double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// One line: the whole compile time, whether the object came from the
/// cache, and where the time went.
static void printCompileTime(double seconds, const CompileTimes &times) {
  const char *cache = times.cacheHit                          ? "cache hit"
                      : CompiledLayer::getCacheDirectory()    ? "cache miss"
                                                              : "no cache";
  llvm::outs() << llvm::format("sas-run: compile %.2f s, %s (pipeline %.2f "
                               "s, LLVM %.2f s, load %.2f s)\n",
                               seconds, cache, times.pipeline, times.codegen,
                               times.load);
}

/// The layer the size flags describe (B and T are set by the caller).
static LayerConfig configFromFlags(StorageType storage) {
  if (!heads.getNumOccurrences() || !simHeads.getNumOccurrences() ||
      !headDim.getNumOccurrences() || !simHeadDim.getNumOccurrences() ||
      !kernel.getNumOccurrences())
    fail("--heads, --sim-heads, --head-dim, --sim-head-dim and --kernel "
         "must be given (or use --input)");
  LayerConfig config;
  config.heads = heads;
  config.simHeads = simHeads;
  config.headDim = headDim;
  config.simHeadDim = simHeadDim;
  config.kernel = kernel;
  config.causal = !noCausal;
  if (scale.getNumOccurrences())
    config.scale = scale;
  config.storage = storage;
  return config;
}

/// With --input the layer's sizes and attributes come from the file: a flag
/// that would set them too is an error, not silently ignored.
static void rejectLayerFlags() {
  for (cl::Option *flag : std::initializer_list<cl::Option *>{
           &heads, &simHeads, &headDim, &simHeadDim, &kernel, &noCausal,
           &scale})
    if (flag->getNumOccurrences())
      fail("--" + flag->ArgStr + " cannot be combined with --input: the "
           "layer in '" + inputFile + "' has its own");
}

/// --target cuda: compiles the layer for the GPU into a shared library.
static int emitCudaLibrary(const char *argv0, StorageType storage) {
  if (emitLib.empty())
    fail("--target cuda needs --emit-lib OUT.so");
  if (!inputFile.empty() || !qPath.empty() || !outPath.empty() ||
      !dOutPath.empty())
    fail("--target cuda takes the size flags, not --input, --q, --out or "
         "--d-out");
  LayerConfig config = configFromFlags(storage);
  config.backward = backward;
  config.batch = batch.getNumOccurrences() ? batch : ShapedType::kDynamic;
  config.seqLen = seqLen.getNumOccurrences() ? seqLen : ShapedType::kDynamic;
  verifyConfig(config, flagNames());

  DialectRegistry registry;
  registerSASDialect(registry);
  MLIRContext context(registry);
  SASGPUPipelineOptions options;
  if (failed(options.parseFromString(gpuPipelineOptions)))
    fail("--gpu-pipeline-options: cannot parse '" + gpuPipelineOptions + "'");
  // The chip is --chip's; the same option inside --gpu-pipeline-options
  // would otherwise be overridden without a word.
  if (options.chip.getNumOccurrences())
    fail("--gpu-pipeline-options: give the chip with --chip, not chip=");
  options.chip = chip;
  options.toolkit = cudaToolkit;
  if (queryTile.getNumOccurrences())
    options.queryTile = queryTile;
  if (keyTile.getNumOccurrences())
    options.keyTile = keyTile;
  static int anchor;
  LayerKernelReport report =
      check(emitCudaLayerLibrary(context, config, options, emitLib,
                                 findCudaRuntimeArchive(argv0, &anchor),
                                 linker));
  llvm::outs() << "sas-run: wrote " << emitLib << ", "
               << report.kernels.size() << " kernels:\n"
               << report.format();
  llvm::outs().flush();
  // No silent slow path: a 16-bit layer is meant for the tensor cores.
  // Loops with no declined op behind them are the elementwise passes
  // between kernels.
  if (size_t slow = report.countLinalg(); slow &&
                                          !report.linalgReasons.empty() &&
                                          config.storage != StorageType::F32)
    llvm::errs() << "sas-run: warning: " << slow << " of "
                 << report.kernels.size()
                 << " kernels of this 16-bit layer run on the linalg path, "
                    "not on tensor cores (reasons above)\n";
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::vector<char *> cliArgs(argv, argv + argc);
  int threads = extractThreads(cliArgs);
  // extractThreads() takes the value before the parser sees it; relabel
  // the option LLVM registers under that name so that --help lists it with
  // sas-run's own.
  if (cl::Option *threadsFlag = cl::getRegisteredOptions().lookup("threads")) {
    threadsFlag->setDescription("Worker threads (default: all cores)");
    threadsFlag->setValueStr("N");
    threadsFlag->Categories.assign({&category});
    threadsFlag->setHiddenFlag(cl::NotHidden);
  }
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      static_cast<int>(cliArgs.size()), cliArgs.data(),
      "sas-run: compile a SAS layer with sas-cpu-pipeline and run it on .npy "
      "files, or (--target cuda --emit-lib) write a CUDA layer library\n");

  std::optional<StorageType> storage = parseStorageType(dtype);
  if (!storage)
    fail("--dtype must be f32, f16 or bf16, got '" + dtype + "'");
  if (target == "cuda")
    return emitCudaLibrary(argv[0], *storage);
  if (target != "cpu")
    fail("--target must be cpu or cuda, got '" + target + "'");
  if (!emitLib.empty() || batch.getNumOccurrences() ||
      seqLen.getNumOccurrences())
    fail("--emit-lib, --batch and --seq-len need --target cuda");
  if (qPath.empty() || kPath.empty() || vPath.empty())
    fail("--q, --k and --v are required");
  if (backward && dOutPath.empty())
    fail("--backward needs --d-out, the output's gradient [B, T, H*D]");
  if (!backward && !dOutPath.empty())
    fail("--d-out needs --backward");
  if (backward && !inputFile.empty())
    fail("--backward cannot be combined with --input");
  if (outPath.empty())
    fail("--out is required");
  if (weightsDir.empty())
    fail("--weights is required");
  if (repeat < 1)
    fail("--repeat must be at least 1");
  if (threads > 0)
    ::setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), 1);

  // q, k, v give B and T; the shape of q is checked against the layer below.
  HostTensor q = check(readNpy(qPath));
  if (q.shape.size() != 4)
    fail("'" + qPath + "' (q) must be [B, T, H, D], got " +
         formatShape(q.shape));

  DialectRegistry registry;
  registerSASDialect(registry);
  MLIRContext context(registry);

  OwningOpRef<ModuleOp> module;
  LayerConfig config;
  if (!inputFile.empty()) {
    llvm::SourceMgr sourceMgr;
    std::string parseErrors;
    llvm::raw_string_ostream errorOS(parseErrors);
    SourceMgrDiagnosticHandler handler(sourceMgr, &context, errorOS);
    module = parseSourceFile<ModuleOp>(inputFile, sourceMgr,
                                       ParserConfig(&context));
    if (!module)
      fail("cannot load '" + inputFile + "':\n" + parseErrors);
    rejectLayerFlags();
    config = check(findLayerFunction(*module)).second;
    if (dtype.getNumOccurrences() && config.storage != *storage)
      fail("--dtype " + dtype + " does not match the layer's element type " +
           stringifyStorageType(config.storage));
    auto dynamicOr = [](int64_t layerSize, int64_t fileSize) {
      return ShapedType::isDynamic(layerSize) || layerSize == fileSize;
    };
    if (!dynamicOr(config.batch, q.shape[0]) ||
        !dynamicOr(config.seqLen, q.shape[1]))
      fail("'" + qPath + "' has shape " + formatShape(q.shape) +
           ", which the layer in '" + inputFile + "' does not accept");
  } else {
    config = configFromFlags(*storage);
    config.backward = backward;
  }
  config.batch = q.shape[0];
  config.seqLen = q.shape[1];
  LayerSizeNames names = flagNames();
  if (!inputFile.empty())
    names = LayerSizeNames();
  names.batch = "B of --q";
  names.seqLen = "T of --q";
  verifyConfig(config, names);
  if (inputFile.empty())
    module = buildLayerModule(context, config);
  else if (q.shape[2] != config.heads || q.shape[3] != config.headDim)
    fail("'" + qPath + "' has shape " + formatShape(q.shape) +
         ", but the layer has H = " + llvm::Twine(config.heads) +
         " and D = " + llvm::Twine(config.headDim));

  // Load and convert everything before compiling, so bad files fail fast.
  std::vector<HostTensor> inputs;
  inputs.push_back(loadTensor(qPath, "q", config.getInputShape(),
                              config.storage));
  inputs.push_back(loadTensor(kPath, "k", config.getInputShape(),
                              config.storage));
  inputs.push_back(loadTensor(vPath, "v", config.getInputShape(),
                              config.storage));
  for (auto [i, name] : llvm::enumerate(LayerConfig::getParameterNames())) {
    llvm::SmallString<256> path(weightsDir.getValue());
    llvm::sys::path::append(path, name + ".npy");
    if (!llvm::sys::fs::exists(path))
      fail("missing parameter file '" + path + "'");
    inputs.push_back(
        loadTensor(path, name, config.getParameterShape(i), config.storage));
  }
  if (config.backward)
    inputs.push_back(loadTensor(dOutPath, "d-out", config.getOutputShape(),
                                config.storage));

  func::FuncOp function = check(findLayerFunction(*module)).first;
  SASCPUPipelineOptions options;
  options.queryTile = queryTile;
  options.keyTile = keyTile;
  options.literalPeaa = literalPeaa;
  options.fuseQSimulation = fuseQSimulation;
  options.fusePeaaMean = fusePeaaMean;
  options.kvSimulation = kvSimulation;
  auto [hostRows, hostColumns] = CompiledLayer::getHostRegisterTile();
  options.rowTile = rowTile ? rowTile : hostRows;
  options.columnTile = columnTile ? columnTile : hostColumns;
  if (rowTile < 0 || columnTile < 0)
    fail("--row-tile and --column-tile must be positive");
  SmallVector<StringRef> runtimeLibs = CompiledLayer::getRuntimeLibraries();
  for (StringRef lib : runtimeLibs)
    if (!llvm::sys::fs::exists(lib))
      fail("the runtime library '" + lib +
           "' is missing (install libomp-22-dev and libmlir-22-dev)");
  // Compiled before the timed runs; its time is printed on its own line.
  auto compileStart = std::chrono::steady_clock::now();
  std::unique_ptr<CompiledLayer> layer = check(CompiledLayer::compile(
      *module, function, config, options, runtimeLibs));
  printCompileTime(secondsSince(compileStart), layer->getCompileTimes());

  SmallVector<const HostTensor *> args;
  for (const HostTensor &t : inputs)
    args.push_back(&t);
  std::vector<HostTensor> results;
  for (ArrayRef<int64_t> shape : config.getResultShapes())
    results.push_back(HostTensor::zeros(shape, config.storage));
  SmallVector<HostTensor *> outs;
  for (HostTensor &t : results)
    outs.push_back(&t);
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    for (HostTensor &t : results)
      t.poison();
    auto start = std::chrono::steady_clock::now();
    check(layer->run(args, outs));
    times.push_back(secondsSince(start) * 1e3);
  }
  std::sort(times.begin(), times.end());
  llvm::outs() << llvm::format("sas-run: median %.3f ms over %d run%s\n",
                               times[times.size() / 2], repeat.getValue(),
                               repeat == 1 ? "" : "s");
  if (!config.backward) {
    check(writeNpyF32(outPath, results.front()));
    llvm::outs() << "sas-run: wrote " << outPath << " "
                 << formatShape(results.front().shape) << " f32\n";
    return 0;
  }
  // The gradients, named as the inputs they belong to.
  if (std::error_code ec = llvm::sys::fs::create_directories(outPath))
    fail("cannot create '" + outPath + "': " + ec.message());
  SmallVector<std::string> gradNames = {"q", "k", "v"};
  for (StringRef name : LayerConfig::getParameterNames())
    gradNames.push_back(name.str());
  for (auto [name, t] : llvm::zip_equal(gradNames, results)) {
    llvm::SmallString<256> path(outPath.getValue());
    llvm::sys::path::append(path, name + ".npy");
    check(writeNpyF32(path, t));
  }
  llvm::outs() << "sas-run: wrote the gradients of q, k, v and the 22 "
                  "parameters to "
               << outPath << "\n";
  // What the timed backward ran besides the gradients (the training plan).
  llvm::outs() << (config.keepsAttention()
                       ? "sas-run: the backward took the attention's output "
                         "and log-sum-exp from a forward that kept them, and "
                         "recomputed the simulated q, k and v (the cost "
                         "model's plan: sas-opt --sas-expand remarks why)\n"
                       : "sas-run: the backward recomputed the attention's "
                         "forward and the simulated q, k and v (the cost "
                         "model's plan at this length: sas-opt --sas-expand "
                         "remarks why)\n");
  return 0;
}
