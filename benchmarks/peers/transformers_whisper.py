#!/usr/bin/env python3
"""transformers 4.47.1 itself (the peer built by `benchmarks/peers/build_peer.sh transformers ...`)
timing the Whisper-base encoder on 30 s of audio, fp32 (or bf16), eager, on the CPU: the
transformers column of issue 18's Whisper-base row, beside compare_whisper.sh's almkit and
whisper.cpp figures. The model is the checkpoint folder given by --model (from_pretrained; e.g. the
.cache/bench-models/whisper-base-f32 that compare_whisper.sh writes) or, without it, Whisper-base's
config with transformers' own random initialisation. --modes:
  encoder   model.get_encoder()(input_features [1, 80, 3000]): the encoder alone, as whisper-bench
  pipeline  WhisperFeatureExtractor (its numpy log-mel) on a fresh 30 s clip + encoder + one decoder
            step: the work almkit's whisper_encoder benchmark times
--arch qwen2-audio-tower times Qwen2-Audio's Whisper-large-v3-shaped audio tower instead (the
issue's "transformers ... its encoder alone" figure; Qwen2AudioEncoderConfig's defaults, or the
audio_tower of the Qwen2-Audio checkpoint --model names, e.g. tower_speed.sh's), encoder mode only,
with the all-zero attention mask the model passes for a full 30 s clip.
Prints the median and range of --repeats timings in seconds, after one untimed run.

  transformers_whisper.py --threads 2 --modes encoder pipeline [--model DIR]
  transformers_whisper.py --arch qwen2-audio-tower --dtype bfloat16 --repeats 1
"""
import argparse
import os
import statistics
import sys
import time

from transformers_site import REPO

sys.path.insert(0, os.path.join(REPO, "benchmarks"))
from peer_threads import pin_blas_threads  # noqa: E402

# openai/whisper-base's config.json (shapes)
WHISPER_BASE = dict(d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
                    decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048, num_mel_bins=80,
                    vocab_size=51865, max_source_positions=1500, max_target_positions=448,
                    decoder_start_token_id=50258, pad_token_id=50257, bos_token_id=50257, eos_token_id=50257)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--modes", nargs="+", default=["encoder"], choices=["encoder", "pipeline"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", help="checkpoint folder (config.json + model.safetensors); default random weights")
    parser.add_argument("--arch", default="whisper-base", choices=["whisper-base", "qwen2-audio-tower"])
    args = parser.parse_args()
    if args.arch == "qwen2-audio-tower" and args.modes != ["encoder"]:
        parser.error("--arch qwen2-audio-tower times the encoder only (--modes encoder)")
    pin_blas_threads(args.threads)
    import numpy as np
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    if args.arch == "qwen2-audio-tower":
        if args.model:
            encoder = transformers.Qwen2AudioForConditionalGeneration.from_pretrained(
                args.model, torch_dtype=dtype, attn_implementation="eager").audio_tower.eval()
        else:
            torch.manual_seed(0)
            encoder = transformers.Qwen2AudioEncoder._from_config(
                transformers.Qwen2AudioEncoderConfig(), torch_dtype=dtype, attn_implementation="eager").eval()
        config = encoder.config
        frames = config.max_source_positions
        mask = torch.zeros(1, 1, frames, frames, dtype=dtype)  # a full 30 s clip: nothing masked
        model = None
    else:
        if args.model:
            model = transformers.WhisperForConditionalGeneration.from_pretrained(
                args.model, torch_dtype=dtype, attn_implementation="eager").eval()
        else:
            torch.manual_seed(0)
            model = transformers.WhisperForConditionalGeneration._from_config(
                transformers.WhisperConfig(**WHISPER_BASE), torch_dtype=dtype, attn_implementation="eager").eval()
        config = model.config
    extractor = transformers.WhisperFeatureExtractor(feature_size=config.num_mel_bins)
    rng = np.random.default_rng(0)
    start = torch.tensor([[getattr(config, "decoder_start_token_id", None) or 0]])

    def clip():  # a fresh 30 s clip per run, as almkit's benchmark feeds
        return (0.1 * rng.standard_normal(16000 * 30)).astype(np.float32)

    features = torch.from_numpy(extractor(clip(), sampling_rate=16000, return_tensors="np").input_features).to(dtype)
    runs = {
        "encoder": (lambda: encoder(features, attention_mask=mask)) if model is None else (lambda: model.get_encoder()(features)),
        "pipeline": lambda: model(input_features=torch.from_numpy(
            extractor(clip(), sampling_rate=16000, return_tensors="np").input_features).to(dtype), decoder_input_ids=start),
    }
    label = f"transformers-{transformers.__version__} {config._attn_implementation} {args.arch}({config.d_model}x{config.encoder_layers}) {args.dtype}"
    with torch.inference_mode():
        for mode in args.modes:
            runs[mode]()  # warm-up
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                runs[mode]()
                times.append(time.perf_counter() - t0)
            print(f"{label} {mode}/threads:{args.threads} seconds={statistics.median(times):.3f}"
                  f" (range {min(times):.3f}-{max(times):.3f}, {args.repeats} repeats)", flush=True)


if __name__ == "__main__":
    main()
