#!/usr/bin/env python3
"""Rows per window that each family's upstream processor gives a long clip: the expected
counts of tests/models/long_audio_test.cpp (a 65 s clip at 16 kHz), from the processors' rules
(transformers 4.57 / 5.0 and fixie-ai/ultravox 648efe7), restated here with numpy only.

  python3 tests/models/long_audio_counts.py [seconds]
"""
import sys

import numpy as np

RATE, HOP, WINDOW_SECONDS = 16000, 160, 30
WINDOW_SAMPLES = RATE * WINDOW_SECONDS  # 480000
WINDOW_FRAMES = WINDOW_SAMPLES // HOP  # 3000 = 2 x max_source_positions


def mel_frames(samples):
    """WhisperFeatureExtractor's attention mask [::hop]: frames holding real audio."""
    return int(np.ceil(samples / HOP))


def voxtral(samples):
    # VoxtralProcessor: pad_to_multiple_of 480000, no truncation; features reshaped into windows
    # of max_source_positions (3000) frames; the encoder gives 1500 rows, the projector stacks 4.
    windows = max(1, int(np.ceil(samples / WINDOW_SAMPLES)))
    return [1500 // 4] * windows


def audioflamingo3(samples, max_audio_len=600):
    # AudioFlamingo3Processor._process_audio: windows of 30 s of samples (at most
    # max_audio_len // 30), each padded to 30 s; rows ((L - 1) // 2 + 1 - 2) // 2 + 1 per window.
    windows = min(max(1, -(-samples // WINDOW_SAMPLES)), max_audio_len // WINDOW_SECONDS)
    rows = []
    for w in range(windows):
        length = min(WINDOW_SAMPLES, samples - w * WINDOW_SAMPLES)
        frames = mel_frames(length)
        rows.append(((frames - 1) // 2 + 1 - 2) // 2 + 1)
    return rows


def ultravox(samples, stack_factor=8, encoder_ds_factor=2):
    # UltravoxProcessor: the mel of the whole clip (padded to a hop), cut into chunks of
    # audio_context_size (3000) frames; audio_token_len = ceil(chunk frames / (2 x stack_factor)).
    frames = mel_frames(-(-samples // HOP) * HOP)
    return [int(np.ceil(min(WINDOW_FRAMES, frames - start) / (encoder_ds_factor * stack_factor)))
            for start in range(0, frames, WINDOW_FRAMES)]


def qwen2_5_omni(samples, n_window=100, n_samples=4800000):
    # Qwen2_5OmniProcessor: padding="max_length" to n_samples (300 s) with truncation; the audio
    # tower cuts the real frames into chunks of n_window x 2, each conv'd (stride 2) and pooled.
    frames = mel_frames(min(samples, n_samples))
    chunk = 2 * n_window
    rows = []
    for start in range(0, frames, chunk):
        length = min(chunk, frames - start)
        rows.append(((length - 1) // 2 + 1) // 2)  # pooling pairs; chunks after the first are even
    total = ((frames - 1) // 2 + 1 - 2) // 2 + 1  # the processor's count for the whole clip
    assert sum(rows) == total, (rows, total)
    return rows


def granite_speech(samples, window_size=15, downsample_rate=5):
    # GraniteSpeechFeatureExtractor: no window, no padding or truncation; one projector window of
    # window_size encoder frames gives window_size // downsample_rate rows.
    encoder_frames = (samples // HOP + 1) // 2
    return [-(-encoder_frames // window_size) * (window_size // downsample_rate)]


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 65.0
    samples = int(round(seconds * RATE))
    for name, rule in [("voxtral", voxtral), ("audioflamingo3", audioflamingo3), ("ultravox", ultravox),
                       ("qwen2_5_omni_thinker", qwen2_5_omni), ("granite_speech", granite_speech)]:
        rows = rule(samples)
        print(f"{name}: {len(rows)} windows, rows {rows if len(rows) <= 4 else rows[:2] + ['...'] + rows[-1:]}, "
              f"total {sum(rows)}")


if __name__ == "__main__":
    main()
