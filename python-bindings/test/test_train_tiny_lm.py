"""examples/train_tiny_lm.py on the CPU: a tiny byte-level GPT trained a
few steps with SAS-MLIR's SASLayer and with the official module
(sas_mlir.torch_module.SASAttention), same seed, same weights, same data,
float32. The two runs must follow the same loss curve: the compiled layer's
forward and gradients agree with PyTorch's to float32 rounding, so after
four AdamW steps the losses agree to about 1e-5 (one wrong gradient moves
them by far more). Needs PyTorch >= 2.4 and the compiled extension."""

import importlib.util
import os

import pytest

torch = pytest.importorskip("torch")
if tuple(int(x) for x in torch.__version__.split(".")[:2]) < (2, 4):
    pytest.skip("torch.library custom ops need PyTorch >= 2.4",
                allow_module_level=True)

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                       "train_tiny_lm.py")


def load_example():
    spec = importlib.util.spec_from_file_location("train_tiny_lm", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sas_mlir_trains_like_the_official_module(seed):
    example = load_example()
    tiny = ["--layers", "2", "--width", "32", "--heads", "2",
            "--sim-heads", "4", "--sim-head-dim", "24", "--kernel", "3",
            "--seq-len", "24", "--batch", "3", "--steps", "4",
            "--warmup", "1", "--lr", "3e-3", "--seed", str(seed % 1000),
            "--log-every", "100"]
    official = example.train(example.parse(tiny + ["--attention",
                                                   "official"]))
    ours = example.train(example.parse(tiny + ["--attention", "sas_mlir"]))
    for step, (a, b) in enumerate(zip(ours["losses"], official["losses"])):
        assert abs(a - b) <= 1e-4 * abs(b), (step, a, b)
    # It learns: the last loss is below the first (bytes: ln 256 = 5.55).
    assert ours["losses"][-1] < ours["losses"][0]
