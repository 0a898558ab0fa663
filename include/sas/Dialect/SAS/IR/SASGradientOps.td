//===- SASGradientOps.td - Gradients of the SAS ops --------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
// One gradient op per forward op (docs/spec.md, "Gradients"). Each takes the
// forward op's operands (those its gradient reads) and the gradient of the
// forward result, and returns the gradient of every operand it differentiates,
// each of its operand's type. What a forward value the gradient needs is
// recomputed from the operands (the simulations' pre-activations, the
// attention's probabilities from the saved log-sum-exp), never stored.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASGRADIENTOPS_TD
#define SAS_DIALECT_SAS_IR_SASGRADIENTOPS_TD

//===----------------------------------------------------------------------===//
// HeadSimGradOp
//===----------------------------------------------------------------------===//

def SAS_HeadSimGradOp : SAS_Op<"head_sim_grad", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "gradient of sas.head_sim";
  let description = [{
    Given the operands of a `sas.head_sim` but `res_b` (no gradient depends
    on it) and `d_result`, the gradient
    of its result (`[B, T, H', D]`), returns the gradients of `x`, `w`, `b`,
    `res_w` and `res_b`. With `Y = conv(x; w, b)` recomputed:

    ```
    d_res_b = sum d_result          d_res_w = conv_w_grad(d_result, relu(Y))
    dY      = d_result + conv_input_grad(d_result; res_w) * [Y > 0]
    d_b     = sum dY                d_w     = conv_w_grad(dY, x)
    d_x     = conv_input_grad(dY; w)
    ```

    where a convolution's input gradient is the convolution with the kernel
    flipped and the channels transposed, and parameter gradients are sums
    over every token (in f32).

    Example:

    ```mlir
    %dx, %dw, %db, %drw, %drb = sas.head_sim_grad %x, %ds
        weights(%w, %b) residual(%rw)
        : (tensor<?x?x12x64xf32>, tensor<?x?x24x64xf32>, tensor<24x12x3xf32>,
           tensor<24xf32>, tensor<24x24x3xf32>)
        -> (tensor<?x?x12x64xf32>, tensor<24x12x3xf32>, tensor<24xf32>,
            tensor<24x24x3xf32>, tensor<24xf32>)
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$x, SAS_FloatTensor:$d_result,
                       SAS_FloatTensor:$w, SAS_FloatTensor:$b,
                       SAS_FloatTensor:$res_w);
  let results = (outs SAS_FloatTensor:$d_x, SAS_FloatTensor:$d_w,
                      SAS_FloatTensor:$d_b, SAS_FloatTensor:$d_res_w,
                      SAS_FloatTensor:$d_res_b);

  let assemblyFormat = [{
    $x `,` $d_result `weights` `(` $w `,` $b `)` `residual` `(` $res_w `)`
    attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$x, "Value":$d_result, "Value":$w, "Value":$b,
                   "Value":$res_w), [{
      build($_builder, $_state, x.getType(), w.getType(), b.getType(),
            res_w.getType(), b.getType(), x, d_result, w, b, res_w);
    }]>
  ];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// FeatureSimGradOp
//===----------------------------------------------------------------------===//

def SAS_FeatureSimGradOp : SAS_Op<"feature_sim_grad", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "gradient of sas.feature_sim";
  let description = [{
    Given the operands of a `sas.feature_sim` (but `res_b`) and `d_result`,
    the gradient of its result (`[B, T, H', D']`), returns the gradients of
    `x`, `w`, `b`, `res_w` and `res_b`. Row by row, with
    `f = w . x + b` recomputed:

    ```
    d_res_b = sum d_result          d_res_w = sum d_result^T . relu(f)
    df      = d_result + (d_result . res_w) * [f > 0]
    d_b     = sum df                d_w     = sum df^T . x
    d_x     = df . w
    ```

    Parameter gradients are sums over every token and head (in f32).

    Example:

    ```mlir
    %dx, %dw, %db, %drw, %drb = sas.feature_sim_grad %s, %dz
        weights(%w, %b) residual(%rw)
        : (tensor<?x?x24x64xf32>, tensor<?x?x24x128xf32>, tensor<128x64xf32>,
           tensor<128xf32>, tensor<128x128xf32>)
        -> (tensor<?x?x24x64xf32>, tensor<128x64xf32>, tensor<128xf32>,
            tensor<128x128xf32>, tensor<128xf32>)
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$x, SAS_FloatTensor:$d_result,
                       SAS_FloatTensor:$w, SAS_FloatTensor:$b,
                       SAS_FloatTensor:$res_w);
  let results = (outs SAS_FloatTensor:$d_x, SAS_FloatTensor:$d_w,
                      SAS_FloatTensor:$d_b, SAS_FloatTensor:$d_res_w,
                      SAS_FloatTensor:$d_res_b);

  let assemblyFormat = [{
    $x `,` $d_result `weights` `(` $w `,` $b `)` `residual` `(` $res_w `)`
    attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$x, "Value":$d_result, "Value":$w, "Value":$b,
                   "Value":$res_w), [{
      build($_builder, $_state, x.getType(), w.getType(), b.getType(),
            res_w.getType(), b.getType(), x, d_result, w, b, res_w);
    }]>
  ];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AttentionGradOp
//===----------------------------------------------------------------------===//

def SAS_AttentionGradOp : SAS_Op<"attention_grad", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "gradient of sas.attention from its output and log-sum-exp";
  let description = [{
    Given the operands of a `sas.attention` (`q` `[B, T, N, E]`, `k`
    `[B, S, N, E]`, `v` `[B, S, N, F]`, the same `causal` and `scale`), its
    output `o` (`[B, T, N, F]`) and log-sum-exp `lse` (`[B, T, N]`, f32),
    and `d_o`, the gradient of the output, returns the gradients of `q`, `k`
    and `v`. Per batch element and head, with `A = scale * q . k^T + M`,
    `P = exp(A - lse)` recomputed a block of queries at a time (never a
    whole `T x S` matrix) and `delta = rowsum(d_o * o)`:

    ```
    d_v = P^T . d_o                 dA  = P * (d_o . v^T - delta)
    d_q = scale * dA . k            d_k = scale * dA^T . q
    ```

    The q/k head size `E` and the v head size `F` may differ.

    Example:

    ```mlir
    %dq, %dk, %dv = sas.attention_grad %q, %k, %v, %o, %lse, %do causal
        : (tensor<1x512x24x128xf32>, tensor<1x512x24x128xf32>,
           tensor<1x512x24x64xf32>, tensor<1x512x24x64xf32>,
           tensor<1x512x24xf32>, tensor<1x512x24x64xf32>)
        -> (tensor<1x512x24x128xf32>, tensor<1x512x24x128xf32>,
            tensor<1x512x24x64xf32>)
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$q, SAS_FloatTensor:$k,
                       SAS_FloatTensor:$v, SAS_FloatTensor:$o,
                       F32Tensor:$lse, SAS_FloatTensor:$d_o,
                       UnitAttr:$causal, OptionalAttr<F32Attr>:$scale);
  let results = (outs SAS_FloatTensor:$d_q, SAS_FloatTensor:$d_k,
                      SAS_FloatTensor:$d_v);

  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $o `,` $lse `,` $d_o (`causal` $causal^)?
    (`scale` `(` $scale^ `)`)? attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$q, "Value":$k, "Value":$v, "Value":$o,
                   "Value":$lse, "Value":$d_o, "bool":$causal,
                   "FloatAttr":$scale), [{
      build($_builder, $_state, q.getType(), k.getType(), v.getType(), q, k,
            v, o, lse, d_o, causal, scale);
    }]>
  ];

  let extraClassDeclaration = [{
    /// The softmax scale: the `scale` attribute, or 1/sqrt(E) without it.
    double getScaleValue();
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// PeaaGradOp
//===----------------------------------------------------------------------===//

def SAS_PeaaGradOp : SAS_Op<"peaa_grad", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "gradient of sas.peaa";
  let description = [{
    Given the operands of a `sas.peaa` (`o` `[B, T, H', F]` and the dense
    weight `w`; the bias is not read) and `d_result` (`[B, T, H*F]`),
    returns the gradients of `o`, `w` and `b`. With `u` the mean of the
    `G = H' / H` head groups of `o`, per token:

    ```
    d_b = sum d_result              d_w = sum d_result^T . u
    d_o[g*H + h] = (w^T . d_result)[h*F : (h+1)*F] / G   for every group g
    ```

    Example:

    ```mlir
    %do, %dw, %db = sas.peaa_grad %o, %dy dense(%w)
        : (tensor<1x512x24x64xf32>, tensor<1x512x768xf32>,
           tensor<768x768xf32>)
        -> (tensor<1x512x24x64xf32>, tensor<768x768xf32>, tensor<768xf32>)
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$o, SAS_FloatTensor:$d_result,
                       SAS_FloatTensor:$w);
  let results = (outs SAS_FloatTensor:$d_o, SAS_FloatTensor:$d_w,
                      SAS_FloatTensor:$d_b);

  let assemblyFormat = [{
    $o `,` $d_result `dense` `(` $w `)` attr-dict `:`
    functional-type(operands, results)
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// LayerGradOp
//===----------------------------------------------------------------------===//

def SAS_LayerGradOp : SAS_Op<"layer_grad", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "gradient of a whole sas.layer";
  let description = [{
    Given the 25 operands of a `sas.layer` (the same syntax, `causal` and
    `scale`) and `d_result` (`[B, T, H*D]`), the gradient of its result,
    returns the gradients of all 25 operands, in operand order: `q`, `k`,
    `v`, then the 22 parameters, each of its operand's type.

    `sas-expand` rewrites it into the forward primitives and their gradient
    ops. Without `saved`, nothing of a forward is taken from outside: the
    layer is recomputed from its operands, the attention's forward (with
    its log-sum-exp) included. With `saved(%o, %lse)`, the two extra
    results of the forward `sas.layer`, the attention's forward is not
    recomputed: only the simulated q, k and v are.

    Example:

    ```mlir
    %grads:25 = sas.layer_grad %q, %k, %v
        q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
        k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
        v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) grad(%dy) causal
        : (...) -> (...)
    ```
  }];

  let arguments = (ins
    SAS_FloatTensor:$q, SAS_FloatTensor:$k, SAS_FloatTensor:$v,
    SAS_FloatTensor:$q_head_w, SAS_FloatTensor:$q_head_b,
    SAS_FloatTensor:$q_head_res_w, SAS_FloatTensor:$q_head_res_b,
    SAS_FloatTensor:$q_feat_w, SAS_FloatTensor:$q_feat_b,
    SAS_FloatTensor:$q_feat_res_w, SAS_FloatTensor:$q_feat_res_b,
    SAS_FloatTensor:$k_head_w, SAS_FloatTensor:$k_head_b,
    SAS_FloatTensor:$k_head_res_w, SAS_FloatTensor:$k_head_res_b,
    SAS_FloatTensor:$k_feat_w, SAS_FloatTensor:$k_feat_b,
    SAS_FloatTensor:$k_feat_res_w, SAS_FloatTensor:$k_feat_res_b,
    SAS_FloatTensor:$v_head_w, SAS_FloatTensor:$v_head_b,
    SAS_FloatTensor:$v_head_res_w, SAS_FloatTensor:$v_head_res_b,
    SAS_FloatTensor:$out_w, SAS_FloatTensor:$out_b,
    SAS_FloatTensor:$d_result, Variadic<AnyRankedTensor>:$saved,
    UnitAttr:$causal, OptionalAttr<F32Attr>:$scale);
  let results = (outs Variadic<SAS_FloatTensor>:$grads);

  let assemblyFormat = [{
    $q `,` $k `,` $v
    `q_head` `(` $q_head_w `,` $q_head_b `,` $q_head_res_w `,` $q_head_res_b `)`
    `q_feat` `(` $q_feat_w `,` $q_feat_b `,` $q_feat_res_w `,` $q_feat_res_b `)`
    `k_head` `(` $k_head_w `,` $k_head_b `,` $k_head_res_w `,` $k_head_res_b `)`
    `k_feat` `(` $k_feat_w `,` $k_feat_b `,` $k_feat_res_w `,` $k_feat_res_b `)`
    `v_head` `(` $v_head_w `,` $v_head_b `,` $v_head_res_w `,` $v_head_res_b `)`
    `out` `(` $out_w `,` $out_b `)` `grad` `(` $d_result `)`
    (`saved` `(` $saved^ `)`)?
    (`causal` $causal^)? (`scale` `(` $scale^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];

  let extraClassDeclaration = [{
    /// The 25 operands a sas.layer of the same sizes takes, in order.
    OperandRange getLayerOperands() {
      return getOperation()->getOperands().take_front(25);
    }
  }];

  let hasVerifier = 1;
}

#endif // SAS_DIALECT_SAS_IR_SASGRADIENTOPS_TD
