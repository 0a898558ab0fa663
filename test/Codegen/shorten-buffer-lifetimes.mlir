// sas-shorten-buffer-lifetimes moves each memref.dealloc up to just after the
// last use of its buffer (or of a view of it) in the allocating block.
// RUN: sas-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sas-shorten-buffer-lifetimes))" | FileCheck %s

// CHECK-LABEL: func @after_last_use
//       CHECK:   %[[T:.*]] = memref.alloc() : memref<8xf32>
//       CHECK:   memref.copy %{{.*}}, %[[T]]
//       CHECK:   memref.copy %[[T]], %{{.*}}
//  CHECK-NEXT:   memref.dealloc %[[T]]
//       CHECK:   call @work
func.func private @work()
func.func @after_last_use(%in: memref<8xf32>, %out: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32>
  memref.copy %in, %t : memref<8xf32> to memref<8xf32>
  memref.copy %t, %out : memref<8xf32> to memref<8xf32>
  func.call @work() : () -> ()
  memref.dealloc %t : memref<8xf32>
  return
}

// -----

// A use through a view counts as a use of the buffer.
// CHECK-LABEL: func @through_view
//       CHECK:   %[[T:.*]] = memref.alloc() : memref<8xf32>
//       CHECK:   %[[V:.*]] = memref.subview %[[T]]
//       CHECK:   memref.copy %[[V]], %{{.*}}
//  CHECK-NEXT:   memref.dealloc %[[T]]
//       CHECK:   call @work
func.func private @work()
func.func @through_view(%in: memref<8xf32>, %out: memref<4xf32>) {
  %t = memref.alloc() : memref<8xf32>
  memref.copy %in, %t : memref<8xf32> to memref<8xf32>
  %v = memref.subview %t[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  func.call @work() : () -> ()
  memref.copy %v, %out : memref<4xf32, strided<[1]>> to memref<4xf32>
  func.call @work() : () -> ()
  memref.dealloc %t : memref<8xf32>
  return
}

// -----

// The buffer escapes (a loop yields it): the dealloc stays where it is.
// CHECK-LABEL: func @escapes
//       CHECK:   scf.for
//       CHECK:   call @work
//  CHECK-NEXT:   memref.dealloc
//  CHECK-NEXT:   return
func.func private @work()
func.func @escapes(%in: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = memref.alloc() : memref<8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%b = %t) -> (memref<8xf32>) {
    scf.yield %b : memref<8xf32>
  }
  func.call @work() : () -> ()
  memref.dealloc %t : memref<8xf32>
  return
}
