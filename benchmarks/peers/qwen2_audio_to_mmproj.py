#!/usr/bin/env python3
"""Writes the audio tower + projector of a Qwen2-Audio checkpoint folder (config.json +
model.safetensors, as `almkit init-model --arch qwen2_audio` or make_tower_checkpoint.py write it)
as an mmproj GGUF for llama.cpp's libmtmd, without transformers or torch, plus a weightless
text-model GGUF libmtmd reads the text width and the audio begin/end tokens from.

The file follows what llama.cpp's `convert_hf_to_gguf.py --mmproj` writes for
Qwen2AudioForConditionalGeneration: projector type qwen2a, the audio.* hyperparameters,
tensor names from gguf-py's MMPROJ name map (the projector under the "audio." pseudo-prefix),
conv biases as [C, 1], conv weights always f16, biases, norms and the position table f32, other
matrices f16 or f32 (--type).

  qwen2_audio_to_mmproj.py CHECKPOINT_DIR OUT_DIR --type f16|f32 --gguf-py LLAMA_CPP/gguf-py
  -> OUT_DIR/mmproj-<type>.gguf and OUT_DIR/vocab.gguf
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402
from qwen2_to_gguf import add_qwen2_hparams, add_spm_vocab, import_gguf, read_checkpoint  # noqa: E402


def tensor_type(gguf, name, array, out_type):
    """The GGML type convert_hf_to_gguf.py gives this Qwen2-Audio tower tensor."""
    if ".conv" in name and name.endswith(".weight"):
        return gguf.GGMLQuantizationType.F16
    if array.ndim <= 1 or not name.endswith(".weight") or "norm.weight" in name or "embed_positions" in name:
        return gguf.GGMLQuantizationType.F32
    return gguf.GGMLQuantizationType.F16 if out_type == "f16" else gguf.GGMLQuantizationType.F32


def write_mmproj(gguf, config, tensors, path, out_type):
    audio = config["audio_config"]
    text_hidden = config["text_config"]["hidden_size"]
    writer = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.MMPROJ])
    writer.add_type(gguf.GGUFType.MMPROJ)
    writer.add_name("almkit qwen2_audio tower (random weights)")
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if out_type == "f16" else gguf.LlamaFileType.ALL_F32)
    writer.add_clip_has_audio_encoder(True)
    writer.add_audio_projection_dim(text_hidden)
    writer.add_audio_embedding_length(audio["d_model"])
    writer.add_audio_feed_forward_length(audio["encoder_ffn_dim"])
    writer.add_audio_block_count(audio["encoder_layers"])
    writer.add_audio_head_count(audio["encoder_attention_heads"])
    writer.add_clip_projector_type(gguf.VisionProjectorType.QWEN2A)
    writer.add_audio_num_mel_bins(audio["num_mel_bins"])
    writer.add_audio_attention_layernorm_eps(audio.get("layer_norm_eps", 1e-5))

    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.MMPROJ, audio["encoder_layers"])
    written = 0
    for name, (dtype, array) in tensors.items():
        if name.startswith("language_model."):
            continue
        source = "audio." + name if name.startswith("multi_modal_projector.") else name
        out_name = name_map.get_name(source, try_suffixes=(".weight", ".bias"))
        if out_name is None:
            sys.exit(f"{name}: no mmproj GGUF name (not a Qwen2-Audio tower or projector tensor)")
        data = safetensors_np.as_float32(dtype, array)
        if name.endswith(("conv1.bias", "conv2.bias")):
            data = data.reshape(-1, 1)
        qtype = tensor_type(gguf, name, data, out_type)
        if qtype == gguf.GGMLQuantizationType.F16:
            data = data.astype(np.float16)
        writer.add_tensor(out_name, np.ascontiguousarray(data), raw_dtype=qtype)
        written += 1
    if written == 0:
        sys.exit(f"{path}: the checkpoint has no audio_tower.* / multi_modal_projector.* tensors")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_vocab(gguf, config, path):
    """A qwen2 text model without tensors (libmtmd loads it vocab_only to tokenize the audio
    markers): <|audio_bos|> / <|audio_eos|> are single control tokens."""
    writer = gguf.GGUFWriter(path, "qwen2")
    writer.add_name("almkit qwen2_audio text-model vocabulary (no weights)")
    add_qwen2_hparams(writer, config["text_config"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    add_spm_vocab(gguf, writer, 512, ["<|audio_bos|>", "<|audio_eos|>"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("out_dir")
    parser.add_argument("--type", choices=["f16", "f32"], required=True)
    parser.add_argument("--gguf-py", required=True, help="llama.cpp's gguf-py folder")
    args = parser.parse_args()
    gguf = import_gguf(args.gguf_py)
    config, tensors = read_checkpoint(args.checkpoint, "qwen2_audio")
    os.makedirs(args.out_dir, exist_ok=True)
    write_mmproj(gguf, config, tensors, os.path.join(args.out_dir, f"mmproj-{args.type}.gguf"), args.type)
    write_vocab(gguf, config, os.path.join(args.out_dir, "vocab.gguf"))


if __name__ == "__main__":
    main()
