//===- SASDialect.td - SAS dialect definition --------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASDIALECT_TD
#define SAS_DIALECT_SAS_IR_SASDIALECT_TD

include "mlir/IR/OpBase.td"

def SAS_Dialect : Dialect {
  let name = "sas";
  let cppNamespace = "::mlir::sas";
  let summary = "Simulated Attention Score (SAS) attention";
  let description = [{
    The `sas` dialect models SAS attention ("Simulated Attention Score",
    arXiv 2507.07694). A SAS layer takes the projected per-head tensors q, k
    and v of a multi-head attention layer, each `[B, T, H, D]`, and makes the
    attention behave as if it had `H' > H` heads whose query/key size is
    `D' > D`:

    1. *head simulation* (`sas.head_sim`, for q, k and v) mixes the H heads
       of every token into H' heads with a convolution whose channels are the
       heads and which slides along the feature axis, refined by a residual
       convolution on its ReLU;
    2. *feature simulation* (`sas.feature_sim`, for q and k) widens every
       head from D to D' features with a linear map and a residual MLP;
    3. *attention* (`sas.attention`) runs softmax attention over the H'
       simulated heads, optionally causal;
    4. *PEAA* (`sas.peaa`) averages the H' output heads back to H through one
       dense layer.

    `sas.layer` is the whole block; `sas-expand` rewrites it into the four
    primitives. All ops work on tensors with value semantics. Head and feature
    sizes are static; batch `B` and sequence length `T` may be dynamic. Every
    size is derived from the operand types, and weights use PyTorch's layouts.
  }];
}

/// Base class for SAS operations.
class SAS_Op<string mnemonic, list<Trait> traits = []>
    : Op<SAS_Dialect, mnemonic, traits>;

/// SAS ops compute in floating point; f16 and bf16 mean storage with f32
/// accumulation once lowered.
def SAS_FloatTensor : RankedTensorOf<[F16, BF16, F32]>;

#endif // SAS_DIALECT_SAS_IR_SASDIALECT_TD
