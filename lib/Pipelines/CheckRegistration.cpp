//===- CheckRegistration.cpp - Are the pipelines' models registered? ------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Pipelines/Passes.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"
#include "sas/Dialect/SAS/IR/SASOps.h"

#include "mlir/Conversion/ConvertToLLVM/ToLLVMInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/AllocationOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Target/LLVMIR/LLVMTranslationInterface.h"
#include "mlir/Transforms/InliningUtils.h"

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASCHECKREGISTRATION
#include "sas/Pipelines/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {
/// An interface model a pipeline needs, one op or dialect standing for all
/// that its registration call covers.
struct Requirement {
  const char *model;
  const char *registration;
  bool (*isRegistered)(MLIRContext *);
};
} // namespace

template <typename OpTy, typename InterfaceTy>
static bool opHasInterface(MLIRContext *context) {
  std::optional<RegisteredOperationName> name =
      RegisteredOperationName::lookup(TypeID::get<OpTy>(), context);
  return name && name->hasInterface<InterfaceTy>();
}

template <typename DialectTy, typename InterfaceTy>
static bool dialectHasInterface(MLIRContext *context) {
  Dialect *dialect = context->getLoadedDialect<DialectTy>();
  // Asking for a promised but missing interface is a fatal error: check the
  // promise first.
  TypeID interface = InterfaceTy::getInterfaceID();
  return dialect &&
         !dialect->hasPromisedInterface(dialect->getTypeID(), interface) &&
         dialect->getRegisteredInterface(interface);
}

template <typename AttrTy, typename InterfaceTy>
static bool attrHasInterface(MLIRContext *context) {
  return AbstractAttribute::lookup(TypeID::get<AttrTy>(), context)
      .hasInterface(InterfaceTy::getInterfaceID());
}

/// The sas kernel ops' models, where the sas dialect is loaded (without it
/// there is no kernel op to build).
static bool sasKernelModelsRegistered(MLIRContext *context) {
  return !context->getLoadedDialect<sas::SASDialect>() ||
         opHasInterface<sas::MmaAttentionOp, sas::KernelOpInterface>(context);
}

/// What tiling and bufferization need (both pipelines).
static const Requirement kTensorRequirements[] = {
    {"TilingInterface of linalg ops",
     "mlir::linalg::registerTilingInterfaceExternalModels",
     opHasInterface<linalg::GenericOp, TilingInterface>},
    {"BufferizableOpInterface of linalg ops",
     "mlir::linalg::registerBufferizableOpInterfaceExternalModels",
     opHasInterface<linalg::GenericOp, bufferization::BufferizableOpInterface>},
    {"BufferizableOpInterface of tensor ops",
     "mlir::tensor::registerBufferizableOpInterfaceExternalModels",
     opHasInterface<tensor::ExtractSliceOp,
                    bufferization::BufferizableOpInterface>},
    {"BufferizableOpInterface of scf ops",
     "mlir::scf::registerBufferizableOpInterfaceExternalModels",
     opHasInterface<scf::ForOp, bufferization::BufferizableOpInterface>},
    {"BufferizableOpInterface of arith ops",
     "mlir::arith::registerBufferizableOpInterfaceExternalModels",
     opHasInterface<arith::ConstantOp, bufferization::BufferizableOpInterface>},
    {"BufferizableOpInterface of vector ops",
     "mlir::vector::registerBufferizableOpInterfaceExternalModels",
     opHasInterface<vector::TransferWriteOp,
                    bufferization::BufferizableOpInterface>},
    {"BufferizableOpInterface of func ops",
     "mlir::bufferization::func_ext::"
     "registerBufferizableOpInterfaceExternalModels",
     opHasInterface<func::FuncOp, bufferization::BufferizableOpInterface>},
    {"AllocationOpInterface of memref ops",
     "mlir::memref::registerAllocationOpInterfaceExternalModels",
     opHasInterface<memref::AllocOp, bufferization::AllocationOpInterface>},
};

/// What sas-gpu-pipeline needs besides: inlining the layer into its entry,
/// gpu-to-llvm's conversion of the host code, and gpu-module-to-binary.
static const Requirement kGPURequirements[] = {
    {"DialectInlinerInterface of the func dialect",
     "mlir::func::registerInlinerExtension",
     dialectHasInterface<func::FuncDialect, DialectInlinerInterface>},
    {"ConvertToLLVMPatternInterface of the arith dialect",
     "mlir::arith::registerConvertArithToLLVMInterface",
     dialectHasInterface<arith::ArithDialect, ConvertToLLVMPatternInterface>},
    {"ConvertToLLVMPatternInterface of the cf dialect",
     "mlir::cf::registerConvertControlFlowToLLVMInterface",
     dialectHasInterface<cf::ControlFlowDialect,
                         ConvertToLLVMPatternInterface>},
    {"ConvertToLLVMPatternInterface of the func dialect",
     "mlir::registerConvertFuncToLLVMInterface",
     dialectHasInterface<func::FuncDialect, ConvertToLLVMPatternInterface>},
    {"ConvertToLLVMPatternInterface of the memref dialect",
     "mlir::registerConvertMemRefToLLVMInterface",
     dialectHasInterface<memref::MemRefDialect, ConvertToLLVMPatternInterface>},
    {"KernelOpInterface of the sas kernel ops",
     "mlir::sas::registerKernelOpInterfaceExternalModels",
     sasKernelModelsRegistered},
    {"TargetAttrInterface of #nvvm.target",
     "mlir::NVVM::registerNVVMTargetInterfaceExternalModels",
     attrHasInterface<NVVM::NVVMTargetAttr, gpu::TargetAttrInterface>},
    {"LLVMTranslationDialectInterface of the llvm dialect",
     "mlir::registerLLVMDialectTranslation",
     dialectHasInterface<LLVM::LLVMDialect, LLVMTranslationDialectInterface>},
    {"LLVMTranslationDialectInterface of the nvvm dialect",
     "mlir::registerNVVMDialectTranslation",
     dialectHasInterface<NVVM::NVVMDialect, LLVMTranslationDialectInterface>},
};

namespace {
struct SASCheckRegistrationPass
    : public sas::impl::SASCheckRegistrationBase<SASCheckRegistrationPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    SmallVector<const Requirement *> missing;
    auto collect = [&](ArrayRef<Requirement> requirements) {
      for (const Requirement &requirement : requirements)
        if (!requirement.isRegistered(context))
          missing.push_back(&requirement);
    };
    collect(kTensorRequirements);
    if (gpu)
      collect(kGPURequirements);
    if (missing.empty())
      return;

    // Not emitted on the module: that would print all of it. No notes:
    // several tools print only the diagnostic itself.
    InFlightDiagnostic diag =
        emitError(getOperation().getLoc())
        << "the SAS " << (gpu ? "GPU" : "CPU") << " pipeline needs "
        << missing.size()
        << " interface model(s) that are not registered in this context "
           "(mlir::sas::registerSASDialect in sas/InitSAS.h registers all of "
           "them): ";
    llvm::interleaveComma(missing, diag, [&](const Requirement *requirement) {
      diag << requirement->model << " (" << requirement->registration << ")";
    });
    signalPassFailure();
  }
};
} // namespace
