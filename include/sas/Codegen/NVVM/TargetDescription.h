//===- TargetDescription.h - What an NVIDIA target offers -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The one place that knows what a chip name means. sas-gpu-pipeline attaches
// the target (an #nvvm.target) to the module at its start; every conversion,
// verifier and kernel builder asks for its description here instead of
// comparing chip strings or carrying a `wgmma` flag.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_TARGETDESCRIPTION_H
#define SAS_CODEGEN_NVVM_TARGETDESCRIPTION_H

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir {
namespace sas {

/// The chip the GPU pipeline, sas-gpu-attach-target and sas-run compile for
/// unless told otherwise.
constexpr StringLiteral kDefaultChip = "sm_90a";

/// The name of the module attribute that holds the target, an
/// #nvvm.target.
constexpr StringLiteral kTargetAttrName = "sas.target";

/// What SAS's kernels may rely on when compiling for one chip name. A
/// cubin for `sm_80` also runs on sm_86 and sm_89, so its limits are the
/// smallest of the three; `sm_90a` code runs on sm_90a only.
struct TargetDescription {
  /// The chip name as ptxas takes it, and its PTX features.
  StringRef chip;
  StringRef features;
  /// Compute capability times ten (80, 90), and whether the code is
  /// arch-specific (sm_90a: runs on that compute capability alone, not on
  /// later minor versions).
  int64_t computeCapability = 0;
  bool archSpecific = false;
  /// Dynamic shared memory a block may opt into, on every chip the code
  /// runs on: 99 KiB on sm_86/sm_89 (sm_80 allows 163), 227 KiB on sm_90.
  int64_t maxSharedBytesPerBlock = 0;
  /// Shared memory of an SM, for occupancy hints (A100: 164 KiB, H100:
  /// 228 KiB); each block also reserves `reservedSharedBytesPerBlock`.
  int64_t sharedBytesPerSM = 0;
  int64_t reservedSharedBytesPerBlock = 1024;
  /// 32-bit registers of an SM and the most a thread may have.
  int64_t registersPerSM = 65536;
  int64_t maxRegistersPerThread = 255;
  /// Warpgroup tensor-core instructions (wgmma.mma_async): sm_90a only.
  bool hasWgmma = false;
  /// Vector reductions to global memory (red.global.add.v2.f32, PTX 8.1):
  /// sm_90 and later.
  bool hasVectorReductions = false;

  /// The description of `chip`, or nullopt for a chip SAS does not know.
  static std::optional<TargetDescription> lookup(StringRef chip);
  /// The chip names lookup() knows, for messages and --help.
  static StringRef getKnownChips();

  /// The #nvvm.target for this description (its chip and features, O2 as
  /// gpu-module-to-binary compiles).
  NVVM::NVVMTargetAttr getAttr(MLIRContext *context) const;
};

/// The target attached to the nearest enclosing op that has `sas.target`;
/// fails with an error on `op` naming what is missing or unknown.
FailureOr<TargetDescription> getTargetDescription(Operation *op);

/// Whether `op` or an op enclosing it has `sas.target`.
bool hasTargetDescription(Operation *op);

/// Attaches `target` as `sas.target` to `module`.
void setTargetDescription(Operation *module, const TargetDescription &target);

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_TARGETDESCRIPTION_H
