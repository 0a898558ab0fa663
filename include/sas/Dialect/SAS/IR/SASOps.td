//===- SASOps.td - SAS dialect operations ------------------*- tablegen -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_DIALECT_SAS_IR_SASOPS_TD
#define SAS_DIALECT_SAS_IR_SASOPS_TD

include "sas/Dialect/SAS/IR/SASDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "sas/Dialect/SAS/IR/SASInterfaces.td"

//===----------------------------------------------------------------------===//
// HeadSimOp
//===----------------------------------------------------------------------===//

def SAS_HeadSimOp : SAS_Op<"head_sim", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "head simulation: mix H heads into H' heads per token";
  let description = [{
    For every token, with `X` its `H x D` matrix (rows are heads), computes

    ```
    Y[o, j] = b[o] + sum_{c < H, i < K} w[o, c, i] * X[c, j + i - p]
    S       = Y + conv_res(relu(Y))
    ```

    where `p = (K - 1) / 2`, `X` is zero outside `0 .. D-1`, and `conv_res`
    is a convolution of the same form with weights `res_w` and bias `res_b`.
    This is a 1-D convolution whose channels are the heads and which slides
    along the feature axis. With `K = 1` it is a plain head-mixing matmul.

    | operand | shape | PyTorch name (for q) |
    | --- | --- | --- |
    | `x` | `[B, T, H, D]` | |
    | `w` | `[H', H, K]` | `sas_q.0.weight` |
    | `b` | `[H']` | `sas_q.0.bias` |
    | `res_w` | `[H', H', K]` | `sas_q.1.process.weight` |
    | `res_b` | `[H']` | `sas_q.1.process.bias` |

    The result is `[B, T, H', D]`. `K` must be odd.

    Example:

    ```mlir
    %s = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
        : (tensor<?x?x12x64xf32>, tensor<24x12x3xf32>, tensor<24xf32>,
           tensor<24x24x3xf32>, tensor<24xf32>) -> tensor<?x?x24x64xf32>
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$x, SAS_FloatTensor:$w,
                       SAS_FloatTensor:$b, SAS_FloatTensor:$res_w,
                       SAS_FloatTensor:$res_b);
  let results = (outs SAS_FloatTensor:$result);

  let assemblyFormat = [{
    $x `weights` `(` $w `,` $b `)` `residual` `(` $res_w `,` $res_b `)`
    attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$x, "Value":$w, "Value":$b, "Value":$res_w,
                   "Value":$res_b), [{
      build($_builder, $_state, inferResultType(x.getType(), w.getType()),
            x, w, b, res_w, res_b);
    }]>
  ];

  let extraClassDeclaration = [{
    /// The result type for input `x` ([B, T, H, D]) and weights `w`
    /// ([H', H, K]): [B, T, H', D]. Expects types that pass the verifier.
    static RankedTensorType inferResultType(Type x, Type w);

    /// The convolution kernel size K.
    int64_t getKernelSize() { return getW().getType().getDimSize(2); }
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// FeatureSimOp
//===----------------------------------------------------------------------===//

def SAS_FeatureSimOp : SAS_Op<"feature_sim", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "feature simulation: widen every head from D to D' features";
  let description = [{
    For every token and head, with `s` its feature vector of size `D`:

    ```
    f = w . s + b                      // D' values
    z = f + res_w . relu(f) + res_b    // D' values
    ```

    | operand | shape | PyTorch name (for q) |
    | --- | --- | --- |
    | `x` | `[B, T, H', D]` | |
    | `w` | `[D', D]` | `sas_q.2.weight` |
    | `b` | `[D']` | `sas_q.2.bias` |
    | `res_w` | `[D', D']` | `sas_q.3.process.weight` |
    | `res_b` | `[D']` | `sas_q.3.process.bias` |

    The result is `[B, T, H', D']`.

    Example:

    ```mlir
    %z = sas.feature_sim %s weights(%w, %b) residual(%rw, %rb)
        : (tensor<?x?x24x64xf32>, tensor<128x64xf32>, tensor<128xf32>,
           tensor<128x128xf32>, tensor<128xf32>) -> tensor<?x?x24x128xf32>
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$x, SAS_FloatTensor:$w,
                       SAS_FloatTensor:$b, SAS_FloatTensor:$res_w,
                       SAS_FloatTensor:$res_b);
  let results = (outs SAS_FloatTensor:$result);

  let assemblyFormat = [{
    $x `weights` `(` $w `,` $b `)` `residual` `(` $res_w `,` $res_b `)`
    attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$x, "Value":$w, "Value":$b, "Value":$res_w,
                   "Value":$res_b), [{
      build($_builder, $_state, inferResultType(x.getType(), w.getType()),
            x, w, b, res_w, res_b);
    }]>
  ];

  let extraClassDeclaration = [{
    /// The result type for input `x` ([B, T, H', D]) and weights `w`
    /// ([D', D]): [B, T, H', D']. Expects types that pass the verifier.
    static RankedTensorType inferResultType(Type x, Type w);
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def SAS_AttentionOp : SAS_Op<"attention", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "softmax attention whose query/key and value sizes may differ";
  let description = [{
    For every batch `b` and head `n`:

    ```
    result[b, :, n, :] = softmax(q[b, :, n, :] . k[b, :, n, :]^T * scale + M)
                         . v[b, :, n, :]
    ```

    | operand | shape |
    | --- | --- |
    | `q` | `[B, T, N, E]` |
    | `k` | `[B, S, N, E]` |
    | `v` | `[B, S, N, F]` |

    The result is `[B, T, N, F]`. `scale` defaults to `1 / sqrt(E)`. With
    `causal`, `M` masks key `j` from query `i` when `j > i` (aligned at the
    top left) and `T` must equal `S`; without it, `M` is zero.

    With a second result, `lse` (`[B, T, N]`, f32), the op also returns each
    row's log-sum-exp `log sum_j exp(q . k_j * scale + M_j)`: what
    `sas.attention_grad` needs, with the output, to recompute the
    probabilities without storing them.

    Example:

    ```mlir
    %o = sas.attention %q, %k, %v causal
        : (tensor<1x512x24x128xf32>, tensor<1x512x24x128xf32>,
           tensor<1x512x24x64xf32>) -> tensor<1x512x24x64xf32>
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$q, SAS_FloatTensor:$k,
                       SAS_FloatTensor:$v, UnitAttr:$causal,
                       OptionalAttr<F32Attr>:$scale);
  let results = (outs SAS_FloatTensor:$result, Optional<F32Tensor>:$lse);

  let assemblyFormat = [{
    $q `,` $k `,` $v (`causal` $causal^)? (`scale` `(` $scale^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$q, "Value":$k, "Value":$v, "bool":$causal,
                   "FloatAttr":$scale), [{
      build($_builder, $_state, inferResultType(q.getType(), v.getType()),
            /*lse=*/Type(), q, k, v, causal, scale);
    }]>,
    OpBuilder<(ins "Value":$q, "Value":$k, "Value":$v, "bool":$causal,
                   "FloatAttr":$scale, "bool":$withLse), [{
      build($_builder, $_state, inferResultType(q.getType(), v.getType()),
            withLse ? inferLseType(q.getType()) : Type(), q, k, v, causal,
            scale);
    }]>
  ];

  let extraClassDeclaration = [{
    /// The result type for `q` ([B, T, N, E]) and `v` ([B, S, N, F]):
    /// [B, T, N, F]. Expects types that pass the verifier.
    static RankedTensorType inferResultType(Type q, Type v);

    /// The log-sum-exp type for `q` ([B, T, N, E]): [B, T, N] in f32.
    static RankedTensorType inferLseType(Type q);

    /// The softmax scale: the `scale` attribute, or 1/sqrt(E) without it.
    double getScaleValue();
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// PeaaOp
//===----------------------------------------------------------------------===//

def SAS_PeaaOp : SAS_Op<"peaa", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "parameter-efficient attention aggregation";
  let description = [{
    Views the `H'` heads of every token of `o` as `G = H' / H` groups of `H`
    consecutive heads, applies one dense layer (`w`, `b`) to each group's
    `H * F` vector, and averages the `G` results:

    ```
    result[b, t, :] = 1/G * sum_{g < G} (w . o[b, t, gH : gH+H, :] + b)
    ```

    | operand | shape | PyTorch name |
    | --- | --- | --- |
    | `o` | `[B, T, H', F]` | |
    | `w` | `[H * F, H * F]` | `output_dense.weight` |
    | `b` | `[H * F]` | `output_dense.bias` |

    `H` is `w`'s size divided by `F`; `H'` must be a multiple of `H`. The
    result is `[B, T, H * F]`.

    Example:

    ```mlir
    %r = sas.peaa %o dense(%w, %b)
        : (tensor<1x512x24x64xf32>, tensor<768x768xf32>, tensor<768xf32>)
        -> tensor<1x512x768xf32>
    ```
  }];

  let arguments = (ins SAS_FloatTensor:$o, SAS_FloatTensor:$w,
                       SAS_FloatTensor:$b);
  let results = (outs SAS_FloatTensor:$result);

  let assemblyFormat = [{
    $o `dense` `(` $w `,` $b `)` attr-dict `:` functional-type(operands, results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$o, "Value":$w, "Value":$b), [{
      build($_builder, $_state, inferResultType(o.getType(), w.getType()),
            o, w, b);
    }]>
  ];

  let extraClassDeclaration = [{
    /// The result type for `o` ([B, T, H', F]) and `w` ([H*F, H*F]):
    /// [B, T, H*F]. Expects types that pass the verifier.
    static RankedTensorType inferResultType(Type o, Type w);
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// LayerOp
//===----------------------------------------------------------------------===//

def SAS_LayerOp : SAS_Op<"layer", [Pure,
    DeclareOpInterfaceMethods<SAS_CostOpInterface>]> {
  let summary = "a whole SAS attention block";
  let description = [{
    The SAS block of a layer with `H` heads of size `D`, simulating `H'`
    heads with query/key size `D'`:

    ```
    zq = feature_sim(head_sim(q, q_head_*), q_feat_*)   // [B, T, H', D']
    zk = feature_sim(head_sim(k, k_head_*), k_feat_*)   // [B, T, H', D']
    sv = head_sim(v, v_head_*)                          // [B, T, H', D]
    result = peaa(attention(zq, zk, sv), out_w, out_b)  // [B, T, H * D]
    ```

    Operands in PyTorch state-dict order (`sas_q.0.weight` is `q_head_w`,
    `sas_q.1.process.*` is `q_head_res_*`, `sas_q.2.*` is `q_feat_*`,
    `sas_q.3.process.*` is `q_feat_res_*`, the same for `k` and `v`, and
    `output_dense.*` is `out_*`). `causal` and `scale` are those of
    `sas.attention`; the default scale is `1 / sqrt(D')`.

    Example:

    ```mlir
    %r = sas.layer %q, %k, %v
        q_head(%qhw, %qhb, %qhrw, %qhrb) q_feat(%qfw, %qfb, %qfrw, %qfrb)
        k_head(%khw, %khb, %khrw, %khrb) k_feat(%kfw, %kfb, %kfrw, %kfrb)
        v_head(%vhw, %vhb, %vhrw, %vhrb) out(%ow, %ob) causal
        : (...) -> tensor<1x512x768xf32>
    ```

    `sas-expand` rewrites it into `sas.head_sim`, `sas.feature_sim`,
    `sas.attention` and `sas.peaa`.

    For training, two more results, `saved`, return what the forward keeps
    for `sas.layer_grad`: the attention's output `[B, T, H', D]` (the
    layer's element type) and its log-sum-exp `[B, T, H']` (f32). They
    spare the backward the attention's forward; the simulated q, k and v,
    whose recomputation is linear in T, are recomputed instead (the cost
    model's plan, `sas::cost::planSavedForward`).
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
    UnitAttr:$causal, OptionalAttr<F32Attr>:$scale);
  let results = (outs SAS_FloatTensor:$result,
                      Variadic<AnyRankedTensor>:$saved);

  let assemblyFormat = [{
    $q `,` $k `,` $v
    `q_head` `(` $q_head_w `,` $q_head_b `,` $q_head_res_w `,` $q_head_res_b `)`
    `q_feat` `(` $q_feat_w `,` $q_feat_b `,` $q_feat_res_w `,` $q_feat_res_b `)`
    `k_head` `(` $k_head_w `,` $k_head_b `,` $k_head_res_w `,` $k_head_res_b `)`
    `k_feat` `(` $k_feat_w `,` $k_feat_b `,` $k_feat_res_w `,` $k_feat_res_b `)`
    `v_head` `(` $v_head_w `,` $v_head_b `,` $v_head_res_w `,` $v_head_res_b `)`
    `out` `(` $out_w `,` $out_b `)`
    (`causal` $causal^)? (`scale` `(` $scale^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MmaAttentionOp
//===----------------------------------------------------------------------===//

def SAS_HalfMemRef : MemRefRankOf<[F16, BF16], [4]>;
def SAS_F32MemRef3 : MemRefRankOf<[F32], [3]>;
def SAS_F32MemRef4 : MemRefRankOf<[F32], [4]>;

def SAS_MmaAttentionOp : SAS_Op<"mma_attention"> {
  let summary = "attention on buffers, to become a tensor-core kernel";
  let description = [{
    `sas.attention` after bufferization, on the path to a tensor-core
    (mma.sync) flash-attention kernel: reads `q` `[B, T, N, E]`, `k`
    `[B, S, N, E]`, `v` `[B, S, N, F]` and writes `out` `[B, T, N, F]`, all
    of one 16-bit element type (f16 or bf16) with identity layouts. The
    function is that of `sas.attention` (accumulation in f32);
    `convert-sas-attention-to-gpu` creates it and
    `convert-sas-mma-attention-to-nvvm` replaces it with the kernel: one
    block of `warps` warps of `warp_rows` queries each (16 or 32) per
    (batch, head, query block), keys in steps of `key_tile` staged through
    a ring of `stages` shared-memory buffers. With `wgmma` the kernel is
    the sm_90a one: each group of four warps (64 query rows, `warp_rows`
    16) computes q k^T and p v with warpgroup tensor-core instructions
    (wgmma.mma_async): q and p from registers, k and v from
    128-byte-swizzled shared-memory tiles; the v head size must be a
    multiple of 64, the q/k head size of 16 (k is read K-major, a partial
    last panel only as far as the head goes). Head sizes go up to 256 on
    both kernels, as long as q, the output and a step's scores fit a
    thread's registers (`getAttentionFragmentRegisters`).
    With `lse` (f32 `[B, T, N]`) the kernel also writes each row's
    log-sum-exp, `log(sum_j exp(scale * q . k_j))` over the visible keys:
    what `sas.mma_attention_grad` recomputes the probabilities from.
    It exists so that bufferization and buffer deallocation, which
    cannot see through NVVM intrinsics, handle an op with declared effects.

    The op checks its buffers; its tiling (warps, tiles, stages and the
    shared memory they take) is checked against the GPU target by its
    `KernelOpInterface` model (`sas/Codegen/NVVM`): in the verifier where an
    enclosing op carries `sas.target`, and when the kernel is built.

    Example:

    ```mlir
    sas.mma_attention %q, %k, %v, %out causal scale(0.088388)
        warps(4) warp_rows(32) key_tile(64) stages(2)
        : memref<1x512x24x128xbf16>, memref<1x512x24x128xbf16>,
          memref<1x512x24x64xbf16>, memref<1x512x24x64xbf16>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "queries", [MemRead]>:$q,
                       Arg<SAS_HalfMemRef, "keys", [MemRead]>:$k,
                       Arg<SAS_HalfMemRef, "values", [MemRead]>:$v,
                       Arg<SAS_HalfMemRef, "the result", [MemWrite]>:$out,
                       Arg<Optional<SAS_F32MemRef3>, "the log-sum-exp",
                           [MemWrite]>:$lse,
                       UnitAttr:$causal, F32Attr:$scale,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warp_rows,
                       ConfinedAttr<I64Attr, [IntPositive]>:$key_tile,
                       ConfinedAttr<I64Attr, [IntPositive]>:$stages,
                       UnitAttr:$wgmma);

  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out (`lse` `(` $lse^ `:` type($lse) `)`)?
    (`causal` $causal^)? `scale` `(` $scale `)`
    `warps` `(` $warps `)` `warp_rows` `(` $warp_rows `)`
    `key_tile` `(` $key_tile `)`
    `stages` `(` $stages `)` (`wgmma` $wgmma^)? attr-dict `:` type($q) `,`
    type($k) `,` type($v) `,` type($out)
  }];

  let hasVerifier = 1;
}

def SAS_MmaAttentionGradOp : SAS_Op<"mma_attention_grad"> {
  let summary = "attention gradient on buffers, to become tensor-core kernels";
  let description = [{
    `sas.attention_grad` after bufferization, on the path to a
    FlashAttention-2-style backward kernel on mma.sync tensor cores: reads
    `q`, `k` (`[B, T|S, N, E]`), `v`, `d_o` (`[B, S|T, N, F]`), the
    forward's log-sum-exp `lse` and `delta = rowsum(d_o * o)` (both f32
    `[B, T, N]`), writes `d_k`, `d_v` and adds `dA . k` (unscaled, f32) to
    `d_q_accum` (`[B, T, N, E]`, zeroed by the caller, which also scales
    and rounds it into `d_q`). 16-bit buffers share one element type (f16
    or bf16) and all have identity layouts.

    One block per (key block, head, batch element) of `warps` warps, 16
    keys each: the block keeps its keys' `d_k` and `d_v` in registers and
    visits the query blocks (16 rows a warp as well) that see them (under
    `causal`, from the diagonal on), recomputing `P = exp(scale * q . k^T -
    lse)` for each. With `wgmma` (sm_90a; 4 warps, one warpgroup of 64
    keys, head sizes multiples of 64) the products are wgmma.mma_async on
    128-byte-swizzled tiles: the scores and `d_o v^T` with both operands in
    shared memory, `d_v` and `d_k` with `p` and `dA` from registers, and
    `dA . k` with `dA` read transposed from shared memory.
    `convert-sas-attention-to-gpu` creates it and
    `convert-sas-mma-attention-to-nvvm` replaces it with the kernel.

    Example:

    ```mlir
    sas.mma_attention_grad %q, %k, %v, %lse, %delta, %do, %dq_accum, %dk, %dv
        causal scale(0.088388) warps(4)
        : memref<1x512x24x128xbf16>, memref<1x512x24x128xbf16>,
          memref<1x512x24x64xbf16>, memref<1x512x24xf32>,
          memref<1x512x24xf32>, memref<1x512x24x64xbf16>,
          memref<1x512x24x128xf32>, memref<1x512x24x128xbf16>,
          memref<1x512x24x64xbf16>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "queries", [MemRead]>:$q,
                       Arg<SAS_HalfMemRef, "keys", [MemRead]>:$k,
                       Arg<SAS_HalfMemRef, "values", [MemRead]>:$v,
                       Arg<SAS_F32MemRef3, "the log-sum-exp", [MemRead]>:$lse,
                       Arg<SAS_F32MemRef3, "rowsum(d_o * o)", [MemRead]>:$delta,
                       Arg<SAS_HalfMemRef, "the output's gradient",
                           [MemRead]>:$d_o,
                       Arg<SAS_F32MemRef4, "dA . k, accumulated",
                           [MemRead, MemWrite]>:$d_q_accum,
                       Arg<SAS_HalfMemRef, "the keys' gradient",
                           [MemWrite]>:$d_k,
                       Arg<SAS_HalfMemRef, "the values' gradient",
                           [MemWrite]>:$d_v,
                       UnitAttr:$causal, F32Attr:$scale,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps,
                       UnitAttr:$wgmma);

  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $lse `,` $delta `,` $d_o `,` $d_q_accum `,` $d_k `,`
    $d_v (`causal` $causal^)? `scale` `(` $scale `)` `warps` `(` $warps `)`
    (`wgmma` $wgmma^)? attr-dict `:` type($q) `,` type($k) `,`
    type($v) `,` type($lse) `,` type($delta) `,` type($d_o) `,`
    type($d_q_accum) `,` type($d_k) `,` type($d_v)
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Per-token kernels on buffers (GPU)
//===----------------------------------------------------------------------===//

def SAS_HalfMemRef3 : MemRefRankOf<[F16, BF16], [3]>;
def SAS_HalfMemRef2 : MemRefRankOf<[F16, BF16], [2]>;
def SAS_HalfMemRef1 : MemRefRankOf<[F16, BF16], [1]>;

def SAS_MmaHeadSimOp : SAS_Op<"mma_head_sim"> {
  let summary = "head simulation on buffers, to become a tensor-core kernel";
  let description = [{
    `sas.head_sim` after bufferization, on the path to one tensor-core
    (mma.sync) kernel that computes both convolutions, the ReLU, the
    residual and both biases of a token in registers and shared memory:
    reads `x` `[B, T, H, D]` and writes `out` `[B, T, H', D]` (operands in
    one 16-bit type, identity layouts, f32 accumulation). Each tap of a
    convolution is a matrix product of its weights `[H', H]` with the
    token's rows shifted by the tap. Against `sas.head_sim` it rounds one
    more value: relu(Y), the second convolution's input. A block has
    `warps` warps; one or more warps share a token.
    `convert-sas-token-ops-to-gpu` creates it and
    `convert-sas-token-kernels-to-nvvm` replaces it with the kernel.

    The op checks its buffers; its tiling (warps, tiles, stages and the
    shared memory they take) is checked against the GPU target by its
    `KernelOpInterface` model (`sas/Codegen/NVVM`): in the verifier where an
    enclosing op carries `sas.target`, and when the kernel is built.

    Example:

    ```mlir
    sas.mma_head_sim %x weights(%w, %b) residual(%rw, %rb) into %out
        warps(8)
        : memref<?x?x12x64xbf16>, memref<24x12x3xbf16>, memref<24xbf16>,
          memref<24x24x3xbf16>, memref<24xbf16>, memref<?x?x24x64xbf16>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "input heads", [MemRead]>:$x,
                       Arg<SAS_HalfMemRef3, "", [MemRead]>:$w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$b,
                       Arg<SAS_HalfMemRef3, "", [MemRead]>:$res_w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$res_b,
                       Arg<SAS_HalfMemRef, "the result", [MemWrite]>:$out,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps);

  let assemblyFormat = [{
    $x `weights` `(` $w `,` $b `)` `residual` `(` $res_w `,` $res_b `)`
    `into` $out `warps` `(` $warps `)` attr-dict `:`
    type($x) `,` type($w) `,` type($b) `,` type($res_w) `,` type($res_b) `,`
    type($out)
  }];

  let hasVerifier = 1;
}

def SAS_MmaFeatureSimOp : SAS_Op<"mma_feature_sim"> {
  let summary = "feature simulation on buffers, to become a tensor-core kernel";
  let description = [{
    `sas.feature_sim` after bufferization, on the path to one tensor-core
    (mma.sync) kernel in which both matrix products of 16 token rows per
    warp stay in registers: `f = x w^T + b` (f32 accumulators), then
    `relu(f)`, rounded to the 16-bit type, as the A operand of the second
    product, accumulated onto `f + res_b`. Reads `x` `[B, T, H', D]`, writes
    `out` `[B, T, H', D']`; operands in one 16-bit type, identity layouts.
    Against `sas.feature_sim` it rounds one more value: `relu(f)` before
    the second product. A block of `warps` warps loads the weights once and
    then handles `row_tiles` tiles of `16 * warps` rows. With `wgmma` the
    kernel is the sm_90a one: each warpgroup of four warps computes 64 rows
    with wgmma.mma_async, `x` and both weights in 128-byte-swizzled shared
    memory (`x` through a ring of cp.async buffers), `relu(f)` from
    registers; D and D' must then be multiples of 64. Both kernels compute
    f a chunk of columns at a time where all of it would not fit a
    thread's registers with z (D' above 128).

    The op checks its buffers; its tiling (warps, tiles, stages and the
    shared memory they take) is checked against the GPU target by its
    `KernelOpInterface` model (`sas/Codegen/NVVM`): in the verifier where an
    enclosing op carries `sas.target`, and when the kernel is built.

    Example:

    ```mlir
    sas.mma_feature_sim %s weights(%w, %b) residual(%rw, %rb) into %z
        warps(4) row_tiles(4)
        : memref<?x?x24x64xbf16>, memref<128x64xbf16>, memref<128xbf16>,
          memref<128x128xbf16>, memref<128xbf16>, memref<?x?x24x128xbf16>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "input heads", [MemRead]>:$x,
                       Arg<SAS_HalfMemRef2, "", [MemRead]>:$w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$b,
                       Arg<SAS_HalfMemRef2, "", [MemRead]>:$res_w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$res_b,
                       Arg<SAS_HalfMemRef, "the result", [MemWrite]>:$out,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps,
                       ConfinedAttr<I64Attr, [IntPositive]>:$row_tiles,
                       UnitAttr:$wgmma);

  let assemblyFormat = [{
    $x `weights` `(` $w `,` $b `)` `residual` `(` $res_w `,` $res_b `)`
    `into` $out `warps` `(` $warps `)` `row_tiles` `(` $row_tiles `)`
    (`wgmma` $wgmma^)? attr-dict `:` type($x) `,` type($w) `,` type($b) `,` type($res_w) `,`
    type($res_b) `,` type($out)
  }];

  let hasVerifier = 1;
}

def SAS_MmaPeaaOp : SAS_Op<"mma_peaa"> {
  let summary = "PEAA on buffers, to become a tensor-core kernel";
  let description = [{
    `sas.peaa` after bufferization, in its reassociated form, on the path to
    one tensor-core (mma.sync) GEMM: the mean over the `G` head groups is
    taken while the A operand is formed (the prologue: f32 sum of the `G`
    16-bit values, times `1/G`, rounded to the 16-bit type) and the bias is
    added to the f32 accumulators before the one rounding of the result.
    Reads `o` `[B, T, H', F]`, writes `out` `[B, T, H * F]`. A block of
    `warps` warps of `row_tiles` 16-row tiles (which share every w fragment
    read from shared memory) computes `column_tile` output columns, stepping
    through the `H * F` inputs `k_tile` at a time through a ring of
    `stages` shared-memory buffers filled by cp.async. With `wgmma` the
    kernel is the sm_90a one: each warpgroup of four warps multiplies its
    64 rows' mean fragments (registers) by the w tile in 128-byte-swizzled
    shared memory with wgmma.mma_async; one row tile a warp, 64 inputs a
    step, the column tile a multiple of 8 up to 256.

    The op checks its buffers; its tiling (warps, tiles, stages and the
    shared memory they take) is checked against the GPU target by its
    `KernelOpInterface` model (`sas/Codegen/NVVM`): in the verifier where an
    enclosing op carries `sas.target`, and when the kernel is built.

    Example:

    ```mlir
    sas.mma_peaa %o dense(%w, %b) into %out warps(4) row_tiles(2)
        column_tile(128) k_tile(32) stages(3)
        : memref<?x?x24x64xbf16>, memref<768x768xbf16>, memref<768xbf16>,
          memref<?x?x768xbf16>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "attention output", [MemRead]>:$o,
                       Arg<SAS_HalfMemRef2, "", [MemRead]>:$w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$b,
                       Arg<SAS_HalfMemRef3, "the result", [MemWrite]>:$out,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps,
                       ConfinedAttr<I64Attr, [IntPositive]>:$row_tiles,
                       ConfinedAttr<I64Attr, [IntPositive]>:$column_tile,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k_tile,
                       ConfinedAttr<I64Attr, [IntPositive]>:$stages,
                       UnitAttr:$wgmma);

  let assemblyFormat = [{
    $o `dense` `(` $w `,` $b `)` `into` $out `warps` `(` $warps `)`
    `row_tiles` `(` $row_tiles `)` `column_tile` `(` $column_tile `)`
    `k_tile` `(` $k_tile `)`
    `stages` `(` $stages `)` (`wgmma` $wgmma^)? attr-dict `:` type($o) `,` type($w) `,`
    type($b) `,` type($out)
  }];

  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Per-token gradient kernels on buffers (GPU)
//===----------------------------------------------------------------------===//

def SAS_F32MemRef2 : MemRefRankOf<[F32], [2]>;
def SAS_F32MemRef1 : MemRefRankOf<[F32], [1]>;

def SAS_MmaHeadSimGradOp : SAS_Op<"mma_head_sim_grad"> {
  let summary = "the head simulation's gradient on buffers, to become a "
                "tensor-core kernel";
  let description = [{
    `sas.head_sim_grad` after bufferization, on the path to one tensor-core
    (mma.sync) kernel shaped like the forward's (`sas.mma_head_sim`): a
    token group's x and `d_s` (the result's gradient) staged
    position-major in shared memory, each tap of a convolution a product
    of its weights with the token's rows shifted by the tap (docs/spec.md,
    "Gradients"):

    ```
    Y   = conv(x; w, b)                         (recomputed, f32)
    d_Y = d_s + conv_input_grad(d_s; res_w) * [Y > 0]
    d_x = conv_input_grad(d_Y; w)               -> d_x (16-bit)
    d_res_w += conv_w_grad(d_s, relu(Y))        d_res_b += sum d_s
    d_w     += conv_w_grad(d_Y, x)              d_b     += sum d_Y
    ```

    where the input gradient's convolution is the forward's with the
    kernel flipped and the channels transposed (`ldmatrix.trans` of the
    same staged weights). relu(Y) and d_Y are rounded to the 16-bit type
    before the products that read them, as PyTorch's 16-bit autograd keeps
    them; `d_b` sums d_Y before that rounding. The four parameter
    gradients are f32 sums over every token (and position): each block
    keeps its part in registers over its tokens and adds it with
    reductions (`red.global.add`), so their last bits vary from run to
    run. Reads `x` `[B, T, H, D]` and `d_s` `[B, T, H', D]`, writes `d_x`
    like `x`; 16-bit operands of one type, identity layouts; the
    gradients of the parameters f32, shaped as the parameters. A block
    has `warps` warps, the forward's warps a token
    (`getHeadSimWarpsPerToken`).

    Example:

    ```mlir
    sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
        into %dx params(%dw, %db, %drw, %drb) warps(8)
        : memref<?x?x12x64xbf16>, memref<24x12x3xbf16>, memref<24xbf16>,
          memref<24x24x3xbf16>, memref<?x?x24x64xbf16>,
          memref<?x?x12x64xbf16>, memref<24x12x3xf32>, memref<24xf32>,
          memref<24x24x3xf32>, memref<24xf32>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "input heads", [MemRead]>:$x,
                       Arg<SAS_HalfMemRef3, "", [MemRead]>:$w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$b,
                       Arg<SAS_HalfMemRef3, "", [MemRead]>:$res_w,
                       Arg<SAS_HalfMemRef, "the result's gradient",
                           [MemRead]>:$d_s,
                       Arg<SAS_HalfMemRef, "the input's gradient",
                           [MemWrite]>:$d_x,
                       Arg<SAS_F32MemRef3, "w's gradient, accumulated",
                           [MemRead, MemWrite]>:$d_w,
                       Arg<SAS_F32MemRef1, "b's gradient, accumulated",
                           [MemRead, MemWrite]>:$d_b,
                       Arg<SAS_F32MemRef3, "res_w's gradient, accumulated",
                           [MemRead, MemWrite]>:$d_res_w,
                       Arg<SAS_F32MemRef1, "res_b's gradient, accumulated",
                           [MemRead, MemWrite]>:$d_res_b,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps);

  let assemblyFormat = [{
    $x `weights` `(` $w `,` $b `)` `residual` `(` $res_w `)` `grad` `(` $d_s
    `)` `into` $d_x `params` `(` $d_w `,` $d_b `,` $d_res_w `,` $d_res_b `)`
    `warps` `(` $warps `)` attr-dict `:` type($x) `,` type($w) `,` type($b)
    `,` type($res_w) `,` type($d_s) `,` type($d_x) `,` type($d_w) `,`
    type($d_b) `,` type($d_res_w) `,` type($d_res_b)
  }];

  let hasVerifier = 1;
}

def SAS_MmaFeatureSimGradOp : SAS_Op<"mma_feature_sim_grad"> {
  let summary = "the feature simulation's input gradient on buffers, to "
                "become a tensor-core kernel";
  let description = [{
    `sas.feature_sim_grad`'s row-by-row part after bufferization, on the
    path to one tensor-core (mma.sync) kernel in which every product of 16
    rows a warp stays in registers (docs/spec.md, "Gradients"):

    ```
    f   = x w^T + b                 (recomputed; f32 accumulators)
    r   = relu(f)                   -> relu_f (16-bit)
    d_f = d_z + (d_z res_w) * [f > 0]   -> d_f (16-bit)
    d_x = d_f w                     -> d_x (16-bit)
    ```

    a chunk of f's columns at a time (`getFeatureSimChunk`), `d_x`
    accumulated over the chunks. `relu_f` and `d_f` are what the weight
    gradients need (`sas.mma_weight_grad`: `d res_w = d_z^T relu_f`,
    `d w = d_f^T x`, and the bias gradients as their row sums); they are
    rounded to the 16-bit type as PyTorch's own 16-bit autograd keeps them.
    Reads `x` `[B, T, H', D]` and `d_z` `[B, T, H', D']`; writes `d_x` like
    `x` and `d_f`, `relu_f` like `d_z`; operands in one 16-bit type,
    identity layouts. A block of `warps` warps loads both weights once and
    then handles `row_tiles` tiles of `16 * warps` rows.

    Example:

    ```mlir
    sas.mma_feature_sim_grad %s weights(%w, %b) residual(%rw) grad(%dz)
        into %dx, %df, %r warps(4) row_tiles(4)
        : memref<?x?x24x64xbf16>, memref<128x64xbf16>, memref<128xbf16>,
          memref<128x128xbf16>, memref<?x?x24x128xbf16>,
          memref<?x?x24x64xbf16>, memref<?x?x24x128xbf16>,
          memref<?x?x24x128xbf16>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "input heads", [MemRead]>:$x,
                       Arg<SAS_HalfMemRef2, "", [MemRead]>:$w,
                       Arg<SAS_HalfMemRef1, "", [MemRead]>:$b,
                       Arg<SAS_HalfMemRef2, "", [MemRead]>:$res_w,
                       Arg<SAS_HalfMemRef, "the result's gradient",
                           [MemRead]>:$d_z,
                       Arg<SAS_HalfMemRef, "the input's gradient",
                           [MemWrite]>:$d_x,
                       Arg<SAS_HalfMemRef, "f's gradient", [MemWrite]>:$d_f,
                       Arg<SAS_HalfMemRef, "relu(f)", [MemWrite]>:$relu_f,
                       ConfinedAttr<I64Attr, [IntPositive]>:$warps,
                       ConfinedAttr<I64Attr, [IntPositive]>:$row_tiles);

  let assemblyFormat = [{
    $x `weights` `(` $w `,` $b `)` `residual` `(` $res_w `)` `grad` `(` $d_z
    `)` `into` $d_x `,` $d_f `,` $relu_f `warps` `(` $warps `)` `row_tiles`
    `(` $row_tiles `)` attr-dict `:` type($x) `,` type($w) `,` type($b) `,`
    type($res_w) `,` type($d_z) `,` type($d_x) `,` type($d_f) `,`
    type($relu_f)
  }];

  let hasVerifier = 1;
}

def SAS_MmaWeightGradOp : SAS_Op<"mma_weight_grad"> {
  let summary = "the weight and bias gradient of a map applied to every "
                "row, on buffers, to become a tensor-core kernel";
  let description = [{
    For a linear map applied to every row `r` of a `[B, T, N, *]` buffer
    (`out_r = w in_r + b`), its weight and bias gradients summed over all
    `B * T * N` rows, accumulated onto `d_w` and `d_b` in f32:

    ```
    d_w[p, q] += sum_r grad[r, p] * input[r, q]      // [P, Q]
    d_b[p]    += sum_r grad[r, p]                    // [P], optional
    ```

    One tensor-core (mma.sync) kernel: each block multiplies a
    `[rows, 64]` slice of `grad` (transposed by `ldmatrix.trans`) with one
    of `input` over `row_chunk` rows, 32 rows a step through a ring of
    cp.async buffers, and adds its f32 tile to `d_w` with reductions
    (`red.global.add`): the order of the additions, and so the last bits
    of the result, vary from run to run. The bias gradient is the same
    product with a column of ones. `grad` and `input` are 16-bit (one type,
    identity layouts, the same rows); `P` and `Q` multiples of 32.

    Example:

    ```mlir
    sas.mma_weight_grad %df, %x into %dw, %db row_chunk(2048)
        : memref<?x?x24x128xbf16>, memref<?x?x24x64xbf16>,
          memref<128x64xf32>, memref<128xf32>
    ```
  }];

  let arguments = (ins Arg<SAS_HalfMemRef, "the output's gradient",
                           [MemRead]>:$grad,
                       Arg<SAS_HalfMemRef, "the map's input", [MemRead]>:$input,
                       Arg<SAS_F32MemRef2, "the weight's gradient, accumulated",
                           [MemRead, MemWrite]>:$d_w,
                       Arg<Optional<SAS_F32MemRef1>,
                           "the bias's gradient, accumulated",
                           [MemRead, MemWrite]>:$d_b,
                       ConfinedAttr<I64Attr, [IntPositive]>:$row_chunk);

  let assemblyFormat = [{
    $grad `,` $input `into` $d_w (`,` $d_b^)? `row_chunk` `(` $row_chunk `)`
    attr-dict `:` type($grad) `,` type($input) `,` type($d_w)
    (`,` type($d_b)^)?
  }];

  let hasVerifier = 1;
}

include "sas/Dialect/SAS/IR/SASGradientOps.td"

#endif // SAS_DIALECT_SAS_IR_SASOPS_TD
