#!/usr/bin/env python3
"""Peer for `almkit eval --mode loglik` throughput: the same multiple-choice scoring as
transformers 4.47 runs Qwen2-Audio in eager mode, in plain torch (transformers is not installed
here), reading the same safetensors checkpoint. For every unit of an almkit run's results.jsonl
(same prompt text, clips and shown choices): Whisper log-mel of the clip padded to 30 s (the
processor's padding="max_length"), the audio tower on all 3,000 frames with the padded frames
masked, 2x average pooling, the projector, the audio placeholder expanded to the clip's
positions, one prefill of the prompt into a KV cache, then each choice's tokens continued from
that cache (the prompt shared across choices, as almkit's Model::score does). Only the tokenizer
is almkit's (`import almkit`: the text -> ids step, which transformers would do with its own
tokenizer); audio is read with almkit.load_audio. Prints units/s and the largest difference of a
choice's summed log-probability from almkit's, so the work is checked to be the same.
--trim-encoder measures what running the tower on the clip's own frames would save (the masked
padding cannot change the kept rows); transformers does not do that.

  qwen2_audio_torch_peer.py --model DIR --results RUN/results.jsonl --threads 2
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

from peer_threads import pin_blas_threads
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import safetensors_np  # noqa: E402
from peers.whisper_to_ggml import slaney_mel_filters  # noqa: E402
from qwen2_torch_peer import rms_norm, rotate_half  # noqa: E402


def load_weights(folder, dtype):
    tensors = safetensors_np.read(os.path.join(folder, "model.safetensors"))
    return {name: torch.from_numpy(np.ascontiguousarray(safetensors_np.as_float32(kind, array))).to(dtype)
            for name, (kind, array) in tensors.items()}


class Peer:
    def __init__(self, folder, dtype):
        config = json.load(open(os.path.join(folder, "config.json")))
        if config.get("model_type") != "qwen2_audio":
            sys.exit(f"{folder}/config.json: model_type {config.get('model_type')!r}, this peer runs qwen2_audio")
        self.audio, self.text = config["audio_config"], config["text_config"]
        self.audio_token = config["audio_token_index"]
        self.w = load_weights(folder, dtype)
        self.dtype = dtype
        self.filters = torch.from_numpy(slaney_mel_filters(16000, 400, self.audio["num_mel_bins"]))
        self.window = torch.hann_window(400)
        head_dim = self.text["hidden_size"] // self.text["num_attention_heads"]
        theta = self.text.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))

    # transformers' WhisperFeatureExtractor (torch path), padded to 30 s
    def features(self, samples):
        n = 480000
        wave = torch.zeros(n)
        wave[: min(n, len(samples))] = torch.from_numpy(samples[:n])
        stft = torch.stft(wave, 400, 160, window=self.window, return_complex=True)
        power = stft[..., :-1].abs() ** 2
        log_spec = torch.clamp(self.filters @ power, min=1e-10).log10()
        log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
        # frames counted as the processor's attention mask does: every 160th sample of it
        return ((log_spec + 4.0) / 4.0).unsqueeze(0), (min(n, len(samples)) + 159) // 160

    # Qwen2AudioEncoder + Qwen2AudioMultiModalProjector; returns (positions, text hidden size)
    def encode(self, mel, frames, trim=False):
        w, a, p = self.w, self.audio, "audio_tower."
        if trim:
            # The padded keys are masked, so the kept positions depend only on the mel frames up to
            # 2 * (frames after the stride-2 conv): running the tower on those alone gives the same
            # kept rows (up to summation order) for a fraction of a short clip's work.
            mel = mel[:, :, : min(mel.shape[2], 2 * ((frames - 1) // 2 + 1) + 2)]
        x = F.gelu(F.conv1d(mel.to(self.dtype), w[p + "conv1.weight"], w[p + "conv1.bias"], padding=1))
        x = F.gelu(F.conv1d(x, w[p + "conv2.weight"], w[p + "conv2.bias"], stride=2, padding=1))
        x = x.permute(0, 2, 1) + w[p + "embed_positions.weight"][: (mel.shape[2] - 1) // 2 + 1]
        t, d, heads = x.shape[1], a["d_model"], a["encoder_attention_heads"]
        feat_len = (frames - 1) // 2 + 1
        mask = torch.zeros(t, t, dtype=self.dtype)
        mask[:, feat_len:] = torch.finfo(self.dtype).min
        for i in range(a["encoder_layers"]):
            q = f"{p}layers.{i}."
            h = F.layer_norm(x, (d,), w[q + "self_attn_layer_norm.weight"], w[q + "self_attn_layer_norm.bias"])
            qh = F.linear(h, w[q + "self_attn.q_proj.weight"], w[q + "self_attn.q_proj.bias"]) * (d // heads) ** -0.5
            kh = F.linear(h, w[q + "self_attn.k_proj.weight"])
            vh = F.linear(h, w[q + "self_attn.v_proj.weight"], w[q + "self_attn.v_proj.bias"])
            qh, kh, vh = (y.view(1, t, heads, d // heads).transpose(1, 2) for y in (qh, kh, vh))
            probs = torch.softmax(qh @ kh.transpose(2, 3) + mask, dim=-1)
            x = x + F.linear((probs @ vh).transpose(1, 2).reshape(1, t, d), w[q + "self_attn.out_proj.weight"],
                             w[q + "self_attn.out_proj.bias"])
            h = F.layer_norm(x, (d,), w[q + "final_layer_norm.weight"], w[q + "final_layer_norm.bias"])
            h = F.linear(F.gelu(F.linear(h, w[q + "fc1.weight"], w[q + "fc1.bias"])), w[q + "fc2.weight"], w[q + "fc2.bias"])
            x = x + h
        x = F.avg_pool1d(x.permute(0, 2, 1), 2, 2).permute(0, 2, 1)
        x = F.layer_norm(x, (d,), w[p + "layer_norm.weight"], w[p + "layer_norm.bias"])
        x = F.linear(x, w["multi_modal_projector.linear.weight"], w["multi_modal_projector.linear.bias"])
        return x[0, : (feat_len - 2) // 2 + 1]

    # Qwen2 decoder layers over `x` at positions start.., appending to `cache` (list of (k, v))
    def lm_forward(self, x, start, cache):
        w, c = self.w, self.text
        t, hidden, heads, kv_heads = x.shape[1], c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        head_dim = hidden // heads
        freqs = torch.outer(torch.arange(start, start + t).float(), self.inv_freq)
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        mask = torch.full((t, start + t), torch.finfo(x.dtype).min, dtype=x.dtype).triu(start + 1)
        eps = c["rms_norm_eps"]
        for i in range(c["num_hidden_layers"]):
            q = f"language_model.model.layers.{i}."
            h = rms_norm(x, w[q + "input_layernorm.weight"], eps)
            qh = F.linear(h, w[q + "self_attn.q_proj.weight"], w[q + "self_attn.q_proj.bias"]).view(1, t, heads, head_dim).transpose(1, 2)
            kh = F.linear(h, w[q + "self_attn.k_proj.weight"], w[q + "self_attn.k_proj.bias"]).view(1, t, kv_heads, head_dim).transpose(1, 2)
            vh = F.linear(h, w[q + "self_attn.v_proj.weight"], w[q + "self_attn.v_proj.bias"]).view(1, t, kv_heads, head_dim).transpose(1, 2)
            qh, kh = qh * cos + rotate_half(qh) * sin, kh * cos + rotate_half(kh) * sin
            if i < len(cache):
                kh, vh = torch.cat((cache[i][0], kh), 2), torch.cat((cache[i][1], vh), 2)
                cache[i] = (kh, vh)
            else:
                cache.append((kh, vh))
            kh = kh.repeat_interleave(heads // kv_heads, dim=1)
            vh = vh.repeat_interleave(heads // kv_heads, dim=1)
            scores = qh @ kh.transpose(2, 3) / math.sqrt(head_dim) + mask
            probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(qh.dtype)
            x = x + F.linear((probs @ vh).transpose(1, 2).reshape(1, t, hidden), w[q + "self_attn.o_proj.weight"])
            h = rms_norm(x, w[q + "post_attention_layernorm.weight"], eps)
            x = x + F.linear(F.silu(F.linear(h, w[q + "mlp.gate_proj.weight"])) * F.linear(h, w[q + "mlp.up_proj.weight"]),
                             w[q + "mlp.down_proj.weight"])
        return rms_norm(x, w["language_model.model.norm.weight"], eps)

    def log_probs(self, hidden):
        return torch.log_softmax(F.linear(hidden, self.w["language_model.lm_head.weight"]).float(), -1)

    def score(self, prompt_ids, clip, choices, trim=False):
        mel, frames = self.features(clip)
        audio = self.encode(mel, frames, trim)
        at = prompt_ids.index(self.audio_token)
        ids = torch.tensor(prompt_ids[:at] + [self.audio_token] * audio.shape[0] + prompt_ids[at + 1:])
        x = self.w["language_model.model.embed_tokens.weight"][ids].unsqueeze(0)
        x[0, at: at + audio.shape[0]] = audio
        cache = []
        hidden = self.lm_forward(x, 0, cache)
        first = self.log_probs(hidden[0, -1])
        sums = []
        for choice in choices:
            total = first[choice[0]].item()
            if len(choice) > 1:
                branch = list(cache)
                x = self.w["language_model.model.embed_tokens.weight"][torch.tensor(choice[:-1])].unsqueeze(0)
                lp = self.log_probs(self.lm_forward(x, ids.shape[0], branch)[0])
                total += sum(lp[i, choice[i + 1]].item() for i in range(len(choice) - 1))
            sums.append(total)
        return sums


def unit_inputs(units, path, tokenizer, almkit):
    """(unit, prompt ids, 16 kHz mono clip, choice ids) of each unit of an almkit loglik run's
    results.jsonl, read as almkit read them (its tokenizer and audio reader); shared with
    peers/transformers_scoring.py"""
    for unit in units:
        if len(unit["audio"]) != 1:
            sys.exit(f"{path}: unit {unit['unit']} has {len(unit['audio'])} clips; this peer takes one")
        clip = np.asarray(almkit.load_audio(unit["audio"][0], 16000, True), dtype=np.float32)
        prompt_ids = tokenizer.encode(unit["prompt"], add_special_tokens=False)
        choices = [tokenizer.encode(c, add_special_tokens=False) for c in unit["choices"]]
        yield unit, prompt_ids, clip, choices


def rel_diff(mine, theirs):
    """largest difference of summed log-probabilities, relative to max(1, |theirs|)"""
    if len(mine) != len(theirs):
        sys.exit(f"{len(mine)} choice scores against {len(theirs)}")
    return max((abs(a - b) / max(1.0, abs(b)) for a, b in zip(mine, theirs)), default=0.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--results", required=True, help="an `almkit eval --mode loglik` run's results.jsonl")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--trim-encoder", action="store_true",
                        help="run the audio tower on the clip's own frames (+2) instead of all 3,000 (not what transformers does)")
    args = parser.parse_args()
    pin_blas_threads(args.threads)
    torch.set_num_threads(args.threads)
    import almkit  # the tokenizer and the audio reader only

    start = time.perf_counter()
    peer = Peer(args.model, getattr(torch, args.dtype))
    tokenizer = almkit.Tokenizer.from_folder(args.model)
    units = [json.loads(line) for line in open(args.results) if line.strip()]
    load_seconds = time.perf_counter() - start
    worst = 0.0
    with torch.inference_mode():
        start = time.perf_counter()
        for unit, prompt_ids, clip, choices in unit_inputs(units, args.results, tokenizer, almkit):
            sums = peer.score(prompt_ids, clip, choices, args.trim_encoder)
            worst = max(worst, rel_diff(sums, [s["sum_logprob"] for s in unit["scores"]]))
        seconds = time.perf_counter() - start
    print(f"torch_peer{'_trimmed' if args.trim_encoder else ''} units={len(units)} seconds={seconds:.2f} units_per_s={len(units) / seconds:.2f} "
          f"load_s={load_seconds:.2f} max_rel_diff_sum_logprob_vs_almkit={worst:.2e}")


if __name__ == "__main__":
    main()
