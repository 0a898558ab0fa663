//===- CopyRing.h - A cp.async ring of shared-memory slots ------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// The copy pipeline every tensor-core kernel uses: `stages` shared-memory
// slots, step s's tiles in slot s % stages, copied by cp.async while earlier
// steps compute. One convention for all: each step's copies are one commit
// group, committed even when the step does not exist (an empty group), so
// that "the newest groups" always count steps. The prologue commits steps
// 0 .. stages - 2; loop step s refills step s + stages - 1 into the slot
// step s - 1 read, and waits for step s (or a later one) by counting the
// groups committed after it.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_COPYRING_H
#define SAS_CODEGEN_NVVM_BUILDERS_COPYRING_H

#include "sas/Codegen/NVVM/Builders/DeviceMemory.h"
#include "sas/Codegen/NVVM/Builders/KernelArith.h"

namespace mlir {
namespace sas {

class CopyRing {
public:
  CopyRing(IntArith &k, DeviceMemoryBuilder &mem, int64_t stages)
      : k(k), mem(mem), stages(stages) {}

  int64_t getStages() const { return stages; }
  /// The slot of `step` (i32): step % stages.
  Value slotIndex(Value step) { return k.rem(step, stages); }

  /// The prologue: `issue(s)` for steps 0 .. stages - 2 (it skips steps
  /// that do not exist), each committed as one group.
  void issuePrologue(function_ref<void(int64_t step)> issue);
  /// Starts loop step s: its refill is not issued yet.
  void beginStep() { refilled = false; }
  /// `issue` starts the copies of step s + stages - 1 (or none, where it
  /// does not exist); they are committed as one group. Its slot is the one
  /// step s - 1 read: every thread must be past that read.
  void refill(function_ref<void()> issue);
  /// Waits until this thread's copies of step s + `ahead` are done.
  void waitForStep(int64_t ahead = 0);

private:
  IntArith &k;
  DeviceMemoryBuilder &mem;
  int64_t stages;
  bool refilled = false;
};

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_COPYRING_H
