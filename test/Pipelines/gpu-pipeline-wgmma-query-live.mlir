// The sm_90a attention built for a fixed T that is a multiple of the key
// tile, not causal: its masked key loop folds away, so q's fragments are
// read by the one key loop's q k^T wgmma and by nothing after it. ptxas
// before CUDA 13.3 then gave q's registers to p within the loop (every key
// block after the first multiplied by p: relative error about 1 on the
// GPU). The kernel reads q once more after its loops, in a store that
// never runs (docs/perf-log/gpu-shapes.md, 2026-12-07).
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit=" -o %t.mlir
// RUN: %python %S/../Utils/extract_ptx.py %t.mlir %t.ptx
// RUN: FileCheck %s < %t.ptx
// The q fragments' xor (E = 128: 32 registers) after the last p v wait,
// stored only by a block without dynamic shared memory:
// CHECK: wgmma.wait_group.sync.aligned 0;
// CHECK-COUNT-31: xor.b32 t, t, %r
// CHECK: mov.u32 s, %dynamic_smem_size;
// CHECK: @p st.volatile.shared.b32 [a], t;
// CHECK-NOT: wgmma
// CHECK: st.global
// Where ptxas and nvdisasm exist, the machine code itself: no register the
// q k^T HGMMAs read is written between the first HGMMA and the last.
// RUN: %if ptxas && nvdisasm %{ %cuda_toolkit/bin/ptxas -arch=sm_90a %t.ptx -o %t.cubin %}
// RUN: %if ptxas && nvdisasm %{ %nvdisasm -c %t.cubin > %t.sass %}
// RUN: %if ptxas && nvdisasm %{ %python %S/../Utils/check_wgmma_operands.py --query-live %t.sass %}

func.func @attn(%q: tensor<1x1024x4x128xbf16>, %k: tensor<1x1024x4x128xbf16>,
                %v: tensor<1x1024x4x64xbf16>) -> tensor<1x1024x4x64xbf16> {
  %o = sas.attention %q, %k, %v
      : (tensor<1x1024x4x128xbf16>, tensor<1x1024x4x128xbf16>,
         tensor<1x1024x4x64xbf16>) -> tensor<1x1024x4x64xbf16>
  return %o : tensor<1x1024x4x64xbf16>
}
