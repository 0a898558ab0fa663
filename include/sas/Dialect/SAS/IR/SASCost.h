//===- SASCost.h - Cost estimates of SAS ops --------------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASCOST_H
#define SAS_DIALECT_SAS_IR_SASCOST_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir {
namespace sas {

/// Sizes for the dynamic batch and sequence dimensions of a cost estimate.
struct CostSizes {
  std::optional<int64_t> batch, seqLen;
};

/// The cost of one forward evaluation.
struct CostEstimate {
  double flops = 0;
  double bytes = 0;
  int64_t parameters = 0;
  /// The name of the largest FLOP term ("attention", "feature simulation",
  /// ...).
  llvm::StringRef dominantTerm;
};

} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_IR_SASCOST_H
