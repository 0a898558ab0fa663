//===- CudaDriver.cpp - The CUDA driver, opened at run time -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

using namespace sas::cuda;

namespace {

thread_local std::string lastError;
thread_local bool errorRecorded = false;
thread_local CUstream currentStream = nullptr;

/// Opens libcuda.so.1 and resolves every entry point; on failure, `error`
/// says what is missing.
const Driver *openDriver(std::string &error) {
  static Driver driver;
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    error = std::string("cannot open the CUDA driver libcuda.so.1: ") +
            (why ? why : "unknown error");
    return nullptr;
  }
  bool complete = true;
  auto resolve = [&](auto &entry, const char *name) {
    entry = reinterpret_cast<std::remove_reference_t<decltype(entry)>>(
        dlsym(handle, name));
    if (!entry && complete) {
      error = std::string("the CUDA driver lacks ") + name +
              " (a driver for CUDA 11.2 or newer is needed)";
      complete = false;
    }
  };
  resolve(driver.cuInit, "cuInit");
  resolve(driver.cuGetErrorName, "cuGetErrorName");
  resolve(driver.cuGetErrorString, "cuGetErrorString");
  resolve(driver.cuDeviceGet, "cuDeviceGet");
  resolve(driver.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  resolve(driver.cuDeviceGetName, "cuDeviceGetName");
  resolve(driver.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  resolve(driver.cuCtxGetCurrent, "cuCtxGetCurrent");
  resolve(driver.cuCtxSetCurrent, "cuCtxSetCurrent");
  resolve(driver.cuModuleLoadData, "cuModuleLoadData");
  resolve(driver.cuModuleGetFunction, "cuModuleGetFunction");
  resolve(driver.cuLaunchKernel, "cuLaunchKernel");
  resolve(driver.cuMemFreeAsync, "cuMemFreeAsync");
  resolve(driver.cuFuncGetAttribute, "cuFuncGetAttribute");
  resolve(driver.cuFuncSetAttribute, "cuFuncSetAttribute");
  resolve(driver.cuCtxGetDevice, "cuCtxGetDevice");
  resolve(driver.cuMemPoolCreate, "cuMemPoolCreate");
  resolve(driver.cuMemPoolSetAttribute, "cuMemPoolSetAttribute");
  resolve(driver.cuMemAllocFromPoolAsync, "cuMemAllocFromPoolAsync");
  if (!complete)
    return nullptr;
  CUresult result = driver.cuInit(0);
  if (result != CUDA_SUCCESS) {
    const char *name = nullptr;
    driver.cuGetErrorName(result, &name);
    error = std::string("cuInit failed: ") + (name ? name : "unknown error") +
            " (no usable NVIDIA GPU?)";
    return nullptr;
  }
  return &driver;
}

} // namespace

const Driver *sas::cuda::getDriver() {
  static std::once_flag once;
  static const Driver *driver = nullptr;
  static std::string openError;
  std::call_once(once, [] { driver = openDriver(openError); });
  if (!driver)
    recordError(openError);
  return driver;
}

void sas::cuda::recordError(const std::string &message) {
  if (errorRecorded)
    return;
  errorRecorded = true;
  lastError = message;
}

void sas::cuda::recordError(const std::string &call, CUresult result) {
  const char *name = nullptr, *description = nullptr;
  if (const Driver *driver = getDriver()) {
    driver->cuGetErrorName(result, &name);
    driver->cuGetErrorString(result, &description);
  }
  recordError(call + " failed: " +
              (name ? name : "CUDA error " + std::to_string(result)) +
              (description ? std::string(" (") + description + ")" : ""));
}

bool sas::cuda::isLogging() {
  static const bool logging = std::getenv("SAS_CUDA_LOG") != nullptr;
  return logging;
}

bool sas::cuda::check(const char *call, CUresult result) {
  if (isLogging())
    std::fprintf(stderr, "sas-cuda: %s -> %d\n", call, result);
  if (result == CUDA_SUCCESS)
    return true;
  recordError(call, result);
  return false;
}

bool sas::cuda::hasError() { return errorRecorded; }
const char *sas::cuda::getLastError() { return lastError.c_str(); }
void sas::cuda::clearError() {
  errorRecorded = false;
  lastError.clear();
}

bool sas::cuda::ensureContext() {
  const Driver *driver = getDriver();
  if (!driver)
    return false;
  CUcontext context = nullptr;
  if (!check("cuCtxGetCurrent", driver->cuCtxGetCurrent(&context)))
    return false;
  if (context)
    return true;
  CUdevice device = 0;
  return check("cuDeviceGet", driver->cuDeviceGet(&device, 0)) &&
         check("cuDevicePrimaryCtxRetain",
               driver->cuDevicePrimaryCtxRetain(&context, device)) &&
         check("cuCtxSetCurrent", driver->cuCtxSetCurrent(context));
}

CUstream sas::cuda::getCurrentStream() { return currentStream; }
void sas::cuda::setCurrentStream(CUstream stream) { currentStream = stream; }
