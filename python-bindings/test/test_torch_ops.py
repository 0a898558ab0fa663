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
    got.update((n, p.grad) for n, p in layer.named_parameters())
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
    params = [dict(layer.named_parameters())[n] for n in PARAMETER_NAMES]
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


def test_no_recompile_for_a_new_length():
    import torch._dynamo.testing
    layer, _, sizes = make_layers(8)
    counter = torch._dynamo.testing.CompileCounter()
    compiled = torch.compile(layer, backend=counter, fullgraph=True)
    for seq_len in (8, 9, 17, 30):
        xs = [x.float().requires_grad_() for x in inputs(sizes, 1, seq_len)]
        for x in xs:
            torch._dynamo.mark_dynamic(x, 1)
        compiled(*xs).sum().backward()
        assert xs[0].grad.shape == xs[0].shape
    assert counter.frame_count == 1


def test_torch_export_with_a_dynamic_length():
    layer, _, sizes = make_layers(9)
    xs = [x.float() for x in inputs(sizes, 1, 9)]
    length = torch.export.Dim("T", min=2, max=4096)
    program = torch.export.export(layer, tuple(xs),
                                  dynamic_shapes=({1: length},) * 3)
    assert "torch.ops.sas.layer.default" in program.graph_module.code
    longer = [x.float() for x in inputs(sizes, 1, 13)]
    assert torch.equal(program.module()(*longer), layer(*longer))


def test_autocast_runs_in_bfloat16():
    layer, reference, sizes = make_layers(10)
    xs = [x.float().requires_grad_() for x in inputs(sizes, 2, 11)]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(*xs)
    assert out.dtype == torch.bfloat16
    out.float().sum().backward()
    assert xs[0].grad.dtype == torch.float32
    want = reference(*(x.detach().double() for x in xs))
    assert (out.double() - want).norm() / want.norm() < 2e-2


def test_training_steps_match_the_reference_module():
    """A tiny model (the layer between an input and an output projection)
    trained 5 steps with Adam, once with SASLayer and once with the
    reference module in float32, same seed and data: equal losses."""
    def train(attention_cls, **kwargs):
        torch.manual_seed(11)
        sizes = dict(SIZES)
        width = sizes["heads"] * sizes["head_dim"]
        attention = attention_cls(*sizes.values(), **kwargs)
        embed, head = torch.nn.Linear(5, 3 * width), torch.nn.Linear(width, 5)
        params = (list(attention.parameters()) + list(embed.parameters())
                  + list(head.parameters()))
        optimizer = torch.optim.Adam(params, lr=1e-2)
        data = torch.randn(2, 24, 5, generator=torch.Generator().manual_seed(1))
        target = torch.randint(0, 5, (2, 24),
                               generator=torch.Generator().manual_seed(2))
        losses = []
        for _ in range(5):
            q, k, v = embed(data).reshape(2, 24, 3, sizes["heads"],
                                          sizes["head_dim"]).unbind(2)
            logits = head(attention(q, k, v))
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1),
                                                     target.flatten())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses

    ours = train(SASLayer)
    theirs = train(SASAttention, attention="math")
    assert ours[-1] < ours[0]
    for a, b in zip(ours, theirs):
        assert abs(a - b) <= 1e-5 * abs(b), (ours, theirs)


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


def test_the_slow_cpu_backward_says_so():
    from sas_mlir import torch_ops
    torch_ops._warn_untuned_backward.cache_clear()
    layer, _, sizes = make_layers(12)
    xs = [x.float().requires_grad_() for x in inputs(sizes, 1, 5)]
    with pytest.warns(RuntimeWarning, match="CPU backward is not tuned yet"):
        layer(*xs).sum().backward()


def test_errors_name_what_is_wrong():
    layer, _, sizes = make_layers(7)
    xs = inputs(sizes, 1, 4, torch.float32)
    params = [dict(layer.named_parameters())[n] for n in PARAMETER_NAMES]
    with pytest.raises(ValueError, match="takes 22 parameters, got 21"):
        torch.ops.sas.layer(*xs, params[:21], *layer.sizes)
    with pytest.raises(TypeError, match="k is torch.float64 on cpu; q is "
                                        "torch.float32 on cpu"):
        torch.ops.sas.layer(xs[0], xs[1].double(), xs[2], params,
                            *layer.sizes)
    with pytest.raises(TypeError, match="float32, float16 or bfloat16"):
        torch.ops.sas.layer(*(x.double() for x in xs),
                            [p.double() for p in params], *layer.sizes)


def test_cuda_call_without_a_library_names_the_command(monkeypatch):
    """On CUDA tensors the ops need a registered layer library; without
    one the call raises, naming the sas-run command that builds it (checked
    here through the lookup itself: this machine may have no GPU)."""
    from sas_mlir import torch_ops
    monkeypatch.setattr(torch_ops, "_cuda_libraries", [])
    monkeypatch.setattr(torch_ops, "_cuda_paths_read", True)
    q = torch.empty(2, 17, SIZES["heads"], SIZES["head_dim"],
                    dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match=(
            r"sas.layer_backward on CUDA: no registered layer library with "
            r"the backward for --heads 2 --sim-heads 6 --head-dim 8 "
            r"--sim-head-dim 12 --kernel 3 --dtype bf16 --no-causal "
            r"\(B = 2, T = 17\)\. Build one .*sas-run --target cuda "
            r"--emit-lib L\.so .* --backward")):
        torch_ops._cuda_library(q, *SIZES.values(), False, None,
                                backward=True)


def test_cuda_training_pair_plumbing(monkeypatch):
    """The CUDA kernels of sas.layer_train and sas.layer_backward_saved
    hand the library the forward's saved values (checked with a stand-in
    library: this machine may have no GPU; benchmarks/gpu/torch_ops_cuda.py
    runs them on one)."""
    from sas_mlir import torch_ops
    calls = []

    class StandIn:
        def forward_save(self, q, k, v, state):
            calls.append(("forward_save", list(state)))
            b, t = q.shape[:2]
            return (q.new_full((b, t, 6), 1.0),
                    (q.new_full((b, t, 4, 3), 2.0),
                     q.new_full((b, t, 4), 3.0, dtype=torch.float32)))

        def layer_backward(self, q, k, v, state, d_out, saved=None):
            calls.append(("layer_backward", saved))
            return (q, k, v, {n: p for n, p in state.items()})

    wanted = []

    def lookup(q, *sizes, **kwargs):
        wanted.append(kwargs)
        return StandIn()

    monkeypatch.setattr(torch_ops, "_cuda_library", lookup)
    q = torch.randn(2, 5, 2, 3)
    params = [torch.randn(2) for _ in PARAMETER_NAMES]
    sizes = (2, 4, 3, 3, 3, True, None)
    out, o, lse = torch_ops.layer_train._backend_fns["cuda"](
        q, q, q, params, *sizes)
    assert calls[-1] == ("forward_save", PARAMETER_NAMES)
    assert wanted[-1] == {"backward": True, "saves": True}
    assert float(out[0, 0, 0]) == 1.0 and float(o[0, 0, 0, 0]) == 2.0
    assert lse.dtype == torch.float32
    grads = torch_ops.layer_backward_saved._backend_fns["cuda"](
        q, q, q, params, o, lse, out, *sizes)
    kind, saved = calls[-1]
    assert kind == "layer_backward" and saved[0] is o and saved[1] is lse
    assert len(grads) == 25 and grads[3] is params[0]
