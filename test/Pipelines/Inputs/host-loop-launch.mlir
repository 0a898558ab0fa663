// host_loop_launches.py's positive case: one kernel launched from a host
// loop (counted), one loop inside a kernel (not counted).
func.func @f(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    gpu.launch blocks(%a, %b, %c) in (%x = %c1, %y = %c1, %z = %c1)
        threads(%d, %e, %f) in (%u = %c1, %v = %c1, %w = %c1) {
      gpu.terminator
    }
  }
  gpu.launch blocks(%a, %b, %c) in (%x = %c1, %y = %c1, %z = %c1)
      threads(%d, %e, %f) in (%u = %c1, %v = %c1, %w = %c1) {
    scf.for %i = %c0 to %n step %c1 {
    }
    gpu.terminator
  }
  return
}
