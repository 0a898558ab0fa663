// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-mma-attention-to-nvvm | FileCheck %s
// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-mma-attention-to-nvvm | FileCheck %s --check-prefix=NARROW

// One block of 2 warps of 16 rows (64 threads) per (32 queries, head,
// batch) with a
// dynamic shared-memory ring of 2 * 32 keys * ((32 + 8) + (16 + 8)) * 2 B.
// CHECK-LABEL: func @causal
//       CHECK:   %[[T:.*]] = memref.dim %arg0, %c1
//       CHECK:   %[[QBLOCKS:.*]] = arith.ceildivui %[[T]], %c32
//       CHECK:   gpu.launch blocks({{.*}}) in ({{.*}} = %[[QBLOCKS]], {{.*}} = %c4, {{.*}}) threads({{.*}}) in ({{.*}} = %c64,
//  CHECK-SAME:       dynamic_shared_memory_size %c8192_i32
//  CHECK-SAME:       function(@causal_attention_mma_0)
// Causal: the key loop ends at the block holding the block's last query;
// the blocks below the diagonal (up to the first query) need no mask.
//       CHECK:     %[[LAST:.*]] = arith.addi %[[Q0:.*]], %c32_i32{{[_0-9]*}} : i32
//  CHECK-NEXT:     %[[END:.*]] = arith.minsi %{{.*}}, %[[LAST]] : i32
//       CHECK:     %[[FIRST:.*]] = arith.addi %[[Q0]], %c1_i32{{[_0-9]*}} : i32
//  CHECK-NEXT:     %[[FULLEND:.*]] = arith.minsi %{{.*}}, %[[FIRST]] : i32
//       CHECK:     %[[BLOCKS:.*]] = arith.ceildivui %[[END]], %c32_i32{{[_0-9]*}}
//       CHECK:     %[[FULL:.*]] = arith.divui %[[FULLEND]], %c32_i32{{[_0-9]*}}
// Prologue: the first block's copies (zero-filled past the keys).
//       CHECK:     nvvm.cp.async.shared.global {{.*}}, 16, cache = cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
//       CHECK:     nvvm.cp.async.commit.group
// The unmasked loop: wait for block j, one barrier, then the refill of the
// slot step j - 1 read (whole blocks without bounds checks, the tail block
// zero-filled), scores, softmax and p v with no barrier until the next step.
//       CHECK:     scf.for %{{.*}} = %c0_i32{{.*}} to %[[FULL]]
//       CHECK:       nvvm.cp.async.wait.group 0
//  CHECK-NEXT:       gpu.barrier
//   CHECK-NOT:       gpu.barrier
//       CHECK:       scf.if
//       CHECK:         nvvm.cp.async.shared.global {{.*}}, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>
//       CHECK:       } else {
//       CHECK:         nvvm.cp.async.shared.global {{.*}}, 16, cache = cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
//       CHECK:       nvvm.cp.async.commit.group
//   CHECK-NOT:       gpu.barrier
//       CHECK:       nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>
//       CHECK:       nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>
//   CHECK-NOT:       gpu.barrier
//       CHECK:       gpu.shuffle  xor %{{.*}}, %c1_i32{{[_0-9]*}}, %c32_i32
//       CHECK:       gpu.shuffle  xor %{{.*}}, %c2_i32{{[_0-9]*}}, %c32_i32
// The max moves lazily: only when some row of the warp grew by more than
// 2^8; o is then rescaled, after p is packed.
//       CHECK:       %[[BOUND:.*]] = arith.addf %{{.*}}, %cst{{.*}} : f32
//       CHECK:       arith.cmpf olt, %[[BOUND]]
//       CHECK:       %[[ANY:.*]] = nvvm.vote.sync any %c-1_i32{{.*}}, %{{.*}} -> i1
//       CHECK:       arith.select %[[ANY]]
//   CHECK-NOT:       gpu.barrier
//       CHECK:       llvm.intr.fma
//   CHECK-NOT:       gpu.barrier
//       CHECK:       llvm.inline_asm "ex2.approx.ftz.f32 $0, $1;", "=f,f"
//   CHECK-NOT:       gpu.barrier
//       CHECK:       arith.truncf
//       CHECK:       scf.if %[[ANY]] -> (f32, f32, f32, f32, f32, f32, f32, f32) {
//       CHECK:         arith.mulf
//       CHECK:       } else {
//   CHECK-NOT:         arith.mulf
//       CHECK:       }
//   CHECK-NOT:       gpu.barrier
//       CHECK:       nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<col>
//   CHECK-NOT:       gpu.barrier
//       CHECK:       nvvm.mma.sync
//   CHECK-NOT:       gpu.barrier
//       CHECK:       scf.yield
// The masked loop: the diagonal block and the tail, keys past the query or
// past the end to -inf.
//       CHECK:     scf.for %{{.*}} = %[[FULL]] to %[[BLOCKS]]
//       CHECK:       arith.cmpi sge
//       CHECK:       arith.cmpi sgt
//       CHECK:       arith.select %{{.*}}, %cst{{.*}}, %{{.*}} : f32
//       CHECK:       scf.yield
// Rows past T are not stored.
//       CHECK:     scf.if
//       CHECK:       llvm.store {{.*}} {alignment = 4 : i64} : i32, !llvm.ptr<1>

// k and v stay 16-bit in shared memory: nothing is widened before the
// copies, and only the probabilities are rounded (to pack p for p v).
// NARROW-LABEL: func @causal
//   NARROW-NOT:   arith.extf
//       NARROW:   arith.truncf {{.*}} : f32 to bf16
//   NARROW-NOT:   arith.extf
func.func @causal(%q: memref<2x?x4x32xbf16>, %k: memref<2x?x4x32xbf16>,
                  %v: memref<2x?x4x16xbf16>, %o: memref<2x?x4x16xbf16>) {
  sas.mma_attention %q, %k, %v, %o causal scale(0.25) warps(2) warp_rows(16) key_tile(32)
      stages(2) : memref<2x?x4x32xbf16>, memref<2x?x4x32xbf16>,
                  memref<2x?x4x16xbf16>, memref<2x?x4x16xbf16>
  return
}

