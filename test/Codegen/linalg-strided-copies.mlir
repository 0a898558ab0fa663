// RUN: sas-opt %s --sas-linalg-strided-copies | FileCheck %s

// A copy into a view of a padded buffer becomes linalg.copy (loops that
// LLVM vectorizes) instead of the runtime's element-by-element memrefCopy;
// a copy between contiguous buffers stays memref.copy (a memcpy).
// CHECK-LABEL: func @into_padded
//  CHECK-NOT:   memref.copy
//      CHECK:   linalg.copy ins(%{{.*}} : memref<4x64xf32>) outs(%{{.*}} : memref<4x64xf32, strided<[66, 1], offset: 1>>)
func.func @into_padded(%x: memref<4x64xf32>) -> memref<4x66xf32> {
  %padded = memref.alloc() : memref<4x66xf32>
  %view = memref.subview %padded[0, 1] [4, 64] [1, 1]
      : memref<4x66xf32> to memref<4x64xf32, strided<[66, 1], offset: 1>>
  memref.copy %x, %view
      : memref<4x64xf32> to memref<4x64xf32, strided<[66, 1], offset: 1>>
  return %padded : memref<4x66xf32>
}

// CHECK-LABEL: func @contiguous
//  CHECK-NOT:   linalg.copy
//      CHECK:   memref.copy %{{.*}}, %{{.*}} : memref<4x64xf32> to memref<4x64xf32>
func.func @contiguous(%x: memref<4x64xf32>, %y: memref<4x64xf32>) {
  memref.copy %x, %y : memref<4x64xf32> to memref<4x64xf32>
  return
}

// Identity layouts are contiguous at any size; a dynamic strided view is
// not known to be.
// CHECK-LABEL: func @dynamic
//      CHECK:   memref.copy %{{.*}}, %{{.*}} : memref<?x64xf32> to memref<?x64xf32>
//      CHECK:   linalg.copy ins(%{{.*}} : memref<?x64xf32>) outs(%{{.*}} : memref<?x64xf32, strided<[?, 1], offset: ?>>)
func.func @dynamic(%x: memref<?x64xf32>, %y: memref<?x64xf32>,
                   %z: memref<?x64xf32, strided<[?, 1], offset: ?>>) {
  memref.copy %x, %y : memref<?x64xf32> to memref<?x64xf32>
  memref.copy %x, %z : memref<?x64xf32> to memref<?x64xf32, strided<[?, 1], offset: ?>>
  return
}
