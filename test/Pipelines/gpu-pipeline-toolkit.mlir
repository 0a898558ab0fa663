// sas-gpu-pipeline checks its CUDA toolkit before building the pipeline and
// says what is wrong once, instead of gpu-module-to-binary failing on every
// kernel with the kernel printed each time.

// RUN: not sas-opt %s --sas-gpu-pipeline="toolkit=/nonexistent" 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: error: sas-gpu-pipeline: the CUDA toolkit directory /nonexistent does not exist; install the CUDA toolkit and give its directory with toolkit=DIR, or use format=isa toolkit= (PTX, needs no toolkit)
// NODIR-NOT: {{.}}

// The toolkit path is also where libdevice is linked from, even for PTX.
// RUN: rm -rf %t && mkdir -p %t/empty
// RUN: not sas-opt %s --sas-gpu-pipeline="format=isa toolkit=%t/empty" 2>&1 | FileCheck %s --check-prefix=NOLIBDEVICE -DTK=%t/empty
// NOLIBDEVICE: error: sas-gpu-pipeline: the CUDA toolkit [[TK]] has no [[TK]]/nvvm/libdevice/libdevice.10.bc; install{{.*}}
// NOLIBDEVICE-NOT: {{.}}

// A cubin needs ptxas from the toolkit.
// RUN: mkdir -p %t/noptxas/nvvm/libdevice && touch %t/noptxas/nvvm/libdevice/libdevice.10.bc
// RUN: not sas-opt %s --sas-gpu-pipeline="format=fatbin toolkit=%t/noptxas" 2>&1 | FileCheck %s --check-prefix=NOPTXAS -DTK=%t/noptxas
// NOPTXAS: error: sas-gpu-pipeline: format=fatbin needs the CUDA toolkit's ptxas, but [[TK]]/bin/ptxas does not exist or is not executable; install{{.*}}
// NOPTXAS-NOT: {{.}}
// RUN: not sas-opt %s --sas-gpu-pipeline="toolkit=" 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: error: sas-gpu-pipeline: format=bin needs the CUDA toolkit's ptxas, but toolkit= is empty; install{{.*}}
// EMPTY-NOT: {{.}}

// PTX without a toolkit needs none of it.
// RUN: sas-opt %s --sas-gpu-pipeline="format=isa toolkit=" | FileCheck %s --check-prefix=PTX
// PTX: gpu.binary @attention_blocks_{{[0-9]+}} [#gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx81">, {{.*}}assembly = "

// sas-run --target cuda says it once too.
// RUN: not sas-run --target cuda --emit-lib %t/layer.so --heads 2 --sim-heads 4 --head-dim 8 --sim-head-dim 16 --kernel 3 --cuda-toolkit /nonexistent 2>&1 | FileCheck %s --check-prefix=CUDALIB
// CUDALIB: error: the CUDA toolkit directory /nonexistent does not exist; install{{.*}}
// CUDALIB-NOT: {{.}}
func.func @attention(%q: tensor<1x8x2x4xf32>, %k: tensor<1x8x2x4xf32>,
                     %v: tensor<1x8x2x4xf32>) -> tensor<1x8x2x4xf32> {
  %0 = sas.attention %q, %k, %v causal
      : (tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>)
      -> tensor<1x8x2x4xf32>
  return %0 : tensor<1x8x2x4xf32>
}
