//===- GPULowerVectors.cpp - Register-tile vectors for NVVM -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/MathExtras.h"

#include <numeric>

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASGPULOWERVECTORS
#include "sas/Codegen/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;

namespace {

/// Every buffer a kernel reads starts at a 16-byte boundary: device
/// allocations do, and the layer library's entries reject other pointers.
constexpr int64_t kBufferAlignment = 16;
/// What stands for the known divisor of 0 (which every number divides): a
/// power of two above any alignment, small enough that products of two
/// stay far from overflow.
constexpr int64_t kZeroDivisor = int64_t(1) << 20;

/// A known divisor of index value `v`, from constants, loop induction
/// variables (their lower bound and step) and the arithmetic over them; 1
/// where nothing is known.
int64_t getKnownDivisor(Value v, unsigned depth = 0);

int64_t getKnownDivisor(AffineExpr expr, ValueRange operands, unsigned numDims,
                        unsigned depth) {
  if (auto c = dyn_cast<AffineConstantExpr>(expr))
    return c.getValue() ? std::abs(c.getValue()) : kZeroDivisor;
  if (auto d = dyn_cast<AffineDimExpr>(expr))
    return getKnownDivisor(operands[d.getPosition()], depth + 1);
  if (auto sym = dyn_cast<AffineSymbolExpr>(expr))
    return getKnownDivisor(operands[numDims + sym.getPosition()], depth + 1);
  auto bin = cast<AffineBinaryOpExpr>(expr);
  int64_t lhs = getKnownDivisor(bin.getLHS(), operands, numDims, depth);
  int64_t rhs = getKnownDivisor(bin.getRHS(), operands, numDims, depth);
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return std::gcd(lhs, rhs);
  case AffineExprKind::Mul:
    return std::min(lhs * rhs, kZeroDivisor);
  default:
    return 1;
  }
}

int64_t getKnownDivisor(Value v, unsigned depth) {
  if (depth > 8)
    return 1;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c ? std::abs(*c) : kZeroDivisor;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<LoopLikeOpInterface>(owner)) {
      std::optional<SmallVector<Value>> ivs = loop.getLoopInductionVars();
      std::optional<SmallVector<OpFoldResult>> lbs = loop.getLoopLowerBounds();
      std::optional<SmallVector<OpFoldResult>> steps = loop.getLoopSteps();
      if (!ivs || !lbs || !steps)
        return 1;
      for (auto [iv, lb, step] : llvm::zip(*ivs, *lbs, *steps)) {
        if (iv != v)
          continue;
        auto divisorOf = [&](OpFoldResult r) {
          if (std::optional<int64_t> c = getConstantIntValue(r))
            return *c ? std::abs(*c) : kZeroDivisor;
          return getKnownDivisor(cast<Value>(r), depth + 1);
        };
        return std::gcd(divisorOf(lb), divisorOf(step));
      }
    }
    return 1;
  }
  Operation *op = v.getDefiningOp();
  if (isa<arith::AddIOp, arith::SubIOp>(op))
    return std::gcd(getKnownDivisor(op->getOperand(0), depth + 1),
                    getKnownDivisor(op->getOperand(1), depth + 1));
  if (isa<arith::MulIOp>(op))
    return std::min(getKnownDivisor(op->getOperand(0), depth + 1) *
                        getKnownDivisor(op->getOperand(1), depth + 1),
                    kZeroDivisor);
  if (auto apply = dyn_cast<affine::AffineApplyOp>(op))
    return getKnownDivisor(apply.getAffineMap().getResult(0),
                           apply.getMapOperands(),
                           apply.getAffineMap().getNumDims(), depth);
  return 1;
}

/// Known divisors (in elements) of the strides and offset of `type`: the
/// static ones as they are; an identity layout's dynamic strides are
/// products of the sizes inside them, so the static ones divide them.
std::optional<std::pair<SmallVector<int64_t>, int64_t>>
getLayoutDivisors(MemRefType type) {
  SmallVector<int64_t> divisors(type.getRank(), 1);
  if (type.getLayout().isIdentity()) {
    int64_t inner = 1;
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      divisors[d] = inner;
      if (!ShapedType::isDynamic(type.getDimSize(d)))
        inner = std::min(inner * type.getDimSize(d), kZeroDivisor);
    }
    return std::make_pair(divisors, kZeroDivisor);
  }
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return std::nullopt;
  for (auto [divisor, stride] : llvm::zip(divisors, strides))
    divisor = ShapedType::isDynamic(stride) ? 1 : std::abs(stride);
  return std::make_pair(divisors, ShapedType::isDynamic(offset)
                                      ? int64_t(1)
                                      : (offset ? offset : kZeroDivisor));
}

/// Sets the byte alignment that the buffer base, layout and indices prove on
/// a vector.load or vector.store (so that a 16-byte vector becomes one
/// ld.global.v4 instead of four loads).
template <typename OpTy> void setKnownAlignment(OpTy op) {
  MemRefType type = op.getMemRefType();
  VectorType vector = op.getVectorType();
  if (!type.getElementType().isIntOrFloat())
    return;
  std::optional<std::pair<SmallVector<int64_t>, int64_t>> layout =
      getLayoutDivisors(type);
  if (!layout)
    return;
  int64_t elementBytes = type.getElementTypeBitWidth() / 8;
  // The element offset's known divisor, then in bytes.
  int64_t divisor = layout->second;
  for (auto [index, stride] : llvm::zip(op.getIndices(), layout->first))
    divisor = std::gcd(divisor,
                       std::min(getKnownDivisor(index) * stride, kZeroDivisor));
  int64_t vectorBytes = vector.getNumElements() * elementBytes;
  int64_t alignment = std::min<int64_t>(
      {int64_t(1) << llvm::countr_zero(uint64_t(divisor * elementBytes)),
       kBufferAlignment, int64_t(llvm::bit_floor(uint64_t(vectorBytes)))});
  if (alignment > elementBytes)
    op.setAlignment(alignment);
}

struct SASGPULowerVectorsPass
    : sas::impl::SASGPULowerVectorsBase<SASGPULowerVectorsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Rank-1 updates (broadcast and FMA), as the CPU's convert-vector-to-llvm
    // lowers its contractions.
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransposeLoweringPatterns(
        patterns, vector::VectorTransposeLowering::EltWise);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerReduction);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](Operation *op) {
      if (auto load = dyn_cast<vector::LoadOp>(op))
        setKnownAlignment(load);
      else if (auto store = dyn_cast<vector::StoreOp>(op))
        setKnownAlignment(store);
    });
  }
};

} // namespace
