// UNSUPPORTED: sanitizers
// The stock mlir-opt loads the SAS plugin, parses sas IR and runs sas-expand.
// RUN: %mlir_opt %s --load-dialect-plugin=%sas_plugin --load-pass-plugin=%sas_plugin --pass-pipeline="builtin.module(sas-expand)" | FileCheck %s
// RUN: %mlir_opt %s --load-dialect-plugin=%sas_plugin --load-pass-plugin=%sas_plugin --pass-pipeline="builtin.module(sas-primitives-pipeline)" | FileCheck %s --check-prefix=PIPELINE
// Without the plugin, the stock mlir-opt does not know the dialect.
// RUN: not %mlir_opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: Dialect `sas' not found

// CHECK-LABEL: func @layer
//   CHECK-NOT:   sas.layer
//       CHECK:   sas.head_sim
//       CHECK:   sas.feature_sim
//       CHECK:   sas.head_sim
//       CHECK:   sas.feature_sim
//       CHECK:   sas.head_sim
//       CHECK:   sas.attention {{.*}} causal
//       CHECK:   sas.peaa

// The pipeline's CSE leaves one simulation for the shared q/k/v and weights.
// PIPELINE-LABEL: func @layer
//       PIPELINE:   sas.head_sim
//       PIPELINE:   sas.feature_sim
//   PIPELINE-NOT:   sas.head_sim
//       PIPELINE:   sas.attention {{.*}} causal
//       PIPELINE:   sas.peaa
func.func @layer(%q: tensor<1x5x2x4xf32>, %hw: tensor<4x2x3xf32>,
    %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>, %hrb: tensor<4xf32>,
    %fw: tensor<4x4xf32>, %fb: tensor<4xf32>, %frw: tensor<4x4xf32>,
    %frb: tensor<4xf32>, %ow: tensor<8x8xf32>, %ob: tensor<8xf32>)
    -> tensor<1x5x8xf32> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>, tensor<1x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
  return %0 : tensor<1x5x8xf32>
}
