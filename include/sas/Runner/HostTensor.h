//===- HostTensor.h - Host tensors and .npy files ---------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Dense row-major host tensors in the storage types SAS computes with (f32,
// f16, bf16), conversion between them, and NumPy .npy reading and writing.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_RUNNER_HOSTTENSOR_H
#define SAS_RUNNER_HOSTTENSOR_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
namespace sas {

/// Element types of SAS storage.
enum class StorageType { F32, F16, BF16 };

/// "f32", "f16" or "bf16".
llvm::StringRef stringifyStorageType(StorageType type);
/// Parses "f32", "f16" or "bf16".
std::optional<StorageType> parseStorageType(llvm::StringRef name);
/// Bytes per element.
unsigned getStorageBytes(StorageType type);

/// A dense row-major tensor in host memory.
struct HostTensor {
  llvm::SmallVector<int64_t> shape;
  StorageType type = StorageType::F32;
  std::vector<uint8_t> bytes;

  int64_t getNumElements() const;
  /// Element `i` as f32.
  float get(int64_t i) const;
  /// Sets element `i` from f32 (rounding to nearest even).
  void set(int64_t i, float value);
  /// The same values converted to `type`.
  HostTensor convertTo(StorageType type) const;
  /// Fills with quiet NaNs, so elements the code under test does not write
  /// are caught.
  void poison();

  static HostTensor zeros(llvm::ArrayRef<int64_t> shape, StorageType type);
};

/// "[1, 512, 12, 64]"
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Reads a little-endian float32 or float16 C-order .npy file.
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);

/// Writes `tensor` (converted to float32) as a .npy file.
llvm::Error writeNpyF32(llvm::StringRef path, const HostTensor &tensor);

} // namespace sas
} // namespace mlir

#endif // SAS_RUNNER_HOSTTENSOR_H
