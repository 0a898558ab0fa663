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
/// CUmemPoolProps (cuda.h): a pool of pinned device memory on device `id`
/// is allocType 1 (CU_MEM_ALLOCATION_TYPE_PINNED), no export handles, and
/// location {1 (CU_MEM_LOCATION_TYPE_DEVICE), id}; everything else zero.
struct CUmemPoolProps {
  int allocType;
  int handleTypes;
  struct {
    int type;
    int id;
  } location;
  void *win32SecurityAttributes;
  size_t maxSize;
  unsigned short usage;
  unsigned char reserved[54];
};
static_assert(sizeof(CUmemPoolProps) == 88, "cuda.h's CUmemPoolProps_v1");
constexpr int CU_MEM_ALLOCATION_TYPE_PINNED = 1;
constexpr int CU_MEM_LOCATION_TYPE_DEVICE = 1;

constexpr CUresult CUDA_SUCCESS = 0;

/// The driver entry points the runtime calls.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*cuFuncGetAttribute)(int *, int, CUfunction);
  CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
  CUresult (*cuCtxGetDevice)(CUdevice *);
  CUresult (*cuMemPoolCreate)(CUmemoryPool *, const CUmemPoolProps *);
  CUresult (*cuMemPoolSetAttribute)(CUmemoryPool, int, void *);
  CUresult (*cuMemAllocFromPoolAsync)(CUdeviceptr *, size_t, CUmemoryPool,
                                      CUstream);
};

/// CUdevice_attribute: the compute capability.
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

/// CUmemPool_attribute: the bytes a pool keeps when a stream synchronizes.
constexpr int CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;

/// CUfunction_attribute values the launch diagnostics report.
constexpr int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
constexpr int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
/// Set before launching a kernel whose dynamic and static shared memory
/// add up to more than 48 KiB: the driver refuses such a launch unless the
/// kernel opts in.
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int kDefaultSharedBytesPerBlock = 48 * 1024;

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
