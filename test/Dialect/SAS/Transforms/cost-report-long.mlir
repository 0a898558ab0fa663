// At T = 2^62 the compute-matched head size is still right: 20 (the exact
// root of 2 T H^2 w^2 + 4 P H w = SAS FLOPs for H = 2, H' = 4, D = 8,
// D' = 12, K = 3, causal), not 0 from cancellation.
// RUN: sas-opt %S/../../../Integration/Inputs/small-layer.mlir --sas-cost-report="batch=1 seq-len=4611686018427387904 output=-" -o /dev/null | FileCheck %s
// CHECK: SAS / MHA FLOPs: 2.50x; MHA with the SAS FLOPs: 3.33 heads of 12, or 2 heads of 20.00 (width 40.0)
