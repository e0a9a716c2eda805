#!/usr/bin/env python3
"""Would `almkit eval` gain from batching several items through the encoder and the prefill?
Times Model.generate_batch over groups of B units (max_new_tokens=1: mel, encoder, prefill, one
step; clips encoded together, prompts left-padded) against the same units one generate call at a
time, alternating, two rounds per B, on the units of an `almkit eval` run's results.jsonl.
Encoded-audio cache off, so every call runs the encoder.

  PYTHONPATH=build/python eval_batch_probe.py MODEL_DIR RUN/results.jsonl THREADS
"""
import json
import sys
import time

import almkit


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    model_dir, results, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    model = almkit.Model(model_dir, threads=threads, audio_cache_clips=0)
    units = [json.loads(line) for line in open(results) if line.strip()]
    prompts = [unit["prompt"] for unit in units]
    clips = [almkit.load_audio(unit["audio"][0], model.audio_sampling_rate, True) for unit in units]
    for batch in (1, 2, 4, 8):
        for round_ in range(2):
            start = time.perf_counter()
            for prompt, clip in zip(prompts, clips):
                model.generate(prompt, clip, max_new_tokens=1)
            one_by_one = time.perf_counter() - start
            start = time.perf_counter()
            for i in range(0, len(prompts), batch):
                model.generate_batch(prompts[i:i + batch], clips[i:i + batch], max_new_tokens=1)
            batched = time.perf_counter() - start
            print(f"B={batch} round={round_} one_by_one={len(units) / one_by_one:.2f} items/s "
                  f"batched={len(units) / batched:.2f} items/s ratio={one_by_one / batched:.2f}")


if __name__ == "__main__":
    main()
