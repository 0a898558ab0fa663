//===- LayerEntry.cpp - The API of a SAS layer library ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas-run --emit-lib links this runtime with the compiled layer, which
// defines the symbols declared below: the host function of the layer (the C
// interface of MLIR: a pointer to the memref descriptor of each of q, k, v,
// the 22 parameters and out), the same for the attention core alone (q, k,
// v, out at the simulated sizes), the shapes of those buffers, its
// configuration as JSON and the batch and sequence length it was built for
// (names and encodings: sas/Runtime/LayerLibraryABI.h).
//
//===----------------------------------------------------------------------===//

#include "sas-c/LayerLibrary.h"

#include "CudaDriver.h"
#include "sas/Runtime/LayerLibraryABI.h"

#include <cstdint>
#include <string>
#include <utility>

using namespace sas::cuda;

namespace {
/// The C interface of a host function taking N memref descriptors.
template <size_t>
using DescriptorPtr = void *;
template <typename Indices>
struct EntryType;
template <size_t... I>
struct EntryType<std::index_sequence<I...>> {
  using type = void(DescriptorPtr<I>...);
};
using LayerBackwardEntry = EntryType<
    std::make_index_sequence<mlir::sas::abi::kNumLayerBackwardArgs>>::type;
using LayerSaveEntry = EntryType<
    std::make_index_sequence<mlir::sas::abi::kNumLayerSaveArgs>>::type;
using LayerBackwardSavedEntry = EntryType<
    std::make_index_sequence<mlir::sas::abi::kNumLayerBackwardSavedArgs>>::type;
} // namespace

extern "C" {
void _mlir_ciface_sas_layer_device(void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *);
void _mlir_ciface_sas_attention_device(void *, void *, void *, void *);
// Defined only where the library has the attention backward.
__attribute__((weak)) void
_mlir_ciface_sas_attention_lse_device(void *, void *, void *, void *, void *);
__attribute__((weak)) void _mlir_ciface_sas_attention_backward_device(
    void *, void *, void *, void *, void *, void *, void *, void *, void *);
// Defined only where the library was built with the layer backward.
__attribute__((weak)) LayerBackwardEntry _mlir_ciface_sas_layer_backward_device;
__attribute__((weak)) extern const int64_t sas_layer_backward_arg_shapes[];
// Defined only where it also has the training step's pair.
__attribute__((weak)) LayerSaveEntry _mlir_ciface_sas_layer_save_device;
__attribute__((weak))
LayerBackwardSavedEntry _mlir_ciface_sas_layer_backward_saved_device;
__attribute__((weak)) extern const int64_t sas_layer_save_arg_shapes[];
__attribute__((
    weak)) extern const int64_t sas_layer_backward_saved_arg_shapes[];
extern const char sas_attention_backward_note[];
extern const char sas_layer_backward_note[];
__attribute__((weak)) extern const int64_t sas_attention_lse_arg_shapes[];
__attribute__((weak)) extern const int64_t sas_attention_backward_arg_shapes[];
extern const char sas_layer_config_json[];
extern const int64_t sas_layer_sizes[2];
extern const int64_t sas_layer_arg_shapes[];
extern const int64_t sas_attention_arg_shapes[];
}

using namespace mlir::sas::abi;

namespace {
constexpr int kMaxRank = 4;

/// A ranked memref descriptor of a contiguous row-major buffer, laid out as
/// MLIR's C interface expects: allocated and aligned pointers, offset,
/// sizes, strides.
struct Descriptor {
  const void *allocated = nullptr, *aligned = nullptr;
  int64_t offset = 0;
  int64_t sizesAndStrides[2 * kMaxRank] = {};

  /// `shape` holds kBatch and kLength where `b` and `t` go.
  void set(const void *data, const int64_t *shape, int64_t rank, int64_t b,
           int64_t t) {
    allocated = aligned = data;
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t size = shape[d] == kBatch    ? b
                     : shape[d] == kLength ? t
                                           : shape[d];
      sizesAndStrides[d] = size;
      sizesAndStrides[rank + d] = stride;
      stride *= size;
    }
  }
};
} // namespace

/// Descriptors of `count` buffers from the shape table `shapes`.
static void setDescriptors(Descriptor *d, const void *const *buffers,
                           int count, const int64_t *shapes, int64_t B,
                           int64_t T) {
  for (int i = 0; i < count; ++i) {
    d[i].set(buffers[i], shapes + 1, shapes[0], B, T);
    shapes += 1 + shapes[0];
  }
}

/// Checks what every entry checks: positive sizes that the library was built
/// for, non-null buffers. Records why not and returns false.
static bool checkCall(const char *entry, int64_t B, int64_t T, const void *q,
                      const void *k, const void *v, const void *out) {
  std::string name(entry);
  if (B <= 0 || T <= 0) {
    recordError(name + ": B and T must be positive, got " + std::to_string(B) +
                " and " + std::to_string(T));
    return false;
  }
  if ((sas_layer_sizes[0] != kDynamic && B != sas_layer_sizes[0]) ||
      (sas_layer_sizes[1] != kDynamic && T != sas_layer_sizes[1])) {
    auto built = [](int64_t size) {
      return size == kDynamic ? std::string("any") : std::to_string(size);
    };
    recordError(name + ": B, T = " + std::to_string(B) + ", " +
                std::to_string(T) + " but this library was built for B, T = " +
                built(sas_layer_sizes[0]) + ", " + built(sas_layer_sizes[1]));
    return false;
  }
  if (!q || !k || !v || !out) {
    recordError(name + ": q, k, v and out must not be null");
    return false;
  }
  return true;
}

/// Checks that each of `count` buffers starts at a 16-byte boundary: the
/// kernels read and write 16 bytes at a time (cp.async, vector loads). A
/// tensor's storage from cudaMalloc or PyTorch's allocator always does; a
/// view at an odd element offset may not. Records which buffer does not.
static bool checkAligned(const char *entry, const void *const *buffers,
                         int count) {
  constexpr uintptr_t kAlignment = 16;
  for (int i = 0; i < count; ++i)
    if (reinterpret_cast<uintptr_t>(buffers[i]) % kAlignment) {
      recordError(std::string(entry) + ": pointer argument " +
                  std::to_string(i) +
                  " (counted in the entry's order, parameters one by one) "
                  "is not 16-byte aligned; the kernels read 16 bytes at a "
                  "time (pass a tensor whose storage starts at its first "
                  "element, e.g. x.contiguous().clone())");
      return false;
    }
  return true;
}

/// Calls `entry` with a pointer to each of the descriptors `d`.
template <typename Entry, size_t... I>
static void callEntry(Entry *entry, Descriptor *d, std::index_sequence<I...>) {
  entry(&d[I]...);
}

/// What every entry does once its arguments are checked: checks that the
/// buffers are aligned, then runs `entry` on their descriptors (from the
/// shape table `shapes`) on `stream`. Returns the entry's status.
template <typename Entry, size_t N>
static int runEntry(const char *name, Entry *entry,
                    const void *const (&buffers)[N], const int64_t *shapes,
                    int64_t B, int64_t T, void *stream) {
  if (!checkAligned(name, buffers, N) || !ensureContext())
    return 1;
  setCurrentStream(static_cast<CUstream>(stream));
  Descriptor d[N];
  setDescriptors(d, buffers, N, shapes, B, T);
  callEntry(entry, d, std::make_index_sequence<N>());
  setCurrentStream(nullptr);
  return hasError() ? 1 : 0;
}

#define SAS_EXPORT __attribute__((visibility("default")))

extern "C" SAS_EXPORT int sas_layer_forward(const void *q, const void *k,
                                            const void *v,
                                            const void *const *params,
                                            void *out, int64_t B, int64_t T,
                                            void *stream) {
  clearError();
  if (!checkCall("sas_layer_forward", B, T, q, k, v, out))
    return 1;
  if (!params) {
    recordError("sas_layer_forward: params must not be null");
    return 1;
  }
  for (int i = 0; i < kNumParameters; ++i)
    if (!params[i]) {
      recordError("sas_layer_forward: parameter " + std::to_string(i) +
                  " is null");
      return 1;
    }
  const void *buffers[kNumLayerArgs] = {q, k, v};
  for (int i = 0; i < kNumParameters; ++i)
    buffers[3 + i] = params[i];
  buffers[kNumLayerArgs - 1] = out;
  return runEntry("sas_layer_forward", _mlir_ciface_sas_layer_device, buffers,
                  sas_layer_arg_shapes, B, T, stream);
}

extern "C" SAS_EXPORT int sas_attention_forward(const void *q, const void *k,
                                                const void *v, void *out,
                                                int64_t B, int64_t T,
                                                void *stream) {
  clearError();
  const void *buffers[kNumAttentionArgs] = {q, k, v, out};
  if (!checkCall("sas_attention_forward", B, T, q, k, v, out))
    return 1;
  return runEntry("sas_attention_forward", _mlir_ciface_sas_attention_device,
                  buffers, sas_attention_arg_shapes, B, T, stream);
}

/// Checks that the library has the attention backward and that none of
/// `buffers` is null; records why not and returns false.
static bool checkBackwardCall(const char *entry, const void *const *buffers,
                              const char *const *names, int count) {
  std::string name(entry);
  if (!_mlir_ciface_sas_attention_backward_device) {
    recordError(name + ": this library has no attention backward: " +
                sas_attention_backward_note);
    return false;
  }
  for (int i = 0; i < count; ++i)
    if (!buffers[i]) {
      recordError(name + ": " + names[i] + " must not be null");
      return false;
    }
  return true;
}

extern "C" SAS_EXPORT int sas_attention_forward_lse(const void *q,
                                                    const void *k,
                                                    const void *v, void *out,
                                                    void *lse, int64_t B,
                                                    int64_t T, void *stream) {
  clearError();
  const void *buffers[kNumAttentionLseArgs] = {q, k, v, out, lse};
  static const char *const names[] = {"q", "k", "v", "out", "lse"};
  if (!checkCall("sas_attention_forward_lse", B, T, q, k, v, out) ||
      !checkBackwardCall("sas_attention_forward_lse", buffers, names,
                         kNumAttentionLseArgs))
    return 1;
  return runEntry("sas_attention_forward_lse",
                  _mlir_ciface_sas_attention_lse_device, buffers,
                  sas_attention_lse_arg_shapes, B, T, stream);
}

extern "C" SAS_EXPORT int
sas_attention_backward(const void *q, const void *k, const void *v,
                       const void *out, const void *lse, const void *d_out,
                       void *d_q, void *d_k, void *d_v, int64_t B, int64_t T,
                       void *stream) {
  clearError();
  const void *buffers[kNumAttentionBackwardArgs] = {q,     k,   v,   out, lse,
                                                    d_out, d_q, d_k, d_v};
  static const char *const names[] = {"q",     "k",   "v",   "out", "lse",
                                      "d_out", "d_q", "d_k", "d_v"};
  if (!checkCall("sas_attention_backward", B, T, q, k, v, out) ||
      !checkBackwardCall("sas_attention_backward", buffers, names,
                         kNumAttentionBackwardArgs))
    return 1;
  return runEntry("sas_attention_backward",
                  _mlir_ciface_sas_attention_backward_device, buffers,
                  sas_attention_backward_arg_shapes, B, T, stream);
}

extern "C" SAS_EXPORT int
sas_layer_backward(const void *q, const void *k, const void *v,
                   const void *const *params, const void *d_out, void *d_q,
                   void *d_k, void *d_v, void *const *d_params, int64_t B,
                   int64_t T, void *stream) {
  clearError();
  if (!d_out) {
    recordError("sas_layer_backward: d_out must not be null");
    return 1;
  }
  if (!checkCall("sas_layer_backward", B, T, q, k, v, d_out))
    return 1;
  if (!_mlir_ciface_sas_layer_backward_device) {
    recordError(std::string("sas_layer_backward: this library has no layer "
                            "backward: ") +
                sas_layer_backward_note);
    return 1;
  }
  if (!params || !d_params || !d_q || !d_k || !d_v) {
    recordError("sas_layer_backward: params, d_params, d_q, d_k and d_v must "
                "not be null");
    return 1;
  }
  // In the order of sas_layer_backward_device: the inputs (q, k, v, the
  // parameters, d_out), then their gradients but d_out's.
  constexpr int numInputs = 3 + kNumParameters + 1;
  const void *buffers[kNumLayerBackwardArgs] = {q, k, v};
  buffers[numInputs - 1] = d_out;
  buffers[numInputs] = d_q;
  buffers[numInputs + 1] = d_k;
  buffers[numInputs + 2] = d_v;
  for (int i = 0; i < kNumParameters; ++i) {
    if (!params[i] || !d_params[i]) {
      recordError("sas_layer_backward: parameter " + std::to_string(i) +
                  (params[i] ? "'s gradient" : "") + " is null");
      return 1;
    }
    buffers[3 + i] = params[i];
    buffers[numInputs + 3 + i] = d_params[i];
  }
  return runEntry("sas_layer_backward", _mlir_ciface_sas_layer_backward_device,
                  buffers, sas_layer_backward_arg_shapes, B, T, stream);
}

/// Checks that the library has the training step's pair; records why not.
static bool checkSavesAttention(const char *entry) {
  if (!_mlir_ciface_sas_layer_backward_device) {
    recordError(std::string(entry) +
                ": this library has no layer "
                "backward: " +
                sas_layer_backward_note);
    return false;
  }
  if (!_mlir_ciface_sas_layer_save_device) {
    recordError(std::string(entry) +
                ": this library keeps nothing from the forward: the cost "
                "model's plan recomputes the attention at its sizes (use "
                "sas_layer_forward and sas_layer_backward)");
    return false;
  }
  return true;
}

/// Copies `count` pointers `from` to `to`; records which is null (`what`
/// names them) and returns false.
static bool copyPointers(const char *entry, const char *what,
                         const void *const *from, const void **to, int count) {
  if (!from) {
    recordError(std::string(entry) + ": " + what + " must not be null");
    return false;
  }
  for (int i = 0; i < count; ++i) {
    if (!from[i]) {
      recordError(std::string(entry) + ": " + what + "[" + std::to_string(i) +
                  "] is null");
      return false;
    }
    to[i] = from[i];
  }
  return true;
}

extern "C" SAS_EXPORT int sas_layer_forward_save(const void *q, const void *k,
                                                 const void *v,
                                                 const void *const *params,
                                                 void *out, void *attention_out,
                                                 void *lse, int64_t B,
                                                 int64_t T, void *stream) {
  constexpr const char *entry = "sas_layer_forward_save";
  clearError();
  if (!checkCall(entry, B, T, q, k, v, out) || !checkSavesAttention(entry))
    return 1;
  if (!attention_out || !lse) {
    recordError(std::string(entry) + ": attention_out and lse must not be "
                                     "null");
    return 1;
  }
  // q, k, v, the parameters, out, attention_out, lse.
  const void *buffers[kNumLayerSaveArgs] = {q, k, v};
  if (!copyPointers(entry, "params", params, buffers + 3, kNumParameters))
    return 1;
  buffers[kNumLayerArgs - 1] = out;
  buffers[kNumLayerArgs] = attention_out;
  buffers[kNumLayerArgs + 1] = lse;
  return runEntry(entry, _mlir_ciface_sas_layer_save_device, buffers,
                  sas_layer_save_arg_shapes, B, T, stream);
}

extern "C" SAS_EXPORT int
sas_layer_backward_saved(const void *q, const void *k, const void *v,
                         const void *const *params, const void *attention_out,
                         const void *lse, const void *d_out, void *d_q,
                         void *d_k, void *d_v, void *const *d_params, int64_t B,
                         int64_t T, void *stream) {
  constexpr const char *entry = "sas_layer_backward_saved";
  clearError();
  if (!d_out) {
    recordError(std::string(entry) + ": d_out must not be null");
    return 1;
  }
  if (!checkCall(entry, B, T, q, k, v, d_out) || !checkSavesAttention(entry))
    return 1;
  if (!attention_out || !lse || !d_q || !d_k || !d_v) {
    recordError(std::string(entry) + ": attention_out, lse, d_q, d_k and "
                                     "d_v must not be null");
    return 1;
  }
  // q, k, v, the parameters, attention_out, lse, d_out, then the gradients
  // of q, k, v and the parameters.
  constexpr int numInputs = 3 + kNumParameters + kNumSaved + 1;
  const void *buffers[kNumLayerBackwardSavedArgs] = {q, k, v};
  if (!copyPointers(entry, "params", params, buffers + 3, kNumParameters) ||
      !copyPointers(entry, "d_params", d_params, buffers + numInputs + 3,
                    kNumParameters))
    return 1;
  buffers[3 + kNumParameters] = attention_out;
  buffers[4 + kNumParameters] = lse;
  buffers[numInputs - 1] = d_out;
  buffers[numInputs] = d_q;
  buffers[numInputs + 1] = d_k;
  buffers[numInputs + 2] = d_v;
  return runEntry(entry, _mlir_ciface_sas_layer_backward_saved_device, buffers,
                  sas_layer_backward_saved_arg_shapes, B, T, stream);
}

extern "C" SAS_EXPORT const char *sas_layer_config(void) {
  return sas_layer_config_json;
}

extern "C" SAS_EXPORT const char *sas_last_error(void) {
  return getLastError();
}
