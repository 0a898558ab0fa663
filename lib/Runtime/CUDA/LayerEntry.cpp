//===- LayerEntry.cpp - The exported API of a SAS layer library --*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas-run --emit-lib links this runtime with the compiled layer, which
// defines the symbols declared below: the host function of the layer (bare
// pointers: q, k, v, the 22 parameters, out), its configuration as JSON and
// the batch and sequence length it was built for.
//
//===----------------------------------------------------------------------===//

#include "sas-c/LayerLibrary.h"

#include "CudaDriver.h"

#include <string>

using namespace sas::cuda;

extern "C" {
void sas_layer_device(const void *, const void *, const void *, const void *,
                      const void *, const void *, const void *, const void *,
                      const void *, const void *, const void *, const void *,
                      const void *, const void *, const void *, const void *,
                      const void *, const void *, const void *, const void *,
                      const void *, const void *, const void *, const void *,
                      const void *, void *);
extern const char sas_layer_config_json[];
extern const int64_t sas_layer_sizes[2];
}

#define SAS_EXPORT __attribute__((visibility("default")))

extern "C" SAS_EXPORT int sas_layer_forward(const void *q, const void *k,
                                            const void *v,
                                            const void *const *params,
                                            void *out, int64_t B, int64_t T,
                                            void *stream) {
  clearError();
  if (B != sas_layer_sizes[0] || T != sas_layer_sizes[1]) {
    recordError("sas_layer_forward: B, T = " + std::to_string(B) + ", " +
                std::to_string(T) + " but this library was built for B, T = " +
                std::to_string(sas_layer_sizes[0]) + ", " +
                std::to_string(sas_layer_sizes[1]));
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
  const void *const *p = params;
  sas_layer_device(q, k, v, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
                   p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16],
                   p[17], p[18], p[19], p[20], p[21], out);
  setCurrentStream(nullptr);
  return hasError() ? 1 : 0;
}

extern "C" SAS_EXPORT const char *sas_layer_config(void) {
  return sas_layer_config_json;
}

extern "C" SAS_EXPORT const char *sas_last_error(void) {
  return getLastError();
}
