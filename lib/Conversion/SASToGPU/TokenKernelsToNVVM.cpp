//===- TokenKernelsToNVVM.cpp - Kernels of the per-token ops ----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// convert-sas-token-kernels-to-nvvm: each sas.mma_head_sim,
// sas.mma_feature_sim and sas.mma_peaa becomes its kernel (HeadSimKernel.cpp,
// FeatureSimKernel.cpp, PeaaKernel.cpp).
//
//===----------------------------------------------------------------------===//

#include "TokenKernels.h"
#include "sas/Conversion/SASToGPU/SASToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_CONVERTSASTOKENKERNELSTONVVM
#include "sas/Conversion/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {
struct ConvertSASTokenKernelsToNVVMPass
    : sas::impl::ConvertSASTokenKernelsToNVVMBase<
          ConvertSASTokenKernelsToNVVMPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<MmaHeadSimOp, MmaFeatureSimOp, MmaPeaaOp>(op))
        ops.push_back(op);
    });
    unsigned headSims = 0, featureSims = 0, peaas = 0;
    OpBuilder b(&getContext());
    for (Operation *op : ops) {
      if (auto headSim = dyn_cast<MmaHeadSimOp>(op))
        buildHeadSimKernel(b, headSim, headSims++);
      else if (auto featureSim = dyn_cast<MmaFeatureSimOp>(op))
        buildFeatureSimKernel(b, featureSim, featureSims++);
      else
        buildPeaaKernel(b, cast<MmaPeaaOp>(op), peaas++);
    }
  }
};
} // namespace
