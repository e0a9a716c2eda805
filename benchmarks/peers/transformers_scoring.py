#!/usr/bin/env python3
"""transformers 4.47.1 itself (the peer of `benchmarks/peers/build_peer.sh transformers ...`) doing
the multiple-choice scoring of an `almkit eval --mode loglik` run, for eval_throughput.sh's third
column. The units are those of the run's results.jsonl, read as benchmarks/qwen2_audio_torch_peer.py
reads them (its unit_inputs: almkit's tokenizer for the prompt and choice ids, as almkit encoded
them, and almkit.load_audio for the 16 kHz clip; the tokenizer is no part of the timed model work
and the checkpoint has no vocab.json/merges.txt for the slow Qwen2Tokenizer). Per unit, as a
transformers user runs Qwen2-Audio:
  - WhisperFeatureExtractor.from_pretrained(checkpoint), called as Qwen2AudioProcessor calls it
    (padding="max_length": 30 s, return_attention_mask -> feature_attention_mask);
  - Qwen2AudioForConditionalGeneration.from_pretrained(checkpoint, eager, float32): one
    model(input_ids, attention_mask, input_features, feature_attention_mask, past_key_values=
    DynamicCache(), use_cache=True) over the prompt (the model expands the audio placeholder,
    runs the tower on all 3,000 frames with the padded ones masked, and, 4.47 having no
    num_logits_to_keep on this model, the head at every prompt position);
  - each choice's tokens but the last through model(..., past_key_values=cache) continued from
    that cache, then cache.crop(prompt length) back to the prompt (DynamicCache.crop is what
    transformers' own assisted decoding uses to roll a cache back).
Cache-continued rather than a full prompt+choice forward per choice: that is how almkit and the
plain-torch peer score (the prompt, audio tower included, once per unit), so the three columns do
the same work; a prompt+choice forward per choice would run the audio tower once per choice and
measure transformers doing more work, not doing it slower.
After the timed loop (model load excluded, like the plain-torch peer) the summed log-probabilities
are checked against almkit's (results.jsonl) and against the plain-torch peer run on the same units
(untimed; --no-torch-peer skips it): exits 1 beyond --tolerance (relative to max(1, |sum|)).

  PYTHONPATH=build/python transformers_scoring.py --model DIR --results RUN/results.jsonl --threads 2
"""
import argparse
import json
import os
import sys
import time

from transformers_site import REPO

sys.path.insert(0, os.path.join(REPO, "benchmarks"))
from peer_threads import pin_blas_threads  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--results", required=True, help="an `almkit eval --mode loglik` run's results.jsonl")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest allowed |sum logprob difference| / max(1, |sum|) against almkit and the plain-torch peer")
    parser.add_argument("--no-torch-peer", action="store_true", help="skip the untimed plain-torch peer check")
    args = parser.parse_args()
    pin_blas_threads(args.threads)
    import almkit  # the tokenizer and the audio reader only
    import torch
    import transformers
    from transformers.cache_utils import DynamicCache

    import qwen2_audio_torch_peer as torch_peer

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model = transformers.Qwen2AudioForConditionalGeneration.from_pretrained(
        args.model, attn_implementation="eager", torch_dtype=torch.float32).eval()
    features = transformers.WhisperFeatureExtractor.from_pretrained(args.model)
    tokenizer = almkit.Tokenizer.from_folder(args.model)
    units = [json.loads(line) for line in open(args.results) if line.strip()]
    if not units or any(not unit.get("scores") for unit in units):
        sys.exit(f"{args.results}: no units, or a unit without choice scores (not an `almkit eval --mode loglik` run)")
    load_seconds = time.perf_counter() - start

    def score(prompt_ids, clip, choices):
        audio = features(clip, sampling_rate=16000, return_attention_mask=True, padding="max_length", return_tensors="pt")
        ids = torch.tensor([prompt_ids])
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), input_features=audio["input_features"],
                    feature_attention_mask=audio["attention_mask"], past_key_values=DynamicCache(), use_cache=True)
        cache, length = out.past_key_values, out.attention_mask.shape[1]
        first = torch.log_softmax(out.logits[0, -1].float(), -1)
        sums = []
        for choice in choices:
            total = first[choice[0]].item()
            if len(choice) > 1:
                rest = torch.tensor([choice[:-1]])
                logits = model(input_ids=rest, attention_mask=torch.ones(1, length + rest.shape[1], dtype=torch.long),
                               past_key_values=cache, use_cache=True).logits
                lp = torch.log_softmax(logits[0].float(), -1)
                total += sum(lp[i, choice[i + 1]].item() for i in range(len(choice) - 1))
                cache.crop(length)
            sums.append(total)
        return sums

    mine = []
    with torch.inference_mode():
        start = time.perf_counter()
        for _unit, prompt_ids, clip, choices in torch_peer.unit_inputs(units, args.results, tokenizer, almkit):
            mine.append(score(prompt_ids, clip, choices))
        seconds = time.perf_counter() - start
        vs_almkit = max(torch_peer.rel_diff(m, [s["sum_logprob"] for s in u["scores"]]) for m, u in zip(mine, units))
        vs_peer, check_start = None, time.perf_counter()
        if not args.no_torch_peer:
            peer = torch_peer.Peer(args.model, torch.float32)
            vs_peer = max(torch_peer.rel_diff(m, peer.score(p, c, ch))
                          for m, (_u, p, c, ch) in zip(mine, torch_peer.unit_inputs(units, args.results, tokenizer, almkit)))
    print(f"transformers-{transformers.__version__} units={len(units)} seconds={seconds:.2f} units_per_s={len(units) / seconds:.2f} "
          f"load_s={load_seconds:.2f} max_rel_diff_sum_logprob_vs_almkit={vs_almkit:.2e}"
          + ("" if vs_peer is None else f" vs_torch_peer={vs_peer:.2e} torch_peer_check_s={time.perf_counter() - check_start:.2f}"))
    bad = [(name, diff) for name, diff in (("almkit", vs_almkit), ("the plain-torch peer", vs_peer))
           if diff is not None and not diff <= args.tolerance]
    for name, diff in bad:
        print(f"{args.results}: transformers' summed log-probabilities differ from {name}'s by {diff:.2e} "
              f"(relative), more than --tolerance {args.tolerance:g}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
