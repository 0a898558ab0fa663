//===- CudaDriver.h - The CUDA driver API, opened at run time ---*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The SAS CUDA runtime depends on nothing but libcuda.so.1, which it opens on
// first use: a layer library loads (and reports its configuration) on a
// machine without a GPU, and builds without the CUDA toolkit. The few driver
// types and entry points it calls are declared here, as the driver API
// defines them.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_LIB_RUNTIME_CUDA_CUDADRIVER_H
#define SAS_LIB_RUNTIME_CUDA_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace sas::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUmemoryPool = struct CUmemPoolHandle_st *;
constexpr CUresult CUDA_SUCCESS = 0;

/// The driver entry points the runtime calls.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*cuFuncGetAttribute)(int *, int, CUfunction);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuCtxGetDevice)(CUdevice *);
  CUresult (*cuDeviceGetDefaultMemPool)(CUmemoryPool *, CUdevice);
  CUresult (*cuMemPoolSetAttribute)(CUmemoryPool, int, void *);
};

/// CUmemPool_attribute: the bytes a pool keeps when a stream synchronizes.
constexpr int CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;

/// CUfunction_attribute values the launch diagnostics report.
constexpr int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
constexpr int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
/// Set before launching a kernel with more than 48 KiB of dynamic shared
/// memory: the driver refuses such a launch unless the kernel opts in.
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int kDefaultDynamicSharedBytes = 48 * 1024;

/// Whether SAS_CUDA_LOG is set: every driver call is then logged to stderr.
bool isLogging();

/// The driver, opened and initialized on the first call; null after
/// recording an error when libcuda.so.1 or one of its entry points is
/// missing or cuInit fails.
const Driver *getDriver();

/// Records the first error of the current call on this thread: "`call`
/// failed: NAME (description)". Later errors of the same call are dropped,
/// so the message names the call that went wrong first.
void recordError(const std::string &call, CUresult result);
void recordError(const std::string &message);
/// Checks `result` of driver call `call`; records and returns false on error.
bool check(const char *call, CUresult result);

/// Whether an error was recorded since the last clearError().
bool hasError();
const char *getLastError();
void clearError();

/// Makes a context current on this thread if none is: the primary context
/// of device 0. Returns false (and records why) on failure.
bool ensureContext();

/// The stream the current layer call runs on (set by sas_layer_forward).
CUstream getCurrentStream();
void setCurrentStream(CUstream stream);

} // namespace sas::cuda

#endif // SAS_LIB_RUNTIME_CUDA_CUDADRIVER_H
