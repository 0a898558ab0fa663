// RUN: sas-opt %s --sas-gpu-host-buffers | FileCheck %s

// Host buffers become stream-ordered device allocations; host copies become
// linalg.copy (a kernel, later); workgroup buffers and kernels stay.
// CHECK-LABEL: func @buffers
//       CHECK:   %[[T0:.*]] = gpu.wait async
//       CHECK:   %[[BUF:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] (%{{.*}}) : memref<?x4xf32>
//       CHECK:   gpu.wait [%[[T1]]]
//       CHECK:   linalg.copy ins(%{{.*}} : memref<?x4xf32, strided<[8, 1]>>) outs(%[[BUF]] : memref<?x4xf32>)
//       CHECK:   memref.alloc() : memref<4xf32, #gpu.address_space<workgroup>>
//       CHECK:   %[[T2:.*]] = gpu.wait async
//       CHECK:   %[[T3:.*]] = gpu.dealloc async [%[[T2]]] %[[BUF]] : memref<?x4xf32>
//       CHECK:   gpu.wait [%[[T3]]]
//   CHECK-NOT:   memref.alloc()
//   CHECK-NOT:   memref.copy
func.func @buffers(%in: memref<?x8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %view = memref.subview %in[0, 0] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  %buf = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
  memref.copy %view, %buf : memref<?x4xf32, strided<[8, 1]>> to memref<?x4xf32>
  %tile = memref.alloc() : memref<4xf32, #gpu.address_space<workgroup>>
  memref.dealloc %buf : memref<?x4xf32>
  return
}
