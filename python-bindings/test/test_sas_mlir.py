"""pytest suite of the sas_mlir Python package.

Run with the package on the path:
    PYTHONPATH=build/python_packages /usr/bin/python3 -m pytest python-bindings/test
"""

import importlib
import os
import threading

import numpy as np
import pytest

import sas_mlir

# The module (sas_mlir.reference is also the package's forward function).
reference_module = importlib.import_module("sas_mlir.reference")

THRESHOLDS = {"f32": 1e-5, "f16": 2e-2, "bf16": 2e-2}


def random_weights(config, rng):
    weights = {}
    for name, shape in config.parameter_shapes().items():
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        weights[name] = (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(
            np.float32)
    return weights


def stored(x, dtype):
    """The values the layer computes on after conversion to storage."""
    return sas_mlir._from_storage(sas_mlir._to_storage(x, dtype), dtype)


# The agreement matrix: K in {1, 3, 5}, G in {1, 2, 3}, D' = D and D' != D,
# T not a multiple of any tile (37, 129), B in {1, 3}, causal and not, and
# the three storage types.
MATRIX = [
    # (B, T, H, H', D, D', K, causal, dtype)
    (1, 37, 2, 2, 8, 8, 1, True, "f32"),
    (1, 129, 3, 6, 16, 24, 3, True, "f32"),
    (3, 37, 2, 6, 12, 20, 5, False, "f32"),
    (3, 129, 3, 9, 16, 16, 3, True, "f32"),
    (1, 37, 2, 4, 8, 12, 3, True, "f16"),
    (3, 37, 2, 6, 8, 8, 5, False, "f16"),
    (1, 129, 3, 6, 16, 24, 1, True, "bf16"),
    (3, 37, 2, 4, 8, 12, 3, False, "bf16"),
]


@pytest.mark.parametrize("b,t,h,hs,d,ds,k,causal,dtype", MATRIX)
def test_matches_float64_reference(b, t, h, hs, d, ds, k, causal, dtype,
                                   rng, seed):
    config = sas_mlir.LayerConfig(h, hs, d, ds, k, causal=causal, dtype=dtype)
    weights = random_weights(config, rng)
    q, k_, v = (rng.standard_normal((b, t, h, d)).astype(np.float32)
                for _ in range(3))
    out = sas_mlir.compile(config)(q, k_, v, weights)
    expected = sas_mlir.reference(
        *(stored(x, dtype) for x in (q, k_, v)),
        {n: stored(w, dtype) for n, w in weights.items()}, config)
    assert out.shape == (b, t, h * d)
    assert np.all(np.isfinite(out))
    err = np.linalg.norm(out - expected) / np.linalg.norm(expected)
    assert err < THRESHOLDS[dtype], f"relative error {err:.3e} (seed {seed})"


def test_pipeline_options_and_explicit_scale(rng, seed):
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3, scale=0.3)
    weights = random_weights(config, rng)
    q, k, v = (rng.standard_normal((2, 50, 2, 8)).astype(np.float32)
               for _ in range(3))
    expected = sas_mlir.reference(q, k, v, weights, config)
    for options in ({}, {"query_tile": 16, "key_tile": 8},
                    {"fuse_q_simulation": False, "fuse_peaa_mean": False},
                    {"kv_simulation": "fuse"}, {"kv_simulation": "materialize"}):
        out = sas_mlir.compile(config, **options)(q, k, v, weights)
        err = np.linalg.norm(out - expected) / np.linalg.norm(expected)
        assert err < 1e-5, f"{options}: relative error {err:.3e} (seed {seed})"


def test_host_register_tile_follows_the_cpu():
    """host_register_tile() is the tile compile() picks for this CPU, as
    documented: 8 x 32 where the CPU has AVX-512, else 4 x 16."""
    with open("/proc/cpuinfo") as f:
        avx512 = any(line.startswith("flags") and " avx512f" in line
                     for line in f)
    assert sas_mlir.host_register_tile() == ((8, 32) if avx512 else (4, 16))


def test_build_layer_and_pipeline():
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    text = sas_mlir.build_layer(config)
    assert "sas.layer" in text and "tensor<?x?x2x8xf32>" in text
    assert "tensor<1x5x2x8xf32>" in sas_mlir.build_layer(config, 1, 5)
    expanded = sas_mlir.run_pipeline(text, "builtin.module(sas-expand)")
    assert "sas.layer" not in expanded
    assert "sas.attention" in expanded and "sas.peaa" in expanded


def test_compile_mlir_text(rng, seed):
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3, causal=False, scale=0.25)
    text = sas_mlir.build_layer(config)
    assert sas_mlir.layer_config(text) == config
    layer = sas_mlir.compile(text)
    weights = random_weights(config, rng)
    q, k, v = (rng.standard_normal((1, 20, 2, 8)).astype(np.float32)
               for _ in range(3))
    expected = sas_mlir.reference(q, k, v, weights, config)
    out = layer(q, k, v, weights)
    err = np.linalg.norm(out - expected) / np.linalg.norm(expected)
    assert err < 1e-5, f"relative error {err:.3e} (seed {seed})"


@pytest.mark.parametrize("dtype,limit", [("f32", 1e-4), ("bf16", 0.75)])
def test_backward_matches_float64_reference(dtype, limit, rng, seed):
    """compile(config, backward=True): all 25 gradients against
    reference.sas_layer_backward, the gradients poisoned first. A check of
    the Python and C plumbing at sas-run-backward.test's bounds (f32 1e-4,
    bf16 a path check); the f32 precision claim is
    sas-run-backward-torch.test's."""
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3, dtype=dtype)
    weights = random_weights(config, rng)
    q, k, v = (rng.standard_normal((2, 23, 2, 8)).astype(np.float32)
               for _ in range(3))
    d_out = rng.standard_normal((2, 23, 16)).astype(np.float32)
    grads = sas_mlir.compile(config, backward=True)(q, k, v, weights, d_out)
    stored = [sas_mlir._from_storage(sas_mlir._to_storage(x, dtype), dtype)
              for x in (q, k, v, d_out)]
    dq, dk, dv, dparams = reference_module.sas_layer_backward(
        *stored[:3], {n: sas_mlir._from_storage(sas_mlir._to_storage(w, dtype),
                                                dtype).astype(np.float64)
                      for n, w in weights.items()}, stored[3], causal=True)
    expected = {"q": dq, "k": dk, "v": dv, **dparams}
    assert sorted(grads) == sorted(expected)
    scale = np.linalg.norm(expected["v"])
    for name, want in expected.items():
        err = np.linalg.norm(grads[name] - want) / max(np.linalg.norm(want),
                                                       scale)
        assert err < limit, f"d {name}: {err:.3e} (seed {seed})"


def test_compile_cache(rng):
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    first = sas_mlir.compile(config, query_tile=16)
    assert sas_mlir.compile(config, query_tile=16) is first
    assert sas_mlir.compile(config, query_tile=32) is not first
    weights = random_weights(config, rng)
    q = rng.standard_normal((1, 9, 2, 8)).astype(np.float32)
    first(q, q, q, weights)
    first(q, q, q, weights)
    assert len(first._compiled) == 1  # one JIT compilation per (B, T)
    first(q[:, :5], q[:, :5], q[:, :5], weights)
    assert len(first._compiled) == 2


def test_argument_errors(rng, seed):
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    layer = sas_mlir.compile(config)
    weights = random_weights(config, rng)
    q = rng.standard_normal((1, 9, 2, 8)).astype(np.float32)

    bad = dict(weights)
    bad["sas_q.2.weight"] = np.zeros((12, 9), np.float32)
    with pytest.raises(ValueError, match=r"'sas_q.2.weight' must have shape \[12, 8\], got \[12, 9\]"):
        layer(q, q, q, bad)
    missing = dict(weights)
    del missing["output_dense.bias"]
    with pytest.raises(ValueError, match=r"missing weight 'output_dense.bias' of shape \[16\]"):
        layer(q, q, q, missing)
    extra = dict(weights, **{"sas_q.9.weight": np.zeros(3)})
    with pytest.raises(ValueError, match=r"unknown weight 'sas_q.9.weight'"):
        layer(q, q, q, extra)
    with pytest.raises(ValueError, match=r"q must be \[B, T, 2, 8\], got \[1, 9, 3, 8\]"):
        layer(np.zeros((1, 9, 3, 8), np.float32), q, q, weights)
    with pytest.raises(ValueError, match=r"q, k and v must have one shape"):
        layer(q, q[:, :4], q, weights)
    with pytest.raises(ValueError, match=r"must hold floats, got int64"):
        layer(np.zeros((1, 9, 2, 8), np.int64), q, q, weights)


def test_config_errors():
    with pytest.raises(ValueError, match=r"kernel_size must be odd, got 4"):
        sas_mlir.LayerConfig(2, 4, 8, 12, 4)
    with pytest.raises(ValueError, match=r"sim_heads must be a multiple of heads, got 5 and 2"):
        sas_mlir.LayerConfig(2, 5, 8, 12, 3)
    with pytest.raises(ValueError, match=r"head_dim must be positive, got 0"):
        sas_mlir.LayerConfig(2, 4, 0, 12, 3)
    with pytest.raises(ValueError, match=r"head_dim must be an integer, got 8.0"):
        sas_mlir.LayerConfig(2, 4, 8.0, 12, 3)
    with pytest.raises(ValueError, match=r"scale must be a positive finite number, got -1"):
        sas_mlir.LayerConfig(2, 4, 8, 12, 3, scale=-1.0)
    with pytest.raises(ValueError, match=r"the output dense weight \[H\*D, H\*D\] would have more than 2\^38 elements"):
        sas_mlir.LayerConfig(2, 4, 2**20, 12, 3)
    with pytest.raises(ValueError, match=r"head_dim must be positive, got 0"):
        sas_mlir.LayerConfig(2, 4, 0, 12, 3)
    with pytest.raises(ValueError, match=r"dtype must be one of"):
        sas_mlir.LayerConfig(2, 4, 8, 12, 3, dtype="f64")
    with pytest.raises(ValueError, match=r"unknown target 'gpu'"):
        sas_mlir.compile(sas_mlir.LayerConfig(2, 4, 8, 12, 3), target="gpu")


def test_compile_errors_raise_with_diagnostics(rng):
    with pytest.raises(sas_mlir.CompileError, match=r"cannot parse the MLIR text"):
        sas_mlir.run_pipeline("func.func @f( {", "builtin.module(sas-expand)")
    with pytest.raises(sas_mlir.CompileError, match=r"the input must hold one sas.layer, or one sas.layer_grad .*; it holds 0 sas.layer and 0 sas.layer_grad"):
        sas_mlir.compile("func.func @f() { return }")
    # A backward compiles from its LayerConfig (compile(config,
    # backward=True)); its MLIR text has no forward configuration to read.
    grad = sas_mlir.build_layer(sas_mlir.LayerConfig(2, 4, 8, 12, 3),
                                backward=True)
    with pytest.raises(sas_mlir.CompileError, match=r"the module holds a sas.layer_grad: sasGetLayerConfig reads forward layers"):
        sas_mlir.compile(grad)
    with pytest.raises(TypeError, match=r"compile\(backward=True\) takes a LayerConfig"):
        sas_mlir.compile(grad, backward=True)
    with pytest.raises(sas_mlir.CompileError, match=r"no-such-pass"):
        sas_mlir.run_pipeline(sas_mlir.build_layer(
            sas_mlir.LayerConfig(2, 4, 8, 12, 3)), "builtin.module(no-such-pass)")
    # IR that parses but breaks a verifier rule: the message is MLIR's.
    text = sas_mlir.build_layer(sas_mlir.LayerConfig(2, 4, 8, 12, 3)).replace(
        "tensor<12x8xf32>", "tensor<12x9xf32>")
    with pytest.raises(sas_mlir.CompileError, match=r"dimension D of 'q_feat_w' is 9"):
        sas_mlir.run_pipeline(text, "builtin.module(sas-expand)")
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    layer = sas_mlir.compile(config, query_tile="banana")
    q = np.zeros((1, 4, 2, 8), np.float32)
    weights = random_weights(config, rng)
    with pytest.raises(sas_mlir.CompileError, match=r"bad sas-cpu-pipeline options"):
        layer(q, q, q, weights)


def test_unknown_pipeline_option_is_an_error_at_compile():
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    with pytest.raises(ValueError, match=r"unknown sas-cpu-pipeline option 'query_tle'; valid options: .*\bquery_tile\b"):
        sas_mlir.compile(config, query_tle=32)


def test_reference_names_a_missing_weight(rng):
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    weights = random_weights(config, rng)
    del weights["sas_k.2.bias"]
    q = np.zeros((1, 3, 2, 8), np.float32)
    with pytest.raises(ValueError, match=r"missing weight 'sas_k.2.bias' of shape \[12\]"):
        sas_mlir.reference(q, q, q, weights, config)


def test_threads_run_one_layer_at_once(rng, seed):
    # The native run releases the GIL; layers run from several threads at
    # once must each give their own result. (How much the threads overlap
    # is a matter of time, for benchmarks, not tests.)
    config = sas_mlir.LayerConfig(2, 4, 8, 12, 3)
    layer = sas_mlir.compile(config)
    weights = random_weights(config, rng)
    qs = [rng.standard_normal((1, 33, 2, 8)).astype(np.float32)
          for _ in range(4)]
    expected = [layer(q, q, q, weights) for q in qs]
    results = [None] * len(qs)

    def work(i):
        for _ in range(3):
            results[i] = layer(qs[i], qs[i], qs[i], weights)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(qs))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for i, (out, ref) in enumerate(zip(results, expected)):
        np.testing.assert_array_equal(out, ref, err_msg=f"thread {i} (seed {seed})")
