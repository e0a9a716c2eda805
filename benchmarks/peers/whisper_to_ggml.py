#!/usr/bin/env python3
"""Writes an `almkit init-model --arch whisper` checkpoint (transformers' Whisper layout,
config.json + model.safetensors) as a whisper.cpp ggml model file, offline: whisper.cpp's own
converters need the transformers package or the openai/whisper repository (its mel_filters.npz
and tokenizer). The layout follows whisper.cpp's models/convert-h5-to-ggml.py: magic, eleven
int32 hyper-parameters, the mel filter bank, the vocabulary, then each tensor (dims, name
length, type, dims innermost first, name, data) under openai/whisper's names. The filter bank is
librosa's Slaney mel (what mel_filters.npz holds); the vocabulary is placeholders (the encoder
benchmark never reads it; whisper.cpp adds the special tokens itself from n_vocab).

  whisper_to_ggml.py CHECKPOINT_DIR OUT.bin [--type f32|f16]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

RENAMES = {  # transformers -> openai/whisper, as convert-h5-to-ggml.py maps them
    "self_attn.k_proj": "attn.key", "self_attn.q_proj": "attn.query", "self_attn.v_proj": "attn.value",
    "self_attn.out_proj": "attn.out", "self_attn_layer_norm": "attn_ln",
    "encoder_attn.k_proj": "cross_attn.key", "encoder_attn.q_proj": "cross_attn.query",
    "encoder_attn.v_proj": "cross_attn.value", "encoder_attn.out_proj": "cross_attn.out",
    "encoder_attn_layer_norm": "cross_attn_ln", "fc1": "mlp.0", "fc2": "mlp.2", "final_layer_norm": "mlp_ln",
}
TOP_RENAMES = {
    "encoder.layer_norm.bias": "encoder.ln_post.bias", "encoder.layer_norm.weight": "encoder.ln_post.weight",
    "encoder.embed_positions.weight": "encoder.positional_embedding",
    "decoder.layer_norm.bias": "decoder.ln.bias", "decoder.layer_norm.weight": "decoder.ln.weight",
    "decoder.embed_positions.weight": "decoder.positional_embedding",
    "decoder.embed_tokens.weight": "decoder.token_embedding.weight",
}
KEEP_F32 = {"encoder.conv1.bias", "encoder.conv2.bias", "encoder.positional_embedding", "decoder.positional_embedding"}


def openai_name(name):
    parts = name.split(".")
    if parts[0] != "model":
        raise ValueError(f"tensor '{name}' is not under 'model.' (not a transformers Whisper checkpoint)")
    parts = parts[1:]
    if len(parts) > 3 and parts[1] == "layers":
        inner = ".".join(parts[3:-1])
        if inner not in RENAMES:
            raise ValueError(f"no whisper.cpp name for tensor '{name}'")
        return ".".join([parts[0], "blocks", parts[2], RENAMES[inner], parts[-1]])
    joined = ".".join(parts)
    return TOP_RENAMES.get(joined, joined)


def slaney_mel_filters(sample_rate, n_fft, n_mels):
    """librosa.filters.mel(sr, n_fft, n_mels) with its defaults (Slaney scale and area norm)."""
    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        mel = f / (200.0 / 3)
        log_region = f >= 1000.0
        return np.where(log_region, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), mel)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))

    fft_freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    mel_freqs = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2))
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    fdiff = np.diff(mel_freqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2:n_mels + 2] - mel_freqs[:n_mels]))[:, None]
    return weights.astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("output")
    parser.add_argument("--type", choices=["f32", "f16"], default="f32")
    args = parser.parse_args()
    config_path = os.path.join(args.checkpoint, "config.json")
    config = json.load(open(config_path))
    if config.get("model_type") != "whisper":
        sys.exit(f"{config_path}: model_type is {config.get('model_type')!r}, this converter writes whisper only")
    tensors = safetensors_np.read(os.path.join(args.checkpoint, "model.safetensors"))
    use_f16 = args.type == "f16"
    n_mels = config["num_mel_bins"]
    with open(args.output, "wb") as out:
        out.write(struct.pack("i", 0x67676D6C))
        for value in (config["vocab_size"], config["max_source_positions"], config["d_model"],
                      config["encoder_attention_heads"], config["encoder_layers"],
                      config.get("max_length") or config["max_target_positions"], config["d_model"],
                      config["decoder_attention_heads"], config["decoder_layers"], n_mels, int(use_f16)):
            out.write(struct.pack("i", value))
        filters = slaney_mel_filters(16000, 400, n_mels)
        out.write(struct.pack("ii", *filters.shape))
        out.write(filters.tobytes())
        base_vocab = 50257  # the byte-level BPE part; whisper.cpp names the rest up to n_vocab
        out.write(struct.pack("i", base_vocab))
        for i in range(base_vocab):
            word = f"t{i}".encode()
            out.write(struct.pack("i", len(word)) + word)
        for name, (dtype, array) in tensors.items():
            if name == "proj_out.weight":  # tied to the token embedding; whisper.cpp does not read it
                continue
            ggml_name = openai_name(name)
            data = safetensors_np.as_float32(dtype, array)
            if ggml_name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                data = data.reshape(data.shape[0], 1)
            f16 = use_f16 and data.ndim >= 2 and ggml_name not in KEEP_F32
            data = data.astype(np.float16 if f16 else np.float32)
            encoded = ggml_name.encode()
            out.write(struct.pack("iii", data.ndim, len(encoded), int(f16)))
            for dim in reversed(data.shape):
                out.write(struct.pack("i", dim))
            out.write(encoded)
            out.write(np.ascontiguousarray(data).tobytes())


if __name__ == "__main__":
    main()
