# Type stubs of the almkit package (the public names; almkit._almkit is the binding behind them).
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import score as score
from ._errors import (CancelledError as CancelledError, Error as Error,
                      FileNotFoundError as FileNotFoundError, InternalError as InternalError,
                      InvalidArgumentError as InvalidArgumentError,
                      InvalidFormatError as InvalidFormatError, IoError as IoError,
                      NotFoundError as NotFoundError, ShapeMismatchError as ShapeMismatchError,
                      UnsupportedError as UnsupportedError)

__version__: str
PathLike = Union[str, os.PathLike]
Samples = Any  # numpy array, torch tensor or nested lists of float
FloatArray = npt.NDArray[np.float32]
# A clip for a model: a path, samples at the model's rate, or (samples, sample_rate).
Clip = Union[PathLike, Samples, Tuple[Samples, int]]

def build_info() -> str: ...
def set_log_level(level: str) -> None: ...
def set_log_handler(handler: Optional[Callable[[str, str], object]]) -> None: ...
def flush_log() -> None: ...

# ------------------------------------------------------------------------------------------ audio
def load_audio(path: PathLike, sample_rate: Optional[int] = 16000, mono: bool = True,
               offset: float = 0.0, duration: float = 0.0,
               return_sample_rate: bool = False) -> Any: ...
def load_audio_bytes(data: bytes, sample_rate: Optional[int] = 16000, mono: bool = True,
                     offset: float = 0.0, duration: float = 0.0, return_sample_rate: bool = False,
                     name: str = "<memory>") -> Any: ...
def resample(samples: Samples, orig_sample_rate: int, target_sample_rate: int) -> FloatArray: ...
def write_wav(path: PathLike, samples: Samples, sample_rate: int, encoding: str = "pcm16") -> None: ...
def encode_wav(samples: Samples, sample_rate: int, encoding: str = "pcm16") -> bytes: ...

# --------------------------------------------------------------------------------------- features
def whisper_mel(samples: Samples, n_mels: int = 80, padded: bool = True, sampling_rate: int = 16000,
                n_fft: int = 400, hop_length: int = 160, chunk_length: int = 30, threads: int = 1,
                return_attention_mask: bool = False) -> Any: ...
def whisper_mel_batch(clips: Sequence[Samples], n_mels: int = 80, padded: bool = True,
                      sampling_rate: int = 16000, n_fft: int = 400, hop_length: int = 160,
                      chunk_length: int = 30,
                      threads: int = 1) -> Tuple[FloatArray, npt.NDArray[np.int64]]: ...
def kaldi_fbank(waveform: Samples, *, blackman_coeff: float = ..., channel: int = ...,
                dither: float = ..., energy_floor: float = ..., frame_length: float = ...,
                frame_shift: float = ..., high_freq: float = ..., htk_compat: bool = ...,
                low_freq: float = ..., min_duration: float = ..., num_mel_bins: int = ...,
                preemphasis_coefficient: float = ..., raw_energy: bool = ...,
                remove_dc_offset: bool = ..., round_to_power_of_two: bool = ...,
                sample_frequency: float = ..., snip_edges: bool = ..., subtract_mean: bool = ...,
                use_energy: bool = ..., use_log_fbank: bool = ..., use_power: bool = ...,
                vtln_high: float = ..., vtln_low: float = ..., vtln_warp: float = ...,
                window_type: str = ..., dither_seed: int = ..., num_threads: int = ...) -> FloatArray: ...

class WhisperMelOptions:
    feature_size: int
    sampling_rate: int
    n_fft: int
    hop_length: int
    chunk_length: int
    pad_to_chunk: bool
    num_threads: int
    def __init__(self) -> None: ...

class WhisperMel:
    def __init__(self, options: WhisperMelOptions) -> None: ...
    @property
    def options(self) -> WhisperMelOptions: ...
    @property
    def mel_filters(self) -> FloatArray: ...
    def num_frames(self, num_samples: int) -> int: ...
    def compute(self, samples: FloatArray) -> Tuple[FloatArray, npt.NDArray[np.int64]]: ...
    def compute_batch(self, clips: Sequence[FloatArray]) -> Tuple[FloatArray, npt.NDArray[np.int64]]: ...

class KaldiFbankOptions:
    blackman_coeff: float
    channel: int
    dither: float
    energy_floor: float
    frame_length: float
    frame_shift: float
    high_freq: float
    htk_compat: bool
    low_freq: float
    min_duration: float
    num_mel_bins: int
    preemphasis_coefficient: float
    raw_energy: bool
    remove_dc_offset: bool
    round_to_power_of_two: bool
    sample_frequency: float
    snip_edges: bool
    subtract_mean: bool
    use_energy: bool
    use_log_fbank: bool
    use_power: bool
    vtln_high: float
    vtln_low: float
    vtln_warp: float
    window_type: str
    dither_seed: int
    num_threads: int
    def __init__(self) -> None: ...

class KaldiFbank:
    def __init__(self, options: KaldiFbankOptions) -> None: ...
    @property
    def options(self) -> KaldiFbankOptions: ...
    @property
    def num_features(self) -> int: ...
    def num_frames(self, num_samples: int) -> int: ...
    def compute(self, samples: FloatArray) -> FloatArray: ...

class FeatureExtractor:
    @property
    def kind(self) -> str: ...
    @property
    def sampling_rate(self) -> int: ...
    @property
    def max_seconds(self) -> float: ...
    def extract(self, clips: Sequence[FloatArray], sample_rate: int) -> Tuple[FloatArray, npt.NDArray[np.int64]]: ...

def load_feature_extractor(path: str) -> FeatureExtractor: ...

# ------------------------------------------------------------------------------------------- text
class Tokenizer:
    @staticmethod
    def from_folder(folder: str) -> Tokenizer: ...
    @staticmethod
    def from_json(tokenizer_json: str, tokenizer_config_json: str = "") -> Tokenizer: ...
    def encode(self, text: str, add_special_tokens: bool = True) -> List[int]: ...
    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool = True,
                     threads: int = 1) -> List[List[int]]: ...
    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str: ...
    def decode_for_display(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str: ...
    def token_to_id(self, token: str) -> Optional[int]: ...
    def id_to_token(self, id: int) -> str: ...
    def is_special(self, id: int) -> bool: ...
    def apply_chat_template(self, messages: Any, add_generation_prompt: bool = True, **extra: Any) -> str: ...
    def __len__(self) -> int: ...
    vocab_size: int
    bos_token: str
    eos_token: str
    pad_token: str
    unk_token: str
    bos_token_id: Optional[int]
    eos_token_id: Optional[int]
    pad_token_id: Optional[int]
    chat_template: str
    config: Dict[str, Any]

class ChatTemplate:
    def __init__(self, source: str) -> None: ...
    def render(self, **context: Any) -> str: ...
    def render_messages(self, messages: Any, add_generation_prompt: bool = True, **extra: Any) -> str: ...

# ------------------------------------------------------------------------------------------ model
class LayerState:
    stack: str
    layer: int
    hidden: FloatArray
    attention: Optional[FloatArray]

class StepLogprobs:
    token: int
    logprob: float
    rank: int
    top: List[Tuple[int, float]]

class GeneratedToken:
    row: int
    id: int
    piece: str
    logprob: Optional[float]
    rank: Optional[int]
    top: Optional[List[Tuple[int, float]]]

class GenerateResult:
    text: str
    tokens: List[int]
    stop_reason: str
    prompt_tokens: int
    error: Optional[Error]

class Generation(GenerateResult):
    logprobs: List[StepLogprobs]

class GenerationStream(Iterator[GeneratedToken]):
    def __next__(self) -> GeneratedToken: ...
    def close(self) -> None: ...
    @property
    def result(self) -> GenerateResult: ...
    def __enter__(self) -> GenerationStream: ...
    def __exit__(self, *args: Any) -> None: ...

class OptionScore:
    sum_logprob: float
    mean_logprob: float
    tokens: int
    token_logprobs: List[float]
    token_ranks: List[int]
    top_logprobs: List[List[Tuple[int, float]]]

Hook = Callable[[LayerState], None]
Prompt = Union[str, Sequence[int]]

class Model:
    def __init__(self, path: PathLike, dtype: str = "float32", threads: int = 0, device: str = "cpu",
                 load_tokenizer: bool = True, audio_cache_clips: int = 16) -> None: ...
    folder: str
    model_type: str
    accepts_audio: bool
    audio_sampling_rate: int
    max_audio_seconds: float
    max_positions: int
    audio_token_id: int
    has_tokenizer: bool
    tokenizer: Tokenizer
    def chat_prompt(self, messages: Any, add_generation_prompt: bool = True) -> str: ...
    def generate(self, prompt: Prompt, audio: Union[Clip, List[Clip], None] = None,
                 max_new_tokens: int = 64, temperature: float = 0.0, top_k: int = 0,
                 top_p: float = 1.0, seed: int = 0, stop_token_ids: Sequence[int] = (),
                 min_new_tokens: int = 0, logprobs: Optional[int] = None,
                 hooks: Optional[Hook] = None, hook_attention: bool = False) -> Generation: ...
    def stream(self, prompt: Prompt, audio: Union[Clip, List[Clip], None] = None,
               max_new_tokens: int = 64, temperature: float = 0.0, top_k: int = 0,
               top_p: float = 1.0, seed: int = 0, stop_token_ids: Sequence[int] = (),
               min_new_tokens: int = 0, logprobs: Optional[int] = None,
               hooks: Optional[Hook] = None, hook_attention: bool = False) -> GenerationStream: ...
    def generate_batch(self, prompts: List[Prompt], audio: Optional[List[Union[Clip, List[Clip], None]]] = None,
                       max_new_tokens: int = 64, temperature: float = 0.0, top_k: int = 0,
                       top_p: float = 1.0, seed: int = 0, stop_token_ids: Sequence[int] = (),
                       min_new_tokens: int = 0) -> List[GenerateResult]: ...
    def score(self, prompt: Prompt, continuations: Sequence[str],
              audio: Union[Clip, List[Clip], None] = None, hooks: Optional[Hook] = None,
              hook_attention: bool = False) -> List[OptionScore]: ...
    def score_ids(self, prompt: Prompt, continuations: Sequence[Sequence[int]],
                  audio: Union[Clip, List[Clip], None] = None, top_logprobs: int = 0,
                  hooks: Optional[Hook] = None, hook_attention: bool = False) -> List[OptionScore]: ...

# ------------------------------------------------------------------------------------------ codec
class Codes:
    codes: npt.NDArray[np.int64]
    sample_rate: int
    audio_length: int
    bandwidth: float

class Codec:
    def __init__(self, path: str, device: str = "cpu", threads: int = 0) -> None: ...
    type: str
    sample_rate: int
    channels: int
    codebook_size: int
    max_quantizers: int
    frame_rate: float
    bandwidths: List[float]
    def encode(self, samples: Samples, bandwidth: float = 0.0) -> Codes: ...
    def decode(self, codes: Codes) -> FloatArray: ...
    def decode_codes(self, codes: Any, audio_length: int = 0) -> FloatArray: ...

# ------------------------------------------------------------------------------------------- eval
class EvalOptions:
    def __init__(self) -> None: ...
    def __getattr__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: Any) -> None: ...

class EvalOutcome:
    out_dir: str
    units: int
    reused: int
    computed: int
    failed: int
    unavailable: int
    complete: bool
    seconds: float
    summary_json: str
    summary: Optional[Dict[str, Any]]

def eval(model_dir: PathLike = "", bench: str = "perception", data_path: PathLike = "",
         out_dir: PathLike = "", on_progress: Optional[Callable[[int, int], Optional[bool]]] = None,
         **options: Any) -> EvalOutcome: ...
def merge_runs(run_dirs: Sequence[PathLike], out_dir: PathLike = "") -> EvalOutcome: ...
