// RUN: sas-opt %s --sas-gpu-attach-target | FileCheck %s
// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 | FileCheck %s --check-prefix=SM80
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_75 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not sas-opt %s --sas-gpu-attach-target=chip=sm_80 --sas-gpu-attach-target=chip=sm_90a 2>&1 | FileCheck %s --check-prefix=CONFLICT

// The default is sm_90a, with the PTX features its wgmma (8.0) and vector
// reductions (8.1) need.
// CHECK: module attributes {sas.target = #nvvm.target<chip = "sm_90a", features = "+ptx81">}
// SM80: module attributes {sas.target = #nvvm.target<chip = "sm_80">}
// UNKNOWN: sas-gpu-attach-target: chip must be sm_90a, sm_90 or sm_80, got 'sm_75'
// CONFLICT: sas-gpu-attach-target: the module's target is sm_80, not sm_90a

func.func @f() {
  return
}
