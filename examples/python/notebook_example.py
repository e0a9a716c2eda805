"""A notebook's worth of almkit, cell by cell: load a checkpoint, transcribe a clip, score a
multiple-choice question by log-likelihood, and plot the clip's Whisper mel to a PNG.

    /usr/bin/python3 examples/python/notebook_example.py [CHECKPOINT] [AUDIO] [OUT.png]

CHECKPOINT defaults to the small random Qwen2-Audio that `almkit init-model --arch qwen2_audio
--size small --tokenizer .cache/tokenizers/qwen3 -o DIR` writes (random weights: the words are
noise, the calls are real); AUDIO to .cache/data/jfk.wav. Uses the installed package or, from a
build tree, PYTHONPATH=build/python.
"""
import os
import sys
import time

import numpy as np

import almkit

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
checkpoint = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "capi_tests", "small_model")
audio_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, ".cache", "data", "jfk.wav")
png_path = sys.argv[3] if len(sys.argv) > 3 else "mel.png"

# %% Load the model (threads=0: libtorch's own thread count) and a clip at the model's rate.
start = time.time()
model = almkit.Model(checkpoint, dtype="float32", threads=0)
samples = almkit.load_audio(audio_path, sample_rate=model.audio_sampling_rate)
print(f"{model.model_type} from {checkpoint} in {time.time() - start:.1f} s; "
      f"clip {samples.shape[0] / model.audio_sampling_rate:.1f} s")

# %% Transcribe, streaming the text as it comes, with each token's log-probability.
prompt = model.chat_prompt([{"role": "user", "content": [
    {"type": "audio"}, {"type": "text", "text": "Transcribe the speech."}]}])
stream = model.stream(prompt, audio=samples, max_new_tokens=24, logprobs=1)
for token in stream:
    print(token.piece, end="", flush=True)
print(f"\n-> stop: {stream.result.stop_reason}, {len(stream.result.tokens)} tokens")

# %% Score a multiple-choice item: log P(choice | question, audio) for each choice.
choices = ["a man giving a speech", "a dog barking", "piano music", "silence"]
question = model.chat_prompt([{"role": "user", "content": [
    {"type": "audio"},
    {"type": "text", "text": "What is in the recording?\n" +
     "\n".join(f"({chr(65 + i)}) {c}" for i, c in enumerate(choices)) + "\nAnswer:"}]}])
scores = model.score(question, [f" ({chr(65 + i)})" for i in range(len(choices))], audio=samples)
for i, s in enumerate(scores):
    print(f"  ({chr(65 + i)}) {choices[i]:<24} log P = {s.sum_logprob:8.3f}")
best = int(np.argmax([s.sum_logprob for s in scores]))
print(f"-> the model picks ({chr(65 + best)}) {choices[best]}")

# %% Plot the Whisper log-mel the encoder sees (unpadded: the clip's own length).
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

mel = almkit.whisper_mel(samples, n_mels=80, padded=False)
fig, ax = plt.subplots(figsize=(10, 3))
image = ax.imshow(mel, origin="lower", aspect="auto", cmap="magma",
                  extent=[0, mel.shape[1] * 0.01, 0, mel.shape[0]])
ax.set_xlabel("seconds")
ax.set_ylabel("mel bin")
ax.set_title(f"Whisper log-mel of {os.path.basename(audio_path)}")
fig.colorbar(image, ax=ax)
fig.tight_layout()
fig.savefig(png_path, dpi=100)
print(f"mel {mel.shape[0]}x{mel.shape[1]} -> {png_path}")
