//===- CostReport.cpp - The sas-cost-report analysis pass -------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Dialect/SAS/IR/SASCostModel.h"
#include "sas/Dialect/SAS/IR/SASOps.h"
#include "sas/Dialect/SAS/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace mlir {
namespace sas {
#define GEN_PASS_DEF_SASCOSTREPORT
#include "sas/Dialect/SAS/Transforms/Passes.h.inc"
} // namespace sas
} // namespace mlir

using namespace mlir;
using namespace mlir::sas;

namespace {

/// One row of a report.
struct Row {
  std::string name;
  CostEstimate cost;
};

/// A SAS layer next to the MHA layers it is compared with.
struct LayerComparison {
  CostEstimate sas, mha;
  /// The two compute-matched MHAs (their FLOPs are the SAS FLOPs).
  CostEstimate headsMatched, widthMatched;
  double matchedHeads = 0;   // heads of size D' with the SAS FLOPs
  int64_t simHeadDim = 0;
  double matchedHeadDim = 0; // head size of H heads with the SAS FLOPs
  int64_t heads = 0;
};

/// The sizes of a sas.layer or sas.layer_grad, dynamic ones from `sizes`.
struct LayerShape {
  double b, t, s;
  int64_t h, d, hs, ds, k;
};

template <typename OpT>
LayerShape getLayerShape(OpT layer, const CostSizes &sizes) {
  auto dim = [](Value v, unsigned i) {
    return cast<ShapedType>(v.getType()).getDimSize(i);
  };
  auto resolve = [](int64_t size, std::optional<int64_t> dynamic) {
    return static_cast<double>(ShapedType::isDynamic(size) ? *dynamic : size);
  };
  return {resolve(dim(layer.getQ(), 0), sizes.batch),
          resolve(dim(layer.getQ(), 1), sizes.seqLen),
          resolve(dim(layer.getK(), 1), sizes.seqLen),
          dim(layer.getQ(), 2),
          dim(layer.getQ(), 3),
          dim(layer.getQHeadW(), 0),
          dim(layer.getQFeatW(), 0),
          dim(layer.getQHeadW(), 2)};
}

/// The MHA comparisons of docs/spec.md ("Cost") for `layer`.
LayerComparison compareWithMha(LayerOp layer, const CostEstimate &sas,
                               const CostSizes &sizes) {
  auto [b, t, s, h, d, hs, ds, k] = getLayerShape(layer, sizes);
  double tokens = b * t;
  double pairsPerHead = cost::attentionPairs(b, 1, t, s, layer.getCausal());
  unsigned elementBytes =
      layer.getQ().getType().getElementTypeBitWidth() / 8;

  LayerComparison c;
  c.sas = sas;
  c.heads = h;
  c.simHeadDim = ds;
  // MHA: causal attention over H heads of D, then the output dense layer.
  c.mha.flops = 2 * pairsPerHead * h * (2 * d) + cost::peaaFlops(tokens, h * d);
  c.mha.parameters = h * d * h * d + h * d; // the verifier bounds (H*D)^2
  c.mha.bytes =
      elementBytes * (3 * tokens * h * d + c.mha.parameters + tokens * h * d);
  c.mha.dominantTerm = 2 * pairsPerHead * h * 2 * d > cost::peaaFlops(tokens, h * d)
                           ? "attention"
                           : "output dense";
  // n heads of size D' (q, k and v), output dense n D' -> H D: linear in n.
  double perHead = 2 * pairsPerHead * 2 * ds + 2 * tokens * ds * (h * d);
  c.matchedHeads = sas.flops / perHead;
  // H heads of size w: 2 T H^2 w^2 + 4 P H w = SAS FLOPs, the positive
  // root of qa w^2 + qb w - F, in the form without cancellation: at long T
  // qb^2 dwarfs 4 qa F and -qb + sqrt(...) would round to 0.
  double qa = 2 * tokens * h * h, qb = 4 * pairsPerHead * h;
  c.matchedHeadDim =
      2 * sas.flops / (qb + std::sqrt(qb * qb + 4 * qa * sas.flops));
  // Their parameters (output dense; projections not counted, as for MHA)
  // and bytes (q, k, v of their width, parameters, the [B, T, H*D] output).
  double headsWidth = c.matchedHeads * ds, width = h * c.matchedHeadDim;
  auto matched = [&](double qkvWidth, double outWidth, StringRef dominant) {
    CostEstimate m;
    m.flops = sas.flops;
    m.parameters = static_cast<int64_t>(std::llround(qkvWidth * outWidth + outWidth));
    m.bytes = elementBytes *
              (3 * tokens * qkvWidth + m.parameters + tokens * outWidth);
    m.dominantTerm = dominant;
    return m;
  };
  c.headsMatched = matched(headsWidth, h * d, "attention");
  c.widthMatched = matched(width, width, "attention");
  return c;
}

/// A layer's training step next to MHA's: FLOPs of the forward, of the
/// backward given what the forward saved (cost::planSavedForward: the
/// backward recomputes what it does not keep), and of both.
/// (sas.layer_grad's own row is what that op computes: without saved
/// operands, the whole forward but PEAA's dense layer.)
struct TrainingComparison {
  double forward = 0, backward = 0, mhaForward = 0, mhaBackward = 0;
};

TrainingComparison compareTraining(LayerGradOp layer, const CostSizes &sizes) {
  auto [b, t, s, h, d, hs, ds, k] = getLayerShape(layer, sizes);
  TrainingComparison c;
  c.forward =
      cost::getLayerTerms(b, t, s, h, hs, d, ds, k, layer.getCausal()).total();
  c.backward = cost::getLayerGradTerms(b, t, s, h, hs, d, ds, k,
                                       layer.getCausal())
                   .total();
  cost::LayerTerms forward =
      cost::getLayerTerms(b, t, s, h, hs, d, ds, k, layer.getCausal());
  cost::SavedForwardPlan plan = cost::planSavedForward(
      t, s, h, hs, d, ds, k, layer.getCausal(),
      getElementTypeOrSelf(layer.getQ().getType()).getIntOrFloatBitWidth() / 8);
  if (!plan.keepSimulations())
    c.backward += forward.headSimulation + forward.featureSimulation;
  if (!plan.keepAttention())
    c.backward += forward.attention;
  // MHA: attention over H heads of D and the output dense layer; its
  // backward the attention's (scores recomputed) and the dense layer's two.
  double pairs = cost::attentionPairs(b, h, t, s, layer.getCausal());
  double dense = cost::peaaFlops(b * t, h * d);
  c.mhaForward = 2 * pairs * (2 * d) + dense;
  c.mhaBackward = cost::attentionGradFlops(pairs, d, d) + 2 * dense;
  return c;
}

llvm::json::Object toJson(const CostEstimate &c) {
  return llvm::json::Object{{"flops", c.flops},
                            {"bytes", c.bytes},
                            {"intensity", c.bytes ? c.flops / c.bytes : 0.0},
                            {"parameters", c.parameters},
                            {"dominant", c.dominantTerm.str()}};
}

void printRow(llvm::raw_ostream &os, StringRef name, const CostEstimate &c) {
  os << llvm::format("  %-20s %12.6f %12.6f %10.2f %12lld  %s\n",
                     name.str().c_str(), c.flops / 1e9, c.bytes / 1e6,
                     c.bytes ? c.flops / c.bytes : 0.0,
                     static_cast<long long>(c.parameters),
                     c.dominantTerm.str().c_str());
}

struct SASCostReportPass : sas::impl::SASCostReportBase<SASCostReportPass> {
  using Base::Base;

  void runOnOperation() override {
    if (format != "text" && format != "json") {
      emitError(getOperation().getLoc())
          << "sas-cost-report: format must be 'text' or 'json', got '"
          << format << "'";
      return signalPassFailure();
    }
    if (batch < 0 || seqLen < 0) {
      emitError(getOperation().getLoc())
          << "sas-cost-report: batch and seq-len must be positive, got "
          << static_cast<int64_t>(batch) << " and "
          << static_cast<int64_t>(seqLen);
      return signalPassFailure();
    }
    CostSizes sizes;
    if (batch > 0)
      sizes.batch = batch;
    if (seqLen > 0)
      sizes.seqLen = seqLen;

    // The report has a stream of its own, so that it does not mix with the
    // IR on stdout.
    std::unique_ptr<llvm::ToolOutputFile> file;
    if (!output.empty()) {
      std::string error;
      file = openOutputFile(output, &error);
      if (!file) {
        emitError(getOperation().getLoc())
            << "sas-cost-report: cannot write the report to '" << output
            << "': " << error;
        return signalPassFailure();
      }
    }
    llvm::raw_ostream &os = file ? file->os() : llvm::errs();

    llvm::json::Array functions;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      SmallVector<Row> rows;
      SmallVector<LayerComparison> layers;
      SmallVector<TrainingComparison> training;
      CostEstimate total;
      bool failedEstimate = false;
      func.walk([&](CostOpInterface op) {
        FailureOr<CostEstimate> estimate = op.estimateCost(sizes);
        if (failed(estimate)) {
          op->emitError("sas-cost-report: dynamic batch or sequence size; "
                        "give them with batch=N seq-len=N");
          failedEstimate = true;
          return;
        }
        rows.push_back({op->getName().getStringRef().str(), *estimate});
        total.flops += estimate->flops;
        total.bytes += estimate->bytes;
        total.parameters += estimate->parameters;
        if (auto layer = dyn_cast<LayerOp>(op.getOperation()))
          layers.push_back(compareWithMha(layer, *estimate, sizes));
        if (auto layer = dyn_cast<LayerGradOp>(op.getOperation()))
          training.push_back(compareTraining(layer, sizes));
      });
      if (failedEstimate)
        return signalPassFailure();
      if (rows.empty())
        continue;
      const Row *largest = &rows.front();
      for (const Row &r : rows)
        if (r.cost.flops > largest->cost.flops)
          largest = &r;
      total.dominantTerm = largest->name;

      if (format == "json") {
        llvm::json::Array ops, comparisons;
        for (const Row &r : rows) {
          llvm::json::Object o = toJson(r.cost);
          o["op"] = r.name;
          ops.push_back(std::move(o));
        }
        for (const LayerComparison &c : layers)
          comparisons.push_back(llvm::json::Object{
              {"sas", toJson(c.sas)},
              {"mha", toJson(c.mha)},
              {"flop_ratio", c.sas.flops / c.mha.flops},
              {"mha_matched_heads",
               llvm::json::Object{{"heads", c.matchedHeads},
                                  {"head_dim", c.simHeadDim},
                                  {"cost", toJson(c.headsMatched)}}},
              {"mha_matched_width",
               llvm::json::Object{{"heads", c.heads},
                                  {"head_dim", c.matchedHeadDim},
                                  {"width", c.heads * c.matchedHeadDim},
                                  {"cost", toJson(c.widthMatched)}}}});
        llvm::json::Array steps;
        for (const TrainingComparison &c : training)
          steps.push_back(llvm::json::Object{
              {"forward_flops", c.forward},
              {"backward_flops", c.backward},
              {"forward_backward_flops", c.forward + c.backward},
              {"mha_forward_flops", c.mhaForward},
              {"mha_backward_flops", c.mhaBackward},
              {"flop_ratio", (c.forward + c.backward) /
                                 (c.mhaForward + c.mhaBackward)}});
        functions.push_back(llvm::json::Object{
            {"function", func.getName().str()},
            {"ops", std::move(ops)},
            {"total", toJson(total)},
            {"layers", std::move(comparisons)},
            {"training", std::move(steps)}});
        continue;
      }
      os << "sas-cost-report: @" << func.getName() << "\n";
      os << llvm::format("  %-20s %12s %12s %10s %12s  %s\n", "op", "GFLOP",
                         "MB", "FLOP/B", "parameters", "dominant");
      for (const Row &r : rows)
        printRow(os, r.name, r.cost);
      printRow(os, "total", total);
      for (const LayerComparison &c : layers) {
        printRow(os, "MHA (same B,T,H,D)", c.mha);
        os << llvm::format(
            "  SAS / MHA FLOPs: %.2fx; MHA with the SAS FLOPs: %.2f heads "
            "of %lld, or %lld heads of %.2f (width %.1f)\n",
            c.sas.flops / c.mha.flops, c.matchedHeads,
            static_cast<long long>(c.simHeadDim),
            static_cast<long long>(c.heads), c.matchedHeadDim,
            c.heads * c.matchedHeadDim);
      }
      for (const TrainingComparison &c : training)
        os << llvm::format(
            "  training step GFLOP: SAS forward %.6f, backward %.6f, both "
            "%.6f; MHA (same B,T,H,D) forward %.6f, backward %.6f, both "
            "%.6f; SAS / MHA %.2fx\n",
            c.forward / 1e9, c.backward / 1e9, (c.forward + c.backward) / 1e9,
            c.mhaForward / 1e9, c.mhaBackward / 1e9,
            (c.mhaForward + c.mhaBackward) / 1e9,
            (c.forward + c.backward) / (c.mhaForward + c.mhaBackward));
    }
    if (format == "json")
      os << llvm::formatv("{0:2}",
                          llvm::json::Value(llvm::json::Object{
                              {"functions", std::move(functions)}}))
         << "\n";
    if (file)
      file->keep();
    markAllAnalysesPreserved();
  }
};

} // namespace
