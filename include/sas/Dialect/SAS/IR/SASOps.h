//===- SASOps.h - SAS dialect operations ------------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASOPS_H
#define SAS_DIALECT_SAS_IR_SASOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sas/Dialect/SAS/IR/SASCost.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include "sas/Dialect/SAS/IR/SASInterfaces.h.inc"

#define GET_OP_CLASSES
#include "sas/Dialect/SAS/IR/SASOps.h.inc"

namespace mlir {
namespace sas {

/// Limits of the tensor-core attention kernel (sas.mma_attention). Head
/// sizes: q/k fragments (E/4 registers a thread) and the output accumulator
/// (F/2) must stay in registers next to a score tile. 99 KiB is the dynamic
/// shared memory a block may opt into on every chip from sm_80 on (sm_86 and
/// sm_89 allow 99 KiB, sm_80 163 KiB, sm_90 227 KiB).
constexpr int64_t kMaxMmaHeadSize = 128;
constexpr int64_t kMaxMmaWarps = 8;
constexpr int64_t kMaxMmaKeyTile = 128;
constexpr int64_t kMaxMmaStages = 4;
constexpr int64_t kMaxMmaSharedBytes = 99 * 1024;
/// Elements of padding after each shared-memory row of a k or v tile: 16
/// bytes shift consecutive rows by four banks, so the eight rows an ldmatrix
/// reads fall in distinct banks.
constexpr int64_t kMmaRowPadding = 8;

/// Bytes of the shared-memory ring of the tensor-core attention kernel.
int64_t getMmaAttentionSharedBytes(int64_t e, int64_t f, int64_t keyTile,
                                   int64_t stages);

/// Checks head sizes and tiling against the limits above; reports the first
/// violation, naming the limit, through `emitError`.
LogicalResult
checkMmaAttentionTiling(int64_t e, int64_t f, int64_t warps, int64_t keyTile,
                        int64_t stages,
                        function_ref<InFlightDiagnostic()> emitError);

} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_IR_SASOPS_H
