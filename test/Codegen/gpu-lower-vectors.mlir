// RUN: sas-opt %s --convert-vector-to-scf=full-unroll --sas-gpu-lower-vectors --canonicalize | FileCheck %s

// A thread's 2 x 8 tile after bufferization: the accumulator rows load and
// store as vectors, A's rows load 4 reduction steps at a time, and each
// step is a broadcast of A's element times B's row, added by vector.fma.
// The loads and stores carry the 16-byte alignment their buffer, layout
// and indices prove (the loop steps by 4 floats, rows are 64 or 8 floats).
// CHECK-LABEL: func.func @tile
// CHECK-COUNT-2: vector.load %arg2{{.*}} {alignment = 16 : i64} : {{.*}} vector<8xf32>
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-2: vector.load %arg0{{.*}} {alignment = 16 : i64} : {{.*}} vector<4xf32>
// CHECK-COUNT-4: vector.load %arg1{{.*}} {alignment = 16 : i64} : {{.*}} vector<8xf32>
// CHECK-COUNT-8: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.transfer
// CHECK: scf.yield
// CHECK-COUNT-2: vector.store {{.*}}, %arg2{{.*}} vector<8xf32>
func.func @tile(%a: memref<2x64xf32>, %b: memref<64x8xf32>, %c: memref<2x8xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  %init = vector.transfer_read %c[%c0, %c0], %pad {in_bounds = [true, true]} : memref<2x8xf32>, vector<2x8xf32>
  %sum = scf.for %k = %c0 to %c64 step %c4 iter_args(%acc = %init) -> (vector<2x8xf32>) {
    %va = vector.transfer_read %a[%c0, %k], %pad {in_bounds = [true, true]} : memref<2x64xf32>, vector<2x4xf32>
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true, true]} : memref<64x8xf32>, vector<4x8xf32>
    %r = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %acc : vector<2x4xf32>, vector<4x8xf32> into vector<2x8xf32>
    scf.yield %r : vector<2x8xf32>
  }
  vector.transfer_write %sum, %c[%c0, %c0] {in_bounds = [true, true]} : vector<2x8xf32>, memref<2x8xf32>
  return
}

// A row of 66 floats read at a column shifted by one (a convolution tap of
// a padded buffer) proves only the element's 4 bytes: no alignment.
// CHECK-LABEL: func.func @shifted
// CHECK: vector.load %arg0{{.*}} : memref<?x66xf32>, vector<4xf32>
// CHECK-NOT: alignment
func.func @shifted(%a: memref<?x66xf32>, %r: index, %j: index) -> vector<4xf32> {
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %j4 = arith.muli %j, %c4 : index
  %col = arith.addi %j4, %c1 : index
  %pad = arith.constant 0.0 : f32
  %v = vector.transfer_read %a[%r, %col], %pad {in_bounds = [true]} : memref<?x66xf32>, vector<4xf32>
  return %v : vector<4xf32>
}

// An elementwise thread tile reads through the subview of its forall
// iteration (a dynamic offset): folded into the load's indices (by
// fold-memref-alias-ops, which sas-gpu-pipeline runs first), the forall's
// step of 8 proves 16 bytes of bf16.
// RUN: sas-opt %s --fold-memref-alias-ops --convert-vector-to-scf=full-unroll --sas-gpu-lower-vectors --canonicalize | FileCheck %s --check-prefix=TILE
// TILE-LABEL: func.func @subview_tile
// TILE: vector.load %arg0[{{.*}}] {alignment = 16 : i64} : memref<?x128xbf16>, vector<8xbf16>
// TILE: vector.store {{.*}} {alignment = 16 : i64} : memref<?x128xf32>, vector<8xf32>
func.func @subview_tile(%a: memref<?x128xbf16>, %b: memref<?x128xf32>, %n: index) {
  %pad = arith.constant 0.0 : bf16
  %c0 = arith.constant 0 : index
  scf.forall (%i, %j) = (0, 0) to (%n, 128) step (1, 8) {
    %sa = memref.subview %a[%i, %j] [1, 8] [1, 1] : memref<?x128xbf16> to memref<8xbf16, strided<[1], offset: ?>>
    %sb = memref.subview %b[%i, %j] [1, 8] [1, 1] : memref<?x128xf32> to memref<8xf32, strided<[1], offset: ?>>
    %v = vector.transfer_read %sa[%c0], %pad {in_bounds = [true]} : memref<8xbf16, strided<[1], offset: ?>>, vector<8xbf16>
    %w = arith.extf %v : vector<8xbf16> to vector<8xf32>
    vector.transfer_write %w, %sb[%c0] {in_bounds = [true]} : vector<8xf32>, memref<8xf32, strided<[1], offset: ?>>
  }
  return
}
