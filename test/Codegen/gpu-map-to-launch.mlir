// RUN: sas-opt %s --sas-gpu-map-to-launch="block-threads=64 elementwise-threads=128" --split-input-file --verify-diagnostics | FileCheck %s

// A block-mapped forall becomes a launch with one block per iteration; each
// step (outermost scf.parallel) is spread over the threads, linearized, with
// a barrier after it; workgroup buffers become attributions.
// CHECK-LABEL: func @block_loop
//  CHECK-SAME:   (%[[IN:.*]]: memref<8x?xf32>, %[[N:.*]]: index
//   CHECK-DAG:   %[[C64:.*]] = arith.constant 64 : index
//   CHECK-DAG:   %[[C3:.*]] = arith.constant 3 : index
//       CHECK:   gpu.launch blocks(%[[BX:[^,]*]], {{[^)]*}}) in ({{[^=]*}}= %[[N]], {{[^=]*}}= %[[C3]], {{[^)]*}}) threads(%[[TX:[^,]*]], {{[^)]*}}) in ({{[^=]*}}= %[[C64]], {{[^)]*}})
//  CHECK-SAME:     module(@block_loop_blocks_0) function(@block_loop_blocks_0)
//  CHECK-SAME:     workgroup(%[[TILE:[^ ]*]] : memref<8x4xf32, #gpu.address_space<workgroup>>)
//       CHECK:     scf.for %[[I:.*]] = %[[TX]] to %{{.*}} step %[[C64]]
//       CHECK:       arith.remui %[[I]]
//       CHECK:       arith.divui %[[I]]
//       CHECK:       memref.load %[[IN]][%{{.*}}, %[[BX]]]
//       CHECK:       memref.store %{{.*}}, %[[TILE]]
//       CHECK:     gpu.barrier
//       CHECK:     scf.for
//       CHECK:     gpu.barrier
//   CHECK-NOT:   memref.alloc
//   CHECK-NOT:   memref.dealloc
func.func @block_loop(%in: memref<8x?xf32>, %n: index, %out: memref<3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c4 = arith.constant 4 : index
  scf.forall (%i, %j) in (%n, 3) {
    %tile = memref.alloc() : memref<8x4xf32, #gpu.address_space<workgroup>>
    scf.parallel (%r, %c) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) {
      %x = memref.load %in[%r, %i] : memref<8x?xf32>
      memref.store %x, %tile[%r, %c] : memref<8x4xf32, #gpu.address_space<workgroup>>
      scf.reduce
    }
    scf.parallel (%r) = (%c0) to (%c1) step (%c1) {
      %x = memref.load %tile[%r, %c0] : memref<8x4xf32, #gpu.address_space<workgroup>>
      memref.store %x, %out[%j] : memref<3xf32>
      scf.reduce
    }
    memref.dealloc %tile : memref<8x4xf32, #gpu.address_space<workgroup>>
  } {mapping = [#gpu.block<x>, #gpu.block<y>]}
  return
}

// -----

// Any other parallel loop becomes a launch with one thread per iteration,
// guarded against the rounded-up grid. Kernels are named after their
// function, kind and launch order.
// CHECK-LABEL: func @elementwise
//   CHECK-DAG:   %[[C128:.*]] = arith.constant 128 : index
//       CHECK:   %[[BLOCKS:.*]] = arith.ceildivui %{{.*}}, %[[C128]]
//       CHECK:   gpu.launch blocks(%[[BX:[^,]*]], {{[^)]*}}) in ({{[^=]*}}= %[[BLOCKS]], {{[^)]*}}) threads(%[[TX:[^,]*]], {{[^)]*}}) in ({{[^=]*}}= %[[C128B:c128[_0-9]*]], {{[^)]*}}) module(@elementwise_loop_0) function(@elementwise_loop_0)
//       CHECK:     %[[BASE:.*]] = arith.muli %[[BX]], %[[C128B]]
//       CHECK:     %[[LINEAR:.*]] = arith.addi %[[BASE]], %[[TX]]
//       CHECK:     %[[IN:.*]] = arith.cmpi ult, %[[LINEAR]]
//       CHECK:     scf.if %[[IN]]
//       CHECK:       memref.store
func.func @elementwise(%out: memref<?x5xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c5) step (%c1, %c1) {
    memref.store %f, %out[%i, %j] : memref<?x5xf32>
    scf.reduce
  }
  return
}

// -----

// A forall without a mapping (a thread loop of sas-gpu-thread-tile) is
// launched like a parallel loop: one thread an iteration.
// CHECK-LABEL: func.func @unmapped
// CHECK: arith.ceildivui %[[TOTAL:[0-9]+]], %c128
// CHECK: gpu.launch
// CHECK-SAME: module(@unmapped_loop_0)
// CHECK: arith.cmpi ult, %{{.*}}, %[[TOTAL]]
// CHECK: memref.store
// CHECK-NOT: scf.forall
func.func @unmapped(%out: memref<4x6xf32>) {
  %f = arith.constant 1.0 : f32
  scf.forall (%i, %j) in (4, 6) {
    memref.store %f, %out[%i, %j] : memref<4x6xf32>
  }
  return
}

// -----

func.func @same_dimension_twice(%out: memref<4x4xf32>) {
  %f = arith.constant 1.0 : f32
  // expected-error @below {{must map each loop to a different one of #gpu.block<x>, <y> and <z>}}
  scf.forall (%i, %j) in (4, 4) {
    memref.store %f, %out[%i, %j] : memref<4x4xf32>
  } {mapping = [#gpu.block<x>, #gpu.block<x>]}
  return
}

// -----

func.func @linear_mapping(%out: memref<4xf32>) {
  %f = arith.constant 1.0 : f32
  // expected-error @below {{must map each loop to a different one of #gpu.block<x>, <y> and <z>}}
  scf.forall (%i) in (4) {
    memref.store %f, %out[%i] : memref<4xf32>
  } {mapping = [#gpu.block<linear_dim_0>]}
  return
}

// -----

func.func @host_access(%out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  // expected-error @below {{would touch device memory on the host: it is not inside a kernel}}
  memref.store %f, %out[%c0] : memref<4xf32>
  return
}
