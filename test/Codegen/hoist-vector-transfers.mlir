// sas-hoist-vector-transfers keeps a loop's vector accumulator in registers:
// read once before the loop, carried in iter_args, written once after it,
// but only out of loops that run at least once.
// RUN: sas-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sas-hoist-vector-transfers))" | FileCheck %s

// CHECK-LABEL: func @accumulator
//       CHECK:   %[[INIT:.*]] = vector.transfer_read %[[C:.*]][%c0, %c0]
//       CHECK:   %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (vector<4x16xf32>)
//   CHECK-NOT:     vector.transfer_write
//       CHECK:     arith.addf %[[ACC]]
//       CHECK:   vector.transfer_write %[[SUM]], %[[C]][%c0, %c0]
func.func @accumulator(%a: memref<4x16xf32>, %c: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f0 = arith.constant 0.0 : f32
  scf.for %k = %c0 to %c8 step %c1 {
    %acc = vector.transfer_read %c[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<4x16xf32>, vector<4x16xf32>
    %x = vector.transfer_read %a[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<4x16xf32>, vector<4x16xf32>
    %s = arith.addf %acc, %x : vector<4x16xf32>
    vector.transfer_write %s, %c[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  }
  return
}

// -----

// The loop may not run: the accumulator stays in memory.
// CHECK-LABEL: func @may_not_run
//   CHECK-NOT:   iter_args
func.func @may_not_run(%a: memref<4x16xf32>, %c: memref<4x16xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f0 = arith.constant 0.0 : f32
  scf.for %k = %c0 to %n step %c1 {
    %acc = vector.transfer_read %c[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<4x16xf32>, vector<4x16xf32>
    %x = vector.transfer_read %a[%c0, %c0], %f0 {in_bounds = [true, true]} : memref<4x16xf32>, vector<4x16xf32>
    %s = arith.addf %acc, %x : vector<4x16xf32>
    vector.transfer_write %s, %c[%c0, %c0] {in_bounds = [true, true]} : vector<4x16xf32>, memref<4x16xf32>
  }
  return
}
