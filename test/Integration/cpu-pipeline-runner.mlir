// sas-cpu-pipeline output runs under mlir-runner (with OpenMP threads). The
// inputs are chosen so the expected outputs can be worked out by hand.
// RUN: sas-opt %s --sas-cpu-pipeline="query-tile=2 key-tile=2" | %mlir_runner -e main -entry-point-result=void | FileCheck %s

// q = 0 makes every visible key equally likely; v[t] = t. Causal: query i
// averages keys 0..i, i.e. i / 2. Not causal: all keys, (0+1+2+3+4)/5 = 2.
// CHECK:      [0,     0,     0]
// CHECK-NEXT: [0.5,     0.5,     0.5]
// CHECK-NEXT: [1,     1,     1]
// CHECK-NEXT: [1.5,     1.5,     1.5]
// CHECK-NEXT: [2,     2,     2]
// CHECK:      [2,     2,     2]
// CHECK-NEXT: [2,     2,     2]

// Head simulation with x = 1, all weights 1, b = 1, res_b = 0.5, H = H' = 2,
// D = 5, K = 3. Y = 1 + (taps inside 0..4) * 2 = [5, 7, 7, 7, 5];
// S = Y + 0.5 + 2 * (window sum of Y) = [29.5, 45.5, 49.5, 45.5, 29.5].
// CHECK:      [29.5,   45.5,   49.5,   45.5,   29.5]
// CHECK-NEXT: [29.5,   45.5,   49.5,   45.5,   29.5]

func.func @main() {
  %zero = arith.constant dense<0.0> : tensor<1x5x1x4xf32>
  %v0 = tensor.empty() : tensor<1x5x1x3xf32>
  %v = linalg.generic {
      indexing_maps = [affine_map<(b, t, n, f) -> (b, t, n, f)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%v0 : tensor<1x5x1x3xf32>) {
  ^bb0(%out: f32):
    %t = linalg.index 1 : index
    %i = arith.index_cast %t : index to i64
    %f = arith.sitofp %i : i64 to f32
    linalg.yield %f : f32
  } -> tensor<1x5x1x3xf32>
  %causal = sas.attention %zero, %zero, %v causal
      : (tensor<1x5x1x4xf32>, tensor<1x5x1x4xf32>, tensor<1x5x1x3xf32>)
      -> tensor<1x5x1x3xf32>
  %c = tensor.collapse_shape %causal [[0, 1, 2], [3]]
      : tensor<1x5x1x3xf32> into tensor<5x3xf32>
  %cu = tensor.cast %c : tensor<5x3xf32> to tensor<*xf32>
  call @printMemrefF32(%cu) : (tensor<*xf32>) -> ()
  %full = sas.attention %zero, %zero, %v
      : (tensor<1x5x1x4xf32>, tensor<1x5x1x4xf32>, tensor<1x5x1x3xf32>)
      -> tensor<1x5x1x3xf32>
  %fc = tensor.collapse_shape %full [[0, 1, 2], [3]]
      : tensor<1x5x1x3xf32> into tensor<5x3xf32>
  %fu = tensor.cast %fc : tensor<5x3xf32> to tensor<*xf32>
  call @printMemrefF32(%fu) : (tensor<*xf32>) -> ()

  %x = arith.constant dense<1.0> : tensor<1x1x2x5xf32>
  %w = arith.constant dense<1.0> : tensor<2x2x3xf32>
  %b = arith.constant dense<1.0> : tensor<2xf32>
  %rb = arith.constant dense<0.5> : tensor<2xf32>
  %s = sas.head_sim %x weights(%w, %b) residual(%w, %rb)
      : (tensor<1x1x2x5xf32>, tensor<2x2x3xf32>, tensor<2xf32>,
         tensor<2x2x3xf32>, tensor<2xf32>) -> tensor<1x1x2x5xf32>
  %sc = tensor.collapse_shape %s [[0, 1, 2], [3]]
      : tensor<1x1x2x5xf32> into tensor<2x5xf32>
  %su = tensor.cast %sc : tensor<2x5xf32> to tensor<*xf32>
  call @printMemrefF32(%su) : (tensor<*xf32>) -> ()
  return
}
func.func private @printMemrefF32(tensor<*xf32>)
