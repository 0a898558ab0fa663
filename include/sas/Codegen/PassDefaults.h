//===- PassDefaults.h - Defaults of the code generation options -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The one place the register tile defaults of sas-cpu-vectorize and
// sas-gpu-thread-tile are written: their TableGen options and the pipeline
// options take them from here.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_PASSDEFAULTS_H
#define SAS_CODEGEN_PASSDEFAULTS_H

#include <cstdint>

namespace mlir {
namespace sas {

/// Output rows per contraction register tile (mr).
inline constexpr int64_t kDefaultRowTile = 4;
/// Output columns per contraction register tile (nr).
inline constexpr int64_t kDefaultColumnTile = 16;

/// A GPU thread's tile of a contraction's output (sas-gpu-thread-tile):
/// 4 x 8 f32 accumulators take 32 registers and turn each reduction step's
/// 2 loads per multiply-add into 12 loads per 32; 4 reduction steps at a
/// time let a row of the tile's A operand load as one 16-byte vector.
inline constexpr int64_t kDefaultGPUThreadRowTile = 4;
inline constexpr int64_t kDefaultGPUThreadColumnTile = 8;
inline constexpr int64_t kDefaultGPUThreadReductionTile = 4;

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_PASSDEFAULTS_H
