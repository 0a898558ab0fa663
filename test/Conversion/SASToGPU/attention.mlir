// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu --canonicalize --split-input-file --verify-diagnostics | FileCheck %s
// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="query-tile=64 key-tile=64 shared-memory-bytes=12288" --canonicalize --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=SMALL

// One block per (batch, head, query block), mapped to GPU blocks; the
// online-softmax state and the k/v tiles live in workgroup memory; under
// causal the key loop stops at the block of the tile's last query; scores
// are scaled with log2(e) for exp2 and masked past the diagonal.
// CHECK-LABEL: func @causal
//   CHECK-DAG:   %[[SCALE:.*]] = arith.constant 0.51006{{[0-9]*}} : f32
//   CHECK-DAG:   %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
//   CHECK-DAG:   bufferization.to_buffer %arg0 read_only
//   CHECK-DAG:   %[[OUT:.*]] = memref.alloc() : memref<2x37x4x6xf16>
//       CHECK:   scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (2, 4, 2)
// k and score tiles get a padding column against bank conflicts.
//   CHECK-DAG:     memref.alloc() : memref<32x9xf32, #gpu.address_space<workgroup>>
//   CHECK-DAG:     memref.alloc() : memref<32x6xf32, #gpu.address_space<workgroup>>
//   CHECK-DAG:     memref.alloc() : memref<32x33xf32, #gpu.address_space<workgroup>>
//       CHECK:     %[[LAST:.*]] = arith.addi %{{.*}}, %{{.*}} : index
//       CHECK:     %[[END:.*]] = arith.minsi %[[LAST]], %c37 : index
//       CHECK:     %[[STEPS:.*]] = arith.ceildivui %[[END]], %c32
//       CHECK:     scf.for %{{.*}} = %c0{{.*}} to %[[STEPS]]
//       CHECK:       linalg.generic {{.*}} ins(%{{.*}} : memref<?x8xf16, {{.*}}>) outs(%{{.*}} : memref<?x8xf32, {{.*}}#gpu.address_space<workgroup>>)
//       CHECK:         arith.extf
//       CHECK:       arith.mulf %{{.*}}, %[[SCALE]] : f32
//       CHECK:       arith.cmpi sgt
//       CHECK:       arith.select %{{.*}}, %[[NEGINF]], %{{.*}} : f32
//       CHECK:       math.exp2
//       CHECK:       math.exp2
//       CHECK:     }
//       CHECK:     arith.divf
//       CHECK:     arith.truncf %{{.*}} : f32 to f16
//       CHECK:   } {mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]}
//       CHECK:   bufferization.to_tensor %[[OUT]] restrict writable
func.func @causal(%q: tensor<2x37x4x8xf16>, %k: tensor<2x37x4x8xf16>,
                  %v: tensor<2x37x4x6xf16>) -> tensor<2x37x4x6xf16> {
  // expected-remark @below {{sas.attention stays on the linalg path: the tensor-core kernels take head sizes that are multiples of 16 up to 256, got 8 (q, k) and 6 (v)}}
  %0 = sas.attention %q, %k, %v causal
      : (tensor<2x37x4x8xf16>, tensor<2x37x4x8xf16>, tensor<2x37x4x6xf16>)
      -> tensor<2x37x4x6xf16>
  return %0 : tensor<2x37x4x6xf16>
}

// -----

// Without causal every key block is visited and nothing is masked; dynamic
// batch and length are read from the operands.
// CHECK-LABEL: func @full
//       CHECK:   %[[KEYS:.*]] = tensor.dim %arg1, %c1
//       CHECK:   scf.forall
//       CHECK:     %[[STEPS:.*]] = arith.ceildivui %[[KEYS]], %c32
//       CHECK:     scf.for %{{.*}} = %c0{{.*}} to %[[STEPS]]
//   CHECK-NOT:       arith.cmpi
//       CHECK:       math.exp2
// SMALL-LABEL: func @full
// Tiles shrink, keys first, to fit 12 KiB: 64 queries, 32 keys.
//       SMALL:   memref.alloc() : memref<32x5xf32, #gpu.address_space<workgroup>>
//       SMALL:   memref.alloc() : memref<32x4xf32, #gpu.address_space<workgroup>>
//       SMALL:   memref.alloc() : memref<64x33xf32, #gpu.address_space<workgroup>>
func.func @full(%q: tensor<?x?x2x4xf32>, %k: tensor<?x?x2x4xf32>,
                %v: tensor<?x?x2x4xf32>) -> tensor<?x?x2x4xf32> {
  %0 = sas.attention %q, %k, %v
      : (tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>)
      -> tensor<?x?x2x4xf32>
  return %0 : tensor<?x?x2x4xf32>
}
