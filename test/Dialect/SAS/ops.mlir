// Round trip of every sas op in its custom form, with static and dynamic
// batch/sequence sizes, through the custom and the generic printer.
// RUN: sas-opt %s | FileCheck %s
// RUN: sas-opt %s | sas-opt | FileCheck %s
// RUN: sas-opt %s --mlir-print-op-generic | sas-opt | FileCheck %s

// CHECK-LABEL: func @head_sim_static
//       CHECK:   sas.head_sim %{{.*}} weights(%{{.*}}, %{{.*}}) residual(%{{.*}}, %{{.*}}) : (tensor<2x5x4x8xf32>, tensor<6x4x3xf32>, tensor<6xf32>, tensor<6x6x3xf32>, tensor<6xf32>) -> tensor<2x5x6x8xf32>
func.func @head_sim_static(%x: tensor<2x5x4x8xf32>, %w: tensor<6x4x3xf32>,
    %b: tensor<6xf32>, %rw: tensor<6x6x3xf32>, %rb: tensor<6xf32>)
    -> tensor<2x5x6x8xf32> {
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x5x4x8xf32>, tensor<6x4x3xf32>, tensor<6xf32>,
         tensor<6x6x3xf32>, tensor<6xf32>) -> tensor<2x5x6x8xf32>
  return %0 : tensor<2x5x6x8xf32>
}

// CHECK-LABEL: func @head_sim_dynamic
//       CHECK:   sas.head_sim {{.*}} -> tensor<?x?x6x8xbf16>
func.func @head_sim_dynamic(%x: tensor<?x?x4x8xbf16>, %w: tensor<6x4x1xbf16>,
    %b: tensor<6xbf16>, %rw: tensor<6x6x1xbf16>, %rb: tensor<6xbf16>)
    -> tensor<?x?x6x8xbf16> {
  %0 = sas.head_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x?x4x8xbf16>, tensor<6x4x1xbf16>, tensor<6xbf16>,
         tensor<6x6x1xbf16>, tensor<6xbf16>) -> tensor<?x?x6x8xbf16>
  return %0 : tensor<?x?x6x8xbf16>
}

// CHECK-LABEL: func @feature_sim_static
//       CHECK:   sas.feature_sim %{{.*}} weights(%{{.*}}, %{{.*}}) residual(%{{.*}}, %{{.*}}) : (tensor<2x5x6x8xf32>, tensor<12x8xf32>, tensor<12xf32>, tensor<12x12xf32>, tensor<12xf32>) -> tensor<2x5x6x12xf32>
func.func @feature_sim_static(%x: tensor<2x5x6x8xf32>, %w: tensor<12x8xf32>,
    %b: tensor<12xf32>, %rw: tensor<12x12xf32>, %rb: tensor<12xf32>)
    -> tensor<2x5x6x12xf32> {
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<2x5x6x8xf32>, tensor<12x8xf32>, tensor<12xf32>,
         tensor<12x12xf32>, tensor<12xf32>) -> tensor<2x5x6x12xf32>
  return %0 : tensor<2x5x6x12xf32>
}

// CHECK-LABEL: func @feature_sim_dynamic
//       CHECK:   sas.feature_sim {{.*}} -> tensor<?x5x6x8xf16>
func.func @feature_sim_dynamic(%x: tensor<?x5x6x8xf16>, %w: tensor<8x8xf16>,
    %b: tensor<8xf16>, %rw: tensor<8x8xf16>, %rb: tensor<8xf16>)
    -> tensor<?x5x6x8xf16> {
  %0 = sas.feature_sim %x weights(%w, %b) residual(%rw, %rb)
      : (tensor<?x5x6x8xf16>, tensor<8x8xf16>, tensor<8xf16>,
         tensor<8x8xf16>, tensor<8xf16>) -> tensor<?x5x6x8xf16>
  return %0 : tensor<?x5x6x8xf16>
}

// CHECK-LABEL: func @attention_causal
//       CHECK:   sas.attention %{{.*}}, %{{.*}}, %{{.*}} causal : (tensor<2x5x6x12xf32>, tensor<2x5x6x12xf32>, tensor<2x5x6x8xf32>) -> tensor<2x5x6x8xf32>
func.func @attention_causal(%q: tensor<2x5x6x12xf32>, %k: tensor<2x5x6x12xf32>,
    %v: tensor<2x5x6x8xf32>) -> tensor<2x5x6x8xf32> {
  %0 = sas.attention %q, %k, %v causal
      : (tensor<2x5x6x12xf32>, tensor<2x5x6x12xf32>, tensor<2x5x6x8xf32>)
      -> tensor<2x5x6x8xf32>
  return %0 : tensor<2x5x6x8xf32>
}

// Without `causal`, T and S may differ.
// CHECK-LABEL: func @attention_scaled
//       CHECK:   sas.attention %{{.*}}, %{{.*}}, %{{.*}} scale(2.500000e-01) : (tensor<2x3x6x12xf32>, tensor<2x7x6x12xf32>, tensor<2x7x6x8xf32>) -> tensor<2x3x6x8xf32>
func.func @attention_scaled(%q: tensor<2x3x6x12xf32>, %k: tensor<2x7x6x12xf32>,
    %v: tensor<2x7x6x8xf32>) -> tensor<2x3x6x8xf32> {
  %0 = sas.attention %q, %k, %v scale(0.25)
      : (tensor<2x3x6x12xf32>, tensor<2x7x6x12xf32>, tensor<2x7x6x8xf32>)
      -> tensor<2x3x6x8xf32>
  return %0 : tensor<2x3x6x8xf32>
}

// CHECK-LABEL: func @attention_dynamic
//       CHECK:   sas.attention %{{.*}}, %{{.*}}, %{{.*}} causal scale(1.250000e-01) : {{.*}} -> tensor<?x?x6x8xbf16>
func.func @attention_dynamic(%q: tensor<?x?x6x12xbf16>, %k: tensor<?x?x6x12xbf16>,
    %v: tensor<?x?x6x8xbf16>) -> tensor<?x?x6x8xbf16> {
  %0 = sas.attention %q, %k, %v causal scale(0.125)
      : (tensor<?x?x6x12xbf16>, tensor<?x?x6x12xbf16>, tensor<?x?x6x8xbf16>)
      -> tensor<?x?x6x8xbf16>
  return %0 : tensor<?x?x6x8xbf16>
}

// CHECK-LABEL: func @peaa_static
//       CHECK:   sas.peaa %{{.*}} dense(%{{.*}}, %{{.*}}) : (tensor<2x5x6x8xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<2x5x16xf32>
func.func @peaa_static(%o: tensor<2x5x6x8xf32>, %w: tensor<16x16xf32>,
    %b: tensor<16xf32>) -> tensor<2x5x16xf32> {
  %0 = sas.peaa %o dense(%w, %b)
      : (tensor<2x5x6x8xf32>, tensor<16x16xf32>, tensor<16xf32>)
      -> tensor<2x5x16xf32>
  return %0 : tensor<2x5x16xf32>
}

// CHECK-LABEL: func @peaa_dynamic
//       CHECK:   sas.peaa {{.*}} -> tensor<?x?x48xf16>
func.func @peaa_dynamic(%o: tensor<?x?x6x8xf16>, %w: tensor<48x48xf16>,
    %b: tensor<48xf16>) -> tensor<?x?x48xf16> {
  %0 = sas.peaa %o dense(%w, %b)
      : (tensor<?x?x6x8xf16>, tensor<48x48xf16>, tensor<48xf16>)
      -> tensor<?x?x48xf16>
  return %0 : tensor<?x?x48xf16>
}

// H = 2, D = 4, H' = 4, D' = 6, K = 3.
// CHECK-LABEL: func @layer_static
//       CHECK:   sas.layer %{{.*}}, %{{.*}}, %{{.*}} q_head(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) q_feat({{.*}}) k_head({{.*}}) k_feat({{.*}}) v_head({{.*}}) out(%{{.*}}, %{{.*}}) causal : ({{.*}}) -> tensor<3x5x8xf32>
func.func @layer_static(%q: tensor<3x5x2x4xf32>, %k: tensor<3x5x2x4xf32>,
    %v: tensor<3x5x2x4xf32>,
    %hw: tensor<4x2x3xf32>, %hb: tensor<4xf32>, %hrw: tensor<4x4x3xf32>,
    %hrb: tensor<4xf32>, %fw: tensor<6x4xf32>, %fb: tensor<6xf32>,
    %frw: tensor<6x6xf32>, %frb: tensor<6xf32>, %ow: tensor<8x8xf32>,
    %ob: tensor<8xf32>) -> tensor<3x5x8xf32> {
  %0 = sas.layer %q, %k, %v q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) causal
      : (tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>, tensor<3x5x2x4xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<6x4xf32>, tensor<6xf32>, tensor<6x6xf32>, tensor<6xf32>,
         tensor<4x2x3xf32>, tensor<4xf32>, tensor<4x4x3xf32>, tensor<4xf32>,
         tensor<8x8xf32>, tensor<8xf32>) -> tensor<3x5x8xf32>
  return %0 : tensor<3x5x8xf32>
}

// CHECK-LABEL: func @layer_dynamic
//       CHECK:   sas.layer {{.*}} out(%{{.*}}, %{{.*}}) scale(5.000000e-01) : ({{.*}}) -> tensor<?x?x8xf16>
func.func @layer_dynamic(%q: tensor<?x?x2x4xf16>, %hw: tensor<4x2x5xf16>,
    %hb: tensor<4xf16>, %hrw: tensor<4x4x5xf16>, %hrb: tensor<4xf16>,
    %fw: tensor<4x4xf16>, %fb: tensor<4xf16>, %frw: tensor<4x4xf16>,
    %frb: tensor<4xf16>, %ow: tensor<8x8xf16>, %ob: tensor<8xf16>)
    -> tensor<?x?x8xf16> {
  %0 = sas.layer %q, %q, %q q_head(%hw, %hb, %hrw, %hrb)
      q_feat(%fw, %fb, %frw, %frb) k_head(%hw, %hb, %hrw, %hrb)
      k_feat(%fw, %fb, %frw, %frb) v_head(%hw, %hb, %hrw, %hrb)
      out(%ow, %ob) scale(0.5)
      : (tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>, tensor<?x?x2x4xf16>,
         tensor<4x2x5xf16>, tensor<4xf16>, tensor<4x4x5xf16>, tensor<4xf16>,
         tensor<4x4xf16>, tensor<4xf16>, tensor<4x4xf16>, tensor<4xf16>,
         tensor<4x2x5xf16>, tensor<4xf16>, tensor<4x4x5xf16>, tensor<4xf16>,
         tensor<4x4xf16>, tensor<4xf16>, tensor<4x4xf16>, tensor<4xf16>,
         tensor<4x2x5xf16>, tensor<4xf16>, tensor<4x4x5xf16>, tensor<4xf16>,
         tensor<8x8xf16>, tensor<8xf16>) -> tensor<?x?x8xf16>
  return %0 : tensor<?x?x8xf16>
}
