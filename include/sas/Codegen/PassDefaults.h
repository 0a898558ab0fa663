//===- PassDefaults.h - Defaults of the code generation options -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The one place the register tile defaults of sas-cpu-vectorize are written:
// its TableGen options and the sas-cpu-pipeline options take them from here.
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

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_PASSDEFAULTS_H
