// RUN: sas-opt %s --sas-gpu-attach-target=chip=sm_80 --convert-sas-token-ops-to-gpu=grad-kernels=false --verify-diagnostics | FileCheck %s --check-prefix=OFF

// grad-kernels=false: the gradients stay for the linalg path, saying so.
// OFF-LABEL: func @off
//       OFF:   sas.peaa_grad
//   OFF-NOT:   sas.mma_
func.func @off(%o: tensor<2x3x4x32xbf16>, %dy: tensor<2x3x64xbf16>,
               %w: tensor<64x64xbf16>)
    -> (tensor<2x3x4x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) {
  // expected-remark @below {{sas.peaa_grad stays on the linalg path: grad-kernels is off}}
  %do, %dw, %db = sas.peaa_grad %o, %dy dense(%w)
      : (tensor<2x3x4x32xbf16>, tensor<2x3x64xbf16>, tensor<64x64xbf16>)
      -> (tensor<2x3x4x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>)
  return %do, %dw, %db : tensor<2x3x4x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>
}

// OFF-LABEL: func @head_sim_off
//       OFF:   sas.head_sim_grad
//   OFF-NOT:   sas.mma_
func.func @head_sim_off(%x: tensor<2x3x12x64xbf16>, %ds: tensor<2x3x24x64xbf16>,
                        %w: tensor<24x12x3xbf16>, %b: tensor<24xbf16>,
                        %rw: tensor<24x24x3xbf16>)
    -> (tensor<2x3x12x64xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>,
        tensor<24x24x3xbf16>, tensor<24xbf16>) {
  // expected-remark @below {{sas.head_sim_grad stays on the linalg path: grad-kernels is off}}
  %dx, %dw, %db, %drw, %drb = sas.head_sim_grad %x, %ds weights(%w, %b) residual(%rw)
      : (tensor<2x3x12x64xbf16>, tensor<2x3x24x64xbf16>, tensor<24x12x3xbf16>,
         tensor<24xbf16>, tensor<24x24x3xbf16>)
      -> (tensor<2x3x12x64xbf16>, tensor<24x12x3xbf16>, tensor<24xbf16>,
          tensor<24x24x3xbf16>, tensor<24xbf16>)
  return %dx, %dw, %db, %drw, %drb : tensor<2x3x12x64xbf16>, tensor<24x12x3xbf16>,
      tensor<24xbf16>, tensor<24x24x3xbf16>, tensor<24xbf16>
}
