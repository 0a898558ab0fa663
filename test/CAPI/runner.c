/*===- runner.c - Test of the SAS C API ---------------------------*- C -*-===*\
|*                                                                            *|
|* Part of the SAS-MLIR project.                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

// RUN: sas-capi-test 2>&1 | FileCheck %s

#include "sas-c/Dialects.h"
#include "sas-c/Runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void printString(MlirStringRef s, void *userData) {
  fwrite(s.data, 1, s.length, (FILE *)userData);
}

static void printModule(MlirModule module) {
  mlirOperationPrint(mlirModuleGetOperation(module), printString, stdout);
  fprintf(stdout, "\n");
}

static SasLayerConfig smallConfig(void) {
  SasLayerConfig c = {/*heads=*/2,     /*simHeads=*/4, /*headDim=*/4,
                      /*simHeadDim=*/6, /*kernel=*/3,  /*causal=*/true,
                      /*hasScale=*/false, /*scale=*/0.0f, SasStorageF32};
  return c;
}

static void testBuildAndExpand(MlirContext ctx) {
  fprintf(stdout, "-- build and expand\n");
  MlirModule module =
      sasBuildLayerModule(ctx, smallConfig(), -1, -1, printString, stderr);
  // CHECK-LABEL: -- build and expand
  // CHECK: func.func @sas_layer(%arg0: tensor<?x?x2x4xf32>
  // CHECK: sas.layer {{.*}} causal
  printModule(module);
  MlirLogicalResult r = sasRunPassPipeline(
      module, mlirStringRefCreateFromCString("builtin.module(sas-expand)"),
      printString, stderr);
  // CHECK: expanded: 1
  // CHECK: sas.attention
  fprintf(stdout, "expanded: %d\n", mlirLogicalResultIsSuccess(r));
  printModule(module);
  mlirModuleDestroy(module);
}

static void testErrors(MlirContext ctx) {
  fprintf(stdout, "-- errors\n");
  fflush(stdout);
  // CHECK-LABEL: -- errors
  SasLayerConfig bad = smallConfig();
  bad.kernel = 4;
  MlirModule module = sasBuildLayerModule(ctx, bad, 1, 5, printString, stdout);
  // CHECK: invalid SAS layer: kernel must be odd, got 4
  // CHECK: null module: 1
  fprintf(stdout, "\nnull module: %d\n", mlirModuleIsNull(module));

  module = sasBuildLayerModule(ctx, smallConfig(), 1, 5, printString, stdout);
  MlirLogicalResult r = sasRunPassPipeline(
      module, mlirStringRefCreateFromCString("builtin.module(no-such-pass)"),
      printString, stdout);
  // CHECK: cannot parse the pass pipeline: {{.*}}no-such-pass
  // CHECK: pipeline failed: 1
  fprintf(stdout, "\npipeline failed: %d\n", mlirLogicalResultIsFailure(r));

  SasCompiledLayer layer = sasCompileLayer(
      module, 1, 5, mlirStringRefCreateFromCString("query-tile=banana"),
      printString, stdout);
  // CHECK: bad sas-cpu-pipeline options 'query-tile=banana'
  // CHECK: null layer: 1
  fprintf(stdout, "\nnull layer: %d\n", sasCompiledLayerIsNull(layer));
  mlirModuleDestroy(module);
}

/* The sizes of the layer smallConfig() describes at B = 2, T = 5. */
enum { kB = 2, kT = 5, kH = 2, kHs = 4, kD = 4, kDs = 6, kK = 3 };

/* Allocates the 25 inputs of the constant layer below (q, k, v and the 22
 * parameters in state-dict order, zero but for the values it names) into
 * `buffers`, their element counts into `sizes`. */
static void makeConstantLayerInputs(float *buffers[25], int64_t sizes[25]) {
  for (int i = 0; i < 3; ++i)
    sizes[i] = kB * kT * kH * kD;
  const int64_t stream[8] = {kHs * kH * kK, kHs, kHs * kHs * kK, kHs,
                             kDs * kD,      kDs, kDs * kDs,      kDs};
  for (int i = 0; i < 16; ++i)
    sizes[3 + i] = stream[i % 8];
  for (int i = 0; i < 4; ++i)
    sizes[19 + i] = stream[i];
  sizes[23] = (kH * kD) * (kH * kD);
  sizes[24] = kH * kD;
  for (int i = 0; i < 25; ++i)
    buffers[i] = calloc((size_t)sizes[i], sizeof(float));
  for (int64_t i = 0; i < sizes[0]; ++i)
    buffers[0][i] = buffers[1][i] = buffers[2][i] = (float)(i % 7) - 3.0f;
  for (int64_t i = 0; i < kHs; ++i)
    buffers[20][i] = 2.0f; /* sas_v.0.bias */
  for (int64_t i = 0; i < kH * kD; ++i) {
    buffers[23][i * (kH * kD) + i] = 0.5f; /* output_dense.weight */
    buffers[24][i] = 1.5f;                 /* output_dense.bias */
  }
}

/* With all weights zero except sas_v.0.bias = 2, output_dense.weight =
 * 0.5 * identity and output_dense.bias = 1.5, every simulated value head is
 * 2, every attention output is 2 (any softmax weights), the head-group mean
 * is 2, and every output is 0.5 * 2 + 1.5 = 2.5. */
static void testCompileAndRun(MlirContext ctx) {
  fprintf(stdout, "-- compile and run\n");
  // CHECK-LABEL: -- compile and run
  SasLayerConfig config = smallConfig();
  MlirModule module =
      sasBuildLayerModule(ctx, config, kB, kT, printString, stdout);
  SasCompiledLayer layer =
      sasCompileLayer(module, kB, kT, mlirStringRefCreateFromCString(""),
                      printString, stdout);
  int64_t batch, seqLen;
  SasLayerConfig got = sasCompiledLayerGetConfig(layer, &batch, &seqLen);
  // CHECK: compiled: 1, B=2 T=5 H'=4 D'=6 K=3
  fprintf(stdout, "compiled: %d, B=%ld T=%ld H'=%ld D'=%ld K=%ld\n",
          !sasCompiledLayerIsNull(layer), (long)batch, (long)seqLen,
          (long)got.simHeads, (long)got.simHeadDim, (long)got.kernel);

  int64_t sizes[25];
  float *buffers[25];
  const void *inputs[25];
  makeConstantLayerInputs(buffers, sizes);
  for (int i = 0; i < 25; ++i)
    inputs[i] = buffers[i];
  int64_t outSize = kB * kT * kH * kD;
  float *out = malloc((size_t)outSize * sizeof(float));
  for (int64_t i = 0; i < outSize; ++i)
    out[i] = NAN;
  MlirLogicalResult r =
      sasCompiledLayerRun(layer, inputs, out, printString, stdout);
  float maxError = 0.0f;
  for (int64_t i = 0; i < outSize; ++i) {
    float e = fabsf(out[i] - 2.5f);
    if (!(e <= maxError))
      maxError = isnan(e) ? INFINITY : e;
  }
  // CHECK: ran: 1, max |out - 2.5| = 0{{$}}
  fprintf(stdout, "ran: %d, max |out - 2.5| = %g\n",
          mlirLogicalResultIsSuccess(r), maxError);
  for (int i = 0; i < 25; ++i)
    free(buffers[i]);
  free(out);
  sasCompiledLayerDestroy(layer);
  mlirModuleDestroy(module);
}

/* The backward of the same layer, with the output's gradient 1 everywhere:
 * output_dense.bias's gradient is B*T = 10 per column, its weight's 10 times
 * the group mean 2 = 20 everywhere; each simulated value head gets the
 * attention's 10 * D * (0.5 / G) = 10 back in all (softmax rows sum to 1),
 * so both biases of v's head simulation have gradient 10; q, k and v have
 * gradient 0 (every weight that reads them is 0). */
static void testCompileAndRunBackward(MlirContext ctx) {
  fprintf(stdout, "-- backward\n");
  // CHECK-LABEL: -- backward
  SasLayerConfig config = smallConfig();
  MlirModule module =
      sasBuildLayerGradModule(ctx, config, kB, kT, printString, stdout);
  SasCompiledLayer layer =
      sasCompileLayer(module, kB, kT, mlirStringRefCreateFromCString(""),
                      printString, stdout);
  // CHECK: compiled: 1, backward: 1
  fprintf(stdout, "compiled: %d, backward: %d\n",
          !sasCompiledLayerIsNull(layer), sasCompiledLayerIsBackward(layer));

  /* The 25 inputs, then the output's gradient. */
  int64_t sizes[26];
  float *buffers[26], *grads[25];
  const void *inputs[26];
  void *gradPointers[25];
  makeConstantLayerInputs(buffers, sizes);
  sizes[25] = kB * kT * kH * kD;
  buffers[25] = calloc((size_t)sizes[25], sizeof(float));
  for (int i = 0; i < 26; ++i)
    inputs[i] = buffers[i];
  for (int i = 0; i < 25; ++i) {
    grads[i] = malloc((size_t)sizes[i] * sizeof(float));
    for (int64_t j = 0; j < sizes[i]; ++j)
      grads[i][j] = NAN;
    gradPointers[i] = grads[i];
  }
  for (int64_t i = 0; i < sizes[25]; ++i)
    buffers[25][i] = 1.0f;
  MlirLogicalResult r = sasCompiledLayerRunBackward(
      layer, inputs, gradPointers, printString, stdout);
  /* Gradient index -> its expected value everywhere. */
  const struct {
    int index;
    float value;
  } expected[] = {{0, 0.0f},  {1, 0.0f},  {2, 0.0f}, {20, 10.0f},
                  {22, 10.0f}, {23, 20.0f}, {24, 10.0f}};
  float maxError = 0.0f;
  for (size_t e = 0; e < sizeof(expected) / sizeof(expected[0]); ++e)
    for (int64_t j = 0; j < sizes[expected[e].index]; ++j) {
      float err = fabsf(grads[expected[e].index][j] - expected[e].value);
      if (!(err <= maxError))
        maxError = isnan(err) ? INFINITY : err;
    }
  // CHECK: ran: 1, max error = {{[0-9.e-]+}}
  // CHECK-NOT: max error = inf
  fprintf(stdout, "ran: %d, max error = %g\n", mlirLogicalResultIsSuccess(r),
          maxError);
  // CHECK: within 1e-4: 1
  fprintf(stdout, "within 1e-4: %d\n", maxError < 1e-4f);

  // Each kind of layer refuses the other's run, by name.
  // CHECK: the layer is a backward: run it with sasCompiledLayerRunBackward
  sasCompiledLayerRun(layer, inputs, grads[0], printString, stdout);
  fprintf(stdout, "\n");
  for (int i = 0; i < 26; ++i)
    free(buffers[i]);
  for (int i = 0; i < 25; ++i)
    free(grads[i]);
  sasCompiledLayerDestroy(layer);
  mlirModuleDestroy(module);
}

int main(void) {
  MlirContext ctx = sasContextCreate();
  testBuildAndExpand(ctx);
  testErrors(ctx);
  testCompileAndRun(ctx);
  testCompileAndRunBackward(ctx);
  mlirContextDestroy(ctx);
  return 0;
}
