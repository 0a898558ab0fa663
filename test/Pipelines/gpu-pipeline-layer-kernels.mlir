// A bf16 layer (the shapes of docs/baselines.md's config 1, any B and T) in
// seven kernels: head simulation of q, k, v, feature simulation of q, k,
// attention and PEAA, each hand-built on tensor cores (mma.sync; wgmma for
// feature simulation, attention and PEAA on sm_90a); no linalg kernel, no
// copy.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit=" -o %t.mlir
// RUN: FileCheck %s --check-prefix=HOST < %t.mlir
// HOST-COUNT-7: gpu.launch_func
// HOST-NOT:     gpu.launch_func
// HOST:         gpu.binary @layer_head_sim_0
// HOST:         gpu.binary @layer_feature_sim_wgmma_0
// HOST:         gpu.binary @layer_head_sim_1
// HOST:         gpu.binary @layer_feature_sim_wgmma_1
// HOST:         gpu.binary @layer_head_sim_2
// HOST:         gpu.binary @layer_attention_wgmma_0
// HOST:         gpu.binary @layer_peaa_wgmma_0
// The PTX of head simulation has mma.sync on bf16 and ldmatrix; feature
// simulation and PEAA have wgmma and cp.async, and no mma.sync; feature
// simulation asks for three blocks an SM.
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.head_sim.ptx layer_head_sim_0
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.feature_sim.ptx layer_feature_sim_wgmma_0
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.peaa.ptx layer_peaa_wgmma_0
// RUN: FileCheck %s --check-prefixes=PTX,HEADSIM < %t.head_sim.ptx
// RUN: FileCheck %s --check-prefixes=WGMMA,FEATURESIM < %t.feature_sim.ptx
// RUN: FileCheck %s --check-prefixes=WGMMA,PEAA < %t.peaa.ptx
// RUN: FileCheck %s --check-prefix=PEAA-N < %t.peaa.ptx
// RUN: FileCheck %s --check-prefix=FEATURESIM-N < %t.feature_sim.ptx
// Where ptxas and nvdisasm exist, the machine code: no register an issued
// wgmma reads as its A operand is written before the wait that retires it
// (the PEAA builds the next step's A fragments while a step's wgmma runs).
// RUN: %if ptxas && nvdisasm %{ %cuda_toolkit/bin/ptxas -arch=sm_90a %t.peaa.ptx -o %t.peaa.cubin %}
// RUN: %if ptxas && nvdisasm %{ %nvdisasm -c %t.peaa.cubin > %t.peaa.sass %}
// RUN: %if ptxas && nvdisasm %{ %python %S/../Utils/check_wgmma_operands.py %t.peaa.sass %}
// RUN: %if ptxas && nvdisasm %{ %cuda_toolkit/bin/ptxas -arch=sm_90a %t.feature_sim.ptx -o %t.feature_sim.cubin %}
// RUN: %if ptxas && nvdisasm %{ %nvdisasm -c %t.feature_sim.cubin > %t.feature_sim.sass %}
// RUN: %if ptxas && nvdisasm %{ %python %S/../Utils/check_wgmma_operands.py %t.feature_sim.sass %}
// The per-token kernels' tiling options reach convert-sas-token-ops-to-gpu
// through the pipeline: four-warp head-simulation and PEAA blocks.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit= head-sim-warps=4 peaa-warps=4" -o %t.w4.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.w4.mlir %t.w4.head_sim.ptx layer_head_sim_0
// RUN: %python %S/../Utils/extract_ptx.py %t.w4.mlir %t.w4.peaa.ptx layer_peaa_wgmma_0
// RUN: FileCheck %s --check-prefix=WARPS4 < %t.w4.head_sim.ptx
// RUN: FileCheck %s --check-prefix=WARPS4 < %t.w4.peaa.ptx
// WARPS4: .maxntid 128, 1, 1
// The kernels' constants are in their code, not parameters (which ptxas
// cannot fold): every parameter is a memref's pointer, offset, size or
// stride or an index, all 64-bit.
// RUN: FileCheck %s --check-prefix=PARAMS < %t.head_sim.ptx
// RUN: FileCheck %s --check-prefix=PARAMS < %t.feature_sim.ptx
// RUN: FileCheck %s --check-prefix=PARAMS < %t.peaa.ptx
// PARAMS:     .entry
// PARAMS-NOT: .param .{{[bfsu](8|16|32)}}
// PARAMS:     .maxntid
// The whole PTX of the two wgmma kernels, not only what follows the last
// match above: no mma.sync, no libdevice call.
// RUN: FileCheck %s --check-prefix=NO-MMA-SYNC < %t.feature_sim.ptx
// RUN: FileCheck %s --check-prefix=NO-MMA-SYNC < %t.peaa.ptx
// NO-MMA-SYNC-NOT: mma.sync.aligned
// NO-MMA-SYNC-NOT: __nv_
// FEATURESIM: .entry layer_feature_sim_wgmma_0(
// FEATURESIM: .maxntid 128, 1, 1
// FEATURESIM: .minnctapersm 3
// PEAA: .entry layer_peaa_wgmma_0(
// WGMMA-DAG: cp.async.cg.shared.global
// FEATURESIM-N: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PEAA-N: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// HEADSIM: .entry layer_head_sim_0(
// HEADSIM: .maxntid 256, 1, 1
// HEADSIM: .minnctapersm 2
// PTX-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-NOT: __nv_
// Where ptxas exists, no spills (registers in docs/perf.md); head
// simulation asks for two blocks an SM (.maxntid 256, .minnctapersm 2): at
// most 128 registers; feature simulation fits three: at most 170.
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.head_sim.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefixes=PTXAS,HEADSIM-PTXAS %}
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.feature_sim.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefixes=PTXAS,FEATURESIM-PTXAS %}
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.peaa.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS %}
// No kernel has its wgmma serialized by ptxas (C7513: a register of a
// wgmma in flight written before its wait; PEAA's A fragments of the next
// step are formed while its wgmma runs).
// PTXAS-NOT: C7513
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// HEADSIM-PTXAS: Used {{([0-9]|[0-9][0-9]|1[01][0-9]|12[0-8])}} registers
// FEATURESIM-PTXAS: Used {{([0-9]|[0-9][0-9]|1[0-6][0-9]|170)}} registers
// With eight warps a feature-simulation block needs 97 KiB: two blocks an
// SM are asked for (three would leave ptxas 80 registers, too few to
// compile); at 128 registers it spills (and ran slower on the H200:
// docs/perf.md), but it compiles.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit= feature-sim-warps=8" -o %t.w8.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.w8.mlir %t.w8.ptx layer_feature_sim_wgmma_0
// RUN: FileCheck %s --check-prefix=W8 < %t.w8.ptx
// W8: .maxntid 256, 1, 1
// W8: .minnctapersm 2
// RUN: %if ptxas %{ %cuda_toolkit/bin/ptxas -arch=sm_90a -v %t.w8.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=W8-PTXAS %}
// W8-PTXAS: Used {{[0-9]+}} registers

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
