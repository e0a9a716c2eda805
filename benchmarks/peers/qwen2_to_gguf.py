#!/usr/bin/env python3
"""Writes an `almkit init-model --arch qwen2` checkpoint (config.json + model.safetensors) as a
GGUF file for llama.cpp's llama-bench, without transformers (llama.cpp's convert_hf_to_gguf.py
needs it for the vocabulary). Tensors are renamed as that script names Qwen2's; 2-D weights are
written as f32, bf16 (the stored bits, no rounding) or q8_0 (gguf-py's quantizer), norms and
biases as f32, as the upstream converter does. llama-bench feeds random token ids, so the
vocabulary only has to load: a SentencePiece-style list of config.vocab_size tokens (<unk>, <s>,
</s>, the 256 byte tokens, then placeholders), so the output layer has the real shape.

  qwen2_to_gguf.py CHECKPOINT_DIR OUT.gguf --type f32|bf16|q8_0 --gguf-py LLAMA_CPP/gguf-py
"""
import argparse
import json
import os
import sys
import types

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.o_proj.weight": "attn_output.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
TOP_NAMES = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}


def import_gguf(gguf_py):
    """llama.cpp's gguf-py package from a snapshot's gguf-py folder"""
    # gguf-py imports sentencepiece for its vocabulary helpers, which these scripts do not use
    sys.modules.setdefault("sentencepiece", types.SimpleNamespace(SentencePieceProcessor=None))
    sys.path.insert(0, gguf_py)
    import gguf
    return gguf


def add_spm_vocab(gguf, writer, vocab_size, control_tokens=()):
    """A SentencePiece-style list of vocab_size tokens: <unk>, <s>, </s>, `control_tokens`, the
    256 byte tokens, then placeholders."""
    words = ["<unk>", "<s>", "</s>"] + list(control_tokens) + [f"<0x{b:02X}>" for b in range(256)]
    types_ = ([gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * (2 + len(control_tokens))
              + [gguf.TokenType.BYTE] * 256)
    words += [f"\u2581t{i}" for i in range(len(words), vocab_size)]
    types_ += [gguf.TokenType.NORMAL] * (vocab_size - len(types_))
    writer.add_tokenizer_model("llama")
    writer.add_token_list(words)
    writer.add_token_scores([0.0] * vocab_size)
    writer.add_token_types(types_)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)


def read_checkpoint(folder, model_type):
    """config.json and model.safetensors of a checkpoint folder; stops unless it is `model_type`"""
    config_path = os.path.join(folder, "config.json")
    config = json.load(open(config_path))
    if config.get("model_type") != model_type:
        sys.exit(f"{config_path}: model_type is {config.get('model_type')!r}, this converter writes {model_type} only")
    return config, safetensors_np.read(os.path.join(folder, "model.safetensors"))


def add_qwen2_hparams(writer, config):
    """the qwen2 architecture's hyperparameters from a Qwen2 config (or a text_config)"""
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_rope_freq_base(config["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])


def gguf_name(name):
    if name in TOP_NAMES:
        return TOP_NAMES[name]
    parts = name.split(".")
    if parts[:2] == ["model", "layers"] and ".".join(parts[3:]) in LAYER_NAMES:
        return f"blk.{parts[2]}.{LAYER_NAMES['.'.join(parts[3:])]}"
    raise ValueError(f"no GGUF name for tensor '{name}' (not a Qwen2 tensor)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("output")
    parser.add_argument("--type", choices=["f32", "bf16", "q8_0"], required=True)
    parser.add_argument("--gguf-py", required=True, help="llama.cpp's gguf-py folder")
    args = parser.parse_args()
    gguf = import_gguf(args.gguf_py)

    config, tensors = read_checkpoint(args.checkpoint, "qwen2")

    writer = gguf.GGUFWriter(args.output, "qwen2")
    writer.add_name("almkit init-model qwen2 (random weights)")
    add_qwen2_hparams(writer, config)
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "bf16": gguf.LlamaFileType.MOSTLY_BF16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[args.type]
    writer.add_file_type(file_type)

    add_spm_vocab(gguf, writer, config["vocab_size"])

    for name, (dtype, array) in tensors.items():
        out_name = gguf_name(name)
        if array.ndim < 2 or args.type == "f32":
            writer.add_tensor(out_name, safetensors_np.as_float32(dtype, array))
        elif args.type == "bf16":
            if dtype != "BF16":
                sys.exit(f"{name}: stored as {dtype}; --type bf16 expects a BF16 checkpoint (init-model --dtype BF16)")
            writer.add_tensor(out_name, np.ascontiguousarray(array), raw_dtype=gguf.GGMLQuantizationType.BF16)
        else:
            quantized = gguf.quants.quantize(safetensors_np.as_float32(dtype, array), gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(out_name, quantized, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
