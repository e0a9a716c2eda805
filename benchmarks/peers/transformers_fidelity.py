#!/usr/bin/env python3
"""Proves the transformers peer (benchmarks/peers/build_peer.sh transformers) is the real
transformers 4.47.1: loads the reference fixtures of ../shared/reference/hf-transformers-4.47.1 with
from_pretrained (through almkit's safetensors shim), runs them eagerly in float32 and compares with
the outputs transformers 4.47.1 recorded there. Exits 1 when any comparison is off by more than
--tolerance (default 1e-5: the recorded runs used the same Debian torch 1.13, so equality is
expected up to summation order: measured 1.2e-6 to 2.1e-6 at |values| <= 3.6, on 1 and 2 threads).
Last, benchmarks/qwen2_torch_peer.py (the plain-torch peer of the earlier tables) against
transformers on the same Qwen2-0.5B-shaped random weights: fp32 must be bit-equal (measured so),
bf16 within 2^-5 of the largest logit. And benchmarks/qwen2_audio_torch_peer.py (the scoring peer)
on the qwen2_audio fixture: log-mel, projector output and logits against the recorded ones.

  /usr/bin/python3 benchmarks/peers/transformers_fidelity.py
"""
import argparse
import os
import sys
import tempfile

from transformers_site import FSDP_STUBBED, REPO

sys.path.insert(0, os.path.join(REPO, "benchmarks"))
from peer_threads import pin_blas_threads  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors.torch import load_file  # noqa: E402 (the shim, in the peer's site)

DEFAULT_FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "reference", "hf-transformers-4.47.1")


def load(fixtures, name, cls):
    folder = os.path.join(fixtures, name)
    model = cls.from_pretrained(folder, attn_implementation="eager", torch_dtype=torch.float32).eval()
    return model, load_file(os.path.join(folder, "io.safetensors"))


def qwen2(fixtures):
    model, io = load(fixtures, "qwen2", transformers.Qwen2ForCausalLM)
    logits = model(io["input_ids"]).logits
    yield "qwen2 logits", logits, io["logits"]
    with tempfile.TemporaryDirectory() as folder:  # the shim's writer: save_pretrained, then load again
        model.save_pretrained(folder)
        again = transformers.Qwen2ForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
        yield "qwen2 save_pretrained + from_pretrained logits (vs the first load)", again(io["input_ids"]).logits, logits
    out = model.generate(io["input_ids"], max_new_tokens=8, do_sample=False, output_logits=True,
                         return_dict_in_generate=True, pad_token_id=0)
    yield "qwen2 generate_ids", out.sequences, io["generate_ids"]
    yield "qwen2 generate_step_logits", torch.stack(out.logits, 1), io["generate_step_logits"]


def qwen2_audio(fixtures):
    model, io = load(fixtures, "qwen2_audio", transformers.Qwen2AudioForConditionalGeneration)
    out = model(input_ids=io["input_ids"], attention_mask=io["attention_mask"], input_features=io["input_features"],
                feature_attention_mask=io["feature_attention_mask"])
    yield "qwen2_audio logits", out.logits, io["logits"]
    ids = model.generate(input_ids=io["input_ids"], attention_mask=io["attention_mask"],
                         input_features=io["input_features"], feature_attention_mask=io["feature_attention_mask"],
                         max_new_tokens=5, do_sample=False, pad_token_id=0)
    yield "qwen2_audio generate_ids", ids, io["generate_ids"]


def whisper(fixtures):
    model, io = load(fixtures, "whisper", transformers.WhisperForConditionalGeneration)
    out = model(input_features=io["input_features"], decoder_input_ids=io["decoder_input_ids"])
    yield "whisper encoder_last_hidden_state", out.encoder_last_hidden_state, io["encoder_last_hidden_state"]
    yield "whisper logits", out.logits, io["logits"]


def torch_peer(_fixtures):
    """benchmarks/qwen2_torch_peer.py (our plain-torch rewrite, the peer of the earlier tables) on the
    weights of a transformers Qwen2ForCausalLM at Qwen2-0.5B shapes: the same last-position logits"""
    import qwen2_torch_peer as peer
    from transformers_prefill import QWEN2_05B

    torch.manual_seed(0)
    model = transformers.Qwen2ForCausalLM._from_config(transformers.Qwen2Config(**QWEN2_05B), attn_implementation="eager").eval()
    ids = (1000 + torch.arange(64) * 7919 % 50000).view(1, -1)
    for dtype in (torch.float32, torch.bfloat16):
        model.to(dtype)
        state = {k.removeprefix("model."): v for k, v in model.state_dict().items()}
        layer = lambda i, name: state[f"layers.{i}.{name}"]  # noqa: E731
        weights = dict(embed=state["embed_tokens.weight"], norm=state["norm.weight"], layers=[dict(
            q=layer(i, "self_attn.q_proj.weight"), qb=layer(i, "self_attn.q_proj.bias"),
            k=layer(i, "self_attn.k_proj.weight"), kb=layer(i, "self_attn.k_proj.bias"),
            v=layer(i, "self_attn.v_proj.weight"), vb=layer(i, "self_attn.v_proj.bias"), o=layer(i, "self_attn.o_proj.weight"),
            gate=layer(i, "mlp.gate_proj.weight"), up=layer(i, "mlp.up_proj.weight"), down=layer(i, "mlp.down_proj.weight"),
            n1=layer(i, "input_layernorm.weight"), n2=layer(i, "post_attention_layernorm.weight"))
            for i in range(QWEN2_05B["num_hidden_layers"])])
        want = model(ids, num_logits_to_keep=1).logits[:, -1]
        # bf16: some product rounds differently (not the head: 2-D and 3-D heads agree bit for bit;
        # measured 0.0625, 4 bf16 steps at |logits| ~3); 2^-5 of the largest logit bounds that
        tolerance = 0.0 if dtype == torch.float32 else 2.0 ** -5 * want.abs().max().item()
        yield f"qwen2_torch_peer.py vs transformers, Qwen2-0.5B shapes, {dtype}, 64 tokens, last-position logits", \
            peer.forward(weights, ids), want, tolerance


def audio_torch_peer(fixtures):
    """benchmarks/qwen2_audio_torch_peer.py (the plain-torch scoring peer of eval_throughput.sh) on
    the qwen2_audio fixture: its log-mel of the fixture's clip, projector output and logits against
    what transformers recorded (the peer needs no transformers; checked here beside the others)"""
    import torch.nn.functional as F

    import qwen2_audio_torch_peer as audio_peer

    folder = os.path.join(fixtures, "qwen2_audio")
    with tempfile.TemporaryDirectory() as resolved:
        # the peer reads config.json as written, without transformers' defaults (the fixture leaves
        # out audio_config.num_mel_bins): give it the config transformers resolves
        with open(os.path.join(resolved, "config.json"), "w") as f:
            f.write(transformers.AutoConfig.from_pretrained(folder).to_json_string(use_diff=False))
        os.symlink(os.path.join(folder, "model.safetensors"), os.path.join(resolved, "model.safetensors"))
        peer = audio_peer.Peer(resolved, torch.float32)
    clip = load_file(os.path.join(fixtures, "whisper_features", "io.safetensors"))
    mel, frames = peer.features(clip["waveform"].numpy().reshape(-1))
    # the recorded mel is WhisperFeatureExtractor's own torch path (its numpy path differs by 1.3e-5)
    yield "qwen2_audio_torch_peer.py log-mel vs mel128_features", mel, clip["mel128_features"], 1e-4
    io = load_file(os.path.join(fixtures, "qwen2_audio", "io.safetensors"))
    audio = peer.encode(io["input_features"], int(io["feature_attention_mask"].sum()))
    yield "qwen2_audio_torch_peer.py projector output vs audio_features", audio.unsqueeze(0), io["audio_features"]
    prompt = io["input_ids"][0].tolist()
    at = prompt.index(peer.audio_token)
    ids = torch.tensor(prompt[:at] + [peer.audio_token] * audio.shape[0] + prompt[at + 1:])
    x = peer.w["language_model.model.embed_tokens.weight"][ids].unsqueeze(0)
    x[0, at: at + audio.shape[0]] = audio
    logits = F.linear(peer.lm_forward(x, 0, []), peer.w["language_model.lm_head.weight"])
    yield "qwen2_audio_torch_peer.py logits vs the recorded merged-sequence logits", logits, io["logits"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--threads", type=int, default=1, help="the recorded runs used 1")
    args = parser.parse_args()
    pin_blas_threads(args.threads)
    torch.set_num_threads(args.threads)
    print(f"transformers {transformers.__version__} from {os.path.dirname(transformers.__file__)}, torch {torch.__version__}"
          f"{', torch.distributed.fsdp stubbed' if FSDP_STUBBED else ''}")
    failed = 0
    with torch.inference_mode():
        for check in (qwen2, qwen2_audio, whisper, torch_peer, audio_torch_peer):
            for label, got, want, *tolerance in check(args.fixtures):
                tolerance = tolerance[0] if tolerance else args.tolerance
                if got.shape != want.shape:
                    print(f"FAIL {label}: shape {list(got.shape)} vs recorded {list(want.shape)}")
                    failed += 1
                    continue
                diff = (got.double() - want.double()).abs().max().item()
                ok = diff <= tolerance
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {label}: max abs diff {diff:.3g} (tolerance {tolerance:.3g}; |reference| max {want.abs().max().item():.3g})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
