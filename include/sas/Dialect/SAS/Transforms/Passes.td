//===- Passes.td - SAS transformation passes ---------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_TRANSFORMS_PASSES_TD
#define SAS_DIALECT_SAS_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SASExpand : Pass<"sas-expand"> {
  let summary = "Expand sas.layer into the primitive SAS ops";
  let description = [{
    Rewrites every `sas.layer` into the ops it is made of, in DESIGN order:
    three `sas.head_sim` (q, k, v), two `sas.feature_sim` (q, k), one
    `sas.attention` carrying the layer's `causal` and `scale`, and one
    `sas.peaa`. Nothing else is changed.

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
  }];
  let dependentDialects = ["::mlir::sas::SASDialect"];
}

#endif // SAS_DIALECT_SAS_TRANSFORMS_PASSES_TD
