"""sas_mlir.cuda: loading layer libraries and checking arguments, on the
build machine (no GPU: the checks that run before the library is called).
The numerics on the GPU are benchmarks/gpu/check.py's job."""

import os
import shutil
import subprocess
import sys

import pytest

import sas_mlir

torch = pytest.importorskip("torch")
import sas_mlir.cuda  # noqa: E402

BUILD = os.path.dirname(os.path.dirname(os.path.dirname(sas_mlir.__file__)))
SAS_RUN = os.path.join(BUILD, "bin", "sas-run")
TOOLKIT = os.environ.get("SAS_CUDA_TOOLKIT", "/usr/local/cuda")


def _build(directory, sizes):
    if not os.path.exists(os.path.join(TOOLKIT, "bin", "ptxas")):
        pytest.skip("no CUDA toolkit (ptxas) to build a layer library")
    path = str(directory / "layer.so")
    # Not the ASan runtime a sanitized test run preloads into Python: a
    # sanitized sas-run carries its own.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run([SAS_RUN, "--target", "cuda", "--emit-lib", path, *sizes,
                    "--heads", "2", "--sim-heads", "4", "--head-dim", "4",
                    "--sim-head-dim", "8", "--kernel", "3", "--dtype", "f16",
                    "--cuda-toolkit", TOOLKIT], check=True, env=env)
    return sas_mlir.cuda.load(path)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("lib"),
                  ["--batch", "1", "--seq-len", "5"])


def test_config_any_size(tmp_path):
    layer = _build(tmp_path, [])
    assert layer.input_shape == (None, None, 2, 4)
    assert layer.output_shape == (None, None, 8)
    assert layer.config["batch"] is None


def test_linalg_path_warns(tmp_path):
    # D = 4: no tensor-core kernel takes it; a 16-bit layer says so.
    with pytest.warns(RuntimeWarning, match="run on the linalg path"):
        layer = _build(tmp_path, [])
    assert any(path == "linalg" for _, path in layer.kernels)
    assert any("stays on the linalg path" in reason
               for reason in layer.linalg_reasons)


def test_refuses_inputs_that_require_grad(library):
    # Checked before anything else: no GPU is needed to see the refusal.
    (q, k, v), weights = _arguments(library)
    with pytest.raises(RuntimeError, match=r"q require\(s\) grad.*no backward"):
        library(q.requires_grad_(True), k, v, weights)
    name = library.parameters[0][0]
    weights[name].requires_grad_(True)
    with pytest.raises(RuntimeError, match=r"state_dict\['" + name):
        library(q.detach(), k, v, weights)
    with torch.no_grad():  # no gradient wanted: the usual checks follow
        with pytest.raises(ValueError, match="CUDA device"):
            library(q, k, v, weights)


def test_config(library):
    assert library.dtype == torch.float16
    assert library.input_shape == (1, 5, 2, 4)
    assert library.output_shape == (1, 5, 8)
    assert library.parameters[0] == ("sas_q.0.weight", (4, 2, 3))
    assert library.parameters[-1] == ("output_dense.bias", (8,))
    assert library.config["causal"] is True


def _arguments(library, device="cpu", dtype=torch.float16):
    qkv = [torch.zeros(library.input_shape, dtype=dtype, device=device)
           for _ in range(3)]
    state = {n: torch.zeros(s, dtype=dtype, device=device)
             for n, s in library.parameters}
    return qkv, state


def test_rejects_host_tensors(library):
    qkv, state = _arguments(library)
    with pytest.raises(ValueError, match="q must be on a CUDA device"):
        library(*qkv, state)


def test_bind_checks_parameters(library):
    _, state = _arguments(library)
    first = library.parameters[0][0]
    with pytest.raises(ValueError,
                       match=rf"state_dict\['{first}'\] must be on a CUDA"):
        library.bind(state)
    del state[first]
    with pytest.raises(KeyError, match=f"missing \\['{first}'\\]"):
        library.bind(state)


def test_rejects_non_tensors(library):
    qkv, state = _arguments(library)
    with pytest.raises(TypeError, match="q must be a torch.Tensor"):
        library(qkv[0].numpy(), qkv[1], qkv[2], state)


def test_load_errors(tmp_path):
    with pytest.raises(OSError, match="cannot load the SAS layer library"):
        sas_mlir.cuda.load(tmp_path / "missing.so")
    # A shared library, but not a layer library: the project's extension.
    with pytest.raises(OSError, match="is not a SAS layer library"):
        sas_mlir.cuda.load(sas_mlir._sas_mlir.__file__)


def test_import_without_extension(tmp_path):
    """A machine with PyTorch but no MLIR: the package without its compiled
    extension still loads sas_mlir.cuda; compiling says what is missing."""
    package = tmp_path / "sas_mlir"
    shutil.copytree(os.path.dirname(sas_mlir.__file__), package,
                    ignore=shutil.ignore_patterns("_sas_mlir*", "__pycache__"))
    script = ("import sas_mlir.cuda, sas_mlir\n"
              "try:\n"
              "    sas_mlir.build_layer(sas_mlir.LayerConfig(1, 1, 1, 1, 1))\n"
              "except ImportError as e:\n"
              "    print('ImportError:', e)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=str(tmp_path)),
                            capture_output=True, text=True, check=True)
    assert "ImportError: sas_mlir was imported without its compiled " \
           "extension" in result.stdout


def test_attention_checks_arguments(library):
    # The attention core alone: q, k [B, T, H', D'], v [B, T, H', D].
    q = torch.zeros(1, 5, 4, 8, dtype=torch.float16)
    v = torch.zeros(1, 5, 4, 4, dtype=torch.float16)
    with pytest.raises(ValueError, match="q must be on a CUDA device"):
        library.attention(q, q, v)
    with pytest.raises(ValueError, match="built for batch = 1, q has 2"):
        library.attention(torch.zeros(2, 5, 4, 8, dtype=torch.float16), q, v)
    with pytest.raises(ValueError, match=r"q must be a 4-D torch.Tensor"):
        library.attention(q[0], q, v)


def test_attention_backward_checks_arguments(library):
    # The backward entries: exported by every library (a 16-bit one without
    # a backward kernel for its head sizes, as here, says so when called).
    assert library._attention_lse is not None, \
        "the library lacks sas_attention_forward_lse"
    assert library._attention_backward is not None, \
        "the library lacks sas_attention_backward"
    q = torch.zeros(1, 5, 4, 8, dtype=torch.float16)
    v = torch.zeros(1, 5, 4, 4, dtype=torch.float16)
    lse = torch.zeros(1, 5, 4)
    with pytest.raises(ValueError, match="q must be on a CUDA device"):
        library.attention_forward_lse(q, q, v)
    with pytest.raises(ValueError, match="q must be on a CUDA device"):
        library.attention_backward(q, q, v, v, lse, v)
    with pytest.raises(ValueError, match="built for seq_len = 5, q has 6"):
        library.attention_backward(
            torch.zeros(1, 6, 4, 8, dtype=torch.float16), q, v, v, lse, v)
    with pytest.raises(ValueError, match=r"q must be a 4-D torch.Tensor"):
        library.attention_forward_lse(q[0], q, v)
    with pytest.raises(RuntimeError, match=r"q require\(s\) grad"):
        library.attention_forward_lse(q.clone().requires_grad_(True), q, v)


def test_attention_backward_needs_new_library(library, monkeypatch):
    # A library built before the backward entries existed: a clear error
    # naming the library, before any argument is looked at.
    monkeypatch.setattr(library, "_attention_backward", None)
    with pytest.raises(RuntimeError, match="layer.so: the library lacks "
                       "sas_attention_backward: it predates"):
        library.attention_backward(None, None, None, None, None, None)


def test_training_pair_needs_layer_backward(library):
    # Built without --backward: no training step's pair, and the calls say
    # why before any argument is looked at.
    assert not library.saves_attention
    assert library.config["saves_attention"] is False
    with pytest.raises(RuntimeError, match="keeps nothing from the forward "
                       r"\(its layer backward: built without"):
        library.forward_save(None, None, None, {})
    with pytest.raises(RuntimeError, match="has no layer backward"):
        library.layer_backward(None, None, None, {}, None,
                               saved=(None, None))
