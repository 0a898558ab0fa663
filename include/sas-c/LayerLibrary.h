/*===- LayerLibrary.h - The C interface of SAS CUDA layer libraries -*- C -*-===*\
|*                                                                            *|
|* Part of the SAS-MLIR project.                                              *|
|*                                                                            *|
|* A library written by `sas-run --target cuda --emit-lib OUT.so` runs one    *|
|* compiled SAS layer on an NVIDIA GPU. It needs nothing but the CUDA driver  *|
|* (libcuda.so.1, opened on first use) and exports the functions below, and   *|
|* no other symbol.                                                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SAS_C_LAYERLIBRARY_H
#define SAS_C_LAYERLIBRARY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Runs the layer on the CUDA stream `stream` (a CUstream; NULL is the
/// legacy default stream) of the calling thread's current context (the
/// primary context of device 0 when there is none). All pointers are device
/// pointers, 16-byte aligned (the kernels move 16 bytes at a time; a call
/// with another pointer fails and says which), to contiguous row-major
/// arrays of the library's dtype: q, k and
/// v are [B, T, H, D], `out` is [B, T, H*D], `params` the 22 parameters in
/// the state-dict order of sas_layer_config(). Work, temporary allocations
/// and frees are enqueued on `stream`; the call does not synchronize. B and
/// T are any positive sizes for a library built without --batch/--seq-len,
/// else the sizes it was built for. Returns 0 on success; otherwise nothing
/// more is enqueued and sas_last_error() says why. The first call on a
/// device checks that the library's kernels run on it (they are built for
/// one chip, sas_layer_config()'s "chip") and fails, naming both, if not.
int sas_layer_forward(const void *q, const void *k, const void *v,
                      const void *const *params, void *out, int64_t B,
                      int64_t T, void *stream);

/// JSON: sizes (batch and seq_len null when any), dtype, causal, scale,
/// chip, the parameters (state-dict key and shape) in the order
/// sas_layer_forward takes them, "kernels" (name and path of each kernel:
/// "wgmma" or "mma.sync" on tensor cores, "linalg" for loops generated
/// from linalg: the elementwise passes between the kernels (fills,
/// roundings) and the slow path of an op that declined its kernel) and
/// "linalg_reasons" (why each op on the slow path is there).
const char *sas_layer_config(void);

/// The layer's attention core alone, for measuring the attention kernel:
/// softmax(q k^T * scale + mask) v per simulated head, with the layer's
/// scale and causal mask, on device pointers of the library's dtype: q and k
/// [B, T, H', D'], v and `out` [B, T, H', D]. Same conventions as
/// sas_layer_forward (stream, sizes, return value).
int sas_attention_forward(const void *q, const void *k, const void *v,
                          void *out, int64_t B, int64_t T, void *stream);

/// The attention core's forward that also writes `lse` (float32
/// [B, T, H']): lse = log(sum_j exp(scale * q . k_j)) over the keys j each
/// query sees, what sas_attention_backward recomputes the probabilities
/// from. Otherwise as sas_attention_forward.
int sas_attention_forward_lse(const void *q, const void *k, const void *v,
                              void *out, void *lse, int64_t B, int64_t T,
                              void *stream);

/// The attention core's backward (new in this version; see
/// docs/perf-log/gpu-backward.md for what has been checked): from q, k, v,
/// the forward's `out` and `lse` (sas_attention_forward_lse) and the
/// gradient `d_out` of `out` (the shape of `out`), writes the gradients d_q, d_k ([B, T, H', D']) and
/// d_v ([B, T, H', D]). Its f32 temporaries (rowsum(d_out * out) and the
/// d_q accumulator, 4 * B * T * H' * (D' + 1) bytes) are allocated and
/// freed on `stream`. Same conventions as sas_attention_forward. Libraries
/// whose attention has no GPU backward (f32 layers, head sizes the
/// tensor-core kernel does not take) export both functions but fail every
/// call, saying why.
int sas_attention_backward(const void *q, const void *k, const void *v,
                           const void *out, const void *lse, const void *d_out,
                           void *d_q, void *d_k, void *d_v, int64_t B,
                           int64_t T, void *stream);

/// The layer's backward, in libraries built with it (sas-run --target cuda
/// --backward; new in this version, see docs/perf-log/gpu-backward.md):
/// from q, k, v, the 22 parameters (as sas_layer_forward takes them) and the
/// gradient `d_out` of the layer's output ([B, T, H*D]), writes the
/// gradients d_q, d_k, d_v (shaped like q) and d_params[i] of each
/// parameter (shaped like params[i]), all in the library's dtype. It
/// recomputes the forward values it needs: nothing is kept from a forward
/// call. In a 16-bit layer every step's gradient runs on tensor cores
/// where its sizes allow (sas_layer_config()'s "linalg_reasons" names
/// each that does not, and why); fills and roundings between the kernels
/// are linalg loops. Its
/// temporaries are allocated and freed on `stream`. Same conventions as
/// sas_layer_forward; a library without it fails every call, saying why
/// (sas_layer_config()'s "layer_backward_note").
int sas_layer_backward(const void *q, const void *k, const void *v,
                       const void *const *params, const void *d_out, void *d_q,
                       void *d_k, void *d_v, void *const *d_params, int64_t B,
                       int64_t T, void *stream);

/// A training step's forward: sas_layer_forward, and also what
/// sas_layer_backward_saved takes instead of recomputing the attention: the
/// attention's output `attention_out` ([B, T, H', D], the library's dtype)
/// and its log-sum-exp `lse` (float32 [B, T, H']), written as
/// sas_attention_forward_lse writes them. In libraries with the layer
/// backward whose cost model keeps them (sas_layer_config()'s
/// "saves_attention"; every library of dynamic T); other libraries fail the
/// call, saying why. Same conventions as sas_layer_forward.
int sas_layer_forward_save(const void *q, const void *k, const void *v,
                           const void *const *params, void *out,
                           void *attention_out, void *lse, int64_t B, int64_t T,
                           void *stream);

/// sas_layer_backward, taking `attention_out` and `lse` from
/// sas_layer_forward_save of the same q, k, v and parameters instead of
/// recomputing the attention's forward (the simulations are recomputed:
/// cheaper than keeping them). Same conventions as sas_layer_backward.
int sas_layer_backward_saved(const void *q, const void *k, const void *v,
                             const void *const *params,
                             const void *attention_out, const void *lse,
                             const void *d_out, void *d_q, void *d_k, void *d_v,
                             void *const *d_params, int64_t B, int64_t T,
                             void *stream);

/// The message of the calling thread's last failed call ("" if none),
/// naming the CUDA call and its error.
const char *sas_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* SAS_C_LAYERLIBRARY_H */
