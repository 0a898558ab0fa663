#!/usr/bin/env python3
"""Trains a small byte-level GPT whose attention is a SAS layer, three
ways from one seed and one stream of data:

  --attention sas_mlir   SAS-MLIR's SASLayer (torch.ops.sas.layer: the
                         compiler's CPU JIT, or on CUDA the layer libraries
                         registered with --libs / $SAS_CUDA_LIBRARIES)
  --attention official   the reference module, sas_mlir.torch_module's
                         SASAttention (PyTorch ops, SDPA)
  --attention mha        plain multi-head attention of the same width
                         (SDPA and a dense layer), what SAS replaces

The corpus ships with the repository: README.md and docs/*.md, read as
bytes in sorted order. Each step takes a batch of windows at positions
drawn from a generator seeded with --seed, so every run sees the same data.
The model's initial weights come from the same seed too: the SAS-MLIR and
official runs start from identical parameters (SASLayer has the official
module's state-dict keys).

    PYTHONPATH=build/python_packages .venv/bin/python examples/train_tiny_lm.py \\
        --attention sas_mlir --steps 20 [--device cuda --dtype bf16 --compile
        [--compile-mode reduce-overhead]]
        [--layers 6 --width 384 --heads 6 --sim-heads 12 --sim-head-dim 128
         --kernel 3 --seq-len 256 --batch 16] [--json OUT]

Prints the loss every --log-every steps and, at the end, the final loss
(the mean of the last ten steps) and tokens per second (after the first
--warmup steps, synchronized). Losses stay on the device between log
lines: no step waits for the one before it to finish.
"""

import argparse
import glob
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Last, so that a build's package (with the compiled extension, which the
# CPU runs need) comes first; the source tree's serves CUDA-only machines.
sys.path.append(os.path.join(ROOT, "python-bindings"))
from sas_mlir.torch_module import SASAttention  # noqa: E402


def corpus():
    """The repository's own prose as one byte tensor."""
    paths = [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "docs", "*.md")))
    data = b"".join(open(p, "rb").read() for p in paths)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).long()


class MHA(nn.Module):
    """Plain causal attention of the same width: SDPA, then a dense layer
    (the PEAA module's place)."""

    def __init__(self, heads, head_dim):
        super().__init__()
        self.out = nn.Linear(heads * head_dim, heads * head_dim)

    def forward(self, q, k, v):
        b, t, h, d = q.shape
        o = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
            is_causal=True)
        return self.out(o.transpose(1, 2).reshape(b, t, h * d))


def attention_module(args):
    d = args.width // args.heads
    if args.attention == "mha":
        return MHA(args.heads, d)
    if args.attention == "official":
        return SASAttention(args.heads, args.sim_heads, d, args.sim_head_dim,
                            args.kernel)
    from sas_mlir.torch_ops import SASLayer
    return SASLayer(args.heads, args.sim_heads, d, args.sim_head_dim,
                    args.kernel)


class Block(nn.Module):
    def __init__(self, args):
        super().__init__()
        w = args.width
        self.heads = args.heads
        self.norm1 = nn.LayerNorm(w)
        self.qkv = nn.Linear(w, 3 * w)
        self.attention = attention_module(args)
        self.norm2 = nn.LayerNorm(w)
        self.mlp = nn.Sequential(nn.Linear(w, 4 * w), nn.GELU(),
                                 nn.Linear(4 * w, w))

    def forward(self, x):
        b, t, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(
            b, t, 3, self.heads, w // self.heads).unbind(2)
        x = x + self.attention(q.contiguous(), k.contiguous(), v.contiguous())
        return x + self.mlp(self.norm2(x))


class TinyLM(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.embed = nn.Embedding(256, args.width)
        self.position = nn.Embedding(args.seq_len, args.width)
        self.blocks = nn.ModuleList(Block(args) for _ in range(args.layers))
        self.norm = nn.LayerNorm(args.width)
        self.head = nn.Linear(args.width, 256)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.embed(tokens) + self.position(
            torch.arange(t, device=tokens.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def build_model(args):
    """The model, initialized from --seed. The SAS-MLIR model takes the
    official one's weights, so that the two start from the same point."""
    torch.manual_seed(args.seed)
    if args.attention != "sas_mlir":
        return TinyLM(args)
    reference = TinyLM(argparse.Namespace(**{**vars(args),
                                             "attention": "official"}))
    model = TinyLM(args)
    model.load_state_dict(reference.state_dict())
    return model


def batches(args, data):
    generator = torch.Generator().manual_seed(args.seed + 1)
    while True:
        starts = torch.randint(0, len(data) - args.seq_len - 1,
                               (args.batch,), generator=generator)
        window = torch.stack([data[s:s + args.seq_len + 1] for s in starts])
        yield window[:, :-1], window[:, 1:]


def to_device(batch, device):
    """`batch` on `device`; to a GPU from pinned memory, without the host
    waiting for the copy (a copy from pageable memory would wait for every
    step queued before it)."""
    if device.type != "cuda":
        return batch
    return batch.pin_memory().to(device, non_blocking=True)


def compile_model(model, args):
    """The model under torch.compile in --compile-mode, or as it is."""
    if not args.compile:
        return model
    return torch.compile(model, mode=args.compile_mode)


def mark_step(args):
    """Tells the CUDA graphs of --compile-mode reduce-overhead that a new
    training step begins: the last step's outputs are dead."""
    if args.compile and args.compile_mode == "reduce-overhead":
        torch.compiler.cudagraph_mark_step_begin()


def train(args):
    device = torch.device(args.device)
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
    if args.libs:
        from sas_mlir.torch_ops import use_cuda_library
        for path in args.libs:
            use_cuda_library(path)
    model = build_model(args).to(device, dtype)
    step_fn = compile_model(model, args)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr,
                                  weight_decay=0.0)
    data = batches(args, corpus())
    losses, start, timed_tokens = [], None, 0
    for step in range(args.steps):
        if step == args.warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        x, y = (to_device(t, device) for t in next(data))
        mark_step(args)
        logits = step_fn(x)
        loss = F.cross_entropy(logits.float().view(-1, 256), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        # Kept on the device: reading a loss waits for its step, so the
        # host would stop queueing the next one. Read at the log lines only.
        losses.append(loss.detach())
        if step >= args.warmup:
            timed_tokens += x.numel()
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            print(f"{args.attention} step {step + 1}: loss "
                  f"{losses[-1].item():.4f}", flush=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start if start is not None else math.nan
    losses = torch.stack(losses).float().tolist()
    final = sum(losses[-10:]) / len(losses[-10:])
    tokens_per_second = timed_tokens / seconds if timed_tokens else math.nan
    print(f"{args.attention}: final loss {final:.4f} (mean of the last "
          f"{len(losses[-10:])} steps), {tokens_per_second:.0f} tokens/s")
    return {"kind": "training", "attention": args.attention,
            "device": str(device),
            "dtype": args.dtype, "compile": args.compile,
            "compile_mode": args.compile_mode if args.compile else None,
            "steps": args.steps, "losses": losses, "final_loss": final,
            "tokens_per_second": tokens_per_second,
            "config": {k: getattr(args, k) for k in (
                "layers", "width", "heads", "sim_heads", "sim_head_dim",
                "kernel", "seq_len", "batch", "lr", "seed")}}


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attention", default="sas_mlir",
                        choices=("sas_mlir", "official", "mha"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="f32", choices=("f32", "bf16"))
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--compile-mode", default="default",
                        choices=("default", "reduce-overhead"),
                        help="torch.compile's mode with --compile; "
                             "reduce-overhead replays each step's kernels "
                             "as CUDA graphs, SAS-MLIR's layers included")
    parser.add_argument("--libs", nargs="*", default=[],
                        help="CUDA layer libraries (files or folders) for "
                             "SASLayer (sas-run --target cuda --backward)")
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--heads", type=int, default=6)
    parser.add_argument("--sim-heads", type=int, default=12)
    parser.add_argument("--sim-head-dim", type=int, default=128)
    parser.add_argument("--kernel", type=int, default=3)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.width % args.heads:
        parser.error(f"--width {args.width} is no multiple of --heads "
                     f"{args.heads}")
    return args


def main():
    args = parse()
    result = train(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
