//===- KernelOpInterfaceImpl.h - The kernel ops' models ---------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_KERNELOPINTERFACEIMPL_H
#define SAS_CODEGEN_NVVM_KERNELOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
namespace sas {

/// Attaches KernelOpInterface to sas.mma_attention, sas.mma_head_sim,
/// sas.mma_feature_sim and sas.mma_peaa: their shared-memory plans, tiling
/// checks and kernel builders (Kernels.h).
void registerKernelOpInterfaceExternalModels(DialectRegistry &registry);

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_KERNELOPINTERFACEIMPL_H
