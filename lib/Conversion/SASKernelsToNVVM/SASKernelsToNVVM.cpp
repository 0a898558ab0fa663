//===- SASKernelsToNVVM.cpp - Kernel ops to NVVM kernels --------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// convert-sas-mma-attention-to-nvvm and convert-sas-token-kernels-to-nvvm:
// each kernel op becomes its kernel through its KernelOpInterface model
// (sas/Codegen/NVVM), built for the module's target.
//
//===----------------------------------------------------------------------===//

#include "sas/Conversion/SASKernelsToNVVM/SASKernelsToNVVM.h"
#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_CONVERTSASMMAATTENTIONTONVVM
#define GEN_PASS_DEF_CONVERTSASTOKENKERNELSTONVVM
#include "sas/Conversion/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {
/// Builds the kernel of every op of `OpTys` under `root` for the target,
/// numbering the kernels of each op type from 0.
template <typename... OpTys> LogicalResult buildKernels(Operation *root) {
  SmallVector<Operation *> found;
  root->walk([&](Operation *op) {
    if (isa<OpTys...>(op))
      found.push_back(op);
  });
  if (found.empty())
    return success();
  SmallVector<KernelOpInterface> ops;
  for (Operation *op : found) {
    auto kernel = dyn_cast<KernelOpInterface>(op);
    if (!kernel)
      return op->emitError()
             << "has no KernelOpInterface model to build its kernel: "
                "register mlir::sas::registerKernelOpInterfaceExternalModels "
                "(mlir::sas::registerSASDialect in sas/InitSAS.h does)";
    ops.push_back(kernel);
  }
  FailureOr<TargetDescription> target = getTargetDescription(root);
  if (failed(target))
    return failure();
  OpBuilder b(root->getContext());
  DenseMap<OperationName, unsigned> counts;
  bool failedAny = false;
  for (KernelOpInterface op : ops) {
    unsigned index = counts[op->getName()]++;
    failedAny |= failed(op.buildKernel(b, *target, index));
  }
  return failure(failedAny);
}

struct ConvertSASMmaAttentionToNVVMPass
    : sas::impl::ConvertSASMmaAttentionToNVVMBase<
          ConvertSASMmaAttentionToNVVMPass> {
  void runOnOperation() override {
    if (failed(
            buildKernels<MmaAttentionOp, MmaAttentionGradOp>(getOperation())))
      signalPassFailure();
  }
};

struct ConvertSASTokenKernelsToNVVMPass
    : sas::impl::ConvertSASTokenKernelsToNVVMBase<
          ConvertSASTokenKernelsToNVVMPass> {
  void runOnOperation() override {
    if (failed(buildKernels<MmaHeadSimOp, MmaFeatureSimOp, MmaPeaaOp,
                            MmaHeadSimGradOp, MmaFeatureSimGradOp,
                            MmaWeightGradOp>(getOperation())))
      signalPassFailure();
  }
};
} // namespace
