#!/usr/bin/env python3
"""transformers 4.47.1 itself (the peer built by `benchmarks/peers/build_peer.sh transformers ...`)
timing Qwen2ForCausalLM at Qwen2-0.5B shapes on the CPU, for issue 18's "transformers bf16"
column. The model is the checkpoint folder given by --model (from_pretrained; prefill_compare.sh
passes the one almkit runs) or, without it, Qwen2-0.5B's config with transformers' own random
initialisation. Each --attn implementation ("eager", the issue's; "sdpa", which 4.47.1 asks
torch >= 2.1.1 for and so refuses on Debian's torch 1.13; "default", none asked: 4.47.1 then picks
sdpa where it can and eager here) and each --modes entry prints the median and range of --repeats
timings in tokens/s, after one untimed run of the same call:
  call      model(input_ids) as a user calls it: 4.47's default num_logits_to_keep=0 gives logits at
            every prompt position (and a DynamicCache, use_cache being the config's default)
  generate  generate(max_new_tokens=1, greedy): the prefill generate runs, logits of the last
            position only (num_logits_to_keep=1)
  decode    generate on a --decode-prompt token prompt (default 16) with --decode new tokens, minus
            a 1-token generate: the decode steps' rate through DynamicCache (as model_bench's decode)
Threads are pinned as the plain-torch peer's (torch.set_num_threads plus OPENBLAS_NUM_THREADS).

  transformers_prefill.py --tokens 128 512 --threads 2 --dtype bfloat16 --attn eager sdpa --modes call generate decode
"""
import argparse
import os
import statistics
import sys
import time

from transformers_site import REPO

sys.path.insert(0, os.path.join(REPO, "benchmarks"))
from peer_threads import pin_blas_threads  # noqa: E402

# Qwen2-0.5B's config.json (the hub's Qwen/Qwen2-0.5B)
QWEN2_05B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                 num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0,
                 rms_norm_eps=1e-6, tie_word_embeddings=True, hidden_act="silu", bos_token_id=151643,
                 eos_token_id=151643, use_cache=True, use_sliding_window=False, sliding_window=32768,
                 max_window_layers=24)


def make_model(transformers, torch, args, attn):
    dtype = getattr(torch, args.dtype)
    chosen = {} if attn == "default" else {"attn_implementation": attn}
    if args.model:
        return transformers.Qwen2ForCausalLM.from_pretrained(args.model, torch_dtype=dtype, **chosen).eval()
    torch.manual_seed(0)
    config = transformers.Qwen2Config(**QWEN2_05B)
    return transformers.Qwen2ForCausalLM._from_config(config, torch_dtype=dtype, **chosen).eval()


def timed(fn, repeats):
    fn()  # warm-up: oneDNN primitives for these shapes, the thread pool
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, nargs="+", default=[512], help="prompt lengths of the prefill modes")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    parser.add_argument("--attn", nargs="+", default=["eager"], choices=["eager", "sdpa", "default"])
    parser.add_argument("--modes", nargs="+", default=["call", "generate"], choices=["call", "generate", "decode"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--decode", type=int, default=64, help="decode steps timed in the 'decode' mode")
    parser.add_argument("--decode-prompt", type=int, default=16)
    parser.add_argument("--model", help="checkpoint folder (config.json + model.safetensors); default random weights")
    args = parser.parse_args()
    pin_blas_threads(args.threads)
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    # the plain-torch peer's prompt (within the vocabulary of a small --model too)
    ids = (1000 + torch.arange(max(args.tokens + [args.decode_prompt])) * 7919 % 50000).view(1, -1)
    for attn in args.attn:
        try:
            model = make_model(transformers, torch, args, attn)
        except ImportError as error:  # sdpa on torch < 2.1.1
            print(f"transformers-{transformers.__version__} {attn} {args.dtype}: not available ({error})", flush=True)
            continue
        resolved = model.config._attn_implementation
        ids = ids % model.config.vocab_size
        label = f"transformers-{transformers.__version__} {attn if attn == resolved else f'{attn}={resolved}'} {args.dtype}"

        def generate(prompt, new_tokens):
            return model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=new_tokens,
                                  min_new_tokens=new_tokens, do_sample=False, pad_token_id=0)

        with torch.inference_mode():
            for mode, tokens in [(m, t) for m in args.modes for t in ([0] if m == "decode" else args.tokens)]:
                if mode == "decode":
                    prompt = ids[:, :args.decode_prompt]
                    full = timed(lambda: generate(prompt, args.decode + 1), args.repeats)
                    first = timed(lambda: generate(prompt, 1), args.repeats)
                    rates = [args.decode / (f - p) for f, p in zip(full, first)]
                    name = f"decode{args.decode}"
                else:
                    prompt = ids[:, :tokens]
                    run = (lambda: model(prompt)) if mode == "call" else (lambda: generate(prompt, 1))
                    rates = [tokens / t for t in timed(run, args.repeats)]
                    name = f"prefill{tokens}_{mode}"
                print(f"{label} {name} threads={args.threads} tokens_per_s={statistics.median(rates):.1f}"
                      f" (range {min(rates):.1f}-{max(rates):.1f}, {args.repeats} repeats)", flush=True)
        model = None  # free it before the next implementation loads


if __name__ == "__main__":
    main()
