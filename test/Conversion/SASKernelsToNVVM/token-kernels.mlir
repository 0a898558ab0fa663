// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-token-kernels-to-nvvm | FileCheck %s

// Head simulation: one launch of 8 warps, two a token (32 accumulators a
// thread), weights and token rows staged 16-bit (zeroed once, then the
// weights, then per group the inputs loaded for the group before, two
// channels at two positions a thread step (six i32 loads carried by the
// group loop), transposed to position-major by two 32-bit stores a step,
// no 16-bit ones: 16-bit stores down a channel's rows had 8-way bank
// conflicts). Per warp 72 mma: 3 taps
// x 2 channel tiles (24 -> 32) x 4 position tiles x 1 input step (12 ->
// 16), then 3 x 2 x 4 x 2 (24 -> 32). Barriers: after zeroing, after the
// inputs, after relu(Y); none between the taps. The next group's inputs are
// loaded before the products and carried by the group loop. The result
// goes out 16 bytes a lane through each warp's 2 KiB stage (32 positions a
// warp): 16 KiB of the 61 KiB.
// CHECK-LABEL: func @head_sim
//       CHECK:   gpu.launch
//  CHECK-SAME:     threads({{.*}}) in ({{.*}} = %c256
//  CHECK-SAME:     dynamic_shared_memory_size %c62464_i32 module(@head_sim_head_sim_0) function(@head_sim_head_sim_0)
//       CHECK:     gpu.barrier
//       CHECK:     llvm.store {{.*}} : bf16, !llvm.ptr<3>
//       CHECK:     scf.for {{.*}} iter_args({{.*}}) -> (i32, i32, i32, i32, i32, i32)
//   CHECK-NOT:       llvm.store {{.*}} : i16, !llvm.ptr<3>
//       CHECK:       llvm.store {{.*}} : i32, !llvm.ptr<3>
//   CHECK-NOT:       llvm.store {{.*}} : i16, !llvm.ptr<3>
//       CHECK:       gpu.barrier
//       CHECK:       llvm.load {{.*}} : !llvm.ptr<1> -> i32
//   CHECK-NOT:       gpu.barrier
// CHECK-COUNT-24:    nvvm.mma.sync
//   CHECK-NOT:       gpu.barrier
//       CHECK:       llvm.store {{.*}} : bf16, !llvm.ptr<3>
//       CHECK:       gpu.barrier
//   CHECK-NOT:       gpu.barrier
// CHECK-COUNT-48:    nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//   CHECK-NOT:       gpu.barrier
//       CHECK:       nvvm.bar.warp.sync
//       CHECK:       llvm.store {{.*}} : vector<4xi32>, !llvm.ptr<1>
//   CHECK-NOT:       llvm.store {{.*}} : i32, !llvm.ptr<1>
//       CHECK:       scf.yield
func.func @head_sim(%x: memref<?x?x12x64xbf16>, %w: memref<24x12x3xbf16>,
                    %b: memref<24xbf16>, %rw: memref<24x24x3xbf16>,
                    %rb: memref<24xbf16>, %out: memref<?x?x24x64xbf16>) {
  sas.mma_head_sim %x weights(%w, %b) residual(%rw, %rb) into %out warps(8)
      : memref<?x?x12x64xbf16>, memref<24x12x3xbf16>, memref<24xbf16>,
        memref<24x24x3xbf16>, memref<24xbf16>, memref<?x?x24x64xbf16>
  return
}

// -----

// Feature simulation: both weights copied once by cp.async, one barrier,
// then per row tile 4 x 16 mma (x w^T) and 8 x 16 (relu(f) res_w^T), f
// never stored: the only global stores are z's.
// CHECK-LABEL: func @feature_sim
//       CHECK:   gpu.launch
//  CHECK-SAME:     dynamic_shared_memory_size %c53248_i32 module(@feature_sim_feature_sim_0)
//       CHECK:     nvvm.cp.async.shared.global
//       CHECK:     nvvm.cp.async.wait.group 0
//       CHECK:     gpu.barrier
//   CHECK-NOT:     gpu.barrier
//       CHECK:     scf.for
// CHECK-COUNT-64:    nvvm.mma.sync
//   CHECK-NOT:       llvm.store
// CHECK-COUNT-128:   nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//       CHECK:       llvm.store {{.*}} : i32, !llvm.ptr<1>
//   CHECK-NOT:   gpu.barrier
func.func @feature_sim(%x: memref<?x?x24x64xbf16>, %w: memref<128x64xbf16>,
                       %b: memref<128xbf16>, %rw: memref<128x128xbf16>,
                       %rb: memref<128xbf16>, %out: memref<?x?x24x128xbf16>) {
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %rb) into %out
      warps(4) row_tiles(4)
      : memref<?x?x24x64xbf16>, memref<128x64xbf16>, memref<128xbf16>,
        memref<128x128xbf16>, memref<128xbf16>, memref<?x?x24x128xbf16>
  return
}

// -----

// Feature simulation on sm_90a: the weights and the first row tile in one
// cp.async group, the second in another; per row tile, wait for its group
// (one newer may be in flight), make the copies visible to wgmma, one
// barrier, start the copy two tiles ahead; then 4 wgmma (x w^T, both from
// shared memory, the first not accumulating: f starts undefined, no zeros
// written to its registers after the fence) and 8 with relu(f) from registers (K-major res_w: the
// last immediate, B's transpose, is 0), each product waited for; f is
// never stored, no barrier after the products; z goes out through the
// warp's part of the x slot, 64 columns at a time: 16 4-byte stores into
// shared memory, a warp sync, 4 16-byte loads and global stores.
// CHECK-LABEL: func @feature_sim_wgmma
//       CHECK:   gpu.launch
//  CHECK-SAME:     threads({{.*}}) in ({{.*}} = %c128
//  CHECK-SAME:     dynamic_shared_memory_size %c74752_i32 module(@feature_sim_wgmma_feature_sim_wgmma_0)
// CHECK-COUNT-2:   nvvm.cp.async.commit.group
//       CHECK:     scf.for
//       CHECK:       nvvm.cp.async.wait.group 1
//  CHECK-NEXT:       nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
//  CHECK-NEXT:       gpu.barrier
//       CHECK:       nvvm.cp.async.shared.global
//       CHECK:       nvvm.cp.async.commit.group
//   CHECK-NOT:       gpu.barrier
//       CHECK:       nvvm.wgmma.fence.aligned
//       CHECK:       nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <zero>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// CHECK-COUNT-3:     nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
//       CHECK:       nvvm.wgmma.wait.group.sync.aligned 0
//   CHECK-NOT:       llvm.store
//       CHECK:       nvvm.wgmma.fence.aligned
// CHECK-COUNT-8:     wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}p, 1, 1, 0;
//       CHECK:       nvvm.wgmma.wait.group.sync.aligned 0
//   CHECK-NOT:       gpu.barrier
// CHECK-COUNT-16:    llvm.store {{.*}} : i32, !llvm.ptr<3>
//       CHECK:       nvvm.bar.warp.sync
// CHECK-COUNT-4:     llvm.store {{.*}} : vector<4xi32>, !llvm.ptr<1>
//       CHECK:       nvvm.bar.warp.sync
// CHECK-COUNT-16:    llvm.store {{.*}} : i32, !llvm.ptr<3>
//       CHECK:       nvvm.bar.warp.sync
// CHECK-COUNT-4:     llvm.store {{.*}} : vector<4xi32>, !llvm.ptr<1>
//   CHECK-NOT:       llvm.store {{.*}} !llvm.ptr<1>
//   CHECK-NOT:   gpu.barrier
func.func @feature_sim_wgmma(%x: memref<?x?x24x64xbf16>, %w: memref<128x64xbf16>,
                             %b: memref<128xbf16>, %rw: memref<128x128xbf16>,
                             %rb: memref<128xbf16>, %out: memref<?x?x24x128xbf16>) {
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %rb) into %out
      warps(4) row_tiles(4) wgmma
      : memref<?x?x24x64xbf16>, memref<128x64xbf16>, memref<128xbf16>,
        memref<128x128xbf16>, memref<128xbf16>, memref<?x?x24x128xbf16>
  return
}

// -----

// PEAA: (row block, 128-column block) pairs in a 1-D grid, the 6 column
// blocks of a row block consecutive (they share its A rows in L2); a
// 3-slot cp.async ring whose first two steps are issued before the loop;
// per step the mean of the two groups' A fragments (f32 adds, one multiply
// by 1/2) feeds 2 row tiles x 2 k16 steps x 16 column tiles = 64 mma a
// warp.
// CHECK-LABEL: func @peaa
//       CHECK:   %[[ROWBLOCKS:.*]] = arith.ceildivui %{{.*}}, %c128 : index
//       CHECK:   %[[COLUMNS:.*]] = arith.constant 6 : index
//       CHECK:   %[[BLOCKS:.*]] = arith.muli %[[ROWBLOCKS]], %[[COLUMNS]] : index
//       CHECK:   gpu.launch blocks(%[[BLOCKID:[^,]*]], {{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1
//  CHECK-SAME:     dynamic_shared_memory_size %c86016_i32 module(@peaa_peaa_0)
//       CHECK:     %[[BLOCK:.*]] = arith.index_castui %[[BLOCKID]] : index to i32
//       CHECK:     arith.divui %[[BLOCK]], %c6_i32 : i32
//       CHECK:     arith.remui %[[BLOCK]], %c6_i32{{.*}} : i32
// CHECK-COUNT-2:   nvvm.cp.async.commit.group
//       CHECK:     scf.for
//       CHECK:       nvvm.cp.async.wait.group 2
//       CHECK:       gpu.barrier
//       CHECK:       nvvm.ldmatrix
//       CHECK:       arith.addf
//       CHECK:       arith.mulf {{.*}}, %cst
//       CHECK:       arith.truncf
// CHECK-COUNT-64:    nvvm.mma.sync
//   CHECK-NOT:       nvvm.mma.sync
//       CHECK:       gpu.barrier
//       CHECK:       scf.yield
func.func @peaa(%o: memref<?x?x24x64xbf16>, %w: memref<768x768xbf16>,
                %b: memref<768xbf16>, %out: memref<?x?x768xbf16>) {
  sas.mma_peaa %o dense(%w, %b) into %out warps(4) row_tiles(2)
      column_tile(128) k_tile(32) stages(3)
      : memref<?x?x24x64xbf16>, memref<768x768xbf16>, memref<768xbf16>,
        memref<?x?x768xbf16>
  return
}

// -----

// PEAA on sm_90a: the w tile stored swizzled (the slot's A tile rounded up
// to 1024 bytes), the copies made visible to wgmma before a barrier. The
// step loop is one step deep: step 0's mean fragments are formed before
// it and carried in iter_args (80 values: 64 accumulators, 16 A registers);
// a step issues its 4 wgmma (A from registers, w K-major: the last
// immediate 0) without waiting, passes a barrier (every warpgroup's
// previous wgmma done) before refilling a slot, waits for the next step's
// copies, forms its mean fragments (under scf.if: there may be none) and
// only then waits for the wgmma, after which an empty inline asm holds the
// accumulators and the step's A registers (so that the next step's A
// fragments get registers of their own); no mma.sync.
// CHECK-LABEL: func @peaa_wgmma
//       CHECK:   gpu.launch
//  CHECK-SAME:     dynamic_shared_memory_size %c154624_i32 module(@peaa_wgmma_peaa_wgmma_0)
//   CHECK-NOT:     nvvm.mma.sync
//       CHECK:     nvvm.cp.async.wait.group 1
//  CHECK-NEXT:     nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
//  CHECK-NEXT:     gpu.barrier
//       CHECK:     nvvm.ldmatrix
//       CHECK:     scf.for {{.*}} -> ({{(f32, ){64}(i32, ){15}i32}})
//       CHECK:       nvvm.wgmma.fence.aligned
// CHECK-COUNT-4:     wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {{.*}}p, 1, 1, 0;
//       CHECK:       nvvm.wgmma.commit.group.sync.aligned
//  CHECK-NEXT:       gpu.barrier
//       CHECK:       nvvm.cp.async.commit.group
//  CHECK-NEXT:       nvvm.cp.async.wait.group 1
//  CHECK-NEXT:       nvvm.fence.proxy
//  CHECK-NEXT:       gpu.barrier
//       CHECK:       scf.if {{.*}} -> ({{(i32, ){15}i32}})
//       CHECK:         nvvm.ldmatrix
//   CHECK-NOT:       nvvm.wgmma.wait.group
//       CHECK:       scf.yield
//       CHECK:       scf.yield
//  CHECK-NEXT:     }
//  CHECK-NEXT:     nvvm.wgmma.wait.group.sync.aligned 0
//  CHECK-NEXT:     llvm.inline_asm has_side_effects "", "{{(=f,){64}(=r,){16}0,1,2,.*,79}}"
//       CHECK:     scf.yield
//   CHECK-NOT:   nvvm.mma.sync
func.func @peaa_wgmma(%o: memref<?x?x24x64xbf16>, %w: memref<768x768xbf16>,
                      %b: memref<768xbf16>, %out: memref<?x?x768xbf16>) {
  sas.mma_peaa %o dense(%w, %b) into %out warps(8) row_tiles(1)
      column_tile(128) k_tile(64) stages(3) wgmma
      : memref<?x?x24x64xbf16>, memref<768x768xbf16>, memref<768xbf16>,
        memref<?x?x768xbf16>
  return
}

// -----

// D' = 256 at D = 64: f four chunks of 64 columns (getFeatureSimChunk:
// x, z and one chunk of f within a thread's fragment registers); per
// chunk, four m64n64 wgmma from shared memory, then relu(f_c) times the
// chunk's 64 rows of res_w^T into z (four m64n256, A from registers).
// CHECK-LABEL: func @feature_sim_wgmma_chunks
//       CHECK:   dynamic_shared_memory_size %c189440_i32
//       CHECK:     scf.for
// CHECK-COUNT-4:     nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
//       CHECK:       nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-4:     wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-COUNT-4:     nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// CHECK-COUNT-4:     wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-COUNT-4:     nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// CHECK-COUNT-4:     wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-COUNT-4:     nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>
// CHECK-COUNT-4:     wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
//   CHECK-NOT:       nvvm.wgmma.mma_async
//   CHECK-NOT:       wgmma.mma_async.sync
//       CHECK:       nvvm.bar.warp.sync
func.func @feature_sim_wgmma_chunks(%x: memref<?x?x8x64xbf16>,
                                    %w: memref<256x64xbf16>,
                                    %b: memref<256xbf16>,
                                    %rw: memref<256x256xbf16>,
                                    %rb: memref<256xbf16>,
                                    %out: memref<?x?x8x256xbf16>) {
  sas.mma_feature_sim %x weights(%w, %b) residual(%rw, %rb) into %out
      warps(4) row_tiles(4) wgmma
      : memref<?x?x8x64xbf16>, memref<256x64xbf16>, memref<256xbf16>,
        memref<256x256xbf16>, memref<256xbf16>, memref<?x?x8x256xbf16>
  return
}
