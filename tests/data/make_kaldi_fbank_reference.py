#!/usr/bin/python3
"""Writes kaldi_fbank_reference.safetensors: input signals and the features that
torchaudio.compliance.kaldi.fbank (Debian's python3-torchaudio) computes for them under several
option sets. Two references per case: `<signal>/<case>` is torchaudio run in float64 with the
float32 epsilon floor (its algorithm in exact arithmetic), `<signal>/<case>/float32` is plain
torchaudio on float32 input, whose weak bins carry float32 FFT noise. The C++ test compares
KaldiFbank with both. Rerun after changing the cases:
    /usr/bin/python3 tests/data/make_kaldi_fbank_reference.py
"""
import json
import os
import struct

import numpy as np
import torch
import torchaudio

torch.manual_seed(0)
rng = np.random.RandomState(1234)
sr = 16000
t = np.arange(int(1.3 * sr)) / sr
signals = {
    # int16-scale values, as Kaldi recipes feed them
    "tones": (8000 * np.sin(2 * np.pi * 440 * t) + 3000 * np.sin(2 * np.pi * 3150 * t)
              + 200 * rng.randn(len(t))).astype(np.float32),
    "chirp": (0.6 * np.sin(2 * np.pi * (100 + 3000 * t) * t)).astype(np.float32),
    "noise": (0.1 * rng.randn(int(0.737 * sr))).astype(np.float32),
}
cases = {
    "default": {},
    "bins80": {"num_mel_bins": 80},
    "hamming_no_snip": {"num_mel_bins": 40, "window_type": "hamming", "snip_edges": False},
    "hanning_energy": {"num_mel_bins": 64, "window_type": "hanning", "use_energy": True},
    "blackman_htk": {"num_mel_bins": 30, "window_type": "blackman", "use_energy": True,
                     "htk_compat": True, "raw_energy": False},
    "rect_magnitude": {"num_mel_bins": 24, "window_type": "rectangular", "use_power": False,
                       "preemphasis_coefficient": 0.0, "remove_dc_offset": False},
    "linear_band": {"num_mel_bins": 48, "use_log_fbank": False, "low_freq": 60.0,
                    "high_freq": -400.0, "frame_length": 20.0, "frame_shift": 7.5},
    "no_pow2_mean": {"num_mel_bins": 23, "round_to_power_of_two": False, "subtract_mean": True,
                     "energy_floor": 0.0, "use_energy": True},
    # VTLN: a warp below and above 1, the second with its own inflection points and band
    "vtln_090": {"num_mel_bins": 40, "vtln_warp": 0.9},
    "vtln_112_band": {"num_mel_bins": 60, "vtln_warp": 1.12, "vtln_low": 250.0, "vtln_high": 6000.0,
                      "low_freq": 40.0, "high_freq": 7600.0},
}
tensors = {}
manifest = {}
kaldi = torchaudio.compliance.kaldi
float32_epsilon = kaldi._get_epsilon


def exact_fbank(x, **opts):
    # float64 arithmetic, but the float32 floor so that the semantics stay those of float32 input
    kaldi._get_epsilon = lambda device, dtype: float32_epsilon(device, torch.float32).to(dtype)
    try:
        return kaldi.fbank(torch.from_numpy(x).double().unsqueeze(0), **opts)
    finally:
        kaldi._get_epsilon = float32_epsilon


for sname, x in signals.items():
    tensors[f"{sname}/input"] = x
    for cname, opts in cases.items():
        plain = kaldi.fbank(torch.from_numpy(x).unsqueeze(0), sample_frequency=sr, dither=0.0, **opts)
        exact = exact_fbank(x, sample_frequency=sr, dither=0.0, **opts)
        tensors[f"{sname}/{cname}"] = exact.numpy().astype(np.float32)
        tensors[f"{sname}/{cname}/float32"] = plain.numpy().astype(np.float32)
        manifest[cname] = opts

header = {"__metadata__": {"torchaudio": torchaudio.__version__, "cases": json.dumps(manifest)}}
offset = 0
blobs = []
for name, array in tensors.items():
    data = np.ascontiguousarray(array).tobytes()
    header[name] = {"dtype": "F32", "shape": list(array.shape),
                    "data_offsets": [offset, offset + len(data)]}
    offset += len(data)
    blobs.append(data)
text = json.dumps(header).encode()
text += b" " * ((8 - len(text) % 8) % 8)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kaldi_fbank_reference.safetensors")
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for data in blobs:
        f.write(data)
print(f"wrote {out}: {len(tensors)} tensors, {offset / 1e6:.2f} MB")
