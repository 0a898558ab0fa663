// sas-cpu-pipeline takes a whole layer to the LLVM dialect: nothing of the
// sas, linalg, tensor, vector or scf dialects is left; the attention tiles run
// in an OpenMP parallel region.
// RUN: sas-opt %s --sas-cpu-pipeline="query-tile=16" | FileCheck %s
// RUN: sas-opt %s --sas-cpu-pipeline="query-tile=16" | FileCheck %s --check-prefix=NONE
// CHECK: llvm.func @layer
// CHECK: omp.parallel
// CHECK: omp.wsloop
// Alone in its prefix, the CHECK-NOT covers the whole output:
// NONE-NOT: {{(= |^ *)(sas|linalg|tensor|vector|scf)\.}}
func.func @layer(%q: tensor<1x37x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<8x4xf32>, %fb: tensor<8xf32>, %frw: tensor<8x8xf32>,
    %frb: tensor<8xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<1x37x8xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x37x2x4xf32>, tensor<1x37x2x4xf32>, tensor<1x37x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x4xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x4xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x37x8xf32>
  return %0 : tensor<1x37x8xf32>
}

// Every op of the dialect, with static and dynamic B and T, compiles to LLVM.
// RUN: sas-opt %S/../Dialect/SAS/ops.mlir --sas-cpu-pipeline | FileCheck %s --check-prefix=ALL
// ALL-COUNT-11: llvm.func @{{(head_sim|feature_sim|attention|peaa|layer)_}}
