//===- KernelOpInterfaceImpl.cpp - The kernel ops' models -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/KernelOpInterfaceImpl.h"
#include "sas/Codegen/NVVM/Kernels.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::sas;

namespace {
/// One model for every kernel op: Kernels.h has the overloads for each.
template <typename OpTy>
struct KernelOpModel
    : public KernelOpInterface::ExternalModel<KernelOpModel<OpTy>, OpTy> {
  LogicalResult verifyTiling(Operation *op,
                             const TargetDescription &target) const {
    return checkKernelTiling(cast<OpTy>(op), target);
  }

  LogicalResult verifyTilingForEnclosingTarget(Operation *op) const {
    if (!hasTargetDescription(op))
      return success();
    FailureOr<TargetDescription> target = getTargetDescription(op);
    if (failed(target))
      return failure();
    return verifyTiling(op, *target);
  }

  LogicalResult buildKernel(Operation *op, OpBuilder &b,
                            const TargetDescription &target,
                            unsigned index) const {
    if (failed(verifyTiling(op, target)))
      return failure();
    b.setInsertionPoint(op);
    return sas::buildKernel(b, cast<OpTy>(op), target, index);
  }
};
} // namespace

void sas::registerKernelOpInterfaceExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, SASDialect *) {
    MmaAttentionOp::attachInterface<KernelOpModel<MmaAttentionOp>>(*context);
    MmaAttentionGradOp::attachInterface<KernelOpModel<MmaAttentionGradOp>>(
        *context);
    MmaHeadSimOp::attachInterface<KernelOpModel<MmaHeadSimOp>>(*context);
    MmaFeatureSimOp::attachInterface<KernelOpModel<MmaFeatureSimOp>>(*context);
    MmaPeaaOp::attachInterface<KernelOpModel<MmaPeaaOp>>(*context);
    MmaHeadSimGradOp::attachInterface<KernelOpModel<MmaHeadSimGradOp>>(
        *context);
    MmaFeatureSimGradOp::attachInterface<KernelOpModel<MmaFeatureSimGradOp>>(
        *context);
    MmaWeightGradOp::attachInterface<KernelOpModel<MmaWeightGradOp>>(*context);
  });
}
