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

#include <limits>
#include <optional>
#include <string>

namespace mlir {
class OpBuilder;
namespace sas {
/// What a GPU target offers (sas/Codegen/NVVM/TargetDescription.h): the
/// kernel ops' interface takes it by reference.
struct TargetDescription;
} // namespace sas
} // namespace mlir

#include "sas/Dialect/SAS/IR/SASInterfaces.h.inc"

#define GET_OP_CLASSES
#include "sas/Dialect/SAS/IR/SASOps.h.inc"

namespace mlir {
namespace sas {

/// The sizes of one SAS layer as plain numbers, as front ends take them
/// (flags, C structs, keyword arguments). Batch and length may be dynamic.
struct LayerSizes {
  int64_t batch = ShapedType::kDynamic, seqLen = ShapedType::kDynamic;
  int64_t heads = 0, simHeads = 0, headDim = 0, simHeadDim = 0, kernel = 0;
  std::optional<double> scale;
};

/// What a caller calls each size (a flag, a keyword argument, an operand
/// dimension); verifyLayerConfig's messages use these names.
struct LayerSizeNames {
  StringRef batch = "B", seqLen = "T", heads = "H", simHeads = "H'",
            headDim = "D", simHeadDim = "D'", kernel = "K", scale = "scale";
};

/// The most elements one tensor of a layer may have where a front end
/// allocates it (sas-run, the C API, Python): 2^38, 1 TiB of f32.
constexpr int64_t kMaxLayerTensorElements = int64_t(1) << 38;

/// Checks the rules of docs/spec.md on the sizes of a layer, the ones the
/// `sas.layer` verifier enforces: positive sizes, an odd kernel size K, H' a
/// multiple of H, a positive finite scale, and no tensor of the layer
/// (inputs, simulated q/k/v, parameters, output) with more than
/// `maxElements` elements. Dynamic batch and length count as 1. Returns a
/// message naming the first broken rule by `names`, or an empty string.
std::string
verifyLayerConfig(const LayerSizes &sizes, const LayerSizeNames &names = {},
                  int64_t maxElements = std::numeric_limits<int64_t>::max());

} // namespace sas
} // namespace mlir

#endif // SAS_DIALECT_SAS_IR_SASOPS_H
