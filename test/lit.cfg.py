# -*- Python -*-
# lit configuration of the SAS regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SAS"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sas_obj_root, "test")
# Inputs used by tests, not tests themselves.
config.excludes = ["Inputs", "corpus", "crashes", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

# Sanitized builds: the plugin cannot load into the uninstrumented stock
# mlir-opt, and the installed static libraries need the sanitizer runtime.
if config.sas_sanitizers:
    config.available_features.add("sanitizers")

# Cubins need the CUDA toolkit's ptxas (PTX needs only LLVM).
cuda_toolkit = os.environ.get("SAS_CUDA_TOOLKIT", "/usr/local/cuda")
if os.path.exists(os.path.join(cuda_toolkit, "bin", "ptxas")):
    config.available_features.add("ptxas")
config.substitutions.append(("%cuda_toolkit", cuda_toolkit))
# nvdisasm (for tests of the machine code): SAS_NVDISASM, the toolkit's, the
# first on PATH, or the one scripts/torch-venv.sh puts in .venv.
import glob
import shutil
nvdisasm = os.environ.get("SAS_NVDISASM") or shutil.which(
    "nvdisasm", path=os.pathsep.join(
        [os.path.join(cuda_toolkit, "bin"), os.environ.get("PATH", "")]
        + glob.glob(os.path.join(config.sas_src_root, ".venv", "lib",
                                 "python3*", "site-packages", "nvidia",
                                 "cu13", "bin"))))
if nvdisasm and os.path.exists(nvdisasm):
    config.available_features.add("nvdisasm")
    config.substitutions.append(("%nvdisasm", nvdisasm))

# PyTorch >= 2.4 (tests against its autograd): SAS_TORCH_PYTHON, else the
# environment scripts/torch-venv.sh makes. Without it those tests are
# unsupported, and scripts/run-suite.sh says so.
import subprocess
torch_python = os.environ.get("SAS_TORCH_PYTHON") or os.path.join(
    config.sas_src_root, ".venv", "bin", "python")
if os.path.exists(torch_python) and subprocess.run(
        [torch_python, "-c", "import torch, sys; sys.exit(tuple(map(int, "
         "torch.__version__.split('.')[:2])) < (2, 4))"],
        capture_output=True).returncode == 0:
    config.available_features.add("torch")
    config.substitutions.append(
        ("%check_sas_run_torch", torch_python + " "
         + os.path.join(config.sas_src_root, "test", "Integration",
                        "check_sas_run.py")
         + " --sas-run " + os.path.join(config.sas_tools_dir, "sas-run")
         + " --against torch"))

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))
config.substitutions.append(("%sas_src_root", config.sas_src_root))
config.substitutions.append(("%sas_obj_root", config.sas_obj_root))
config.substitutions.append(
    ("%sas_plugin", os.path.join(config.sas_lib_dir, "SASPlugin" + config.llvm_shlib_ext))
)
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(
    ("%check_each_split", config.python_executable + " "
     + os.path.join(config.sas_src_root, "test", "Utils", "check_each_split.py"))
)
config.substitutions.append(
    ("%check_sas_run", config.python_executable + " "
     + os.path.join(config.sas_src_root, "test", "Integration", "check_sas_run.py")
     + " --sas-run " + os.path.join(config.sas_tools_dir, "sas-run"))
)
# mlir-runner with the runtime libraries that sas-cpu-pipeline output needs.
runtime_libs = ",".join(
    os.path.join(config.llvm_lib_dir, lib + config.llvm_shlib_ext)
    for lib in ("libmlir_c_runner_utils", "libmlir_runner_utils", "libomp"))
config.substitutions.append(
    ("%mlir_runner", os.path.join(config.llvm_tools_dir, "mlir-runner")
     + " -shared-libs=" + runtime_libs))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%generator", config.cmake_generator))
config.substitutions.append(("%host_cxx", config.cxx_compiler))
config.substitutions.append(("%cxx_launcher", config.cxx_compiler_launcher))
config.substitutions.append(("%mlir_dir", config.mlir_dir))

# Every test compiles what it runs (and writes nothing to ~/.cache); the
# compile cache tests set SAS_CACHE_DIR themselves.
config.environment["SAS_CACHE_DIR"] = ""

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP",
                                     "CCACHE_DIR"])
llvm_config.use_default_substitutions()

# The SAS tools come first on PATH, then LLVM's (FileCheck, not, mlir-opt).
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.sas_tools_dir, append_path=True)

tools = [
    "sas-opt",
    "sas-capi-test",
    "sas-fuzz-replay",
    # The stock mlir-opt of the MLIR we build against, for the plugin test.
    ToolSubst("%mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")),
]
llvm_config.add_tool_substitutions(tools, [config.sas_tools_dir, config.llvm_tools_dir])
