//===- ShapeRules.h - Shape checks shared by the SAS op verifiers -*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The shape rules of the SAS ops, written once over named operands: the
// forward ops' verifiers, sas.layer's (which chains them through its
// intermediate values) and the gradient ops' use them. Each broken rule gets
// one diagnostic naming the operand, the dimension and both sizes.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_DIALECT_SAS_IR_SHAPERULES_H
#define SAS_LIB_DIALECT_SAS_IR_SHAPERULES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir {
namespace sas {
namespace shape_rules {

/// Dimension names of each operand layout, used in diagnostics.
inline constexpr StringLiteral kHeadSimX[] = {"B", "T", "H", "D"};
inline constexpr StringLiteral kHeadSimW[] = {"H'", "H", "K"};
inline constexpr StringLiteral kHeadSimResW[] = {"H'", "H'", "K"};
inline constexpr StringLiteral kHeadSimBias[] = {"H'"};
inline constexpr StringLiteral kFeatureSimX[] = {"B", "T", "H'", "D"};
inline constexpr StringLiteral kFeatureSimW[] = {"D'", "D"};
inline constexpr StringLiteral kFeatureSimResW[] = {"D'", "D'"};
inline constexpr StringLiteral kFeatureSimBias[] = {"D'"};
inline constexpr StringLiteral kAttentionQ[] = {"B", "T", "N", "E"};
inline constexpr StringLiteral kAttentionK[] = {"B", "S", "N", "E"};
inline constexpr StringLiteral kAttentionV[] = {"B", "S", "N", "F"};
inline constexpr StringLiteral kPeaaO[] = {"B", "T", "H'", "F"};
inline constexpr StringLiteral kPeaaW[] = {"H*F", "H*F"};
inline constexpr StringLiteral kPeaaBias[] = {"H*F"};

/// An operand of a SAS op, or an intermediate value of `sas.layer`, with the
/// name and dimension names that diagnostics use for it.
struct NamedTensor {
  StringRef name;
  RankedTensorType type;
  ArrayRef<StringLiteral> dims;

  int64_t size(unsigned i) const { return type.getDimSize(i); }
};

/// Emits the shape diagnostics of one op.
class ShapeVerifier {
public:
  explicit ShapeVerifier(Operation *op) : op(op) {}

  /// Checks that `t` has one dimension per name in its layout, that all but
  /// its first `numDynamic` dimensions are static, and that every static
  /// dimension is positive.
  LogicalResult checkLayout(const NamedTensor &t, unsigned numDynamic) {
    if (t.type.getRank() != static_cast<int64_t>(t.dims.size()))
      return op->emitOpError()
             << "'" << t.name << "' must have rank " << t.dims.size() << " "
             << formatLayout(t.dims) << ", got " << t.type;
    for (auto [i, dimName] : llvm::enumerate(t.dims)) {
      if (t.type.isDynamicDim(i)) {
        if (i < numDynamic)
          continue;
        return op->emitOpError()
               << "dimension " << dimName << " of '" << t.name
               << "' must be static, got " << t.type;
      }
      if (t.size(i) <= 0)
        return op->emitOpError()
               << "dimension " << dimName << " of '" << t.name
               << "' must be positive, got " << t.type;
    }
    return success();
  }

  /// Checks that dimension `i` of `a` equals dimension `j` of `b` when both
  /// are static.
  LogicalResult checkSameDim(const NamedTensor &a, unsigned i,
                             const NamedTensor &b, unsigned j) {
    if (ShapedType::isDynamic(a.size(i)) || ShapedType::isDynamic(b.size(j)) ||
        a.size(i) == b.size(j))
      return success();
    return op->emitOpError()
           << "dimension " << a.dims[i] << " of '" << a.name << "' is "
           << a.size(i) << ", but '" << b.name << "' has " << b.dims[j]
           << " = " << b.size(j);
  }

  /// Checks that the result type is `expected`.
  LogicalResult checkResult(RankedTensorType expected, StringRef layout) {
    Type actual = op->getResult(0).getType();
    if (actual == expected)
      return success();
    return op->emitOpError() << "result type " << actual
                             << " does not match the expected " << expected
                             << " " << layout;
  }

  /// Checks that result `index`, called `name`, has type `expected`.
  LogicalResult checkResult(unsigned index, StringRef name, Type expected,
                            StringRef layout) {
    Type actual = op->getResult(index).getType();
    if (actual == expected)
      return success();
    return op->emitOpError() << "result '" << name << "' has type " << actual
                             << ", expected " << expected << " " << layout;
  }

  Operation *getOp() const { return op; }

private:
  static std::string formatLayout(ArrayRef<StringLiteral> dims) {
    std::string s = "[";
    llvm::raw_string_ostream os(s);
    llvm::interleaveComma(dims, os);
    os << "]";
    return s;
  }

  Operation *op;
};

/// Checks that all operands and the first result of `op` share one element
/// type. `names` are the operand names in order.
LogicalResult verifyElementTypes(Operation *op, ArrayRef<StringRef> names);

inline NamedTensor named(StringRef name, Value v,
                         ArrayRef<StringLiteral> dims) {
  return {name, cast<RankedTensorType>(v.getType()), dims};
}

inline NamedTensor named(StringRef name, RankedTensorType t,
                         ArrayRef<StringLiteral> dims) {
  return {name, t, dims};
}

/// x [B, T, H, D], w [H', H, K], b [H'], resW [H', H', K], resB [H']: the
/// result type [B, T, H', D].
FailureOr<RankedTensorType>
verifyHeadSimShapes(ShapeVerifier &v, const NamedTensor &x,
                    const NamedTensor &w, const NamedTensor &b,
                    const NamedTensor &resW, const NamedTensor &resB);

/// x [B, T, H', D], w [D', D], b [D'], resW [D', D'], resB [D']: the result
/// type [B, T, H', D'].
FailureOr<RankedTensorType>
verifyFeatureSimShapes(ShapeVerifier &v, const NamedTensor &x,
                       const NamedTensor &w, const NamedTensor &b,
                       const NamedTensor &resW, const NamedTensor &resB);

/// q [B, T, N, E], k [B, S, N, E], v [B, S, N, F]: the result type
/// [B, T, N, F].
FailureOr<RankedTensorType>
verifyAttentionShapes(ShapeVerifier &v, const NamedTensor &q,
                      const NamedTensor &k, const NamedTensor &val,
                      bool causal, std::optional<APFloat> scale);

/// o [B, T, H', F], w [H*F, H*F], b [H*F], H' a multiple of H: the result
/// type [B, T, H*F].
FailureOr<RankedTensorType> verifyPeaaShapes(ShapeVerifier &v,
                                             const NamedTensor &o,
                                             const NamedTensor &w,
                                             const NamedTensor &b);

/// The names of sas.layer's 25 operands, in order.
ArrayRef<StringRef> getLayerOperandNames();

/// The 25 operands of a sas.layer (or of the gradient of one), in order:
/// the result type [B, T, H*D].
FailureOr<RankedTensorType> verifyLayerShapes(ShapeVerifier &v,
                                              ValueRange operands, bool causal,
                                              std::optional<APFloat> scale);

/// The forward values a training layer saves (`kind`: "result" of
/// sas.layer, "operand" of sas.layer_grad): none, or the attention's output
/// [B, T, H', D] in q's element type and its log-sum-exp [B, T, H'] in f32.
LogicalResult verifySavedForward(Operation *op, StringRef kind, TypeRange saved,
                                 Value q, Value qHeadW);

} // namespace shape_rules
} // namespace sas
} // namespace mlir

#endif // SAS_LIB_DIALECT_SAS_IR_SHAPERULES_H
