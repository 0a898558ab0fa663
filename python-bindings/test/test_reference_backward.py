"""The float64 reference's backward pass (sas_mlir/reference.py, written
from docs/spec.md's "Gradients") against central finite differences of
its forward pass: every input and parameter gradient of a small layer with
two head groups, a 3-tap convolution, D' != D, causal and not. It is the
reference the compiler's backward is checked against where PyTorch is not
installed (test/Integration/check_sas_run.py --backward)."""

import importlib

import numpy as np
import pytest

ref = importlib.import_module("sas_mlir.reference")

# B, T, H, D, H', D', K: G = 2 head groups, D' > D, a 3-tap convolution.
SHAPE = (2, 3, 2, 4, 4, 6, 3)


def make_layer(rng):
    b, t, h, d, hs, ds, k = SHAPE
    q, kk, v = (rng.standard_normal((b, t, h, d)) for _ in range(3))
    params = {name: rng.standard_normal(shape) / np.sqrt(max(shape[-1], 1))
              for name, shape in ref.parameter_shapes(h, hs, d, ds,
                                                      k).items()}
    dout = rng.standard_normal((b, t, h * d))
    return q, kk, v, params, dout


def numeric_gradient(loss, array, eps=1e-6):
    """d loss / d array by central differences, one entry at a time."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = loss()
        array[index] = saved - eps
        minus = loss()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("causal", [True, False])
def test_layer_gradients_match_finite_differences(causal, rng):
    q, k, v, params, dout = make_layer(rng)
    dq, dk, dv, dparams = ref.sas_layer_backward(q, k, v, params, dout,
                                                 causal=causal)

    def loss():
        return float(np.sum(ref.sas_layer(q, k, v, params, causal=causal)
                            * dout))

    checked = [("q", q, dq), ("k", k, dk), ("v", v, dv)] + [
        (name, params[name], dparams[name]) for name in ref.PARAMETER_NAMES]
    assert set(dparams) == set(ref.PARAMETER_NAMES)
    for name, array, grad in checked:
        assert grad.shape == array.shape, name
        expected = numeric_gradient(loss, array)
        error = np.linalg.norm(grad - expected)
        assert error <= 1e-7 * np.linalg.norm(expected) + 1e-8, (
            f"{name}: |analytic - numeric| = {error:.2e}, "
            f"|numeric| = {np.linalg.norm(expected):.2e}")
    # The last bias of k's feature simulation adds one vector to every key
    # of a head: the softmax does not change, its gradient is zero.
    assert np.linalg.norm(dparams["sas_k.3.process.bias"]) < 1e-12
