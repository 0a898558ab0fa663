// RUN: sas-opt %s --split-input-file --sas-gpu-kernel-occupancy --verify-diagnostics | FileCheck %s

// A kernel builder's request on the host function lands on the outlined
// kernel as NVVM launch bounds; the request is removed.
// CHECK-LABEL: func.func @host
//   CHECK-NOT:   sas.kernel_occupancy
// CHECK: gpu.func @host_head_sim_0() kernel attributes {nvvm.maxntid = array<i32: 256, 1, 1>, nvvm.minctasm = 2 : i32}
// CHECK: gpu.func @host_other_0() kernel {
module attributes {gpu.container_module} {
  func.func @host() attributes {sas.kernel_occupancy = {host_head_sim_0 = array<i32: 256, 2>}} {
    return
  }
  gpu.module @host_head_sim_0 {
    gpu.func @host_head_sim_0() kernel {
      gpu.return
    }
  }
  gpu.module @host_other_0 {
    gpu.func @host_other_0() kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  // expected-error @below {{sas.kernel_occupancy names 'missing_0', which is no outlined kernel with [threads, blocks]}}
  func.func @host() attributes {sas.kernel_occupancy = {missing_0 = array<i32: 256, 2>}} {
    return
  }
}
