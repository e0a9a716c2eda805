"""Audio and features: the names a newcomer tries first, parity with the CLI, transformers and
torchaudio, round trips, and torch tensors accepted without being required."""
import json
import os
import subprocess

import numpy as np
import pytest

import almkit
from conftest import HERE, read_safetensors


def test_load_audio_gives_float32_mono_at_the_asked_rate(speech_path):
    samples = almkit.load_audio(speech_path, sample_rate=16000)
    assert samples.dtype == np.float32 and samples.ndim == 1 and samples.shape[0] == 176000
    native, rate = almkit.load_audio(speech_path, sample_rate=None, return_sample_rate=True)
    assert rate == 16000 and np.array_equal(native, samples)
    down = almkit.load_audio(speech_path, sample_rate=8000)
    assert abs(down.shape[0] - 88000) <= 1
    part = almkit.load_audio(speech_path, offset=1.0, duration=2.0)
    assert np.array_equal(part, samples[16000:48000])


def test_load_audio_bytes_matches_the_path(speech_path):
    with open(speech_path, "rb") as f:
        from_memory = almkit.load_audio_bytes(f.read())
    assert np.array_equal(from_memory, almkit.load_audio(speech_path))


def test_wav_round_trip_and_resample(tmp_path):
    tone = (0.25 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype(np.float32)
    path = tmp_path / "tone.wav"
    almkit.write_wav(path, tone, 16000, encoding="float32")
    assert np.array_equal(almkit.load_audio(path), tone)
    assert np.array_equal(almkit.load_audio_bytes(almkit.encode_wav(tone, 16000, "float32")), tone)
    stereo = np.stack([tone, -tone])
    almkit.write_wav(path, stereo, 16000, encoding="float32")
    both = almkit.load_audio(path, mono=False)
    assert both.shape == (2, 16000) and np.array_equal(both, stereo)
    assert np.allclose(almkit.load_audio(path), 0.0, atol=1e-7)  # the mean of tone and -tone
    down = almkit.resample(tone, 16000, 8000)
    assert abs(down.shape[0] - 8000) <= 1
    assert almkit.resample(stereo, 16000, 8000).shape[0] == 2
    back = almkit.resample(down, 8000, 16000)
    assert np.abs(back[1000:15000] - tone[1000:15000]).max() < 1e-2


def test_whisper_mel_is_the_cli_output_exactly(speech_path, almkit_cli, tmp_path):
    samples = almkit.load_audio(speech_path, sample_rate=16000)
    for bins, padded in ((80, True), (128, True), (80, False)):
        out = tmp_path / f"mel{bins}{padded}.safetensors"
        command = [almkit_cli, "features", "--kind", "whisper-mel", "--bins", str(bins), speech_path,
                   "-o", str(out)] + ([] if padded else ["--unpadded"])
        subprocess.run(command, check=True, capture_output=True)
        expected = read_safetensors(out)[0]["features"][0]
        mel = almkit.whisper_mel(samples, n_mels=bins, padded=padded)
        assert mel.shape == expected.shape == (bins, 3000 if padded else 1100)
        assert np.array_equal(mel, expected), f"{bins} bins, padded={padded}"


def test_whisper_mel_matches_transformers(reference_dir):
    tensors, _ = read_safetensors(os.path.join(reference_dir, "whisper_features", "io.safetensors"))
    for bins in (80, 128):
        mel, mask = almkit.whisper_mel(tensors["waveform"], n_mels=bins, return_attention_mask=True)
        expected = tensors[f"mel{bins}_features"][0]
        assert mel.shape == expected.shape
        assert int(mask.sum()) == 300
        assert np.abs(mel - expected).max() < 5e-5
    batch, mask = almkit.whisper_mel_batch([tensors["waveform"], tensors["waveform"][:8000]],
                                           padded=False)
    assert batch.shape[0] == 2 and mask.shape == (2, batch.shape[2])
    assert mask[1].sum() < mask[0].sum()


def test_kaldi_fbank_matches_the_recorded_torchaudio_values_for_every_option_set():
    tensors, metadata = read_safetensors(os.path.join(HERE, "..", "..", "tests", "data",
                                                      "kaldi_fbank_reference.safetensors"))
    for signal in ("tones", "chirp", "noise"):
        for case, options in json.loads(metadata["cases"]).items():
            got = almkit.kaldi_fbank(tensors[f"{signal}/input"], **options)
            expected = tensors[f"{signal}/{case}"].astype(np.float64)
            assert got.shape == expected.shape, f"{signal}/{case}"
            relative = np.abs(got - expected) / np.maximum(1.0, np.abs(expected))
            assert relative.max() < 1e-4, f"{signal}/{case}"


KALDI_CASES = [
    {},
    {"num_mel_bins": 80},
    {"num_mel_bins": 80, "frame_length": 25.0, "frame_shift": 10.0, "dither": 0.0,
     "window_type": "hamming", "snip_edges": False},
    {"num_mel_bins": 40, "use_energy": True, "htk_compat": True, "window_type": "hanning"},
    {"num_mel_bins": 64, "use_power": False, "use_log_fbank": True, "low_freq": 50.0,
     "high_freq": -400.0, "window_type": "blackman"},
    {"num_mel_bins": 30, "round_to_power_of_two": False, "subtract_mean": True,
     "remove_dc_offset": False, "preemphasis_coefficient": 0.0, "window_type": "rectangular"},
    {"num_mel_bins": 23, "vtln_warp": 0.9, "sample_frequency": 16000.0},
    {"num_mel_bins": 80, "use_log_fbank": False, "raw_energy": False, "use_energy": True,
     "energy_floor": 0.0},
]


@pytest.mark.parametrize("options", KALDI_CASES, ids=lambda o: ",".join(o) or "defaults")
def test_kaldi_fbank_matches_torchaudio_live(speech_path, options):
    torch = pytest.importorskip("torch")
    kaldi = pytest.importorskip("torchaudio.compliance.kaldi")
    waveform = almkit.load_audio(speech_path)[:48000] * 32768.0
    # torchaudio in float64: the reference without float32 rounding of its own.
    expected = kaldi.fbank(torch.from_numpy(waveform.astype(np.float64))[None], **options).numpy()
    got = almkit.kaldi_fbank(waveform, **options)  # numpy in
    assert got.shape == expected.shape
    relative = np.abs(got - expected) / np.maximum(1.0, np.abs(expected))
    assert relative.max() < 1e-4, relative.max()
    from_tensor = almkit.kaldi_fbank(torch.from_numpy(waveform)[None], **options)  # torch in
    assert np.array_equal(from_tensor, got)


def test_torch_tensors_are_accepted_where_torch_is_installed(speech_path):
    torch = pytest.importorskip("torch")
    samples = almkit.load_audio(speech_path)
    tensor = torch.from_numpy(samples).requires_grad_(True)
    assert np.array_equal(almkit.whisper_mel(tensor), almkit.whisper_mel(samples))
    assert np.array_equal(almkit.resample(tensor, 16000, 8000), almkit.resample(samples, 16000, 8000))


def test_feature_classes_and_options():
    options = almkit.WhisperMelOptions()
    options.feature_size = 128
    mel = almkit.WhisperMel(options)
    assert mel.num_frames(16000) == 3000
    assert mel.mel_filters.shape == (201, 128)
    fbank_options = almkit.KaldiFbankOptions()
    fbank_options.num_mel_bins = 80
    fbank_options.use_energy = True
    fbank = almkit.KaldiFbank(fbank_options)
    assert fbank.num_features == 81 and fbank.num_frames(16000) == 98
    assert fbank.compute(np.zeros(16000, np.float32) + 0.1).shape == (98, 81)


def test_feature_errors():
    with pytest.raises(almkit.InvalidArgumentError, match="unknown option 'num_bins'"):
        almkit.kaldi_fbank(np.zeros(16000, np.float32), num_bins=80)
    with pytest.raises(almkit.Error) as caught:
        almkit.kaldi_fbank(np.zeros(16000, np.float32), window_type="triangle")
    assert caught.value.code == 1 and "triangle" in caught.value.message
    with pytest.raises(almkit.ShapeMismatchError):
        almkit.whisper_mel(np.zeros((2, 3, 4), np.float32))
