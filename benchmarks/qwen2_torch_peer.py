#!/usr/bin/env python3
"""Peer for almkit's Qwen2 prefill figures: the Qwen2 forward as transformers 4.47 runs it in eager
mode (RMSNorm, q/k/v with bias, RoPE, grouped-query attention with a causal mask and softmax,
SiLU MLP, tied lm_head on the last position), written in plain torch because transformers is not
installed here. Random weights at Qwen2-0.5B shapes; prints prefill tokens/s.

  qwen2_torch_peer.py --tokens 512 --threads 2 --dtype bfloat16 --repeats 2
"""
import argparse
import time

import torch

from peer_threads import pin_blas_threads

HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB = 896, 24, 14, 2, 64, 4864, 151936


def make_weights(dtype):
    torch.manual_seed(0)
    r = lambda *shape: (torch.randn(*shape) * 0.02).to(dtype)
    layers = []
    for _ in range(LAYERS):
        layers.append(dict(
            q=r(HEADS * HEAD_DIM, HIDDEN), qb=r(HEADS * HEAD_DIM), k=r(KV_HEADS * HEAD_DIM, HIDDEN),
            kb=r(KV_HEADS * HEAD_DIM), v=r(KV_HEADS * HEAD_DIM, HIDDEN), vb=r(KV_HEADS * HEAD_DIM),
            o=r(HIDDEN, HEADS * HEAD_DIM), gate=r(INTER, HIDDEN), up=r(INTER, HIDDEN), down=r(HIDDEN, INTER),
            n1=torch.ones(HIDDEN, dtype=dtype), n2=torch.ones(HIDDEN, dtype=dtype)))
    return dict(embed=r(VOCAB, HIDDEN), norm=torch.ones(HIDDEN, dtype=dtype), layers=layers)


def rms_norm(x, weight, eps=1e-6):  # transformers' Qwen2RMSNorm: variance in fp32
    dtype = x.dtype
    x = x.float()
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return weight * x.to(dtype)


def rotate_half(x):
    return torch.cat((-x[..., x.shape[-1] // 2:], x[..., : x.shape[-1] // 2]), dim=-1)


def forward(w, ids):
    t = ids.shape[1]
    x = w["embed"][ids]
    inv = 1.0 / (1000000.0 ** (torch.arange(0, HEAD_DIM, 2).float() / HEAD_DIM))
    freqs = torch.outer(torch.arange(t).float(), inv)
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
    mask = torch.full((t, t), torch.finfo(x.dtype).min, dtype=x.dtype).triu(1)
    lin = torch.nn.functional.linear
    for layer in w["layers"]:
        h = rms_norm(x, layer["n1"])
        q = lin(h, layer["q"], layer["qb"]).view(1, t, HEADS, HEAD_DIM).transpose(1, 2)
        k = lin(h, layer["k"], layer["kb"]).view(1, t, KV_HEADS, HEAD_DIM).transpose(1, 2)
        v = lin(h, layer["v"], layer["vb"]).view(1, t, KV_HEADS, HEAD_DIM).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(HEADS // KV_HEADS, dim=1)
        v = v.repeat_interleave(HEADS // KV_HEADS, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / HEAD_DIM ** 0.5 + mask
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        a = torch.matmul(probs, v).transpose(1, 2).reshape(1, t, HIDDEN)
        x = x + lin(a, layer["o"])
        h = rms_norm(x, layer["n2"])
        x = x + lin(torch.nn.functional.silu(lin(h, layer["gate"])) * lin(h, layer["up"]), layer["down"])
    x = rms_norm(x, w["norm"])
    return lin(x[:, -1], w["embed"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    pin_blas_threads(args.threads)
    torch.set_num_threads(args.threads)
    w = make_weights(getattr(torch, args.dtype))
    ids = (1000 + torch.arange(args.tokens) * 7919 % 50000).view(1, -1)
    with torch.inference_mode():
        forward(w, ids[:, :16])  # warm-up (oneDNN primitives, thread pool)
        best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            forward(w, ids)
            best = min(best, time.perf_counter() - t0)
    print(f"torch_peer {args.dtype} prefill{args.tokens} threads={args.threads} tokens_per_s={args.tokens / best:.1f}")


if __name__ == "__main__":
    main()
