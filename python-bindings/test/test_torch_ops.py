"""sas_mlir.torch_ops: the layer as PyTorch custom ops with autograd, run
by the compiler on the CPU. Gradients against PyTorch's own autograd through
sas_mlir.torch_module in float64, on fresh random data. Needs PyTorch >= 2.4
(scripts/torch-venv.sh; run-suite.sh runs this file with that python)."""

import pytest

torch = pytest.importorskip("torch")
if tuple(int(x) for x in torch.__version__.split(".")[:2]) < (2, 4):
    pytest.skip("torch.library custom ops need PyTorch >= 2.4",
                allow_module_level=True)

from sas_mlir import PARAMETER_NAMES  # noqa: E402
from sas_mlir.torch_module import SASAttention  # noqa: E402
from sas_mlir.torch_ops import SASLayer  # noqa: E402

SIZES = dict(heads=2, sim_heads=6, head_dim=8, sim_head_dim=12, kernel=3)


def make_layers(seed, causal=True, **sizes):
    """The compiled layer and the float64 reference module, one state."""
    sizes = {**SIZES, **sizes}
    torch.manual_seed(seed)
    reference = SASAttention(*sizes.values(), causal=causal,
                             attention="math").double()
    layer = SASLayer(*sizes.values(), causal=causal)
    layer.load_state_dict(reference.state_dict())
    return layer, reference, sizes


def inputs(sizes, batch, seq_len, dtype=torch.float64):
    return [torch.randn(batch, seq_len, sizes["heads"], sizes["head_dim"],
                        dtype=dtype) for _ in range(3)]


@pytest.mark.parametrize("causal,batch,seq_len,kernel", [
    (True, 2, 37, 3), (False, 1, 70, 5), (True, 1, 1, 1)])
def test_gradients_match_pytorch_autograd(causal, batch, seq_len, kernel):
    layer, reference, sizes = make_layers(batch * seq_len + kernel,
                                          causal=causal, kernel=kernel)
    xs = [x.requires_grad_() for x in inputs(sizes, batch, seq_len)]
    xs32 = [x.detach().float().requires_grad_() for x in xs]
    out = layer(*xs32)
    want = reference(*xs)
    assert out.dtype == torch.float32
    assert torch.allclose(out.double(), want, rtol=0, atol=1e-5 *
                          want.abs().max().item())
    d_out = torch.randn_like(want)
    out.backward(d_out.float())
    want.backward(d_out)
    got = dict(zip(["q", "k", "v"], (x.grad for x in xs32)))
    expected = dict(zip(["q", "k", "v"], (x.grad for x in xs)))
    got.update((n, p.grad) for n, p in layer.params.named_parameters())
    expected.update((n, p.grad) for n, p in reference.named_parameters())
    assert sorted(got) == sorted(["q", "k", "v"] + PARAMETER_NAMES)
    # A gradient that is zero by construction (k's last bias; q's and k's
    # everything with one key) is measured against v's.
    scale = expected["v"].norm()
    for name, g in expected.items():
        err = (got[name].double() - g).norm() / max(g.norm(), scale)
        assert err < 1e-5, f"d {name}: relative error {err:.3e}"


def test_bf16_runs_in_bf16():
    layer, reference, sizes = make_layers(3)
    layer = layer.to(torch.bfloat16)
    xs = inputs(sizes, 2, 19)
    out = layer(*(x.to(torch.bfloat16) for x in xs))
    assert out.dtype == torch.bfloat16
    want = reference(*(x.to(torch.bfloat16).double() for x in xs))
    err = (out.double() - want).norm() / want.norm()
    assert err < 2e-2, err


def test_opcheck():
    layer, _, sizes = make_layers(4)
    xs = inputs(sizes, 2, 9, torch.float32)
    params = [dict(layer.params.named_parameters())[n] for n in PARAMETER_NAMES]
    args = (*xs, params, *layer.sizes)
    torch.library.opcheck(torch.ops.sas.layer, args)
    d_out = torch.randn(2, 9, sizes["heads"] * sizes["head_dim"])
    torch.library.opcheck(torch.ops.sas.layer_backward,
                          (*xs, [p.detach() for p in params], d_out,
                           *layer.sizes))


def test_under_torch_compile():
    layer, _, sizes = make_layers(5)
    xs = [x.float().requires_grad_() for x in inputs(sizes, 1, 16)]
    eager = layer(*xs)
    eager.sum().backward()
    eager_grads = [x.grad.clone() for x in xs]
    for x in xs:
        x.grad = None
    compiled = torch.compile(layer, backend="aot_eager", fullgraph=True)
    out = compiled(*xs)
    out.sum().backward()
    assert torch.equal(out, eager)
    for got, want in zip((x.grad for x in xs), eager_grads):
        assert torch.equal(got, want)


def test_flop_counter_sees_the_layer():
    from torch.utils.flop_counter import FlopCounterMode
    layer, _, sizes = make_layers(6)
    xs = [x.float().requires_grad_() for x in inputs(sizes, 2, 10)]
    with FlopCounterMode(display=False) as counter:
        layer(*xs).sum().backward()
    counts = counter.get_flop_counts()["Global"]
    # By hand (docs/compute.md): per token 3 * 2 H' K D (H + H') +
    # 2 * 2 H' D' (D + D') + 2 (H D)^2 = 3 * 2304 + 2 * 2880 + 512 = 13184,
    # 20 tokens; 2 * 6 * 55 causal pairs * 2 (D' + D) = 26400.
    assert counts[torch.ops.sas.layer] == 20 * 13184 + 26400
    # The backward: the forward but PEAA recomputed (20 * 12672 + 26400),
    # per token 3 * 2 K D H' (3H + 2H') + 2 * 2 H' D' (3D + 2D') +
    # 2 * 2 (H D)^2 = 3 * 5184 + 2 * 6912 + 1024 = 30400, and
    # 2 (3D' + 2D) = 104 a pair.
    assert counts[torch.ops.sas.layer_backward] == (
        20 * 12672 + 26400 + 20 * 30400 + 660 * 104)


def test_errors_name_what_is_wrong():
    layer, _, sizes = make_layers(7)
    xs = inputs(sizes, 1, 4, torch.float32)
    params = [dict(layer.params.named_parameters())[n] for n in PARAMETER_NAMES]
    with pytest.raises(ValueError, match="takes 22 parameters, got 21"):
        torch.ops.sas.layer(*xs, params[:21], *layer.sizes)
    with pytest.raises(TypeError, match="k is torch.float64 on cpu; q is "
                                        "torch.float32 on cpu"):
        torch.ops.sas.layer(xs[0], xs[1].double(), xs[2], params,
                            *layer.sizes)
    with pytest.raises(TypeError, match="float32, float16 or bfloat16"):
        torch.ops.sas.layer(*(x.double() for x in xs),
                            [p.double() for p in params], *layer.sizes)
