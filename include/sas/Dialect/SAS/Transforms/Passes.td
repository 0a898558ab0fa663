//===- Passes.td - SAS transformation passes ---------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_TRANSFORMS_PASSES_TD
#define SAS_DIALECT_SAS_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SASExpand : Pass<"sas-expand"> {
  let summary = "Expand sas.layer and sas.layer_grad into the primitive SAS ops";
  let description = [{
    Rewrites every `sas.layer` into the ops it is made of, in the order of
    docs/spec.md: three `sas.head_sim` (q, k, v), two `sas.feature_sim`
    (q, k), one `sas.attention` carrying the layer's `causal` and `scale`,
    and one `sas.peaa`. Nothing else is changed.

    Example:

    ```mlir
    %r = sas.layer %q, %k, %v q_head(...) q_feat(...) k_head(...)
        k_feat(...) v_head(...) out(%ow, %ob) causal : (...) -> ...
    ```

    becomes

    ```mlir
    %0 = sas.head_sim %q weights(...) residual(...) : ...
    %1 = sas.feature_sim %0 weights(...) residual(...) : ...
    %2 = sas.head_sim %k weights(...) residual(...) : ...
    %3 = sas.feature_sim %2 weights(...) residual(...) : ...
    %4 = sas.head_sim %v weights(...) residual(...) : ...
    %5 = sas.attention %1, %3, %4 causal : ...
    %r = sas.peaa %5 dense(%ow, %ob) : ...
    ```

    Every `sas.layer_grad` becomes the same forward, with the attention
    returning its log-sum-exp, followed by the gradient ops in reverse:
    `sas.peaa_grad`, `sas.attention_grad`, then `sas.feature_sim_grad` and
    `sas.head_sim_grad` for q and k and `sas.head_sim_grad` for v; their
    results replace the layer gradient's 25, in operand order.
  }];
  let dependentDialects = ["::mlir::sas::SASDialect"];
}

def SASCostReport : Pass<"sas-cost-report", "ModuleOp"> {
  let summary = "Print the FLOPs, bytes and parameters of every sas op";
  let description = [{
    An analysis: for each function, one row per sas op (from its
    CostOpInterface) and a total: GFLOP, MB moved at least, arithmetic
    intensity (FLOP/byte), parameters, dominant term. For each `sas.layer`,
    the same for the multi-head attention layer it replaces (same B, T, H, D:
    attention plus output dense; the q/k/v projections are common to both and
    not counted) and two MHA layers that spend the same FLOPs as the SAS
    layer: one with as many heads of size D' as that takes, one with H heads
    widened until it does. For each `sas.layer_grad`, a training step: the
    forward's FLOPs, the backward's given the forward's saved output and
    log-sum-exp, and both, beside the same MHA layer's forward and
    backward. The IR is not changed.

    `format=json` prints one JSON object instead of tables; `batch` and
    `seq-len` give sizes for dynamic dimensions. The report goes to stderr,
    apart from the IR on stdout; `output=FILE` writes it to FILE instead
    (`output=-`: stdout). Sizes whose costs do not fit in a double are an
    error.
  }];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"text\"",
           "Output format: text or json">,
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Batch size for dynamic batch dimensions">,
    Option<"seqLen", "seq-len", "int64_t", /*default=*/"0",
           "Sequence length for dynamic sequence dimensions">,
    Option<"output", "output", "std::string", /*default=*/"\"\"",
           "Where the report goes: a file, '-' for stdout (default: "
           "stderr)">,
  ];
}

#endif // SAS_DIALECT_SAS_TRANSFORMS_PASSES_TD
