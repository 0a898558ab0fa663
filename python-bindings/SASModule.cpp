//===- SASModule.cpp - Python extension over the SAS C API ------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// sas_mlir._sas_mlir: the thin native layer of the Python package. It owns
// one MLIR context per process and exposes the C API of include/sas-c with
// Python types (strings for IR, NumPy arrays for buffers). Every failure is
// a Python exception carrying MLIR's diagnostics; the GIL is released while
// compiled code runs.
//
//===----------------------------------------------------------------------===//

#include "sas-c/Runner.h"

#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// The error raised for anything MLIR rejects, with its diagnostics.
struct CompileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void appendString(MlirStringRef s, void *userData) {
  static_cast<std::string *>(userData)->append(s.data, s.length);
}

/// The process-wide context; diagnostics are collected into `diagnostics`
/// instead of going to stderr.
struct Context {
  Context() : context(sasContextCreate()) {
    mlirContextAttachDiagnosticHandler(context, handleDiagnostic, this,
                                       nullptr);
  }
  static MlirLogicalResult handleDiagnostic(MlirDiagnostic diag, void *self) {
    std::string &out = static_cast<Context *>(self)->diagnostics;
    mlirDiagnosticPrint(diag, appendString, &out);
    out += "\n";
    return mlirLogicalResultSuccess();
  }
  std::string takeDiagnostics() {
    std::string out;
    std::swap(out, diagnostics);
    return out;
  }
  MlirContext context;
  std::string diagnostics;
};

Context &getContext() {
  static Context *context = new Context(); // Lives as long as the process.
  return *context;
}

/// Owns a parsed or built module.
struct Module {
  explicit Module(MlirModule m) : module(m) {}
  Module(const Module &) = delete;
  ~Module() {
    if (!mlirModuleIsNull(module))
      mlirModuleDestroy(module);
  }
  MlirModule module;
};

Module parse(const std::string &text) {
  Context &ctx = getContext();
  MlirModule m = mlirModuleCreateParse(
      ctx.context, mlirStringRefCreate(text.data(), text.size()));
  if (mlirModuleIsNull(m))
    throw CompileError("cannot parse the MLIR text:\n" +
                       ctx.takeDiagnostics());
  return Module(m);
}

std::string print(MlirModule module) {
  std::string out;
  mlirOperationPrint(mlirModuleGetOperation(module), appendString, &out);
  return out;
}

SasStorageType parseStorage(const std::string &dtype) {
  if (dtype == "f32")
    return SasStorageF32;
  if (dtype == "f16")
    return SasStorageF16;
  if (dtype == "bf16")
    return SasStorageBF16;
  throw py::value_error("dtype must be 'f32', 'f16' or 'bf16', got '" + dtype +
                        "'");
}

std::string buildLayer(int64_t heads, int64_t simHeads, int64_t headDim,
                       int64_t simHeadDim, int64_t kernel, bool causal,
                       std::optional<float> scale, const std::string &dtype,
                       int64_t batch, int64_t seqLen, bool backward) {
  SasLayerConfig config = {heads,  simHeads, headDim,
                           simHeadDim, kernel, causal,
                           scale.has_value(), scale.value_or(0.0f),
                           parseStorage(dtype)};
  Context &ctx = getContext();
  std::string errors;
  Module m((backward ? sasBuildLayerGradModule : sasBuildLayerModule)(
      ctx.context, config, batch, seqLen, appendString, &errors));
  ctx.takeDiagnostics();
  if (mlirModuleIsNull(m.module))
    throw CompileError(errors);
  return print(m.module);
}

/// Raises ValueError naming the first rule of the sas.layer verifier the
/// sizes break, by the keyword names of sas_mlir.LayerConfig.
void verifyLayerConfig(int64_t heads, int64_t simHeads, int64_t headDim,
                       int64_t simHeadDim, int64_t kernel,
                       std::optional<float> scale, int64_t batch,
                       int64_t seqLen) {
  SasLayerConfig config = {heads,      simHeads, headDim,
                           simHeadDim, kernel,   true,
                           scale.has_value(), scale.value_or(0.0f),
                           SasStorageF32};
  static const SasLayerSizeNames names = {
      "batch",    "seq_len",      "heads",       "sim_heads",
      "head_dim", "sim_head_dim", "kernel_size", "scale"};
  std::string errors;
  if (mlirLogicalResultIsFailure(sasVerifyLayerConfig(
          config, batch, seqLen, &names, appendString, &errors)))
    throw py::value_error(errors);
}

/// sasGetHostRegisterTile: (rows, columns).
std::pair<int64_t, int64_t> hostRegisterTile() {
  int64_t rows = 0, columns = 0;
  sasGetHostRegisterTile(&rows, &columns);
  return {rows, columns};
}

/// The names of the sas-cpu-pipeline options.
std::vector<std::string> cpuPipelineOptionNames() {
  std::vector<std::string> names;
  sasGetCPUPipelineOptionNames(
      [](MlirStringRef name, void *userData) {
        static_cast<std::vector<std::string> *>(userData)->emplace_back(
            name.data, name.length);
      },
      &names);
  return names;
}

std::string runPipeline(const std::string &text, const std::string &pipeline) {
  Module m = parse(text);
  std::string errors;
  if (mlirLogicalResultIsFailure(sasRunPassPipeline(
          m.module, mlirStringRefCreate(pipeline.data(), pipeline.size()),
          appendString, &errors))) {
    getContext().takeDiagnostics();
    throw CompileError(errors);
  }
  return print(m.module);
}

/// The configuration of the layer in `text`, as keyword arguments of
/// sas_mlir.LayerConfig plus "batch" and "seq_len" (None when dynamic).
py::dict layerConfig(const std::string &text) {
  Module m = parse(text);
  SasLayerConfig c;
  int64_t batch, seqLen;
  std::string errors;
  if (mlirLogicalResultIsFailure(sasGetLayerConfig(m.module, &c, &batch,
                                                   &seqLen, appendString,
                                                   &errors)))
    throw CompileError(errors);
  static const char *dtypes[] = {"f32", "f16", "bf16"};
  py::dict d;
  d["heads"] = c.heads;
  d["sim_heads"] = c.simHeads;
  d["head_dim"] = c.headDim;
  d["sim_head_dim"] = c.simHeadDim;
  d["kernel_size"] = c.kernel;
  d["causal"] = c.causal;
  d["scale"] = c.hasScale ? py::object(py::float_(c.scale)) : py::none();
  d["dtype"] = dtypes[c.storage];
  d["batch"] = batch < 0 ? py::object(py::none()) : py::int_(batch);
  d["seq_len"] = seqLen < 0 ? py::object(py::none()) : py::int_(seqLen);
  return d;
}

/// A layer compiled for one batch size and sequence length.
class CompiledLayer {
public:
  CompiledLayer(const std::string &text, int64_t batch, int64_t seqLen,
                const std::string &options) {
    Module m = parse(text);
    std::string errors;
    layer = sasCompileLayer(
        m.module, batch, seqLen,
        mlirStringRefCreate(options.data(), options.size()), appendString,
        &errors);
    getContext().takeDiagnostics();
    if (sasCompiledLayerIsNull(layer))
      throw CompileError(errors);
  }
  CompiledLayer(const CompiledLayer &) = delete;
  ~CompiledLayer() { sasCompiledLayerDestroy(layer); }

  /// Runs a forward on 25 C-contiguous input arrays and writes `outs[0]`,
  /// or a backward on 26 and writes the 25 gradients, all already of the
  /// layer's shapes and storage type (checked by the Python wrapper).
  void run(const std::vector<py::array> &inputs,
           const std::vector<py::array> &outs) {
    bool backward = sasCompiledLayerIsBackward(layer);
    size_t numInputs = backward ? 26 : 25, numOuts = backward ? 25 : 1;
    if (inputs.size() != numInputs || outs.size() != numOuts)
      throw py::value_error("expected " + std::to_string(numInputs) +
                            " input arrays and " + std::to_string(numOuts) +
                            " outputs");
    std::vector<const void *> pointers;
    for (const py::array &a : inputs) {
      if (!(a.flags() & py::array::c_style))
        throw py::value_error("input arrays must be C-contiguous");
      pointers.push_back(a.data());
    }
    std::vector<void *> outPointers;
    for (py::array out : outs) {
      if (!(out.flags() & py::array::c_style) || !out.writeable())
        throw py::value_error("outputs must be writable C-contiguous arrays");
      outPointers.push_back(out.mutable_data());
    }
    std::string errors;
    MlirLogicalResult result;
    {
      py::gil_scoped_release release;
      result = backward ? sasCompiledLayerRunBackward(
                              layer, pointers.data(), outPointers.data(),
                              appendString, &errors)
                        : sasCompiledLayerRun(layer, pointers.data(),
                                              outPointers[0], appendString,
                                              &errors);
    }
    if (mlirLogicalResultIsFailure(result))
      throw CompileError(errors);
  }

private:
  SasCompiledLayer layer;
};

} // namespace

PYBIND11_MODULE(_sas_mlir, m) {
  m.doc() = "Native layer of sas_mlir over the SAS C API";
  py::register_exception<CompileError>(m, "CompileError", PyExc_RuntimeError);
  m.def("build_layer", &buildLayer, py::arg("heads"), py::arg("sim_heads"),
        py::arg("head_dim"), py::arg("sim_head_dim"), py::arg("kernel"),
        py::arg("causal"), py::arg("scale"), py::arg("dtype"),
        py::arg("batch"), py::arg("seq_len"), py::arg("backward") = false,
        "MLIR text of a module with func @sas_layer holding one sas.layer, "
        "or with backward its sas.layer_grad (negative batch/seq_len: "
        "dynamic)");
  m.def("verify_layer_config", &verifyLayerConfig, py::arg("heads"),
        py::arg("sim_heads"), py::arg("head_dim"), py::arg("sim_head_dim"),
        py::arg("kernel"), py::arg("scale"), py::arg("batch"),
        py::arg("seq_len"),
        "Raise ValueError if sas.layer's verifier rejects these sizes "
        "(negative batch/seq_len: any)");
  m.def("cpu_pipeline_options", &cpuPipelineOptionNames,
        "Names of the sas-cpu-pipeline options");
  m.def("host_register_tile", &hostRegisterTile,
        "The (row-tile, column-tile) compile() picks for this CPU");
  m.def("run_pipeline", &runPipeline, py::arg("mlir_text"),
        py::arg("pipeline"), "Run a textual pass pipeline, return the IR");
  m.def("layer_config", &layerConfig, py::arg("mlir_text"),
        "Sizes of the sas.layer in the MLIR text, as a dict");
  py::class_<CompiledLayer>(m, "CompiledLayer")
      .def(py::init<const std::string &, int64_t, int64_t,
                    const std::string &>(),
           py::arg("mlir_text"), py::arg("batch"), py::arg("seq_len"),
           py::arg("options"))
      .def("run", &CompiledLayer::run, py::arg("inputs"), py::arg("outs"));
}
