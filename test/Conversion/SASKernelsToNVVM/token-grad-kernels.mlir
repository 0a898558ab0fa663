// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-kernels-to-nvvm | FileCheck %s
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-kernels-to-nvvm | FileCheck %s --check-prefix=SM90

// The feature simulation's row gradient, D = 64, D' = 128 (chunks of 64 of
// f's columns): both weights staged once (one barrier), then per 16-row
// tile and chunk: f = x w^T (4 k-steps x 8 n-tiles = 32 mma), relu(f)
// stored, d_z res_w (8 x 8 = 64 mma, res_w by ldmatrix.trans), d_f
// stored, d_x += d_f w (4 x 8 = 32 mma, w by ldmatrix.trans); d_x stored
// once. No barrier past the weights: warps run their tiles on their own.
// CHECK-LABEL: func @feature_sim_grad
//       CHECK:   gpu.launch
//  CHECK-SAME:     threads({{.*}}) in ({{.*}} = %c128
//  CHECK-SAME:     module(@feature_sim_grad_feature_sim_grad_0)
//       CHECK:     nvvm.cp.async.wait.group 0
//       CHECK:     gpu.barrier
//   CHECK-NOT:     gpu.barrier
// CHECK-COUNT-32:  nvvm.mma.sync
//   CHECK-NOT:     nvvm.mma.sync
//       CHECK:     llvm.store {{.*}} : i32, !llvm.ptr<1>
//       CHECK:     nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
// CHECK-COUNT-64:  nvvm.mma.sync
//   CHECK-NOT:     nvvm.mma.sync
//       CHECK:     arith.cmpf ogt
//       CHECK:     llvm.store {{.*}} : i32, !llvm.ptr<1>
//       CHECK:     nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
// CHECK-COUNT-32:  nvvm.mma.sync
// CHECK-COUNT-128: nvvm.mma.sync
//   CHECK-NOT:     nvvm.mma.sync
//   CHECK-NOT:     gpu.barrier
//       CHECK:     llvm.store {{.*}} : i32, !llvm.ptr<1>
func.func @feature_sim_grad(
    %x: memref<?x?x24x64xbf16>, %w: memref<128x64xbf16>, %b: memref<128xbf16>,
    %rw: memref<128x128xbf16>, %dz: memref<?x?x24x128xbf16>,
    %dx: memref<?x?x24x64xbf16>, %df: memref<?x?x24x128xbf16>,
    %r: memref<?x?x24x128xbf16>) {
  sas.mma_feature_sim_grad %x weights(%w, %b) residual(%rw) grad(%dz)
      into %dx, %df, %r warps(4) row_tiles(4)
      : memref<?x?x24x64xbf16>, memref<128x64xbf16>, memref<128xbf16>,
        memref<128x128xbf16>, memref<?x?x24x128xbf16>,
        memref<?x?x24x64xbf16>, memref<?x?x24x128xbf16>,
        memref<?x?x24x128xbf16>
  return
}

// -----

// A weight gradient [128, 64]: a grid of (2 tiles of 64 x 64, row chunks
// of 1024), 4 warps; per 32-row step two transposed A fragments a warp's
// 16-column tile and two k16 halves (4 ldmatrix.trans), its 4 n-tiles of
// input (2 ldmatrix.trans a half), 16 mma, and 4 with the fragment of ones
// (the bias); between the steps' barriers nothing but the copies. The
// tiles leave by reductions: on sm_80 two f32 atomics a pair, on sm_90a one
// red.global.add.v2.f32; the bias by one atomic a row.
// CHECK-LABEL: func @weight_grad
//       CHECK:   %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %c1024
//       CHECK:   gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}} = %[[CHUNKS]]
//       CHECK:     scf.for
//       CHECK:       nvvm.cp.async.wait.group
//       CHECK:       gpu.barrier
// CHECK-COUNT-16:    nvvm.mma.sync
//       CHECK:       arith.constant 1065369472 : i32
// CHECK-COUNT-4:     nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//       CHECK:       gpu.barrier
//       CHECK:       scf.yield
//       CHECK:     llvm.atomicrmw fadd {{.*}} monotonic
//       CHECK:     scf.if
//       CHECK:       llvm.atomicrmw fadd {{.*}} monotonic
// SM90-LABEL: func @weight_grad
//       SM90:   red.global.add.v2.f32
func.func @weight_grad(%df: memref<?x?x24x128xbf16>, %x: memref<?x?x24x64xbf16>,
                       %dw: memref<128x64xf32>, %db: memref<128xf32>) {
  sas.mma_weight_grad %df, %x into %dw, %db row_chunk(1024)
      : memref<?x?x24x128xbf16>, memref<?x?x24x64xbf16>, memref<128x64xf32>,
        memref<128xf32>
  return
}

// -----

// The head simulation's gradient, H = 12, H' = 24 (16 and 32 padded), D =
// 64, K = 3, 4 warps (two a token, 32 positions each): shared memory zeroed
// and the weights staged, then per group of two tokens, between barriers:
// Y = b + conv(x; w) (3 taps x 1 k-step x 2 m-tiles x 4 n-tiles = 24 mma),
// relu(Y) stored; conv_input_grad(d_s; res_w) with res_w read transposed
// (3 x 2 x 2 x 4 = 48 mma), d_Y = d_s + that * [Y > 0] stored; then
// conv_input_grad(d_Y; w) (3 x 2 x 1 x 4 = 24 mma) and d_x out; then each
// warp's 5 of the 18 weight-gradient units (6 of d_w, 12 of d_res_w), 2
// tokens x 4 position steps x 2 n-tiles (80 mma). After the group loop the
// units and the bias sums leave by f32 atomic reductions.
// CHECK-LABEL: func @head_sim_grad
//       CHECK:   gpu.launch
//  CHECK-SAME:     threads({{.*}}) in ({{.*}} = %c128
//  CHECK-SAME:     module(@head_sim_grad_head_sim_grad_0)
//       CHECK:     gpu.barrier
//       CHECK:     scf.for {{.*}} iter_args
//       CHECK:       gpu.barrier
//       CHECK:       gpu.barrier
// CHECK-COUNT-24:    nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//       CHECK:       llvm.store {{.*}} : bf16, !llvm.ptr<3>
//       CHECK:       nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
// CHECK-COUNT-48:    nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//       CHECK:       arith.cmpf ogt
//       CHECK:       llvm.store {{.*}} : bf16, !llvm.ptr<3>
//       CHECK:       gpu.barrier
//       CHECK:       nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
// CHECK-COUNT-24:    nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//       CHECK:       llvm.store {{.*}}, !llvm.ptr<1>
// CHECK-COUNT-80:    nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//   CHECK-NOT:       gpu.barrier
//       CHECK:       scf.yield
//       CHECK:     llvm.atomicrmw fadd {{.*}} monotonic : !llvm.ptr<1>, f32
//   CHECK-NOT:     nvvm.mma.sync
func.func @head_sim_grad(
    %x: memref<?x?x12x64xbf16>, %w: memref<24x12x3xbf16>, %b: memref<24xbf16>,
    %rw: memref<24x24x3xbf16>, %ds: memref<?x?x24x64xbf16>,
    %dx: memref<?x?x12x64xbf16>, %dw: memref<24x12x3xf32>,
    %db: memref<24xf32>, %drw: memref<24x24x3xf32>, %drb: memref<24xf32>) {
  sas.mma_head_sim_grad %x weights(%w, %b) residual(%rw) grad(%ds)
      into %dx params(%dw, %db, %drw, %drb) warps(4)
      : memref<?x?x12x64xbf16>, memref<24x12x3xbf16>, memref<24xbf16>,
        memref<24x24x3xbf16>, memref<?x?x24x64xbf16>,
        memref<?x?x12x64xbf16>, memref<24x12x3xf32>, memref<24xf32>,
        memref<24x24x3xf32>, memref<24xf32>
  return
}
