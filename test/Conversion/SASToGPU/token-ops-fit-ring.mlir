// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-ops-to-gpu --verify-diagnostics | FileCheck %s
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-ops-to-gpu="peaa-stages=2" | FileCheck %s

// Three head groups of 64 (H' = 36, H = 12): the sm_90a PEAA ring's three
// default stages need 252928 bytes, above the 232448 a block may use on
// sm_90a. The ring takes two stages (168960 bytes), still on wgmma, and a
// remark says so; asked for two, it takes them without a remark.
// CHECK-LABEL: func.func @three_groups
//       CHECK:   sas.mma_peaa {{.*}} warps(8) row_tiles(1) column_tile(256) k_tile(64) stages(2) wgmma
//   CHECK-NOT:   sas.peaa
func.func @three_groups(%o: tensor<?x?x36x64xbf16>, %w: tensor<768x768xbf16>,
                        %b: tensor<768xbf16>) -> tensor<?x?x768xbf16> {
  // expected-remark @below {{sas.peaa takes a ring of 2 stages: 3 do not fit a block's shared memory on sm_90a}}
  %r = sas.peaa %o dense(%w, %b)
      : (tensor<?x?x36x64xbf16>, tensor<768x768xbf16>, tensor<768xbf16>)
      -> tensor<?x?x768xbf16>
  return %r : tensor<?x?x768xbf16>
}
