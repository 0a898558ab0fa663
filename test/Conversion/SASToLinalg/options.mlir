// Tile sizes must be positive.
// RUN: not sas-opt %s --convert-sas-to-linalg="query-tile=0" 2>&1 | FileCheck %s
// CHECK: convert-sas-to-linalg: query-tile and key-tile must be positive, got 0 and 64
func.func @f() {
  return
}
