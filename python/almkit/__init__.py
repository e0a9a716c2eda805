"""almkit for Python: run and evaluate audio-language models.

    import almkit
    samples = almkit.load_audio("speech.wav", sample_rate=16000)   # float32 mono numpy
    mel = almkit.whisper_mel(samples, n_mels=80)                    # [80, 3000]
    fbank = almkit.kaldi_fbank(samples * 32768, num_mel_bins=80)    # [frames, 80]
    model = almkit.Model("Qwen2-Audio-7B-Instruct", dtype="float32", threads=0)
    prompt = model.chat_prompt([{"role": "user", "content": [
        {"type": "audio"}, {"type": "text", "text": "What is said?"}]}])
    print(model.generate(prompt, audio=samples).text)

Arrays come back as numpy; numpy arrays, torch tensors (where torch is installed) and lists are
accepted. Model calls release the GIL. Errors are almkit.Error subclasses carrying almkit's error
code and message. docs/python.md has the whole tour.
"""
import numpy as _np

from . import _almkit
from ._errors import (CancelledError, Error, FileNotFoundError, InternalError, InvalidArgumentError,
                      InvalidFormatError, IoError, NotFoundError, ShapeMismatchError,
                      UnsupportedError)
from ._almkit import (ChatTemplate, Codec, Codes, EvalOptions, EvalOutcome, FeatureExtractor,
                      GeneratedToken, GenerateResult, Generation, GenerationStream, KaldiFbank,
                      KaldiFbankOptions, LayerState, Model, OptionScore, StepLogprobs, Tokenizer,
                      WhisperMel, WhisperMelOptions, build_info, flush_log,
                      load_feature_extractor, set_log_handler, set_log_level)
from . import score

import atexit as _atexit

# The log handler's delivery thread ends before the interpreter does (it takes the GIL).
_atexit.register(set_log_handler, None)

__version__ = _almkit.version()

__all__ = [
    "load_audio", "load_audio_bytes", "resample", "write_wav", "encode_wav", "whisper_mel",
    "whisper_mel_batch", "kaldi_fbank", "WhisperMel", "WhisperMelOptions", "KaldiFbank",
    "KaldiFbankOptions", "FeatureExtractor", "load_feature_extractor", "Tokenizer", "ChatTemplate",
    "Model", "Generation", "GenerateResult", "GenerationStream", "GeneratedToken", "StepLogprobs",
    "OptionScore", "LayerState", "Codec", "Codes", "eval", "merge_runs", "EvalOptions",
    "EvalOutcome", "score", "Error", "InvalidArgumentError", "FileNotFoundError", "IoError",
    "InvalidFormatError", "ShapeMismatchError", "UnsupportedError", "NotFoundError",
    "CancelledError", "InternalError", "build_info", "set_log_level", "set_log_handler",
    "flush_log", "__version__",
]


def _as_float32(samples, name="samples"):
    """numpy float32, C-contiguous, from numpy / torch / lists (torch is never imported)."""
    if hasattr(samples, "detach") and hasattr(samples, "cpu"):  # a torch tensor
        samples = samples.detach().cpu().numpy()
    array = _np.ascontiguousarray(samples, dtype=_np.float32)
    if array.ndim not in (1, 2):
        raise ShapeMismatchError(f"{name}: expected [frames] or [channels, frames], got shape {array.shape}")
    return array


# ------------------------------------------------------------------------------------------ audio
def load_audio(path, sample_rate=16000, mono=True, offset=0.0, duration=0.0,
               return_sample_rate=False):
    """Decodes an audio file (WAV, FLAC, Ogg Vorbis, Opus, MP3) to float32 samples in [-1, 1].

    sample_rate: resample to this rate (soxr HQ); None or 0 keeps the file's rate.
    mono: average the channels -> shape [frames]; False keeps them -> [channels, frames].
    offset, duration: seconds (duration 0 reads to the end).
    return_sample_rate: return (samples, rate) instead of samples.
    Raises almkit.FileNotFoundError, almkit.InvalidFormatError (corrupt, not audio, empty).
    """
    import os
    samples, rate = _almkit.load_audio(os.fspath(path), sample_rate or 0, mono, offset, duration)
    return (samples, rate) if return_sample_rate else samples


def load_audio_bytes(data, sample_rate=16000, mono=True, offset=0.0, duration=0.0,
                     return_sample_rate=False, name="<memory>"):
    """load_audio() from the bytes of an encoded file held in memory."""
    samples, rate = _almkit.load_audio_bytes(bytes(data), sample_rate or 0, mono, offset, duration,
                                             name)
    return (samples, rate) if return_sample_rate else samples


def resample(samples, orig_sample_rate, target_sample_rate):
    """High-quality (soxr HQ) resampling of [frames] or [channels, frames] float32 samples."""
    return _almkit.resample(_as_float32(samples), int(orig_sample_rate), int(target_sample_rate))


def write_wav(path, samples, sample_rate, encoding="pcm16"):
    """Writes [frames] or [channels, frames] samples as a WAV file ("pcm16" or "float32")."""
    import os
    _almkit.write_wav(os.fspath(path), _as_float32(samples), int(sample_rate),
                      _wav_float32(encoding))


def encode_wav(samples, sample_rate, encoding="pcm16"):
    """The bytes of a WAV file holding the samples ("pcm16" or "float32")."""
    return _almkit.encode_wav(_as_float32(samples), int(sample_rate), _wav_float32(encoding))


def _wav_float32(encoding):
    if encoding not in ("pcm16", "float32"):
        raise InvalidArgumentError(f"WAV encoding '{encoding}' (expected pcm16 or float32)")
    return encoding == "float32"


# --------------------------------------------------------------------------------------- features
def _whisper(n_mels, padded, sampling_rate, n_fft, hop_length, chunk_length, threads):
    options = WhisperMelOptions()
    options.feature_size = n_mels
    options.pad_to_chunk = padded
    options.sampling_rate = sampling_rate
    options.n_fft = n_fft
    options.hop_length = hop_length
    options.chunk_length = chunk_length
    options.num_threads = threads
    return WhisperMel(options)


def whisper_mel(samples, n_mels=80, padded=True, sampling_rate=16000, n_fft=400, hop_length=160,
                chunk_length=30, threads=1, return_attention_mask=False):
    """Whisper log-mel spectrogram [n_mels, frames], as transformers' WhisperFeatureExtractor and
    `almkit features --kind whisper-mel` compute it.

    samples: mono float32 at `sampling_rate`. padded=True pads / truncates to chunk_length
    seconds (3000 frames); padded=False gives the frames of the clip's own length.
    return_attention_mask: also return the [frames] mask of real (1) and padded (0) frames.
    """
    array = _as_float32(samples)
    if array.ndim != 1:
        raise ShapeMismatchError(f"whisper_mel expects mono [frames] samples, got shape {array.shape}")
    mel = _whisper(n_mels, padded, sampling_rate, n_fft, hop_length, chunk_length, threads)
    features, mask = mel.compute(array)
    return (features[0], mask[0]) if return_attention_mask else features[0]


def whisper_mel_batch(clips, n_mels=80, padded=True, sampling_rate=16000, n_fft=400,
                      hop_length=160, chunk_length=30, threads=1):
    """Several mono clips -> (features [batch, n_mels, frames], attention_mask [batch, frames]);
    unpadded clips are zero-padded to the longest (transformers' padding="longest")."""
    mel = _whisper(n_mels, padded, sampling_rate, n_fft, hop_length, chunk_length, threads)
    return mel.compute_batch([_as_float32(clip) for clip in clips])


_KALDI_OPTION_NAMES = tuple(name for name in dir(KaldiFbankOptions) if not name.startswith("_"))


def kaldi_fbank(waveform, **options):
    """Kaldi filterbank features [frames, num_mel_bins (+1 with use_energy)], as
    torchaudio.compliance.kaldi.fbank(waveform, **options) computes them, with its keyword names
    and defaults: blackman_coeff=0.42, channel=-1, dither=0.0, energy_floor=1.0,
    frame_length=25.0, frame_shift=10.0, high_freq=0.0, htk_compat=False, low_freq=20.0,
    min_duration=0.0, num_mel_bins=23, preemphasis_coefficient=0.97, raw_energy=True,
    remove_dc_offset=True, round_to_power_of_two=True, sample_frequency=16000.0, snip_edges=True,
    subtract_mean=False, use_energy=False, use_log_fbank=True, use_power=True, vtln_high=-500.0,
    vtln_low=100.0, vtln_warp=1.0, window_type="povey"; plus almkit's dither_seed and
    num_threads.

    waveform: [frames] or [channels, frames] (torchaudio's layout; `channel` picks one), on the
    scale given (Kaldi recipes feed int16-range values: multiply [-1, 1] audio by 32768).
    """
    fbank_options = KaldiFbankOptions()
    for name, value in options.items():
        if name not in _KALDI_OPTION_NAMES:
            raise InvalidArgumentError(f"kaldi_fbank: unknown option '{name}' (expected one of "
                                       f"{', '.join(_KALDI_OPTION_NAMES)})")
        setattr(fbank_options, name, value)
    array = _as_float32(waveform, "waveform")
    if array.ndim == 2:
        channel = max(fbank_options.channel, 0)
        if channel >= array.shape[0]:
            raise InvalidArgumentError(f"kaldi_fbank: channel {channel} of a waveform with "
                                       f"{array.shape[0]} channels")
        array = _np.ascontiguousarray(array[channel])
    return KaldiFbank(fbank_options).compute(array)


# ------------------------------------------------------------------------------------------- eval
def eval(model_dir="", bench="perception", data_path="", out_dir="", on_progress=None, **options):
    """Runs a benchmark (as `almkit eval`) and returns its EvalOutcome; ``.summary`` is
    summary.json as a dict (None for a lone shard).

    Keyword options are almkit::bench::EvalOptions' fields: mode ("generate" or "loglik"),
    limit, threads, batch, permutations, seed, max_new_tokens, temperature, top_k, top_p,
    silent_baseline, dtype, device, prompt_template_path, audio_root, shard_index, shard_count,
    backend, endpoints, ... (docs/eval.md). on_progress(done, total) may return False to stop
    (then almkit.CancelledError). Releases the GIL while running.
    """
    eval_options = EvalOptions()
    eval_options.model_dir = str(model_dir)
    eval_options.bench = bench
    eval_options.data_path = str(data_path)
    eval_options.out_dir = str(out_dir)
    eval_options.quiet = True
    for name, value in options.items():
        if name.startswith("_") or not hasattr(eval_options, name):
            raise InvalidArgumentError(f"eval: unknown option '{name}'")
        setattr(eval_options, name, value)
    return _almkit.run_eval(eval_options, on_progress)


def merge_runs(run_dirs, out_dir=""):
    """Combines the shard caches of a run (as `almkit merge`); returns the EvalOutcome."""
    return _almkit.merge_runs([str(d) for d in run_dirs], str(out_dir), True)
