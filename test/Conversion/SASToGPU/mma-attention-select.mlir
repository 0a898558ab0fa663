// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu | FileCheck %s
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="tensor-cores=false" | FileCheck %s --check-prefix=OFF
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_80 --convert-sas-attention-to-gpu="mma-warps=8 mma-warp-rows=16 mma-key-tile=32 mma-stages=3" | FileCheck %s --check-prefix=TILING
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-attention-to-gpu | FileCheck %s --check-prefix=WGMMA
// RUN: sas-opt %s --split-input-file --sas-gpu-attach-target=chip=sm_90a --convert-sas-attention-to-gpu="wgmma-key-tile=128" | FileCheck %s --check-prefix=WGMMA128

// bf16 heads that are multiples of 16 take the tensor-core kernel: the
// attention becomes sas.mma_attention on the operands' buffers, with the
// scale made explicit (1/sqrt(32)) and the tiling of the options.
// CHECK-LABEL: func @bf16
//   CHECK-DAG:   %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<2x37x4x32xbf16>
//   CHECK-DAG:   %[[OUT:.*]] = memref.alloc() : memref<2x37x4x16xbf16>
//       CHECK:   sas.mma_attention %[[Q]], %{{.*}}, %{{.*}}, %[[OUT]] causal scale(0.176776{{[0-9]*}}) warps(4) warp_rows(32) key_tile(64) stages(2)
//   CHECK-NOT:   scf.forall
//       CHECK:   bufferization.to_tensor %[[OUT]] restrict writable
// OFF-LABEL: func @bf16
//       OFF:   scf.forall
//   OFF-NOT:   sas.mma_attention
// TILING: sas.mma_attention {{.*}} warps(8) warp_rows(16) key_tile(32) stages(3)
func.func @bf16(%q: tensor<2x37x4x32xbf16>, %k: tensor<2x37x4x32xbf16>,
                %v: tensor<2x37x4x16xbf16>) -> tensor<2x37x4x16xbf16> {
  %0 = sas.attention %q, %k, %v causal
      : (tensor<2x37x4x32xbf16>, tensor<2x37x4x32xbf16>, tensor<2x37x4x16xbf16>)
      -> tensor<2x37x4x16xbf16>
  return %0 : tensor<2x37x4x16xbf16>
}

// -----

// Heads of 128 get 32 rows per warp too (249 registers, no spills,
// docs/perf.md).
// CHECK-LABEL: func @bf16_wide
//       CHECK:   sas.mma_attention {{.*}} warps(4) warp_rows(32) key_tile(64) stages(2) :
// With wgmma (sm_90a), heads that are multiples of 64 take the warpgroup
// kernel (one warpgroup: 4 warps of 16 rows, 64 keys a step); heads of 32
// keep mma.sync.
// WGMMA-LABEL: func @bf16
//       WGMMA:   sas.mma_attention {{.*}} warps(4) warp_rows(32) key_tile(64) stages(2) :
// WGMMA-LABEL: func @bf16_wide
//       WGMMA:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(64) stages(2) wgmma :
// wgmma-key-tile sets the sm_90a kernel's keys a step, not mma.sync's.
// WGMMA128-LABEL: func @bf16
//       WGMMA128:   sas.mma_attention {{.*}} warps(4) warp_rows(32) key_tile(64) stages(2) :
// WGMMA128-LABEL: func @bf16_wide
//       WGMMA128:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(128) stages(2) wgmma :
func.func @bf16_wide(%q: tensor<1x8x2x128xbf16>, %v: tensor<1x8x2x64xbf16>)
    -> tensor<1x8x2x64xbf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x128xbf16>, tensor<1x8x2x128xbf16>, tensor<1x8x2x64xbf16>)
      -> tensor<1x8x2x64xbf16>
  return %0 : tensor<1x8x2x64xbf16>
}

// -----

// f32 keeps the exact linalg block body.
// CHECK-LABEL: func @f32
//   CHECK-NOT:   sas.mma_attention
//       CHECK:   scf.forall
func.func @f32(%q: tensor<1x8x2x32xf32>, %v: tensor<1x8x2x16xf32>)
    -> tensor<1x8x2x16xf32> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x32xf32>, tensor<1x8x2x32xf32>, tensor<1x8x2x16xf32>)
      -> tensor<1x8x2x16xf32>
  return %0 : tensor<1x8x2x16xf32>
}

// -----

// A head size that is no multiple of 16 (40), or above 256, is compiled by
// the linalg block body too, not padded.
// CHECK-LABEL: func @odd_head
//   CHECK-NOT:   sas.mma_attention
//       CHECK:   scf.forall
func.func @odd_head(%q: tensor<1x8x2x40xf16>, %v: tensor<1x8x2x16xf16>)
    -> tensor<1x8x2x16xf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x40xf16>, tensor<1x8x2x40xf16>, tensor<1x8x2x16xf16>)
      -> tensor<1x8x2x16xf16>
  return %0 : tensor<1x8x2x16xf16>
}

// CHECK-LABEL: func @large_head
//   CHECK-NOT:   sas.mma_attention
//       CHECK:   scf.forall
func.func @large_head(%q: tensor<1x8x1x272xf16>, %v: tensor<1x8x1x16xf16>)
    -> tensor<1x8x1x16xf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x1x272xf16>, tensor<1x8x1x272xf16>, tensor<1x8x1x16xf16>)
      -> tensor<1x8x1x16xf16>
  return %0 : tensor<1x8x1x16xf16>
}

// Head sizes up to 256 take the tensor-core kernel; where the default
// tiling's fragments would not fit a thread's registers, 16 rows a warp,
// and where its ring would not fit sm_80's 99 KiB, 32 keys a step.
// CHECK-LABEL: func @head_256
//       CHECK:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(32) stages(2) :
func.func @head_256(%q: tensor<1x8x1x256xf16>, %v: tensor<1x8x1x128xf16>)
    -> tensor<1x8x1x128xf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x1x256xf16>, tensor<1x8x1x256xf16>, tensor<1x8x1x128xf16>)
      -> tensor<1x8x1x128xf16>
  return %0 : tensor<1x8x1x128xf16>
}

// -----

// A result stored into a buffer argument is written there: no temporary,
// no store left for bufferization to turn into a copy.
// CHECK-LABEL: func @into_argument
//   CHECK-NOT:   memref.alloc
//       CHECK:   sas.mma_attention %{{.*}}, %{{.*}}, %{{.*}}, %arg3
//   CHECK-NOT:   materialize_in_destination
//       CHECK:   return
func.func @into_argument(%q: tensor<1x8x2x16xbf16>, %v: tensor<1x8x2x16xbf16>,
                         %unused: memref<1x8x2x16xbf16>,
                         %o: memref<1x8x2x16xbf16>) {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>)
      -> tensor<1x8x2x16xbf16>
  bufferization.materialize_in_destination %0 in restrict writable %o
      : (tensor<1x8x2x16xbf16>, memref<1x8x2x16xbf16>) -> ()
  return
}

// -----

// Not when the buffer is touched between the attention and the store.
// CHECK-LABEL: func @touched_before_store
//       CHECK:   %[[TMP:.*]] = memref.alloc
//       CHECK:   sas.mma_attention %{{.*}}, %{{.*}}, %{{.*}}, %[[TMP]]
//       CHECK:   memref.load %arg2
//       CHECK:   materialize_in_destination
func.func @touched_before_store(%q: tensor<1x8x2x16xbf16>,
                                %v: tensor<1x8x2x16xbf16>,
                                %o: memref<1x8x2x16xbf16>) -> bf16 {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>, tensor<1x8x2x16xbf16>)
      -> tensor<1x8x2x16xbf16>
  %c0 = arith.constant 0 : index
  %x = memref.load %o[%c0, %c0, %c0, %c0] : memref<1x8x2x16xbf16>
  bufferization.materialize_in_destination %0 in restrict writable %o
      : (tensor<1x8x2x16xbf16>, memref<1x8x2x16xbf16>) -> ()
  return %x : bf16
}

// -----

// q/k heads of 64 take 128 keys a step in the sm_90a kernel (its default
// by head size); an explicit wgmma-key-tile applies to every head size.
// WGMMA-LABEL: func @bf16_64
//       WGMMA:   sas.mma_attention {{.*}} warps(4) warp_rows(16) key_tile(128) stages(2) wgmma :
// WGMMA128-LABEL: func @bf16_64
//       WGMMA128:   sas.mma_attention {{.*}} key_tile(128) stages(2) wgmma :
// CHECK-LABEL: func @bf16_64
func.func @bf16_64(%q: tensor<1x8x2x64xbf16>, %v: tensor<1x8x2x64xbf16>)
    -> tensor<1x8x2x64xbf16> {
  %0 = sas.attention %q, %q, %v
      : (tensor<1x8x2x64xbf16>, tensor<1x8x2x64xbf16>, tensor<1x8x2x64xbf16>)
      -> tensor<1x8x2x64xbf16>
  return %0 : tensor<1x8x2x64xbf16>
}
