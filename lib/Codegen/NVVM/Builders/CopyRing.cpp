//===- CopyRing.cpp - A cp.async ring of shared-memory slots --------------===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/CopyRing.h"

#include <cassert>

using namespace mlir;
using namespace mlir::sas;

void CopyRing::issuePrologue(function_ref<void(int64_t step)> issue) {
  for (int64_t s = 0; s < stages - 1; ++s) {
    issue(s);
    mem.commitGroup();
  }
}

void CopyRing::refill(function_ref<void()> issue) {
  assert(!refilled && "one refill a step");
  issue();
  mem.commitGroup();
  refilled = true;
}

void CopyRing::waitForStep(int64_t ahead) {
  // Before the refill the newest group is step s + stages - 2; the refill
  // adds step s + stages - 1.
  int64_t newer = stages - 2 - ahead + (refilled ? 1 : 0);
  assert(newer >= 0 && "waiting for a step not yet issued");
  mem.waitGroups(newer);
}
