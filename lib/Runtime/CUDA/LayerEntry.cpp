//===- LayerEntry.cpp - The API of a SAS layer library ----------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas-run --emit-lib links this runtime with the compiled layer, which
// defines the symbols declared below: the host function of the layer (the C
// interface of MLIR: a pointer to the memref descriptor of each of q, k, v,
// the 22 parameters and out), the shapes of those 26 buffers, its
// configuration as JSON and the batch and sequence length it was built for.
//
//===----------------------------------------------------------------------===//

#include "sas-c/LayerLibrary.h"

#include "CudaDriver.h"

#include <string>

using namespace sas::cuda;

extern "C" {
void _mlir_ciface_sas_layer_device(void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *, void *, void *, void *, void *,
                                   void *);
extern const char sas_layer_config_json[];
extern const int64_t sas_layer_sizes[2];
extern const int64_t sas_layer_arg_shapes[];
}

namespace {
constexpr int kNumArgs = 26;
constexpr int kMaxRank = 4;

/// A ranked memref descriptor of a contiguous row-major buffer, laid out as
/// MLIR's C interface expects: allocated and aligned pointers, offset,
/// sizes, strides.
struct Descriptor {
  const void *allocated = nullptr, *aligned = nullptr;
  int64_t offset = 0;
  int64_t sizesAndStrides[2 * kMaxRank] = {};

  /// `shape` holds -1 for a dynamic batch and -2 for a dynamic length.
  void set(const void *data, const int64_t *shape, int64_t rank, int64_t b,
           int64_t t) {
    allocated = aligned = data;
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      int64_t size = shape[d] == -1 ? b : shape[d] == -2 ? t : shape[d];
      sizesAndStrides[d] = size;
      sizesAndStrides[rank + d] = stride;
      stride *= size;
    }
  }
};
} // namespace

#define SAS_EXPORT __attribute__((visibility("default")))

extern "C" SAS_EXPORT int sas_layer_forward(const void *q, const void *k,
                                            const void *v,
                                            const void *const *params,
                                            void *out, int64_t B, int64_t T,
                                            void *stream) {
  clearError();
  if (B <= 0 || T <= 0) {
    recordError("sas_layer_forward: B and T must be positive, got " +
                std::to_string(B) + " and " + std::to_string(T));
    return 1;
  }
  if ((sas_layer_sizes[0] >= 0 && B != sas_layer_sizes[0]) ||
      (sas_layer_sizes[1] >= 0 && T != sas_layer_sizes[1])) {
    auto built = [](int64_t size) {
      return size < 0 ? std::string("any") : std::to_string(size);
    };
    recordError("sas_layer_forward: B, T = " + std::to_string(B) + ", " +
                std::to_string(T) + " but this library was built for B, T = " +
                built(sas_layer_sizes[0]) + ", " + built(sas_layer_sizes[1]));
    return 1;
  }
  if (!q || !k || !v || !out || !params) {
    recordError("sas_layer_forward: q, k, v, params and out must not be null");
    return 1;
  }
  for (int i = 0; i < 22; ++i)
    if (!params[i]) {
      recordError("sas_layer_forward: parameter " + std::to_string(i) +
                  " is null");
      return 1;
    }
  if (!ensureContext())
    return 1;
  setCurrentStream(static_cast<CUstream>(stream));
  const void *buffers[kNumArgs] = {q, k, v};
  for (int i = 0; i < 22; ++i)
    buffers[3 + i] = params[i];
  buffers[kNumArgs - 1] = out;
  Descriptor d[kNumArgs];
  const int64_t *shape = sas_layer_arg_shapes;
  for (int i = 0; i < kNumArgs; ++i) {
    d[i].set(buffers[i], shape + 1, shape[0], B, T);
    shape += 1 + shape[0];
  }
  _mlir_ciface_sas_layer_device(
      &d[0], &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7], &d[8], &d[9],
      &d[10], &d[11], &d[12], &d[13], &d[14], &d[15], &d[16], &d[17], &d[18],
      &d[19], &d[20], &d[21], &d[22], &d[23], &d[24], &d[25]);
  setCurrentStream(nullptr);
  return hasError() ? 1 : 0;
}

extern "C" SAS_EXPORT const char *sas_layer_config(void) {
  return sas_layer_config_json;
}

extern "C" SAS_EXPORT const char *sas_last_error(void) {
  return getLastError();
}
