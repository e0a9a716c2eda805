"""Study 4, saliency map: which time-frequency cells of a clip does an answer depend on?

    ALMKIT_CLI=build/tools/almkit/almkit python3 saliency_map.py MODEL_DIR [CLIP.wav] [OUT_DIR]

Runs `almkit saliency` (d log P(answer | clip, question) / d log-mel, weights frozen) and renders
the clip's log-mel next to |gradient| as OUT_DIR/saliency.png, both cut to the clip's own frames
(the rest of the 30 s window is padding). Prints the frames and mel bins the answer leans on most.
Checks what the model's masking implies: a Whisper tower that masks padded positions (Qwen2-Audio)
gives exactly zero gradient to every frame its clip's positions do not read.
"""
import os
import sys

import numpy as np

from study_common import read_safetensors, run, tone, work_dir

HOP_SECONDS = 0.01  # Whisper's log-mel: 160 samples at 16 kHz


def main(model, clip=None, out_dir=None):
    with work_dir(out_dir, "saliency-") as out_dir:
        return study(model, clip, out_dir)


def clip_frames(path):
    """Log-mel frames of the clip's own samples (the feature extractor's attention mask)."""
    import wave

    with wave.open(path) as w:
        samples = w.getnframes() * 16000 // w.getframerate()
    return (samples + 159) // 160


def render(mel, saliency, png):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    extent = [0, mel.shape[1] * HOP_SECONDS, 0, mel.shape[0]]
    top.imshow(mel, origin="lower", aspect="auto", extent=extent, cmap="magma")
    top.set_ylabel("mel bin")
    top.set_title("log-mel")
    bottom.imshow(saliency, origin="lower", aspect="auto", extent=extent, cmap="viridis")
    bottom.set_ylabel("mel bin")
    bottom.set_xlabel("seconds")
    bottom.set_title("|d log P(answer) / d log-mel|")
    figure.tight_layout()
    figure.savefig(png, dpi=100)
    plt.close(figure)


def study(model, clip, out_dir):
    clip = clip or tone(os.path.join(out_dir, "tone.wav"), seconds=1.5)
    out = os.path.join(out_dir, "saliency.safetensors")
    run("saliency", "--model", model, "--audio", clip, "--prompt", "What is the sound?",
        "--target", "A tone", "-o", out)
    arrays = read_safetensors(out)
    mel = arrays["input_features"][0].astype(np.float64)       # [bins, frames of the window]
    grad = arrays["grad_input_features"][0].astype(np.float64)
    if not np.all(np.isfinite(grad)):
        sys.exit("the gradient has non-finite values")
    frames = clip_frames(clip)
    # Encoder position j reads mel frames 2j-2..2j+2; the clip has (frames - 1) // 2 + 1 positions.
    read = 2 * ((frames - 1) // 2 + 1) + 1
    if np.abs(grad[:, :frames]).max() == 0:
        sys.exit("the answer does not depend on the clip at all")
    if grad.shape[1] > read and np.abs(grad[:, read:]).max() != 0:
        sys.exit(f"frames past {read} are padding the masked tower never reads: their gradient must be 0")
    saliency = np.abs(grad[:, :frames])
    png = os.path.join(out_dir, "saliency.png")
    render(mel[:, :frames], saliency, png)
    if os.path.getsize(png) == 0:
        sys.exit("no PNG written")
    by_frame = saliency.sum(axis=0)
    by_bin = saliency.sum(axis=1)
    print(f"{frames} frames of {grad.shape[1]}; target log P {float(arrays['target_logprobs'].sum()):.3f}")
    print("frames the answer leans on most (s):",
          ", ".join(f"{f * HOP_SECONDS:.2f}" for f in np.argsort(by_frame)[::-1][:5]))
    print("mel bins it leans on most:", ", ".join(str(b) for b in np.argsort(by_bin)[::-1][:5]))
    print(f"wrote {png}")
    return png


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:4])
