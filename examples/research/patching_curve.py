"""Study 5, activation patching: after which layer has the audio been read into the text?

    PYTHONPATH=build/python python3 patching_curve.py MODEL_DIR [CLIP.wav]

Two runs of the same prompt: "clean" with the clip, "corrupted" with silence of the same length
(so every position lines up). For each decoder layer k, the corrupted run is repeated with layer
k's output patched in from the clean run, either at the audio rows or at the last prompt position,
and the log-probability of the clean run's answer token is read. The recovered fraction
(patched - corrupted) / (clean - corrupted) as a function of k is the classic patching curve: the
audio rows carry everything at the first layer and nothing once the text positions have read
them; the last position carries nothing early and everything at the top. Where the curves cross
is where the model moves what it heard into its answer (docs/research.md, "Activation patching").
Uses the Python package's layer hooks (`hidden` is writable).
"""
import sys

import numpy as np

import almkit

QUESTION = "What is the sound?"


def tone(seconds=1.0, hz=440.0, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


class Patcher:
    """A hook that records every decoder layer's output (source run) or writes one layer's
    recorded rows into the current run (patched run)."""

    def __init__(self, recorded=None, layer=None, rows=None):
        self.recorded = {} if recorded is None else recorded
        self.layer, self.rows = layer, rows

    def __call__(self, state):
        if state.stack != "decoder":
            return
        if self.layer is None:
            self.recorded[state.layer] = np.array(state.hidden, copy=True)
        elif state.layer == self.layer:
            state.hidden[:, self.rows] = self.recorded[state.layer][:, self.rows]


def main(model_dir, clip_path=None):
    model = almkit.Model(model_dir, dtype="float32")
    clip = almkit.load_audio(clip_path, sample_rate=model.audio_sampling_rate) if clip_path else tone()
    silence = np.zeros_like(clip)
    prompt = model.chat_prompt([{"role": "user", "content": [{"type": "audio"}, {"type": "text", "text": QUESTION}]}])
    ids = model.tokenizer.encode(prompt, add_special_tokens=False)

    # The answer: the clean run's most likely next token; scoring it alone is one prompt pass.
    answer = model.generate(ids, audio=clip, max_new_tokens=1).tokens[0]

    def logprob(audio, hook=None):
        return model.score_ids(ids, [[answer]], audio=audio, hooks=hook)[0].sum_logprob

    clean_states = Patcher()
    clean = logprob(clip, clean_states)
    corrupted = logprob(silence)
    layers = sorted(clean_states.recorded)
    positions = clean_states.recorded[layers[0]].shape[1]
    start = ids.index(model.audio_token_id)  # the placeholder expands in place
    audio_rows = np.arange(start, start + positions - len(ids) + 1)
    last_row = np.array([positions - 1])
    if abs(clean - corrupted) < 1e-6:
        sys.exit("the clip and silence give the same answer probability: nothing to patch")

    print(f"answer token {answer} ({model.tokenizer.decode([answer])!r}); log P clean {clean:.4f}, "
          f"silence {corrupted:.4f}; {len(audio_rows)} audio rows of {positions}")
    print("layer  recovered (audio rows)  recovered (last position)")
    curves = {"audio": [], "last": []}
    for layer in layers:
        for name, rows in (("audio", audio_rows), ("last", last_row)):
            patched = logprob(silence, Patcher(clean_states.recorded, layer, rows))
            curves[name].append((patched - corrupted) / (clean - corrupted))
        print(f"{layer:5d}  {curves['audio'][-1]:22.3f}  {curves['last'][-1]:25.3f}")

    # What patching must give whatever the weights: the last position after the last layer is all
    # the answer reads, so patching it there recovers the clean score exactly; patching a run's
    # own states into itself changes nothing.
    if abs(curves["last"][-1] - 1.0) > 1e-4:
        sys.exit(f"patching the last position after the last layer must recover 1.0, got {curves['last'][-1]}")
    silent_states = Patcher()
    logprob(silence, silent_states)
    if abs(logprob(silence, Patcher(silent_states.recorded, layers[0], audio_rows)) - corrupted) > 1e-5:
        sys.exit("patching a run with its own states must change nothing")
    return curves


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(*sys.argv[1:3])
