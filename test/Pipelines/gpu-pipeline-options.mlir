// Every tiling option of sas-gpu-pipeline reaches the kernel it tiles: set
// to values other than its default, each shows up in the kernel op the
// conversion creates (printed right after convert-sas-token-ops-to-gpu,
// which runs after the attention's conversion), which the kernel builder
// reads. The launches of the linalg path carry block-threads and
// elementwise-threads.
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_80 format=isa toolkit= mma-warps=2 mma-warp-rows=16 mma-key-tile=32 mma-stages=3 feature-sim-warps=2 feature-sim-row-tiles=3 peaa-warps=2 peaa-row-tiles=2 peaa-column-tile=64 peaa-k-tile=16 peaa-stages=2 head-sim-warps=4" --mlir-print-ir-after=convert-sas-token-ops-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=MMA
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_90a format=isa toolkit= wgmma-warps=8 wgmma-key-tile=128 mma-stages=3 feature-sim-warps=8 peaa-warps=4 peaa-column-tile=128" --mlir-print-ir-after=convert-sas-token-ops-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: sas-opt %s --sas-gpu-pipeline="chip=sm_90a format=isa toolkit= tensor-cores=false query-tile=16 key-tile=16 block-threads=64 elementwise-threads=96" --mlir-print-ir-after=sas-gpu-map-to-launch -o /dev/null 2>&1 | FileCheck %s --check-prefix=LINALG

// MMA: sas.mma_head_sim {{.*}} warps(4)
// MMA: sas.mma_feature_sim {{.*}} warps(2) row_tiles(3) :
// MMA: sas.mma_attention {{.*}} warps(2) warp_rows(16) key_tile(32) stages(3) :
// MMA: sas.mma_peaa {{.*}} warps(2) row_tiles(2) column_tile(64) k_tile(16) stages(2) :

// WGMMA: sas.mma_feature_sim {{.*}} warps(8) row_tiles({{[0-9]+}}) wgmma
// WGMMA: sas.mma_attention {{.*}} warps(8) warp_rows(16) key_tile(128) stages(3) wgmma
// WGMMA: sas.mma_peaa {{.*}} warps(4) row_tiles(1) column_tile(128) k_tile(64) stages({{[0-9]+}}) wgmma

// Per-token loops of 96 threads; attention blocks of 64 threads with 16-key
// tiles (k padded to 129 columns) and 16-query score tiles (a 17th column
// against bank conflicts).
// LINALG-NOT: sas.mma_
// LINALG: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c96{{[_0-9]*}}, {{.*}} module(@layer_loop_
// LINALG: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c64{{[_0-9]*}}, {{.*}} module(@layer_blocks_0) {{.*}} memref<16x129xf32, {{.*}} memref<16x17xf32,

func.func @layer(%q: tensor<?x?x12x64xbf16>,
    %k: tensor<?x?x12x64xbf16>,
    %v: tensor<?x?x12x64xbf16>,
    %qhw: tensor<24x12x3xbf16>,
    %qhb: tensor<24xbf16>,
    %qhrw: tensor<24x24x3xbf16>,
    %qhrb: tensor<24xbf16>,
    %qfw: tensor<128x64xbf16>,
    %qfb: tensor<128xbf16>,
    %qfrw: tensor<128x128xbf16>,
    %qfrb: tensor<128xbf16>,
    %khw: tensor<24x12x3xbf16>,
    %khb: tensor<24xbf16>,
    %khrw: tensor<24x24x3xbf16>,
    %khrb: tensor<24xbf16>,
    %kfw: tensor<128x64xbf16>,
    %kfb: tensor<128xbf16>,
    %kfrw: tensor<128x128xbf16>,
    %kfrb: tensor<128xbf16>,
    %vhw: tensor<24x12x3xbf16>,
    %vhb: tensor<24xbf16>,
    %vhrw: tensor<24x24x3xbf16>,
    %vhrb: tensor<24xbf16>,
    %ow: tensor<768x768xbf16>,
    %ob: tensor<768xbf16>) -> tensor<?x?x768xbf16> {
  %r = sas.layer %q,
    %k,
    %v q_head(%qhw,
    %qhb,
    %qhrw,
    %qhrb) q_feat(%qfw,
    %qfb,
    %qfrw,
    %qfrb) k_head(%khw,
    %khb,
    %khrw,
    %khrb) k_feat(%kfw,
    %kfb,
    %kfrw,
    %kfrb) v_head(%vhw,
    %vhb,
    %vhrw,
    %vhrb) out(%ow,
    %ob) causal : (tensor<?x?x12x64xbf16>, tensor<?x?x12x64xbf16>, tensor<?x?x12x64xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>, tensor<24x24x3xbf16>, tensor<24xbf16>, tensor<128x64xbf16>, tensor<128xbf16>, tensor<128x128xbf16>, tensor<128xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>, tensor<24x24x3xbf16>, tensor<24xbf16>, tensor<128x64xbf16>, tensor<128xbf16>, tensor<128x128xbf16>, tensor<128xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>, tensor<24x24x3xbf16>, tensor<24xbf16>, tensor<768x768xbf16>, tensor<768xbf16>) -> tensor<?x?x768xbf16>
  return %r : tensor<?x?x768xbf16>
}
