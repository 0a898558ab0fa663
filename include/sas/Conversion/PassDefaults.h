//===- PassDefaults.h - Defaults and choices of conversion options -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The one place the defaults and choice values of convert-sas-to-linalg's
// options are written: the TableGen pass options, the fusion options and the
// sas-cpu-pipeline options all take them from here.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CONVERSION_PASSDEFAULTS_H
#define SAS_CONVERSION_PASSDEFAULTS_H

#include "llvm/Support/CommandLine.h"

#include <cstdint>

namespace mlir {
namespace sas {

/// Queries per attention tile (rows of the running statistics).
inline constexpr int64_t kDefaultQueryTile = 64;
/// Keys per step of the online-softmax loop.
inline constexpr int64_t kDefaultKeyTile = 64;

/// Where k and v are simulated when they feed an attention op.
enum class KVSimulation {
  /// As the cost model decides.
  Auto,
  /// Inside each query tile.
  Fuse,
  /// Once, for all keys.
  Materialize,
};

/// The command-line spellings of KVSimulation, for option parsers.
inline llvm::cl::ValuesClass getKVSimulationValues() {
  return llvm::cl::values(
      clEnumValN(KVSimulation::Auto, "auto", "as the cost model decides"),
      clEnumValN(KVSimulation::Fuse, "fuse", "inside each query tile"),
      clEnumValN(KVSimulation::Materialize, "materialize", "once"));
}

} // namespace sas
} // namespace mlir

#endif // SAS_CONVERSION_PASSDEFAULTS_H
