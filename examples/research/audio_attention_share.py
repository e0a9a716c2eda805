"""Study 3, attention to audio: how much of the answer position's attention lands on the audio
tokens, per layer and head, and what happens when the most audio-attentive head is ablated?

    ALMKIT_CLI=build/tools/almkit/almkit python3 audio_attention_share.py MODEL_DIR [CLIP.wav] [OUT_DIR]

`almkit inspect --attention` gives audio_attention_share [1, layers, heads] (the attention mass
of the last prompt position on audio positions: modality contribution, attention sinks). The
study prints it per layer, then zeroes the head with the largest share before its output
projection (`--ablate-heads L:H`) and reports how far the next-token distribution moves
(docs/research.md, "Read-outs" and "Head ablation").
"""
import os
import sys

import numpy as np

from study_common import read_safetensors, run, tone, work_dir


def log_softmax(x):
    x = x.astype(np.float64)
    return x - x.max() - np.log(np.exp(x - x.max()).sum())


def main(model, clip=None, out_dir=None):
    with work_dir(out_dir, "audio-share-") as out_dir:
        return study(model, clip, out_dir)


def study(model, clip, out_dir):
    clip = clip or tone(os.path.join(out_dir, "tone.wav"))
    common = ["inspect", "--model", model, "--audio", clip, "--prompt", "What is the sound?", "--layers", "0"]
    plain_path = os.path.join(out_dir, "plain.safetensors")
    run(*common, "--attention", "-o", plain_path)
    plain = read_safetensors(plain_path)
    share = plain["audio_attention_share"][0]  # [layers, heads]
    audio_positions = int(plain["audio_position_mask"].sum())
    print(f"{audio_positions} audio positions of {plain['audio_position_mask'].shape[1]}")
    for layer, heads in enumerate(share):
        print(f"layer {layer}: mean share {heads.mean():.3f}, heads " + " ".join(f"{h:.3f}" for h in heads))
    if not ((share >= 0) & (share <= 1 + 1e-6)).all():
        sys.exit("attention shares must lie in [0, 1]")
    layer, head = np.unravel_index(int(np.argmax(share)), share.shape)
    ablated_path = os.path.join(out_dir, "ablated.safetensors")
    run(*common, "--ablate-heads", f"{layer}:{head}", "--head-outputs", str(layer), "-o", ablated_path)
    ablated = read_safetensors(ablated_path)
    if np.abs(ablated[f"head_outputs_L{layer}"][0, :, head]).max() != 0:
        sys.exit("the ablated head's output must be zero")
    p, q = log_softmax(plain["logits"][0]), log_softmax(ablated["logits"][0])
    kl = float((np.exp(p) * (p - q)).sum())
    print(f"ablating layer {layer} head {head} (share {share[layer, head]:.3f}): "
          f"KL(plain || ablated) of the next token {kl:.4g}, top token {int(p.argmax())} -> {int(q.argmax())}")
    return kl


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
