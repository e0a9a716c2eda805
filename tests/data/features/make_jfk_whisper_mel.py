#!/usr/bin/python3
"""Writes jfk_whisper_mel128.json: 128-bin Whisper log-mel features of .cache/data/jfk.wav at a
few frames, as transformers' WhisperFeatureExtractor computes them on its numpy path
(feature_extraction_whisper.py `_np_extract_fbank_features` + audio_utils.spectrogram,
transformers v4.47.1): zero-pad to 30 s, periodic Hann window of 400, hop 160, centred frames
with reflect padding, power spectrum, slaney mel filters (read from the transformers fixture
tests/data/reference/hf-transformers-4.47.1/whisper_features, `mel128_filters`), log10 of
max(1e-10, mel), last frame dropped, floor at max - 8, then (x + 4) / 4. float64 throughout.
The same steps on the fixture's own waveform give its `mel128_features_numpy` within 8.2e-8.

Usage: /usr/bin/python3 tests/data/features/make_jfk_whisper_mel.py [path/to/jfk.wav]
Read by tests/cli/features_command_test.cpp (WritesWhisperMelOfRealSpeech)."""
import json
import os
import struct
import sys
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FRAMES = [0, 1, 100, 550, 1000, 1099, 1100, 2999]  # speech, its end, and the zero padding


def read_safetensors(path, name):
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    begin, end = header[name]["data_offsets"]
    assert header[name]["dtype"] == "F32"
    return np.frombuffer(data[8 + size + begin:8 + size + end], dtype=np.float32).reshape(header[name]["shape"])


def main():
    wav = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".cache", "data", "jfk.wav")
    with wave.open(wav) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 16000
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    filters = read_safetensors(os.path.join(ROOT, "tests", "data", "reference", "hf-transformers-4.47.1",
                                            "whisper_features", "io.safetensors"), "mel128_filters").astype(np.float64)
    n_fft, hop, length = 400, 160, 480000
    audio = np.zeros(length)
    audio[:min(length, samples.size)] = samples[:length]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    padded = np.pad(audio, n_fft // 2, mode="reflect")
    frames = 1 + (padded.size - n_fft) // hop
    index = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    power = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2  # [frames, 201]
    mel = np.log10(np.maximum(1e-10, power @ filters)).T[:, :-1]  # [128, 3000]
    mel = (np.maximum(mel, mel.max() - 8.0) + 4.0) / 4.0
    out = {"source": os.path.basename(wav), "samples": int(samples.size), "bins": 128,
           "frames": FRAMES, "features": [[float(v) for v in mel[:, t]] for t in FRAMES]}
    with open(os.path.join(HERE, "jfk_whisper_mel128.json"), "w") as f:
        json.dump(out, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
