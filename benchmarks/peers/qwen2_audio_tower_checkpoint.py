#!/usr/bin/env python3
"""Writes a random Qwen2-Audio checkpoint with Qwen2-Audio-7B's audio tower (Whisper-large-v3
shapes: 32 layers, d_model 1280, 20 heads, ffn 5120, 128 mel bins) and the small language model of
an `almkit init-model --arch qwen2_audio --size small` folder, for the libmtmd encoder peer
(compare_mtmd.sh): the full 7B checkpoint would be ~30 GB of language model the encoder
comparison never reads. Weights are float32, N(0, 0.02) matrices and biases, norms 1 + N(0, 0.02)
(non-trivial biases and norm scales so the parity check sees them), Whisper's sinusoidal position
table. The projector maps 1280 to the small model's width.

  qwen2_audio_tower_checkpoint.py SMALL_QWEN2_AUDIO_DIR OUT_DIR [--seed N]
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

D_MODEL, LAYERS, HEADS, FFN, MELS, POSITIONS = 1280, 32, 20, 5120, 128, 1500


def sinusoids(length, channels):
    """Whisper's position table: sin then cos of position * 10000^(-i / (channels/2 - 1))"""
    increment = np.log(10000) / (channels // 2 - 1)
    inverse = np.exp(-increment * np.arange(channels // 2))
    scaled = np.arange(length)[:, None] * inverse[None, :]
    return np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1).astype(np.float32)


def tower_shapes(text_hidden):
    shapes = {"audio_tower.conv1.weight": (D_MODEL, MELS, 3), "audio_tower.conv1.bias": (D_MODEL,),
              "audio_tower.conv2.weight": (D_MODEL, D_MODEL, 3), "audio_tower.conv2.bias": (D_MODEL,)}
    for i in range(LAYERS):
        p = f"audio_tower.layers.{i}."
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            shapes[p + norm + ".weight"] = shapes[p + norm + ".bias"] = (D_MODEL,)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[p + f"self_attn.{proj}.weight"] = (D_MODEL, D_MODEL)
            if proj != "k_proj":  # Whisper's key projection has no bias
                shapes[p + f"self_attn.{proj}.bias"] = (D_MODEL,)
        shapes[p + "fc1.weight"], shapes[p + "fc1.bias"] = (FFN, D_MODEL), (FFN,)
        shapes[p + "fc2.weight"], shapes[p + "fc2.bias"] = (D_MODEL, FFN), (D_MODEL,)
    shapes["audio_tower.layer_norm.weight"] = shapes["audio_tower.layer_norm.bias"] = (D_MODEL,)
    shapes["multi_modal_projector.linear.weight"] = (text_hidden, D_MODEL)
    shapes["multi_modal_projector.linear.bias"] = (text_hidden,)
    return shapes


def write_safetensors(path, arrays):
    """arrays: name -> float32 array or a (shape, generator) pair, written one at a time"""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, (shape, _) in arrays.items():
        size = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for name, (shape, make) in arrays.items():
            f.write(np.ascontiguousarray(make(), dtype=np.float32).tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("small")
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = json.load(open(os.path.join(args.small, "config.json")))
    if config.get("model_type") != "qwen2_audio":
        sys.exit(f"{args.small}/config.json: model_type is {config.get('model_type')!r}, expected qwen2_audio")
    rng = np.random.default_rng(args.seed)
    arrays = {}
    for name, shape in tower_shapes(config["text_config"]["hidden_size"]).items():
        if name.endswith("embed_positions.weight"):
            continue
        is_norm_scale = "layer_norm.weight" in name
        arrays[name] = (shape, lambda shape=shape, scale=is_norm_scale:
                        (1.0 if scale else 0.0) + 0.02 * rng.standard_normal(shape, dtype=np.float32))
    arrays["audio_tower.embed_positions.weight"] = ((POSITIONS, D_MODEL), lambda: sinusoids(POSITIONS, D_MODEL))
    for name, (dtype, array) in safetensors_np.read(os.path.join(args.small, "model.safetensors")).items():
        if name.startswith("language_model."):
            arrays[name] = (array.shape, lambda dtype=dtype, array=array: safetensors_np.as_float32(dtype, array))
    os.makedirs(args.output, exist_ok=True)
    write_safetensors(os.path.join(args.output, "model.safetensors"), arrays)
    config["audio_config"].update({"d_model": D_MODEL, "encoder_layers": LAYERS, "encoder_attention_heads": HEADS,
                                   "encoder_ffn_dim": FFN, "num_mel_bins": MELS, "max_source_positions": POSITIONS})
    config["almkit_note"] = "random weights: Qwen2-Audio-7B's audio tower, a small language model (peer benchmark)"
    config["torch_dtype"] = "float32"
    json.dump(config, open(os.path.join(args.output, "config.json"), "w"), indent=2)
    for name in os.listdir(args.small):
        if name not in ("config.json", "model.safetensors"):
            shutil.copy(os.path.join(args.small, name), os.path.join(args.output, name))


if __name__ == "__main__":
    main()
