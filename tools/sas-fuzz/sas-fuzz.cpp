//===- sas-fuzz.cpp - libFuzzer target for the SAS compiler -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Feeds arbitrary bytes to the MLIR parser with the sas dialect loaded, runs
// the verifiers on whatever parses, and compiles whatever verifies through
// sas-cpu-pipeline and sas-gpu-pipeline (to PTX: LLVM's NVPTX backend, no
// CUDA toolkit). Diagnostics are expected and swallowed; a crash, a
// sanitizer report or a leak is a bug.
//
//===----------------------------------------------------------------------===//

#include "sas/InitSAS.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <string>
#include <cstdint>

using namespace mlir;

/// The largest static size the harness compiles: the lowering unrolls K taps
/// and large shapes only cost time, not coverage.
static constexpr int64_t kMaxCompiledSize = 256;

static MLIRContext &getContext() {
  static MLIRContext *context = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registerAllGPUToLLVMIRTranslations(registry);
    sas::registerSASDialect(registry);
    auto *ctx = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    ctx->loadAllAvailableDialects();
    // Diagnostics of malformed input are the expected outcome.
    ctx->getDiagEngine().registerHandler([](Diagnostic &) {});
    ctx->printOpOnDiagnostic(false);
    return ctx;
  }();
  return *context;
}

/// Whether every shaped type in `module` has small static sizes.
static bool isSmallAndStatic(ModuleOp module) {
  bool ok = true;
  module.walk([&](Operation *op) {
    for (Type t : llvm::concat<Type>(op->getOperandTypes(),
                                     op->getResultTypes()))
      if (auto shaped = dyn_cast<ShapedType>(t))
        if (!shaped.hasStaticShape() ||
            llvm::any_of(shaped.getShape(),
                         [](int64_t s) { return s > kMaxCompiledSize; }))
          ok = false;
  });
  return ok;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &ctx = getContext();
  ParserConfig config(&ctx);
  // MLIR's lexer reads source buffers as null-terminated, as files and
  // strings are; libFuzzer's bytes are not, so copy them into a string.
  std::string source(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, config);
  if (!module || failed(verify(*module)))
    return 0;
  bool hasSAS = false;
  module->walk([&](Operation *op) {
    hasSAS |= isa<sas::SASDialect>(op->getDialect());
  });
  if (!hasSAS || !isSmallAndStatic(*module))
    return 0;
  OwningOpRef<ModuleOp> gpuModule = module->clone();
  PassManager cpu(&ctx);
  sas::buildSASCPUPipeline(cpu, sas::SASCPUPipelineOptions());
  (void)cpu.run(*module);
  PassManager gpu(&ctx);
  sas::SASGPUPipelineOptions gpuOptions;
  gpuOptions.format = "isa";
  sas::buildSASGPUPipeline(gpu, gpuOptions);
  (void)gpu.run(*gpuModule);
  return 0;
}

#ifndef SAS_FUZZ_WITH_LIBFUZZER
/// Without libFuzzer: replays the inputs named on the command line (the
/// corpus and crash reproducers, as regression tests).
int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    auto buffer = llvm::MemoryBuffer::getFile(argv[i]);
    if (!buffer) {
      llvm::errs() << "sas-fuzz-replay: cannot read '" << argv[i] << "'\n";
      return 1;
    }
    LLVMFuzzerTestOneInput(
        reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
        (*buffer)->getBufferSize());
  }
  llvm::outs() << "sas-fuzz-replay: " << argc - 1 << " inputs\n";
  return 0;
}
#endif
