"""Where a 16-bit layer's gradient errors come from, emulated in float64 on
the CPU (no GPU, no MLIR): the official module with one kind of 16-bit
rounding switched on, straight through in the backward, against
layer_backward.py's reference (S, Z and O rounded), and PyTorch's own
16-bit module on the same inputs.

  --model attention  the attention backward kernel's roundings: P to bf16
                     before d_v = P^T d_o, dA to bf16 before d_q = dA k and
                     d_k = dA^T q, and Delta from the forward's output
                     computed with P in bf16 (the p v product on tensor
                     cores), rounded (--delta says how Delta is formed);
  --model relu       the forward kernels' roundings: ReLU's output to bf16
                     as the operand of each simulation's second product.

Prints each seed's worst gradient (its name) for the case and size, as
docs/perf-log/gpu-backward.md quotes them.

    .venv/bin/python benchmarks/gpu/rounding_emulation.py --model relu
        [--cases 5 3] [--sizes 2,17 1,100] [--seeds 200 206]
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases  # noqa: E402
import layer_backward as lb  # noqa: E402
from sas_mlir import torch_module  # noqa: E402

BF16 = torch.bfloat16
# Where the attention backward's Delta_i comes from (--delta).
DELTA = "saved"


def to_bf16(x):
    return x.to(BF16).to(x.dtype)


def straight_through(x):
    return x + (to_bf16(x) - x).detach()


class KernelAttention(torch.autograd.Function):
    """Softmax attention whose backward rounds as the tensor-core kernel."""

    @staticmethod
    def forward(ctx, q, k, v, scale, causal):
        s = q @ k.transpose(-1, -2) * scale
        if causal:
            t = s.shape[-1]
            s = s.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1),
                              float("-inf"))
        lse = torch.logsumexp(s, -1, keepdim=True)
        p = torch.exp(s - lse)
        o = to_bf16(p) @ v
        ctx.save_for_backward(q, k, v, o if DELTA == "f32" else to_bf16(o),
                              p)
        ctx.scale = scale
        return p @ v

    @staticmethod
    def backward(ctx, d_o):
        q, k, v, o_kernel, p = ctx.saved_tensors
        d_v = to_bf16(p).transpose(-1, -2) @ d_o
        d_p = d_o @ v.transpose(-1, -2)
        delta = ((p * d_p).sum(-1, keepdim=True)
                 if DELTA in ("rows", "rows-exact")
                 else (d_o * o_kernel).sum(-1, keepdim=True))
        d_a = p * (d_p - delta)
        d_a = d_a if DELTA == "rows-exact" else to_bf16(d_a)
        return (ctx.scale * d_a @ k, ctx.scale * d_a.transpose(-1, -2) @ q,
                d_v, None, None)


def relu_operand_in_bf16(self, x):
    return x + self.process(straight_through(torch.relu(x)))


def emulated_gradients(model, case, state, qkv, d_out):
    """The float64 gradients with `model`'s roundings (and S, Z, O
    rounded, as the reference)."""
    saved_forward, saved_sdpa = (torch_module.Residual.forward,
                                 F.scaled_dot_product_attention)
    attention = "math"
    if model == "relu":
        torch_module.Residual.forward = relu_operand_in_bf16
    else:
        attention = "sdpa"
        F.scaled_dot_product_attention = (
            lambda q, k, v, is_causal, scale: KernelAttention.apply(
                q, k, v, scale, is_causal))
    try:
        return lb.autograd_gradients(case, state, qkv, d_out, torch.float64,
                                     attention, stored=BF16)
    finally:
        torch_module.Residual.forward = saved_forward
        F.scaled_dot_product_attention = saved_sdpa


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--model", choices=("attention", "relu"),
                        required=True)
    parser.add_argument(
        "--delta", default="saved",
        choices=("saved", "f32", "rows", "rows-exact"),
        help="with --model attention: Delta_i = d_O_i . O_i with O as the "
             "kernel saves it (16-bit; the kernel's), or as its f32 "
             "accumulator held it (f32); Delta_i = sum_j P_ij dP_ij, "
             "consistent with the recomputed P (rows); or that and d_A "
             "unrounded (rows-exact: what is left is P's rounding in "
             "d_V and the rest of the layer)")
    parser.add_argument("--cases", type=int, nargs="+", default=[5, 3],
                        help="indices into cases.LAYER_BACKWARD_CASES")
    parser.add_argument("--sizes", nargs="+", default=["2,17", "1,100"],
                        metavar="B,T")
    parser.add_argument("--seeds", type=int, nargs=2, default=[200, 206],
                        metavar=("FIRST", "END"))
    args = parser.parse_args()
    global DELTA
    DELTA = args.delta
    lb.DEVICE = "cpu"
    for index in args.cases:
        case = cases.LAYER_BACKWARD_CASES[index]
        for size in args.sizes:
            b, t = (int(x) for x in size.split(","))
            print(f"H={case[2]} D={case[3]} H'={case[4]} D'={case[5]} "
                  f"K={case[6]} B={b} T={t}, rounding: {args.model}")
            for seed in range(*args.seeds):
                state, qkv, d_out = lb.make_inputs(case, b, t, seed)
                ref = lb.autograd_gradients(case, state, qkv, d_out,
                                            torch.float64, "math", stored=BF16)
                ours = lb.errors_of(emulated_gradients(
                    args.model, case, state, qkv, d_out), ref)
                theirs = lb.errors_of(lb.autograd_gradients(
                    case, state, qkv, d_out, BF16, "sdpa"), ref)
                w, wt = max(ours, key=ours.get), max(theirs, key=theirs.get)
                print(f"  seed {seed}: emulated {ours[w]:.2e} (d {w}); "
                      f"PyTorch bf16 {theirs[wt]:.2e} (d {wt})")


if __name__ == "__main__":
    main()
