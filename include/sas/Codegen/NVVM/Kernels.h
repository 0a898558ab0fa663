//===- Kernels.h - SAS's tensor-core kernels --------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// One builder a kernel op: each replaces the op with a gpu.launch of its
// kernel at the builder's insertion point, named
// `<function>_<kernel>_<index>`, and erases the op. The op's tiling must
// hold for the target (checkKernelTiling, KernelLimits.h): the
// KernelOpInterface model checks it first, and on a tiling the target
// cannot run reports why on the op and changes nothing.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_KERNELS_H
#define SAS_CODEGEN_NVVM_KERNELS_H

#include "sas/Codegen/NVVM/TargetDescription.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

namespace mlir {
namespace sas {

/// Builds the kernel of the op: attention (FlashAttention-2-style mma.sync,
/// or with `wgmma` the sm_90a kernel), its backward (mma.sync), head
/// simulation, feature simulation (mma.sync or sm_90a), PEAA (mma.sync or
/// sm_90a), the head simulation's gradient, the feature simulation's row
/// gradients and a weight gradient (mma.sync).
LogicalResult buildKernel(OpBuilder &b, MmaAttentionOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaAttentionGradOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaHeadSimOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaFeatureSimOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaPeaaOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaHeadSimGradOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaFeatureSimGradOp op,
                          const TargetDescription &target, unsigned index);
LogicalResult buildKernel(OpBuilder &b, MmaWeightGradOp op,
                          const TargetDescription &target, unsigned index);

/// The tiling checks of KernelLimits.h applied to a kernel op's sizes and
/// attributes, reporting on the op.
LogicalResult checkKernelTiling(MmaAttentionOp op,
                                const TargetDescription &target);
LogicalResult checkKernelTiling(MmaAttentionGradOp op,
                                const TargetDescription &target);
LogicalResult checkKernelTiling(MmaHeadSimOp op,
                                const TargetDescription &target);
LogicalResult checkKernelTiling(MmaFeatureSimOp op,
                                const TargetDescription &target);
LogicalResult checkKernelTiling(MmaPeaaOp op, const TargetDescription &target);
LogicalResult checkKernelTiling(MmaHeadSimGradOp op,
                                const TargetDescription &target);
LogicalResult checkKernelTiling(MmaFeatureSimGradOp op,
                                const TargetDescription &target);
LogicalResult checkKernelTiling(MmaWeightGradOp op,
                                const TargetDescription &target);

/// Bytes of dynamic shared memory of a block: the size of the kernel's plan
/// (SharedMemoryLayout.h).
int64_t getKernelSharedBytes(MmaAttentionOp op);
int64_t getKernelSharedBytes(MmaAttentionGradOp op);
int64_t getKernelSharedBytes(MmaHeadSimOp op);
int64_t getKernelSharedBytes(MmaFeatureSimOp op);
int64_t getKernelSharedBytes(MmaPeaaOp op);
int64_t getKernelSharedBytes(MmaHeadSimGradOp op);
int64_t getKernelSharedBytes(MmaFeatureSimGradOp op);
int64_t getKernelSharedBytes(MmaWeightGradOp op);

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_KERNELS_H
