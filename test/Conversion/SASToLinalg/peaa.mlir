// RUN: sas-opt %s --convert-sas-to-linalg | FileCheck %s --check-prefix=MEAN
// RUN: sas-opt %s --convert-sas-to-linalg=literal-peaa | FileCheck %s --check-prefix=LITERAL

// H' = 6 heads of F = 4, H = 2 (out_w is 8 x 8), so G = 3 groups: heads
// [0, 1], [2, 3], [4, 5].

// Reassociated: average the G groups, then one dense layer on H*F features.
// MEAN-LABEL: func @peaa
//       MEAN:   %[[G:.*]] = tensor.expand_shape %arg0 {{\[}}[0], [1], [2, 3], [4]] output_shape [%{{.*}}, 5, 3, 2, 4]
//       MEAN:   %[[ROWS:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1], [2], [3, 4]] : tensor<?x5x3x2x4xf32> into tensor<?x5x3x8xf32>
//       MEAN:   %[[MEAN:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[ROWS]] : tensor<?x5x3x8xf32>) outs(%{{.*}} : tensor<?x5x8xf32>)
//       MEAN:     arith.constant 0.33333{{.*}} : f32
//       MEAN:   %[[WT:.*]] = linalg.transpose ins(%arg1
//       MEAN:   linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[MEAN]], %[[WT]] : tensor<?x5x8xf32>, tensor<8x8xf32>) outs(%{{.*}} : tensor<?x5x8xf32>)
//   MEAN-NOT:   linalg.generic {{.*}}tensor<?x5x3x8xf32>) outs
//       MEAN:   return

// Literal: the dense layer on each group ([B, T, G, H*F]), then the mean.
// LITERAL-LABEL: func @peaa
//       LITERAL:   %[[ROWS:.*]] = tensor.collapse_shape
//       LITERAL:   %[[WT:.*]] = linalg.transpose ins(%arg1
//       LITERAL:   %[[DENSE:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[ROWS]], %[[WT]] : tensor<?x5x3x8xf32>, tensor<8x8xf32>) outs(%{{.*}} : tensor<?x5x3x8xf32>)
//       LITERAL:   linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[DENSE]] : tensor<?x5x3x8xf32>) outs(%{{.*}} : tensor<?x5x8xf32>)
//       LITERAL:     arith.constant 0.33333{{.*}} : f32
func.func @peaa(%o: tensor<?x5x6x4xf32>, %w: tensor<8x8xf32>,
    %b: tensor<8xf32>) -> tensor<?x5x8xf32> {
  %0 = sas.peaa %o dense(%w, %b)
      : (tensor<?x5x6x4xf32>, tensor<8x8xf32>, tensor<8xf32>)
      -> tensor<?x5x8xf32>
  return %0 : tensor<?x5x8xf32>
}
