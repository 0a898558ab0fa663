// RUN: sas-opt %s --sas-promote-loop-accumulators --split-input-file | FileCheck %s

// A matmul lowered to loops: the output element moves out of the reduction
// loop into iter_args, loaded once before and stored once after it.
// CHECK-LABEL: func @matmul
//       CHECK:   scf.parallel (%[[I:.*]], %[[J:.*]]) =
//       CHECK:     %[[INIT:.*]] = memref.load %[[C:.*]][%[[I]], %[[J]]]
//       CHECK:     %[[SUM:.*]] = scf.for %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
//   CHECK-NOT:       memref.store
//       CHECK:       %[[NEW:.*]] = arith.addf %[[ACC]], %{{.*}}
//       CHECK:       scf.yield %[[NEW]]
//       CHECK:     memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xf32>
      %y = memref.load %b[%k, %j] : memref<8x4xf32>
      %acc = memref.load %c[%i, %j] : memref<4x4xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<4x4xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Nested reduction loops: the accumulator leaves both.
// CHECK-LABEL: func @two_reductions
//       CHECK:   %[[INIT:.*]] = memref.load %arg1[%c0]
//       CHECK:   %[[OUTER:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[INIT]])
//       CHECK:     %[[INNER:.*]] = scf.for {{.*}} iter_args(%[[B:.*]] = %[[A]])
//       CHECK:     scf.yield %[[INNER]]
//       CHECK:   memref.store %[[OUTER]], %arg1[%c0]
func.func @two_reductions(%in: memref<4x4xf32>, %out: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %x = memref.load %in[%i, %j] : memref<4x4xf32>
      %acc = memref.load %out[%c0] : memref<1xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %out[%c0] : memref<1xf32>
    }
  }
  return
}

// -----

// Not promoted: the loop reads the accumulator's buffer elsewhere (through
// a view).
// CHECK-LABEL: func @reads_through_view
//   CHECK-NOT:   iter_args
func.func @reads_through_view(%buf: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %view = memref.subview %buf[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %view[%k] : memref<4xf32, strided<[1], offset: 4>>
    %acc = memref.load %buf[%c0] : memref<8xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %buf[%c0] : memref<8xf32>
  }
  return
}

// -----

// Not promoted: the loop writes other memory.
// CHECK-LABEL: func @writes_other_memory
//   CHECK-NOT:   iter_args
func.func @writes_other_memory(%buf: memref<8xf32>, %other: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %acc = memref.load %buf[%c1] : memref<8xf32>
    memref.store %acc, %other[%k] : memref<8xf32>
    memref.store %acc, %buf[%c1] : memref<8xf32>
  }
  return
}

// -----

// Not promoted: the element depends on the loop.
// CHECK-LABEL: func @element_varies
//   CHECK-NOT:   iter_args
func.func @element_varies(%buf: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %acc = memref.load %buf[%k] : memref<8xf32>
    memref.store %acc, %buf[%k] : memref<8xf32>
  }
  return
}

// -----

// Not promoted: the loop may not run (its upper bound is unknown), and the
// element may not be readable then.
// CHECK-LABEL: func @unknown_trip_count
//   CHECK-NOT:   iter_args
func.func @unknown_trip_count(%buf: memref<8xf32>, %n: index, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %k = %c0 to %n step %c1 {
    %acc = memref.load %buf[%i] : memref<8xf32>
    %s = arith.addf %acc, %acc : f32
    memref.store %s, %buf[%i] : memref<8xf32>
  }
  return
}

// -----

// Not promoted: the loop never runs.
// CHECK-LABEL: func @zero_trip_count
//   CHECK-NOT:   iter_args
func.func @zero_trip_count(%buf: memref<8xf32>, %i: index) {
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  scf.for %k = %c4 to %c4 step %c1 {
    %acc = memref.load %buf[%i] : memref<8xf32>
    %s = arith.addf %acc, %acc : f32
    memref.store %s, %buf[%i] : memref<8xf32>
  }
  return
}

// -----

// Promoted: the trip count is not a constant but provably at least one.
// CHECK-LABEL: func @dynamic_nonzero_trip_count
//       CHECK:   scf.for {{.*}} iter_args
func.func @dynamic_nonzero_trip_count(%buf: memref<8xf32>, %n: index, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ub = affine.max affine_map<(d0) -> (d0, 1)>(%n)
  scf.for %k = %c0 to %ub step %c1 {
    %acc = memref.load %buf[%i] : memref<8xf32>
    %s = arith.addf %acc, %acc : f32
    memref.store %s, %buf[%i] : memref<8xf32>
  }
  return
}
