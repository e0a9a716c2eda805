"""almkit from Python through its C API (ctypes; no compiled extension).

    import almkit
    audio = almkit.load_audio("jfk.wav", target_sample_rate=16000)
    mel = almkit.whisper_mel(audio.samples, feature_size=128)     # numpy [128, 3000]
    model = almkit.Model("Qwen2-Audio-7B-Instruct")
    prompt = model.chat_prompt([{"role": "user", "content": [
        {"type": "audio"}, {"type": "text", "text": "Who speaks?"}]}])
    print(model.generate(prompt, audio=[audio], on_token=lambda t, piece: print(piece, end="")))

The library is found through ALMKIT_LIBRARY (a path to libalmkit.so), else ALMKIT_BUILD_DIR,
else the build/ folder of this repository. Errors raise AlmkitError with the C status and
almkit_last_error()'s message. numpy is needed for features, audio samples and token scores only.
"""

import collections
import ctypes
import json
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_bool, c_char, c_char_p, c_double,
                    c_float, c_int, c_int32, c_int64, c_size_t, c_uint64, c_void_p)

__all__ = ["AlmkitError", "Audio", "Model", "Tokenizer", "GenerateResult", "TokenScores", "Codec",
           "Codes",
           "run_eval", "load_audio",
           "load_audio_from_memory", "audio_from_samples", "whisper_mel", "kaldi_fbank",
           "version", "build_info", "library"]

STATUS_NAMES = {0: "ok", 1: "invalid_argument", 2: "file_not_found", 3: "io_error",
                4: "invalid_format", 5: "shape_mismatch", 6: "unsupported", 7: "not_found",
                8: "cancelled", 9: "internal", 10: "out_of_memory", 11: "buffer_too_small"}
STOP_REASONS = {0: "stop", 1: "length", 2: "cancelled"}


class AlmkitError(RuntimeError):
    """A failing almkit call: `status` (int), `status_name` and the library's message."""

    def __init__(self, status, message):
        self.status = status
        self.status_name = STATUS_NAMES.get(status, "unknown")
        super().__init__(f"{message} [{self.status_name}]")


# ------------------------------------------------------------------------------------------
# Library and prototypes
# ------------------------------------------------------------------------------------------

def _find_library():
    explicit = os.environ.get("ALMKIT_LIBRARY")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get("ALMKIT_BUILD_DIR", os.path.join(here, "..", "..", "build"))
    for name in ("libalmkit.so.0", "libalmkit.so"):
        candidate = os.path.join(build, "src", name)
        if os.path.exists(candidate):
            return candidate
    return "libalmkit.so.0"  # the dynamic linker's search path (an installed almkit)


class _AudioParams(Structure):
    _fields_ = [("struct_size", c_size_t), ("target_sample_rate", c_int32), ("mono", c_bool),
                ("offset_seconds", c_double), ("duration_seconds", c_double)]


class _WhisperMelParams(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("feature_size", c_int32), ("sampling_rate", c_int32), ("n_fft", c_int32),
                ("hop_length", c_int32), ("chunk_length", c_int32), ("pad_to_chunk", c_bool),
                ("num_threads", c_int32)]


class _KaldiFbankParams(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("blackman_coeff", c_double), ("channel", c_int32), ("dither", c_double),
                ("energy_floor", c_double), ("frame_length", c_double),
                ("frame_shift", c_double), ("high_freq", c_double), ("htk_compat", c_bool),
                ("low_freq", c_double), ("min_duration", c_double), ("num_mel_bins", c_int32),
                ("preemphasis_coefficient", c_double), ("raw_energy", c_bool),
                ("remove_dc_offset", c_bool), ("round_to_power_of_two", c_bool),
                ("sample_frequency", c_double), ("snip_edges", c_bool),
                ("subtract_mean", c_bool), ("use_energy", c_bool), ("use_log_fbank", c_bool),
                ("use_power", c_bool), ("vtln_high", c_double), ("vtln_low", c_double),
                ("vtln_warp", c_double), ("window_type", c_char_p), ("dither_seed", c_uint64),
                ("num_threads", c_int32)]


class _TokenizeParams(Structure):
    _fields_ = [("struct_size", c_size_t), ("add_special_tokens", c_bool)]


class _DetokenizeParams(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("skip_special_tokens", c_bool), ("clean_up_spaces", c_bool)]


class _ModelParams(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("device", c_char_p), ("dtype", c_char_p), ("num_threads", c_int32),
                ("load_tokenizer", c_bool)]


class _ChatParams(Structure):
    _fields_ = [("struct_size", c_size_t), ("add_generation_prompt", c_bool)]


class _Request(Structure):
    _fields_ = [("struct_size", c_size_t), ("prompt", c_char_p), ("prompt_ids", POINTER(c_int32)),
                ("num_prompt_ids", c_size_t), ("audio", POINTER(c_void_p)),
                ("num_audio", c_size_t)]


_TOKEN_CALLBACK = CFUNCTYPE(c_bool, c_int32, POINTER(c_char), c_size_t, c_void_p)


class _GenerateParams(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("max_new_tokens", c_int32), ("temperature", c_double), ("top_k", c_int32),
                ("top_p", c_double), ("seed", c_uint64), ("stop_token_ids", POINTER(c_int32)),
                ("num_stop_token_ids", c_size_t), ("on_token", _TOKEN_CALLBACK),
                ("user_data", c_void_p), ("cancel", POINTER(c_int32))]


class _OptionScore(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("sum_logprob", c_double), ("mean_logprob", c_double), ("num_tokens", c_int64)]


class _CodecParams(Structure):
    _fields_ = [("struct_size", c_size_t), ("device", c_char_p)]


class _CodecEncodeParams(Structure):
    _fields_ = [("struct_size", c_size_t), ("bandwidth", c_double)]


_PROGRESS = CFUNCTYPE(c_bool, c_int64, c_int64, c_void_p)


class _EvalParams(Structure):
    _fields_ = [("struct_size", c_size_t),
                ("model_dir", c_char_p), ("bench", c_char_p), ("data_path", c_char_p),
                ("audio_root", c_char_p), ("out_dir", c_char_p), ("limit", c_int32),
                ("shard_index", c_int32), ("shard_count", c_int32), ("threads", c_int32),
                ("batch", c_int32), ("mode", c_int), ("permutations", c_int32),
                ("seed", c_uint64), ("max_new_tokens", c_int32), ("temperature", c_double),
                ("top_k", c_int32), ("top_p", c_double), ("prompt_template_path", c_char_p),
                ("silent_baseline", c_bool), ("device", c_char_p), ("dtype", c_char_p),
                ("quiet", c_bool), ("on_progress", _PROGRESS), ("user_data", c_void_p)]


_PROTOTYPES = {
    # name: (restype, argtypes)
    "almkit_last_error": (c_char_p, []),
    "almkit_status_name": (c_char_p, [c_int]),
    "almkit_version": (c_char_p, []),
    "almkit_build_info": (c_char_p, []),
    "almkit_active_blas": (c_char_p, []),
    "almkit_set_log_level": (c_int, [c_int]),
    "almkit_audio_default_params": (_AudioParams, []),
    "almkit_audio_load": (c_int, [c_char_p, POINTER(_AudioParams), POINTER(c_void_p)]),
    "almkit_audio_load_memory": (c_int, [c_void_p, c_size_t, POINTER(_AudioParams),
                                         POINTER(c_void_p)]),
    "almkit_audio_from_samples": (c_int, [POINTER(c_float), c_int64, c_int32, c_int32,
                                          POINTER(c_void_p)]),
    "almkit_audio_resample": (c_int, [c_void_p, c_int32, POINTER(c_void_p)]),
    "almkit_audio_write_wav": (c_int, [c_void_p, c_char_p, c_bool]),
    "almkit_audio_sample_rate": (c_int32, [c_void_p]),
    "almkit_audio_channels": (c_int32, [c_void_p]),
    "almkit_audio_num_frames": (c_int64, [c_void_p]),
    "almkit_audio_samples": (POINTER(c_float), [c_void_p]),
    "almkit_audio_free": (None, [c_void_p]),
    "almkit_whisper_mel_default_params": (_WhisperMelParams, []),
    "almkit_whisper_mel_size": (c_int, [POINTER(_WhisperMelParams), c_int64, POINTER(c_int64),
                                        POINTER(c_int64)]),
    "almkit_whisper_mel_compute_into": (c_int, [POINTER(_WhisperMelParams), POINTER(c_float),
                                                c_int64, POINTER(c_float), c_size_t,
                                                POINTER(c_int64)]),
    "almkit_kaldi_fbank_default_params": (_KaldiFbankParams, []),
    "almkit_kaldi_fbank_size": (c_int, [POINTER(_KaldiFbankParams), c_int64, POINTER(c_int64),
                                        POINTER(c_int64)]),
    "almkit_kaldi_fbank_compute_into": (c_int, [POINTER(_KaldiFbankParams), POINTER(c_float),
                                                c_int64, POINTER(c_float), c_size_t]),
    "almkit_tokenize_default_params": (_TokenizeParams, []),
    "almkit_detokenize_default_params": (_DetokenizeParams, []),
    "almkit_tokenizer_load": (c_int, [c_char_p, POINTER(c_void_p)]),
    "almkit_tokenize": (c_int, [c_void_p, c_char_p, POINTER(_TokenizeParams), POINTER(c_int32),
                                c_size_t, POINTER(c_size_t)]),
    "almkit_detokenize": (c_int, [c_void_p, POINTER(c_int32), c_size_t,
                                  POINTER(_DetokenizeParams), POINTER(c_char), c_size_t,
                                  POINTER(c_size_t)]),
    "almkit_tokenizer_vocab_size": (c_int32, [c_void_p]),
    "almkit_tokenizer_token_to_id": (c_int32, [c_void_p, c_char_p]),
    "almkit_tokenizer_free": (None, [c_void_p]),
    "almkit_model_default_params": (_ModelParams, []),
    "almkit_model_load": (c_int, [c_char_p, POINTER(_ModelParams), POINTER(c_void_p)]),
    "almkit_model_free": (None, [c_void_p]),
    "almkit_model_type": (c_char_p, [c_void_p]),
    "almkit_model_accepts_audio": (c_bool, [c_void_p]),
    "almkit_model_audio_sample_rate": (c_int32, [c_void_p]),
    "almkit_model_max_positions": (c_int64, [c_void_p]),
    "almkit_model_tokenizer": (c_void_p, [c_void_p]),
    "almkit_chat_default_params": (_ChatParams, []),
    "almkit_model_chat_prompt": (c_int, [c_void_p, c_char_p, POINTER(_ChatParams), POINTER(c_char),
                                         c_size_t, POINTER(c_size_t)]),
    "almkit_generate_default_params": (_GenerateParams, []),
    "almkit_generate": (c_int, [c_void_p, POINTER(_Request), POINTER(_GenerateParams),
                                POINTER(c_void_p)]),
    "almkit_generation_text": (c_char_p, [c_void_p]),
    "almkit_generation_tokens": (POINTER(c_int32), [c_void_p, POINTER(c_size_t)]),
    "almkit_generation_stop_reason": (c_int, [c_void_p]),
    "almkit_generation_prompt_positions": (c_int64, [c_void_p]),
    "almkit_generation_free": (None, [c_void_p]),
    "almkit_score_options": (c_int, [c_void_p, POINTER(_Request), POINTER(c_char_p), c_size_t,
                                     POINTER(_OptionScore)]),
    "almkit_score_option_ids": (c_int, [c_void_p, POINTER(_Request), POINTER(POINTER(c_int32)),
                                        POINTER(c_size_t), c_size_t, POINTER(_OptionScore)]),
    "almkit_score_tokens": (c_int, [c_void_p, POINTER(_Request), POINTER(c_int32), c_size_t, c_int,
                                    POINTER(c_double), POINTER(c_int64), POINTER(c_int32),
                                    POINTER(c_double)]),
    "almkit_codec_default_params": (_CodecParams, []),
    "almkit_codec_encode_default_params": (_CodecEncodeParams, []),
    "almkit_codec_load": (c_int, [c_char_p, POINTER(_CodecParams), POINTER(c_void_p)]),
    "almkit_codec_free": (None, [c_void_p]),
    "almkit_codec_type": (c_char_p, [c_void_p]),
    "almkit_codec_sample_rate": (c_int32, [c_void_p]),
    "almkit_codec_channels": (c_int32, [c_void_p]),
    "almkit_codec_codebook_size": (c_int32, [c_void_p]),
    "almkit_codec_max_quantizers": (c_int32, [c_void_p]),
    "almkit_codec_frame_rate": (c_double, [c_void_p]),
    "almkit_codec_bandwidths": (POINTER(c_double), [c_void_p, POINTER(c_size_t)]),
    "almkit_codec_encode": (c_int, [c_void_p, c_void_p, POINTER(_CodecEncodeParams),
                                    POINTER(c_void_p)]),
    "almkit_codec_decode": (c_int, [c_void_p, c_void_p, POINTER(c_void_p)]),
    "almkit_codec_decode_codes": (c_int, [c_void_p, POINTER(c_int64), c_int32, c_int64, c_int64,
                                          POINTER(c_void_p)]),
    "almkit_codes_num_chunks": (c_int64, [c_void_p]),
    "almkit_codes_num_quantizers": (c_int32, [c_void_p]),
    "almkit_codes_num_frames": (c_int64, [c_void_p]),
    "almkit_codes_sample_rate": (c_int32, [c_void_p]),
    "almkit_codes_audio_length": (c_int64, [c_void_p]),
    "almkit_codes_bandwidth": (c_double, [c_void_p]),
    "almkit_codes_data": (POINTER(c_int64), [c_void_p]),
    "almkit_codes_data_int32": (POINTER(c_int32), [c_void_p]),
    "almkit_codes_free": (None, [c_void_p]),
    "almkit_eval_default_params": (_EvalParams, []),
    "almkit_eval_run": (c_int, [POINTER(_EvalParams), POINTER(c_void_p)]),
    "almkit_eval_result_summary_json": (c_char_p, [c_void_p]),
    "almkit_eval_result_out_dir": (c_char_p, [c_void_p]),
    "almkit_eval_result_units": (c_int64, [c_void_p]),
    "almkit_eval_result_reused": (c_int64, [c_void_p]),
    "almkit_eval_result_computed": (c_int64, [c_void_p]),
    "almkit_eval_result_failed": (c_int64, [c_void_p]),
    "almkit_eval_result_complete": (c_bool, [c_void_p]),
    "almkit_eval_result_seconds": (c_double, [c_void_p]),
    "almkit_eval_result_free": (None, [c_void_p]),
}

_lib = None


def library():
    """The loaded libalmkit (ctypes.CDLL) with every prototype declared."""
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(_find_library())
        for name, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
        _lib = lib
    return _lib


def _check(status):
    if status != 0:
        raise AlmkitError(status, library().almkit_last_error().decode("utf-8", "replace"))


def _text(value):
    return value.encode("utf-8") if isinstance(value, str) else value


def _read_text(call):
    """Runs a caller-buffer text call twice: size query, then into a buffer of that size."""
    length = c_size_t(0)
    _check(call(None, 0, byref(length)))
    buffer = ctypes.create_string_buffer(length.value + 1)
    _check(call(buffer, len(buffer), byref(length)))
    return buffer.raw[:length.value].decode("utf-8")


def version():
    return library().almkit_version().decode()


def build_info():
    return library().almkit_build_info().decode()


# ------------------------------------------------------------------------------------------
# Audio and features
# ------------------------------------------------------------------------------------------

class Audio:
    """Decoded audio owned by the library; `samples` is a numpy copy [frames] or [frames, ch]."""

    def __init__(self, handle):
        self._handle = c_void_p(handle)

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.almkit_audio_free(self._handle)
            self._handle = None

    @property
    def sample_rate(self):
        return library().almkit_audio_sample_rate(self._handle)

    @property
    def channels(self):
        return library().almkit_audio_channels(self._handle)

    @property
    def num_frames(self):
        return library().almkit_audio_num_frames(self._handle)

    @property
    def samples(self):
        import numpy as np
        count = self.num_frames * self.channels
        pointer = library().almkit_audio_samples(self._handle)
        values = np.ctypeslib.as_array(pointer, shape=(count,)).copy()
        return values if self.channels == 1 else values.reshape(-1, self.channels)

    def resample(self, target_sample_rate):
        out = c_void_p()
        _check(library().almkit_audio_resample(self._handle, target_sample_rate, byref(out)))
        return Audio(out.value)

    def write_wav(self, path, float32=False):
        _check(library().almkit_audio_write_wav(self._handle, _text(path), float32))


def _audio_params(target_sample_rate, mono, offset_seconds, duration_seconds):
    params = library().almkit_audio_default_params()
    params.target_sample_rate = target_sample_rate
    params.mono = mono
    params.offset_seconds = offset_seconds
    params.duration_seconds = duration_seconds
    return params


def load_audio(path, target_sample_rate=0, mono=True, offset_seconds=0.0, duration_seconds=0.0):
    params = _audio_params(target_sample_rate, mono, offset_seconds, duration_seconds)
    out = c_void_p()
    _check(library().almkit_audio_load(_text(path), byref(params), byref(out)))
    return Audio(out.value)


def load_audio_from_memory(data, target_sample_rate=0, mono=True):
    params = _audio_params(target_sample_rate, mono, 0.0, 0.0)
    out = c_void_p()
    _check(library().almkit_audio_load_memory(data, len(data), byref(params), byref(out)))
    return Audio(out.value)


def audio_from_samples(samples, sample_rate):
    """A clip from a numpy array [frames] (mono) or [frames, channels]."""
    import numpy as np
    values = np.ascontiguousarray(samples, dtype=np.float32)
    channels = 1 if values.ndim == 1 else values.shape[1]
    out = c_void_p()
    _check(library().almkit_audio_from_samples(
        values.ctypes.data_as(POINTER(c_float)), values.shape[0], channels, sample_rate,
        byref(out)))
    return Audio(out.value)


def _mono_samples(samples):
    import numpy as np
    if isinstance(samples, Audio):
        samples = samples.samples
    values = np.ascontiguousarray(samples, dtype=np.float32)
    if values.ndim != 1:
        raise ValueError("features take mono samples (a 1-D array)")
    return values


def whisper_mel(samples, **options):
    """Whisper log-mel [bins, frames] (numpy) of mono samples at 16 kHz; options are the fields
    of almkit_whisper_mel_params (feature_size, pad_to_chunk, ...). Returns (mel, valid_frames).
    """
    import numpy as np
    values = _mono_samples(samples)
    params = library().almkit_whisper_mel_default_params()
    for key, value in options.items():
        setattr(params, key, value)
    bins, frames = c_int64(0), c_int64(0)
    _check(library().almkit_whisper_mel_size(byref(params), len(values), byref(bins),
                                             byref(frames)))
    output = np.empty((bins.value, frames.value), dtype=np.float32)
    valid = c_int64(0)
    _check(library().almkit_whisper_mel_compute_into(
        byref(params), values.ctypes.data_as(POINTER(c_float)), len(values),
        output.ctypes.data_as(POINTER(c_float)), output.size, byref(valid)))
    return output, valid.value


def kaldi_fbank(samples, **options):
    """Kaldi filterbanks [frames, bins] (numpy), torchaudio.compliance.kaldi.fbank's keyword
    arguments as options. Samples are used at the scale given (Kaldi recipes: int16 range)."""
    import numpy as np
    values = _mono_samples(samples)
    params = library().almkit_kaldi_fbank_default_params()
    for key, value in options.items():
        setattr(params, key, _text(value) if key == "window_type" else value)
    frames, bins = c_int64(0), c_int64(0)
    _check(library().almkit_kaldi_fbank_size(byref(params), len(values), byref(frames),
                                             byref(bins)))
    output = np.empty((frames.value, bins.value), dtype=np.float32)
    _check(library().almkit_kaldi_fbank_compute_into(
        byref(params), values.ctypes.data_as(POINTER(c_float)), len(values),
        output.ctypes.data_as(POINTER(c_float)), output.size))
    return output


# ------------------------------------------------------------------------------------------
# Tokenizer and model
# ------------------------------------------------------------------------------------------

class Tokenizer:
    """A tokenizer loaded from a folder, or borrowed from a Model (then it keeps the model)."""

    def __init__(self, folder=None, _borrowed=None, _owner=None):
        if _borrowed is not None:
            self._handle, self._owned, self._owner = c_void_p(_borrowed), False, _owner
        else:
            out = c_void_p()
            _check(library().almkit_tokenizer_load(_text(folder), byref(out)))
            self._handle, self._owned, self._owner = out, True, None

    def __del__(self):
        if getattr(self, "_owned", False) and _lib is not None:
            _lib.almkit_tokenizer_free(self._handle)
            self._owned = False

    @property
    def vocab_size(self):
        return library().almkit_tokenizer_vocab_size(self._handle)

    def token_to_id(self, token):
        """The id of a vocabulary token, or None."""
        value = library().almkit_tokenizer_token_to_id(self._handle, _text(token))
        return None if value < 0 else value

    def encode(self, text, add_special_tokens=False):
        params = _TokenizeParams(ctypes.sizeof(_TokenizeParams), add_special_tokens)
        count = c_size_t(0)
        _check(library().almkit_tokenize(self._handle, _text(text), byref(params), None, 0,
                                         byref(count)))
        ids = (c_int32 * max(count.value, 1))()
        _check(library().almkit_tokenize(self._handle, _text(text), byref(params), ids,
                                         count.value, byref(count)))
        return list(ids[:count.value])

    def decode(self, ids, skip_special_tokens=True, clean_up_spaces=False):
        params = _DetokenizeParams(ctypes.sizeof(_DetokenizeParams), skip_special_tokens,
                                   clean_up_spaces)
        array = (c_int32 * max(len(ids), 1))(*ids)
        return _read_text(lambda buffer, capacity, length: library().almkit_detokenize(
            self._handle, array, len(ids), byref(params), buffer, capacity, length))


TokenScores = collections.namedtuple("TokenScores", "logprobs ranks top_ids top_logprobs")


class GenerateResult:
    def __init__(self, text, tokens, stop_reason, prompt_positions):
        self.text = text
        self.tokens = tokens
        self.stop_reason = stop_reason
        self.prompt_positions = prompt_positions

    def __str__(self):
        return self.text

    def __repr__(self):
        return (f"GenerateResult(text={self.text!r}, tokens={self.tokens}, "
                f"stop_reason={self.stop_reason!r})")


class _RequestHolder:
    """Keeps the ctypes objects a C request points into alive during the call."""

    def __init__(self, prompt, prompt_ids, audio):
        self.prompt = _text(prompt) if prompt else None
        ids = list(prompt_ids or [])
        self.ids = (c_int32 * max(len(ids), 1))(*ids)
        clips = list(audio or [])
        self.audio = (c_void_p * max(len(clips), 1))(*[clip._handle.value for clip in clips])
        self.clips = clips
        self.request = _Request(ctypes.sizeof(_Request), self.prompt, self.ids, len(ids),
                                self.audio, len(clips))


class Model:
    """A checkpoint folder loaded for generation and scoring. Thread-safe after loading."""

    def __init__(self, folder, device="cpu", dtype="float32", num_threads=0,
                 load_tokenizer=True):
        params = _ModelParams(ctypes.sizeof(_ModelParams), _text(device), _text(dtype), num_threads,
                              load_tokenizer)
        out = c_void_p()
        _check(library().almkit_model_load(_text(folder), byref(params), byref(out)))
        self._handle = out
        borrowed = library().almkit_model_tokenizer(self._handle)
        self.tokenizer = Tokenizer(_borrowed=borrowed, _owner=self) if borrowed else None

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.almkit_model_free(self._handle)
            self._handle = None

    @property
    def model_type(self):
        return library().almkit_model_type(self._handle).decode()

    @property
    def accepts_audio(self):
        return library().almkit_model_accepts_audio(self._handle)

    @property
    def max_positions(self):
        return library().almkit_model_max_positions(self._handle)

    def chat_prompt(self, messages, add_generation_prompt=True):
        """`messages`: a list of dicts (or its JSON text) as in transformers."""
        text = messages if isinstance(messages, str) else json.dumps(messages)
        params = _ChatParams(ctypes.sizeof(_ChatParams), add_generation_prompt)
        return _read_text(lambda buffer, capacity, length: library().almkit_model_chat_prompt(
            self._handle, _text(text), byref(params), buffer, capacity, length))

    def generate(self, prompt=None, prompt_ids=None, audio=None, max_new_tokens=64,
                 temperature=0.0, top_k=0, top_p=1.0, seed=0, stop_token_ids=None,
                 on_token=None, cancel=None):
        """Text (through the chat template already) or ids in, GenerateResult out.

        on_token(token_id, piece) is called per token; return False to stop. `cancel` is a
        ctypes.c_int32 another thread may set to 1 to stop the generation."""
        holder = _RequestHolder(prompt, prompt_ids, audio)
        params = library().almkit_generate_default_params()
        params.max_new_tokens = max_new_tokens
        params.temperature = temperature
        params.top_k = top_k
        params.top_p = top_p
        params.seed = seed
        stops = list(stop_token_ids or [])
        stop_array = (c_int32 * max(len(stops), 1))(*stops)
        params.stop_token_ids = stop_array
        params.num_stop_token_ids = len(stops)
        callback = None
        if on_token is not None:
            def trampoline(token, piece, length, _user_data):
                text = ctypes.string_at(piece, length).decode("utf-8", "replace")
                return on_token(token, text) is not False
            callback = _TOKEN_CALLBACK(trampoline)
            params.on_token = callback
        if cancel is not None:
            params.cancel = ctypes.pointer(cancel)
        out = c_void_p()
        _check(library().almkit_generate(self._handle, byref(holder.request), byref(params),
                                         byref(out)))
        try:
            lib = library()
            count = c_size_t(0)
            pointer = lib.almkit_generation_tokens(out, byref(count))
            tokens = [pointer[i] for i in range(count.value)]
            return GenerateResult(lib.almkit_generation_text(out).decode("utf-8", "replace"),
                                  tokens, STOP_REASONS[lib.almkit_generation_stop_reason(out)],
                                  lib.almkit_generation_prompt_positions(out))
        finally:
            library().almkit_generation_free(out)

    def score(self, options, prompt=None, prompt_ids=None, audio=None):
        """Log-likelihood of each option (texts, or lists of ids) after the prompt and audio:
        a list of (sum_logprob, mean_logprob, num_tokens)."""
        holder = _RequestHolder(prompt, prompt_ids, audio)
        scores = (_OptionScore * max(len(options), 1))()
        scores[0].struct_size = ctypes.sizeof(_OptionScore)
        if options and all(isinstance(option, str) for option in options):
            texts = (c_char_p * len(options))(*[_text(option) for option in options])
            _check(library().almkit_score_options(self._handle, byref(holder.request), texts,
                                                  len(options), scores))
        else:
            arrays = [(c_int32 * max(len(option), 1))(*option) for option in options]
            pointers = (POINTER(c_int32) * max(len(options), 1))(
                *[ctypes.cast(array, POINTER(c_int32)) for array in arrays])
            lengths = (c_size_t * max(len(options), 1))(*[len(option) for option in options])
            _check(library().almkit_score_option_ids(self._handle, byref(holder.request),
                                                     pointers, lengths, len(options), scores))
        return [(s.sum_logprob, s.mean_logprob, s.num_tokens) for s in scores[:len(options)]]

    def score_tokens(self, ids, prompt=None, prompt_ids=None, audio=None, top_k=0):
        """Per-token log-probabilities of the token ids `ids` after the prompt and audio:
        TokenScores(logprobs [n], ranks [n] or None, top_ids [n, top_k] or None,
        top_logprobs [n, top_k] or None), numpy arrays; ranks and alternatives with top_k > 0
        (rank 1 = the most likely token at its position)."""
        import numpy as np
        holder = _RequestHolder(prompt, prompt_ids, audio)
        values = np.ascontiguousarray(ids, dtype=np.int32)
        n = values.shape[0]
        logprobs = np.empty(max(n, 1), dtype=np.float64)
        ranks = np.empty(max(n, 1), dtype=np.int64)
        top_ids = np.empty((max(n, 1), max(top_k, 1)), dtype=np.int32)
        top_logprobs = np.empty(top_ids.shape, dtype=np.float64)
        _check(library().almkit_score_tokens(
            self._handle, byref(holder.request), values.ctypes.data_as(POINTER(c_int32)), n, top_k,
            logprobs.ctypes.data_as(POINTER(c_double)), ranks.ctypes.data_as(POINTER(c_int64)),
            top_ids.ctypes.data_as(POINTER(c_int32)),
            top_logprobs.ctypes.data_as(POINTER(c_double))))
        if top_k <= 0:
            return TokenScores(logprobs[:n], None, None, None)
        return TokenScores(logprobs[:n], ranks[:n], top_ids[:n], top_logprobs[:n])


# ------------------------------------------------------------------------------------------
# Codec and benchmark runner
# ------------------------------------------------------------------------------------------

class Codes:
    """Codes from Codec.encode (library-owned); `values` is a numpy int64 copy
    [chunks, quantizers, frames]."""

    def __init__(self, handle):
        self._handle = c_void_p(handle)

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.almkit_codes_free(self._handle)
            self._handle = None

    @property
    def shape(self):
        lib = library()
        return (lib.almkit_codes_num_chunks(self._handle),
                lib.almkit_codes_num_quantizers(self._handle),
                lib.almkit_codes_num_frames(self._handle))

    @property
    def sample_rate(self):
        return library().almkit_codes_sample_rate(self._handle)

    @property
    def audio_length(self):
        return library().almkit_codes_audio_length(self._handle)

    @property
    def bandwidth(self):
        return library().almkit_codes_bandwidth(self._handle)

    @property
    def values(self):
        import numpy as np
        shape = self.shape
        pointer = library().almkit_codes_data(self._handle)
        return np.ctypeslib.as_array(pointer, shape=shape).copy()


class Codec:
    """A neural audio codec (EnCodec) from an HF checkpoint folder."""

    def __init__(self, folder, device="cpu"):
        params = library().almkit_codec_default_params()
        params.device = _text(device)
        out = c_void_p()
        _check(library().almkit_codec_load(_text(folder), byref(params), byref(out)))
        self._handle = c_void_p(out.value)

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.almkit_codec_free(self._handle)
            self._handle = None

    @property
    def model_type(self):
        return library().almkit_codec_type(self._handle).decode()

    @property
    def sample_rate(self):
        return library().almkit_codec_sample_rate(self._handle)

    @property
    def codebook_size(self):
        return library().almkit_codec_codebook_size(self._handle)

    @property
    def max_quantizers(self):
        return library().almkit_codec_max_quantizers(self._handle)

    @property
    def bandwidths(self):
        count = c_size_t(0)
        pointer = library().almkit_codec_bandwidths(self._handle, byref(count))
        return [pointer[i] for i in range(count.value)]

    def encode(self, audio, bandwidth=0.0):
        """Codes of an Audio clip at the codec's rate; bandwidth 0 picks the first."""
        params = library().almkit_codec_encode_default_params()
        params.bandwidth = bandwidth
        out = c_void_p()
        _check(library().almkit_codec_encode(self._handle, audio._handle, byref(params),
                                             byref(out)))
        return Codes(out.value)

    def decode(self, codes, audio_length=0):
        """Audio of a Codes object, or of a numpy array [quantizers, frames] (one chunk;
        audio_length > 0 trims the output)."""
        out = c_void_p()
        if isinstance(codes, Codes):
            _check(library().almkit_codec_decode(self._handle, codes._handle, byref(out)))
        else:
            import numpy as np
            values = np.ascontiguousarray(codes, dtype=np.int64)
            if values.ndim != 2:
                raise ValueError("codes must be [quantizers, frames]")
            _check(library().almkit_codec_decode_codes(
                self._handle, values.ctypes.data_as(POINTER(c_int64)), values.shape[0],
                values.shape[1], audio_length, byref(out)))
        return Audio(out.value)


def run_eval(model_dir, data_path, out_dir, bench="perception", on_progress=None, **options):
    """Runs a benchmark (almkit_eval_run); returns summary.json as a dict ({} for a lone shard).
    `options` are almkit_eval_params fields (limit, mode "generate" / "loglik", permutations,
    seed, threads, ...);
    on_progress(done, total) returning False stops the run (AlmkitError "cancelled")."""
    params = library().almkit_eval_default_params()
    params.model_dir, params.data_path = _text(model_dir), _text(data_path)
    params.out_dir, params.bench = _text(out_dir), _text(bench)
    for name, value in options.items():
        if name == "mode":  # almkit_eval_mode
            value = {"generate": 0, "loglik": 1}.get(value, value)
        setattr(params, name, _text(value))
    errors = []
    if on_progress is not None:
        def trampoline(done, total, _user_data):
            try:
                return on_progress(done, total) is not False
            except BaseException as error:  # noqa: BLE001 - no exception may cross into C
                errors.append(error)
                return False
        params.on_progress = _PROGRESS(trampoline)
    out = c_void_p()
    status = library().almkit_eval_run(byref(params), byref(out))
    if errors:
        raise errors[0]
    _check(status)
    try:
        text = library().almkit_eval_result_summary_json(out).decode("utf-8")
        return json.loads(text) if text else {}
    finally:
        library().almkit_eval_result_free(out)
