//===- MgpuRuntime.cpp - The mgpu* calls of gpu-to-llvm ---------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Host code lowered by gpu-to-llvm calls these entry points (Debian ships no
// libmlir_cuda_runtime). Unlike upstream's runtime they never abort and
// never synchronize:
//
// - every "stream" is the stream of the running layer call, so kernels,
//   temporary allocations (cuMemAllocFromPoolAsync, from the runtime's own
//   pool) and frees are ordered on the
//   caller's stream and the call returns without waiting;
// - modules are loaded lazily, per context, at the first kernel lookup: the
//   module constructors run at dlopen time, when there may be no context
//   (and no GPU at all);
// - the first failing driver call is recorded (sas_last_error) and every
//   later launch and allocation of the call is skipped; frees still
//   run so that nothing leaks.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <cstdint>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

using namespace sas::cuda;

extern "C" {
/// Defined by the compiled layer (sas/Runtime/LayerLibraryABI.h).
extern const int64_t sas_layer_target_capability[2];
}

namespace {

/// Whether the current device can run the library's cubins: a cubin for
/// sm_XY runs on compute capability X.Y' with Y' >= Y, an arch-specific one
/// (sm_90a) on X.Y alone. Says which device and which build otherwise,
/// instead of the driver's "no kernel image".
bool checkDeviceRunsKernels() {
  const Driver *driver = getDriver();
  CUdevice device = 0;
  int major = 0, minor = 0;
  if (!check("cuCtxGetDevice", driver->cuCtxGetDevice(&device)) ||
      !check("cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)",
             driver->cuDeviceGetAttribute(
                 &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                 device)) ||
      !check("cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)",
             driver->cuDeviceGetAttribute(
                 &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                 device)))
    return false;
  int64_t built = sas_layer_target_capability[0];
  bool archSpecific = sas_layer_target_capability[1] != 0;
  int64_t has = 10 * major + minor;
  bool runs = archSpecific ? has == built
                           : has / 10 == built / 10 && has >= built;
  if (runs)
    return true;
  char name[256] = "";
  driver->cuDeviceGetName(name, sizeof(name), device);
  std::string chip = "sm_" + std::to_string(built) + (archSpecific ? "a" : "");
  std::string device_chip = "sm_" + std::to_string(has);
  recordError("this library's kernels are built for " + chip +
              " (compute capability " + std::to_string(built / 10) + "." +
              std::to_string(built % 10) + (archSpecific ? " only" : "") +
              "), but the device, " + name + ", has compute capability " +
              std::to_string(major) + "." + std::to_string(minor) +
              ": build the library for it (sas-run --target cuda --chip " +
              device_chip + ")");
  return false;
}


/// A kernel binary and the modules loaded from it, one per context, with
/// the functions looked up in them: the host code asks for a kernel's
/// function at each of its launches, by a name whose address is constant.
struct LazyModule {
  struct Function {
    CUcontext context;
    const char *name;
    CUfunction function;
  };
  const void *data;
  std::mutex mutex;
  std::vector<std::pair<CUcontext, CUmodule>> loaded;
  std::vector<Function> functions;
};

/// The runtime's own memory pool on the current device, created at its
/// first use, which the temporaries come from (cuMemAllocFromPoolAsync). It
/// keeps freed memory across stream synchronizations (release threshold:
/// no limit): a pool that returns it to the system there maps it again on
/// the next call, 0.16-0.37 ms a call on the H200 (docs/perf-log). A pool
/// of its own, so that the device's default pool, which the rest of the
/// process may use, keeps its settings. PyTorch's caching allocator keeps
/// its memory the same way.
CUmemoryPool getPool() {
  static std::mutex mutex;
  static std::vector<std::pair<CUdevice, CUmemoryPool>> pools;
  const Driver *driver = getDriver();
  CUdevice device = 0;
  if (!check("cuCtxGetDevice", driver->cuCtxGetDevice(&device)))
    return nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  for (auto &[d, pool] : pools)
    if (d == device)
      return pool;
  CUmemPoolProps props = {};
  props.allocType = CU_MEM_ALLOCATION_TYPE_PINNED;
  props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  props.location.id = device;
  CUmemoryPool pool = nullptr;
  uint64_t threshold = UINT64_MAX;
  if (!check("cuMemPoolCreate", driver->cuMemPoolCreate(&pool, &props)) ||
      !check("cuMemPoolSetAttribute(RELEASE_THRESHOLD)",
             driver->cuMemPoolSetAttribute(
                 pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &threshold)))
    return nullptr;
  pools.push_back({device, pool});
  return pool;
}

/// cuLaunchKernel's limits on grid dimensions.
constexpr int64_t kMaxGrid[3] = {2147483647, 65535, 65535};

} // namespace

extern "C" {

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  auto *module = new LazyModule();
  module->data = data;
  return module;
}

void mgpuModuleUnload(void *handle) {
  // Called from a destructor at exit, when the driver and the contexts may
  // already be gone: the modules are left to their contexts, which free
  // them when they are destroyed.
  delete static_cast<LazyModule *>(handle);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  if (hasError() || !ensureContext())
    return nullptr;
  const Driver *driver = getDriver();
  auto *module = static_cast<LazyModule *>(handle);
  CUcontext context = nullptr;
  if (!check("cuCtxGetCurrent", driver->cuCtxGetCurrent(&context)))
    return nullptr;
  std::lock_guard<std::mutex> lock(module->mutex);
  for (const LazyModule::Function &f : module->functions)
    if (f.context == context && f.name == name)
      return f.function;
  CUmodule loaded = nullptr;
  for (auto &[c, m] : module->loaded)
    if (c == context)
      loaded = m;
  if (!loaded) {
    if (!checkDeviceRunsKernels())
      return nullptr;
    if (!check("cuModuleLoadData (the layer's kernels; built for another "
               "GPU architecture?)",
               driver->cuModuleLoadData(&loaded, module->data)))
      return nullptr;
    module->loaded.emplace_back(context, loaded);
  }
  CUfunction function = nullptr;
  if (!check((std::string("cuModuleGetFunction(") + name + ")").c_str(),
             driver->cuModuleGetFunction(&function, loaded, name)))
    return nullptr;
  module->functions.push_back({context, name, function});
  return function;
}

void *mgpuStreamCreate() { return getCurrentStream(); }
void mgpuStreamDestroy(void *) {}
// Ordering on the caller's stream is all the host code needs.
void mgpuStreamSynchronize(void *) {}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  if (hasError() || !function)
    return;
  intptr_t grid[3] = {gridX, gridY, gridZ};
  for (int d = 0; d < 3; ++d) {
    if (grid[d] == 0)
      return; // An empty launch: nothing to do.
    if (grid[d] < 0 || grid[d] > kMaxGrid[d]) {
      recordError("kernel launch: grid dimension " + std::to_string(d) +
                  " is " + std::to_string(grid[d]) + ", above the limit " +
                  std::to_string(kMaxGrid[d]));
      return;
    }
  }
  const Driver *driver = getDriver();
  auto kernel = static_cast<CUfunction>(function);
  // A block may use 48 KiB of shared memory, static and dynamic together,
  // unless the kernel opts in to more dynamic memory: computed from the
  // kernel's own static size, once a kernel and size.
  if (smem > 0) {
    static std::mutex mutex;
    static std::vector<std::pair<CUfunction, int32_t>> optedIn;
    std::lock_guard<std::mutex> lock(mutex);
    bool known = false;
    for (auto &[f, bytes] : optedIn)
      if (f == kernel && bytes >= smem)
        known = true;
    if (!known) {
      int staticBytes = 0;
      if (!check("cuFuncGetAttribute(SHARED_SIZE_BYTES)",
                 driver->cuFuncGetAttribute(
                     &staticBytes, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES,
                     kernel)))
        return;
      if (int64_t(smem) + staticBytes > kDefaultSharedBytesPerBlock &&
          !check("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)",
                 driver->cuFuncSetAttribute(
                     kernel, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                     smem)))
        return;
      optedIn.push_back({kernel, smem});
    }
  }
  CUresult result = driver->cuLaunchKernel(
      kernel, gridX, gridY, gridZ, blockX, blockY, blockZ, smem,
      static_cast<CUstream>(stream), params, extra);
  if (result == CUDA_SUCCESS)
    return;
  // The launch and the kernel's limits, for the message.
  auto attribute = [&](int which) {
    int value = -1;
    driver->cuFuncGetAttribute(&value, which, kernel);
    return std::to_string(value);
  };
  std::string call = "cuLaunchKernel(grid " + std::to_string(gridX) + "x" +
                     std::to_string(gridY) + "x" + std::to_string(gridZ) +
                     ", block " + std::to_string(blockX) + "x" +
                     std::to_string(blockY) + "x" + std::to_string(blockZ) +
                     ", " + std::to_string(smem) +
                     " B dynamic shared memory, " +
                     std::to_string(paramsCount) + " parameters) of a "
                     "kernel with at most " +
                     attribute(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK) +
                     " threads per block, " +
                     attribute(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES) +
                     " B static shared memory, " +
                     attribute(CU_FUNC_ATTRIBUTE_NUM_REGS) + " registers";
  check(call.c_str(), result);
}

void *mgpuMemAlloc(uint64_t size, void *stream, bool /*isHostShared*/) {
  if (hasError() || size == 0 || !ensureContext())
    return nullptr;
  CUmemoryPool pool = getPool();
  if (!pool)
    return nullptr;
  CUdeviceptr pointer = 0;
  if (!check("cuMemAllocFromPoolAsync",
             getDriver()->cuMemAllocFromPoolAsync(
                 &pointer, size, pool, static_cast<CUstream>(stream))))
    return nullptr;
  return reinterpret_cast<void *>(pointer);
}

void mgpuMemFree(void *pointer, void *stream) {
  if (!pointer)
    return;
  if (const Driver *driver = getDriver())
    check("cuMemFreeAsync",
          driver->cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(pointer),
                                 static_cast<CUstream>(stream)));
}

} // extern "C"
