/* almkit.h: the C API of almkit, a stable door for C, Python (ctypes), Rust, Julia, ... callers.
 * Plain C99: opaque handles, a params struct per call from almkit_*_default_params(), a status
 * enum, and almkit_last_error() for the message. No exception crosses this boundary and bad input
 * never aborts: it returns a status.
 *
 *   almkit_model* model = NULL;
 *   almkit_model_params mp = almkit_model_default_params();
 *   if (almkit_model_load("Qwen2-Audio-7B-Instruct", &mp, &model) != ALMKIT_OK) {
 *     fprintf(stderr, "%s\n", almkit_last_error());
 *     return 1;
 *   }
 *   almkit_audio_params ap = almkit_audio_default_params();
 *   almkit_audio* clip = NULL;
 *   almkit_audio_load("dog.wav", &ap, &clip);
 *   char prompt[4096];
 *   size_t length = 0;
 *   almkit_model_chat_prompt(model, "[{\"role\": \"user\", \"content\": [{\"type\": \"audio\"},"
 *                            " {\"type\": \"text\", \"text\": \"What is the sound?\"}]}]",
 *                            NULL, prompt, sizeof prompt, &length);
 *   const almkit_audio* clips[] = {clip};
 *   almkit_request request = {sizeof request, prompt, NULL, 0, clips, 1};
 *   almkit_generate_params gp = almkit_generate_default_params();
 *   almkit_generation* answer = NULL;
 *   if (almkit_generate(model, &request, &gp, &answer) == ALMKIT_OK) {
 *     printf("%s\n", almkit_generation_text(answer));
 *   }
 *   almkit_generation_free(answer);
 *   almkit_audio_free(clip);
 *   almkit_model_free(model);
 *
 * Conventions (docs/c-api.md has the full contract):
 * - Every call that can fail returns almkit_status; ALMKIT_OK is 0. On failure the message is in
 *   almkit_last_error() (thread-local) and handle out-parameters are left NULL (size
 *   out-parameters of ALMKIT_ERR_BUFFER_TOO_SMALL hold the size needed).
 * - A `params` pointer may be NULL: the call then uses almkit_*_default_params().
 * - Handles are created by the library and freed by their almkit_*_free (which accepts NULL).
 *   Pointers returned by accessors are owned by the handle and valid until it is freed.
 * - Text is UTF-8. Text written into a caller buffer follows one rule: `*length` receives the
 *   text's length without the terminating NUL; with buffer == NULL and capacity == 0 the call is
 *   a size query (ALMKIT_OK); a buffer smaller than length + 1 gives ALMKIT_ERR_BUFFER_TOO_SMALL.
 * - Thread safety is stated per function. "Any thread" means the call may run concurrently with
 *   any other call on the same handles, except their *_free.
 *
 * - Versioned structs: every struct the caller allocates (the params structs, almkit_request,
 *   almkit_option_score arrays) starts with `size_t struct_size`, sizeof the struct as the
 *   caller's header declared it. almkit_*_default_params() and almkit_request_init() set it.
 *   Fields are only ever appended, so a library newer than the caller reads and writes only the
 *   caller's struct_size bytes (fields past them take their defaults), and an older library
 *   ignores fields it does not know. A struct_size below sizeof(size_t) is
 *   ALMKIT_ERR_INVALID_ARGUMENT. docs/c-api.md states the promise in full.
 *
 * Not in this version: batched generation.
 */
#ifndef ALMKIT_ALMKIT_H
#define ALMKIT_ALMKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "almkit/export.h" /* ALMKIT_API: preprocessor only, valid C */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status, errors, version
 * ------------------------------------------------------------------------------------------- */

/* Values 1..9 match almkit::ErrorCode of the C++ API. */
typedef enum almkit_status {
  ALMKIT_OK = 0,
  ALMKIT_ERR_INVALID_ARGUMENT = 1, /* a bad value or a NULL pointer where one is required */
  ALMKIT_ERR_FILE_NOT_FOUND = 2,   /* a path that does not exist */
  ALMKIT_ERR_IO = 3,               /* the OS refused a read or write */
  ALMKIT_ERR_INVALID_FORMAT = 4,   /* a file exists but is corrupt, truncated or malformed */
  ALMKIT_ERR_SHAPE_MISMATCH = 5,   /* tensors with the wrong shape */
  ALMKIT_ERR_UNSUPPORTED = 6,      /* valid input almkit does not handle (model type, ...) */
  ALMKIT_ERR_NOT_FOUND = 7,        /* a named thing (tensor, field, token, tokenizer) is missing */
  ALMKIT_ERR_CANCELLED = 8,        /* the caller asked to stop (cancel flag, progress callback) */
  ALMKIT_ERR_INTERNAL = 9,         /* a bug in almkit: please report it with the message */
  ALMKIT_ERR_OUT_OF_MEMORY = 10,   /* an allocation failed */
  ALMKIT_ERR_BUFFER_TOO_SMALL = 11 /* a caller buffer is smaller than needed (size in message) */
} almkit_status;

/* The message of the last failing call on the calling thread ("" when the last call succeeded).
 * Valid until the next almkit call on this thread. Never NULL. Thread: any (thread-local). */
ALMKIT_API const char* almkit_last_error(void);
/* "ok", "invalid_argument", ... for a status; "unknown" for other values. Thread: any. */
ALMKIT_API const char* almkit_status_name(almkit_status status);

/* "0.1.0". Static storage. Thread: any. */
ALMKIT_API const char* almkit_version(void);
/* One line: compiler, build type, libtorch version, BLAS. Static storage. Thread: any. */
ALMKIT_API const char* almkit_build_info(void);
/* The shared library providing BLAS in this process. Static storage. Thread: any. */
ALMKIT_API const char* almkit_active_blas(void);

typedef enum almkit_log_level {
  ALMKIT_LOG_TRACE = 0,
  ALMKIT_LOG_DEBUG = 1,
  ALMKIT_LOG_INFO = 2,
  ALMKIT_LOG_WARN = 3,
  ALMKIT_LOG_ERROR = 4,
  ALMKIT_LOG_OFF = 5
} almkit_log_level;
/* Process-wide log level (stderr; default from ALMKIT_LOG_LEVEL, else warn). Thread: any. */
ALMKIT_API almkit_status almkit_set_log_level(almkit_log_level level);
/* Receives almkit's log lines at or above the level (the message alone, no time or level
 * prefix; valid during the call) instead of stderr, as whisper.cpp's whisper_log_set. Called on
 * the thread that logs, one call at a time; it must not call almkit. NULL restores stderr.
 * Process-wide. Thread: any. */
typedef void (*almkit_log_callback)(almkit_log_level level, const char* message, void* user_data);
ALMKIT_API void almkit_log_set(almkit_log_callback callback, void* user_data);

/* ---------------------------------------------------------------------------------------------
 * Audio: decoded samples (float32 in [-1, 1], interleaved frames)
 * ------------------------------------------------------------------------------------------- */

typedef struct almkit_audio almkit_audio;

typedef struct almkit_audio_params {
  size_t struct_size;         /* sizeof as the caller compiled it: set by the default_params call */
  int32_t target_sample_rate; /* 0 keeps the file's rate; otherwise resampled (soxr HQ) */
  bool mono;                  /* average the channels (default true) */
  double offset_seconds;      /* start reading here (default 0) */
  double duration_seconds;    /* 0 reads to the end */
} almkit_audio_params;

ALMKIT_API almkit_audio_params almkit_audio_default_params(void);

/* Decodes a file (WAV, FLAC, Ogg Vorbis, Opus, MP3). ALMKIT_ERR_FILE_NOT_FOUND,
 * ALMKIT_ERR_INVALID_FORMAT (corrupt, not audio, empty, NaN samples). Thread: any. */
ALMKIT_API almkit_status almkit_audio_load(const char* path, const almkit_audio_params* params,
                                           almkit_audio** out);
/* The same from an encoded file held in memory (the bytes are not kept). Thread: any. */
ALMKIT_API almkit_status almkit_audio_load_memory(const void* data, size_t size,
                                                  const almkit_audio_params* params,
                                                  almkit_audio** out);
/* A copy of caller PCM: `num_frames` frames of `channels` interleaved float samples. Rejects a
 * non-positive rate or channel count, zero frames and non-finite samples. Thread: any. */
ALMKIT_API almkit_status almkit_audio_from_samples(const float* samples, int64_t num_frames,
                                                   int32_t channels, int32_t sample_rate,
                                                   almkit_audio** out);
/* A new clip resampled to `target_sample_rate` (soxr HQ, every channel). Thread: any. */
ALMKIT_API almkit_status almkit_audio_resample(const almkit_audio* audio,
                                               int32_t target_sample_rate, almkit_audio** out);
/* Writes a WAV file: 16-bit PCM, or 32-bit float when `float32` is true. Thread: any. */
ALMKIT_API almkit_status almkit_audio_write_wav(const almkit_audio* audio, const char* path,
                                                bool float32);
/* Accessors; 0 / NULL for a NULL handle. samples holds num_frames * channels values, frame f
 * channel c at samples[f * channels + c]. Thread: any. */
ALMKIT_API int32_t almkit_audio_sample_rate(const almkit_audio* audio);
ALMKIT_API int32_t almkit_audio_channels(const almkit_audio* audio);
ALMKIT_API int64_t almkit_audio_num_frames(const almkit_audio* audio);
ALMKIT_API const float* almkit_audio_samples(const almkit_audio* audio);
/* Thread: no other call may use `audio` meanwhile. Accepts NULL. */
ALMKIT_API void almkit_audio_free(almkit_audio* audio);

/* ---------------------------------------------------------------------------------------------
 * Features: Whisper log-mel and Kaldi filterbanks of mono samples
 * Each function is stateless (pure in its inputs) and may be called from any thread.
 * ------------------------------------------------------------------------------------------- */

/* Library-owned feature matrix. */
typedef struct almkit_features almkit_features;

typedef enum almkit_feature_layout {
  ALMKIT_LAYOUT_BINS_BY_FRAMES = 0, /* Whisper: [bins][frames], as transformers' input_features */
  ALMKIT_LAYOUT_FRAMES_BY_BINS = 1  /* Kaldi: [frames][bins], as torchaudio's kaldi.fbank */
} almkit_feature_layout;

/* Mirrors WhisperFeatureExtractor's preprocessor_config.json fields. */
typedef struct almkit_whisper_mel_params {
  size_t struct_size;    /* sizeof as the caller compiled it: set by the default_params call */
  int32_t feature_size;  /* mel bins: 80 (default) or 128 (large-v3, Qwen2-Audio) */
  int32_t sampling_rate; /* 16000: samples must already be at this rate */
  int32_t n_fft;         /* 400 */
  int32_t hop_length;    /* 160 */
  int32_t chunk_length;  /* 30 s: the padded form pads or truncates to this */
  bool pad_to_chunk;     /* true: chunk_length * rate / hop frames (3000); false: audio length */
  int32_t num_threads;   /* 1 */
} almkit_whisper_mel_params;

ALMKIT_API almkit_whisper_mel_params almkit_whisper_mel_default_params(void);

/* Size of the output for `num_samples` samples: *num_bins x *num_frames floats. */
ALMKIT_API almkit_status almkit_whisper_mel_size(const almkit_whisper_mel_params* params,
                                                 int64_t num_samples, int64_t* num_bins,
                                                 int64_t* num_frames);
/* Writes [bins][frames] into `output` (`capacity` floats, at least bins * frames, else
 * ALMKIT_ERR_BUFFER_TOO_SMALL). *valid_frames (may be NULL) receives the frames that hold real
 * audio (the rest is padding). */
ALMKIT_API almkit_status almkit_whisper_mel_compute_into(const almkit_whisper_mel_params* params,
                                                         const float* samples, int64_t num_samples,
                                                         float* output, size_t capacity,
                                                         int64_t* valid_frames);
/* The same into a library-owned almkit_features (ALMKIT_LAYOUT_BINS_BY_FRAMES). */
ALMKIT_API almkit_status almkit_whisper_mel_compute(const almkit_whisper_mel_params* params,
                                                    const float* samples, int64_t num_samples,
                                                    almkit_features** out);

/* Mirrors torchaudio.compliance.kaldi.fbank's keyword arguments one for one. */
typedef struct almkit_kaldi_fbank_params {
  size_t struct_size; /* sizeof as the caller compiled it: set by the default_params call */
  double blackman_coeff;          /* 0.42 */
  int32_t channel;                /* -1 (unused: input is mono samples) */
  double dither;                  /* 0.0 */
  double energy_floor;            /* 1.0 */
  double frame_length;            /* 25 ms */
  double frame_shift;             /* 10 ms */
  double high_freq;               /* 0: <= 0 is an offset from Nyquist */
  bool htk_compat;                /* false */
  double low_freq;                /* 20 */
  double min_duration;            /* 0 */
  int32_t num_mel_bins;           /* 23 */
  double preemphasis_coefficient; /* 0.97 */
  bool raw_energy;                /* true */
  bool remove_dc_offset;          /* true */
  bool round_to_power_of_two;     /* true */
  double sample_frequency;        /* 16000 */
  bool snip_edges;                /* true */
  bool subtract_mean;             /* false */
  bool use_energy;                /* false */
  bool use_log_fbank;             /* true */
  bool use_power;                 /* true */
  double vtln_high;               /* -500 */
  double vtln_low;                /* 100 */
  double vtln_warp;               /* 1.0 */
  const char* window_type;        /* "povey" (or NULL); hamming, hanning, rectangular, blackman */
  uint64_t dither_seed;           /* 0: seeds the dither noise */
  int32_t num_threads;            /* 1 */
} almkit_kaldi_fbank_params;

ALMKIT_API almkit_kaldi_fbank_params almkit_kaldi_fbank_default_params(void);

/* Size of the output for `num_samples` samples: *num_frames x *num_bins floats (bins include the
 * energy column with use_energy). */
ALMKIT_API almkit_status almkit_kaldi_fbank_size(const almkit_kaldi_fbank_params* params,
                                                 int64_t num_samples, int64_t* num_frames,
                                                 int64_t* num_bins);
/* Samples are taken at the scale given (Kaldi recipes feed int16-range values). Writes
 * [frames][bins] into `output` (`capacity` floats, else ALMKIT_ERR_BUFFER_TOO_SMALL). */
ALMKIT_API almkit_status almkit_kaldi_fbank_compute_into(const almkit_kaldi_fbank_params* params,
                                                         const float* samples, int64_t num_samples,
                                                         float* output, size_t capacity);
/* The same into a library-owned almkit_features (ALMKIT_LAYOUT_FRAMES_BY_BINS). */
ALMKIT_API almkit_status almkit_kaldi_fbank_compute(const almkit_kaldi_fbank_params* params,
                                                    const float* samples, int64_t num_samples,
                                                    almkit_features** out);

/* Accessors; 0 / NULL for a NULL handle. data holds num_bins * num_frames floats in the order
 * layout names. valid_frames: frames holding real audio (Kaldi: all). Thread: any. */
ALMKIT_API const float* almkit_features_data(const almkit_features* features);
ALMKIT_API int64_t almkit_features_num_bins(const almkit_features* features);
ALMKIT_API int64_t almkit_features_num_frames(const almkit_features* features);
ALMKIT_API int64_t almkit_features_valid_frames(const almkit_features* features);
ALMKIT_API almkit_feature_layout almkit_features_layout(const almkit_features* features);
/* Thread: no other call may use `features` meanwhile. Accepts NULL. */
ALMKIT_API void almkit_features_free(almkit_features* features);

/* ---------------------------------------------------------------------------------------------
 * Tokenizer: text <-> token ids as Hugging Face tokenizers make them
 * ------------------------------------------------------------------------------------------- */

typedef struct almkit_tokenizer almkit_tokenizer;

typedef struct almkit_tokenize_params {
  size_t struct_size;      /* sizeof as the caller compiled it: set by the default_params call */
  bool add_special_tokens; /* apply the post processor (BOS/EOS templates); default false */
} almkit_tokenize_params;

typedef struct almkit_detokenize_params {
  size_t struct_size;       /* sizeof as the caller compiled it: set by the default_params call */
  bool skip_special_tokens; /* default true */
  bool clean_up_spaces;     /* transformers' clean_up_tokenization when the config asks; false */
} almkit_detokenize_params;

ALMKIT_API almkit_tokenize_params almkit_tokenize_default_params(void);
ALMKIT_API almkit_detokenize_params almkit_detokenize_default_params(void);

/* Loads tokenizer.json (or vocab.json + merges.txt, or tokenizer.model) from a checkpoint folder.
 * Thread: any. */
ALMKIT_API almkit_status almkit_tokenizer_load(const char* folder, almkit_tokenizer** out);
/* Ids of `text`: *num_ids receives the count; `ids` (capacity entries) receives the ids. With
 * ids == NULL and capacity == 0 the call is a size query; a smaller capacity gives
 * ALMKIT_ERR_BUFFER_TOO_SMALL. Invalid UTF-8 gives ALMKIT_ERR_INVALID_ARGUMENT. Thread: any. */
ALMKIT_API almkit_status almkit_tokenize(const almkit_tokenizer* tokenizer, const char* text,
                                         const almkit_tokenize_params* params, int32_t* ids,
                                         size_t capacity, size_t* num_ids);
/* Text of `ids` into `text` (caller-buffer rule above). Ids outside the vocabulary give
 * ALMKIT_ERR_INVALID_ARGUMENT. Thread: any. */
ALMKIT_API almkit_status almkit_detokenize(const almkit_tokenizer* tokenizer, const int32_t* ids,
                                           size_t num_ids, const almkit_detokenize_params* params,
                                           char* text, size_t capacity, size_t* length);
/* Number of ids (highest id + 1); 0 for NULL. Thread: any. */
ALMKIT_API int32_t almkit_tokenizer_vocab_size(const almkit_tokenizer* tokenizer);
/* Id of a vocabulary token such as "<|im_end|>"; -1 when absent or on NULL. Thread: any. */
ALMKIT_API int32_t almkit_tokenizer_token_to_id(const almkit_tokenizer* tokenizer,
                                                const char* token);
/* Frees a tokenizer from almkit_tokenizer_load. A tokenizer borrowed from almkit_model_tokenizer
 * belongs to its model: passing it here does nothing. Accepts NULL. Thread: no other call may use
 * `tokenizer` meanwhile. */
ALMKIT_API void almkit_tokenizer_free(almkit_tokenizer* tokenizer);

/* ---------------------------------------------------------------------------------------------
 * Model: an audio-language (or text, or Whisper) model from a Hugging Face checkpoint folder
 * A loaded model is immutable: generate and score may run on one model from several threads at
 * once (each call has its own KV cache).
 * ------------------------------------------------------------------------------------------- */

typedef struct almkit_model almkit_model;

typedef struct almkit_model_params {
  size_t struct_size;  /* sizeof as the caller compiled it: set by the default_params call */
  const char* device;  /* "cpu" (default, or NULL), "cuda", "cuda:1": a libtorch device */
  const char* dtype;   /* "float32" (default, or NULL), "bfloat16" or "int8" */
  int32_t num_threads; /* this model's intra-op threads, applied on the calling thread during
                        * each of its calls; 0 leaves the calling thread's setting */
  bool load_tokenizer; /* default true; false: token-id API only */
} almkit_model_params;

ALMKIT_API almkit_model_params almkit_model_default_params(void);

/* Loads config.json, *.safetensors and the tokenizer files (when present) of `folder`.
 * ALMKIT_ERR_FILE_NOT_FOUND, ALMKIT_ERR_INVALID_FORMAT (corrupt config or weights, naming the
 * file / tensor), ALMKIT_ERR_UNSUPPORTED (unknown model_type). Thread: any; loading changes no
 * process-wide thread count (docs/c-api.md, "Threads per model"). */
ALMKIT_API almkit_status almkit_model_load(const char* folder, const almkit_model_params* params,
                                           almkit_model** out);
/* Thread: no other call may use `model` (or its tokenizer) meanwhile. Accepts NULL. */
ALMKIT_API void almkit_model_free(almkit_model* model);

/* config.json's model_type ("qwen2_audio", "qwen2", "whisper"); "" for NULL. Thread: any. */
ALMKIT_API const char* almkit_model_type(const almkit_model* model);
/* Whether requests may carry audio clips. Thread: any. */
ALMKIT_API bool almkit_model_accepts_audio(const almkit_model* model);
/* Rate clips are resampled to (16000). Thread: any. */
ALMKIT_API int32_t almkit_model_audio_sample_rate(const almkit_model* model);
/* Decoder context length in positions (audio frames count). Thread: any. */
ALMKIT_API int64_t almkit_model_max_positions(const almkit_model* model);
/* The model's tokenizer, owned by the model (do not free; valid while the model lives), or NULL
 * when the folder has none or load_tokenizer was false. Thread: any. */
ALMKIT_API const almkit_tokenizer* almkit_model_tokenizer(const almkit_model* model);

typedef struct almkit_chat_params {
  size_t struct_size;         /* sizeof as the caller compiled it: set by the default_params call */
  bool add_generation_prompt; /* default true: end with the assistant turn's opening */
} almkit_chat_params;

ALMKIT_API almkit_chat_params almkit_chat_default_params(void);

/* The checkpoint's chat template applied to `messages_json`, a JSON array of messages (or an
 * object with "messages"). Content parts {"type": "audio"} become the model's audio placeholder.
 * Text into `prompt` by the caller-buffer rule. ALMKIT_ERR_NOT_FOUND without a tokenizer or
 * template, ALMKIT_ERR_INVALID_FORMAT for bad JSON. Thread: any. */
ALMKIT_API almkit_status almkit_model_chat_prompt(const almkit_model* model,
                                                  const char* messages_json,
                                                  const almkit_chat_params* params, char* prompt,
                                                  size_t capacity, size_t* length);

/* What to run: a prompt as text (already through the chat template; needs a tokenizer) or as
 * token ids (used when `prompt` is NULL or ""), plus the clips its audio placeholders refer to,
 * in order. Clips at another rate are resampled. The request is only read during the call. */
typedef struct almkit_request {
  size_t struct_size; /* sizeof(almkit_request): set it (or start from almkit_request_init()) */
  const char* prompt;
  const int32_t* prompt_ids;
  size_t num_prompt_ids;
  const almkit_audio* const* audio;
  size_t num_audio;
} almkit_request;

/* An empty request (struct_size set, everything else zero / NULL). Thread: any. */
ALMKIT_API almkit_request almkit_request_init(void);

/* Called once per generated token with the text it adds (`piece`, `piece_length` bytes, NUL
 * terminated; "" inside a multi-byte character or without a tokenizer). Return false to stop.
 * Runs on the thread that called almkit_generate. */
typedef bool (*almkit_token_callback)(int32_t token, const char* piece, size_t piece_length,
                                      void* user_data);

typedef struct almkit_generate_params {
  size_t struct_size; /* sizeof as the caller compiled it: set by the default_params call */
  int32_t max_new_tokens;        /* 64 */
  double temperature;            /* 0: greedy (default); > 0: sampling */
  int32_t top_k;                 /* 0: off */
  double top_p;                  /* 1: off */
  uint64_t seed;                 /* sampling is reproducible for a given seed */
  const int32_t* stop_token_ids; /* extra stop ids besides the checkpoint's eos ids */
  size_t num_stop_token_ids;
  almkit_token_callback on_token; /* may be NULL */
  void* user_data;                /* passed to on_token */
  /* May be NULL. Read before the call (non-zero: ALMKIT_ERR_CANCELLED, nothing run) and after
   * every token (non-zero: stop, result has ALMKIT_STOP_CANCELLED). Another thread may set it;
   * it is read with an atomic load, so write it with an atomic store (or __atomic_store_n). */
  const int32_t* cancel;
} almkit_generate_params;

ALMKIT_API almkit_generate_params almkit_generate_default_params(void);

/* Result of one generation (library-owned). */
typedef struct almkit_generation almkit_generation;

typedef enum almkit_stop_reason {
  ALMKIT_STOP_EOS = 0,      /* an eos or stop id (it is the last token) */
  ALMKIT_STOP_LENGTH = 1,   /* max_new_tokens reached */
  ALMKIT_STOP_CANCELLED = 2 /* the callback returned false or the cancel flag was set */
} almkit_stop_reason;

/* Runs the request with greedy or sampled decoding. ALMKIT_ERR_INVALID_ARGUMENT: empty prompt,
 * text prompt on a model without tokenizer, ids outside the vocabulary, audio on a text model,
 * prompt + max_new_tokens beyond the context. Thread: any (concurrent calls on one model are
 * fine). */
ALMKIT_API almkit_status almkit_generate(const almkit_model* model, const almkit_request* request,
                                         const almkit_generate_params* params,
                                         almkit_generation** out);
/* Text of the new tokens without special tokens ("" without a tokenizer). Thread: any. */
ALMKIT_API const char* almkit_generation_text(const almkit_generation* generation);
/* The new token ids (stop token included); *num_tokens receives their count. Thread: any. */
ALMKIT_API const int32_t* almkit_generation_tokens(const almkit_generation* generation,
                                                   size_t* num_tokens);
ALMKIT_API almkit_stop_reason almkit_generation_stop_reason(const almkit_generation* generation);
/* Decoder positions of the prompt, audio frames included. Thread: any. */
ALMKIT_API int64_t almkit_generation_prompt_positions(const almkit_generation* generation);
/* Accepts NULL. Thread: no other call may use `generation` meanwhile. */
ALMKIT_API void almkit_generation_free(almkit_generation* generation);

/* Log-likelihood of one continuation after the request's prompt and audio. */
typedef struct almkit_option_score {
  size_t struct_size;  /* sizeof(almkit_option_score): set in element 0 of a caller array */
  double sum_logprob;  /* log P(option | prompt, audio), summed over its tokens */
  double mean_logprob; /* the same divided by its token count */
  int64_t num_tokens;
} almkit_option_score;

/* Scores `num_options` texts (tokenized without special tokens; needs a tokenizer) as
 * continuations of the request; scores[i] (caller array of num_options) receives option i:
 * set scores[0].struct_size = sizeof(almkit_option_score) (the array's element size; every
 * element's struct_size is written back, and nothing past an element's size). The
 * prompt is encoded once. Pick the answer with the highest sum (or mean) log-probability.
 * Thread: any. */
ALMKIT_API almkit_status almkit_score_options(const almkit_model* model,
                                              const almkit_request* request,
                                              const char* const* options, size_t num_options,
                                              almkit_option_score* scores);
/* The same with options given as token ids: option i is options[i][0 .. option_lengths[i]).
 * Works without a tokenizer. Thread: any. */
ALMKIT_API almkit_status almkit_score_option_ids(const almkit_model* model,
                                                 const almkit_request* request,
                                                 const int32_t* const* options,
                                                 const size_t* option_lengths, size_t num_options,
                                                 almkit_option_score* scores);

/* Per-token log-probabilities of one continuation (token ids; works without a tokenizer) after
 * the request's prompt and audio: token_logprobs[i] = log P(ids[i] | prompt, audio, ids[0..i))
 * for i < num_ids (caller array of num_ids). With top_k > 0 it also writes, per token, the top_k
 * most likely tokens at its position, most likely first, to top_ids / top_logprobs (caller
 * arrays of num_ids * top_k, token-major; past the vocabulary size: id -1, logprob -INFINITY),
 * and, unless `ranks` is NULL, the token's own rank there (1 + the number of tokens more likely
 * than it; 1 for a greedy choice). With top_k 0 those three may be NULL. Thread: any. */
ALMKIT_API almkit_status almkit_score_tokens(const almkit_model* model,
                                             const almkit_request* request, const int32_t* ids,
                                             size_t num_ids, int top_k, double* token_logprobs,
                                             int64_t* ranks, int32_t* top_ids,
                                             double* top_logprobs);

/* ---------------------------------------------------------------------------------------------
 * Research (docs/research.md): a steering vector added to every later generate / score call of a
 * model, and read-outs of one forward pass (hidden states, attention, logit lens) as named
 * float arrays with transformers' names.
 * ------------------------------------------------------------------------------------------- */

typedef struct almkit_steering_params {
  size_t struct_size;    /* sizeof as the caller compiled it: set by the default_params call */
  int32_t layer;         /* decoder layer whose output the vector is added to (0) */
  double alpha;          /* scale (1) */
  const char* positions; /* "all" (default, or NULL): every position of every pass; "last" */
} almkit_steering_params;

ALMKIT_API almkit_steering_params almkit_steering_default_params(void);

/* From now on almkit_generate and almkit_score_* on `model` add alpha * vector (num_values =
 * the decoder's hidden size) to layer `layer`'s output, replacing an earlier vector. A vector of
 * the wrong size fails the later calls with ALMKIT_ERR_SHAPE_MISMATCH. ALMKIT_ERR_INVALID_ARGUMENT
 * for NULL / empty vectors or unknown positions. Thread: no other call may use `model` meanwhile. */
ALMKIT_API almkit_status almkit_model_set_steering(almkit_model* model, const float* vector,
                                                   size_t num_values,
                                                   const almkit_steering_params* params);
/* The same with a file from `almkit steer build`: its vector at its layer (params->layer is not
 * used; alpha and positions are). ALMKIT_ERR_FILE_NOT_FOUND, ALMKIT_ERR_INVALID_FORMAT. */
ALMKIT_API almkit_status almkit_model_load_steering(almkit_model* model, const char* path,
                                                    const almkit_steering_params* params);
/* Removes the steering vector. Accepts NULL. Thread: no other call may use `model` meanwhile. */
ALMKIT_API void almkit_model_clear_steering(almkit_model* model);

typedef struct almkit_inspect_params {
  size_t struct_size;             /* sizeof as the caller compiled it: set by default_params */
  const int32_t* decoder_layers;  /* hidden_states indices (0 = embeddings ... n = final norm) */
  size_t num_decoder_layers;
  const int32_t* encoder_layers;  /* the encoder's, likewise */
  size_t num_encoder_layers;
  bool all_layers;                /* every index of both stacks (default false) */
  bool attention;                 /* attentions_L{i} [1, heads, S, S] of every decoder layer */
  bool logit_lens;                /* logit_lens [1, layers + 1, vocab] */
} almkit_inspect_params;

ALMKIT_API almkit_inspect_params almkit_inspect_default_params(void);

/* Read-outs of one forward pass (library-owned). */
typedef struct almkit_readout almkit_readout;

/* One forward pass of the request (steering vector of the model not applied). Arrays:
 * hidden_states_L{i}, encoder_hidden_states_L{i}, attentions_L{i}, audio_attention_share
 * [1, layers, heads] (with audio), logit_lens, audio_position_mask, logits [1, vocab] (last
 * position), input_ids; integer arrays as exact floats. Thread: any. */
ALMKIT_API almkit_status almkit_inspect(const almkit_model* model, const almkit_request* request,
                                        const almkit_inspect_params* params, almkit_readout** out);
/* Number of arrays, and the name of array i (NULL past the end). Thread: any. */
ALMKIT_API size_t almkit_readout_count(const almkit_readout* readout);
ALMKIT_API const char* almkit_readout_name(const almkit_readout* readout, size_t index);
/* Array `name`: *values (row-major float32, *num_values of them) and *shape (*rank dims), owned
 * by the readout. ALMKIT_ERR_NOT_FOUND for a name it does not hold. Thread: any. */
ALMKIT_API almkit_status almkit_readout_array(const almkit_readout* readout, const char* name,
                                              const float** values, size_t* num_values,
                                              const int64_t** shape, size_t* rank);
/* Accepts NULL. Thread: no other call may use `readout` meanwhile. */
ALMKIT_API void almkit_readout_free(almkit_readout* readout);

/* ---------------------------------------------------------------------------------------------
 * Codec: audio <-> discrete codes with a neural audio codec (EnCodec, DAC, Mimi)
 * A loaded codec is immutable: encode and decode may run on one codec from several threads.
 * ------------------------------------------------------------------------------------------- */

typedef struct almkit_codec almkit_codec;
/* Library-owned codes of one clip: [chunks][quantizers][frames] int64 (one chunk unless the
 * codec chunks its input, as 48 kHz EnCodec does), plus the scales and length decode needs. */
typedef struct almkit_codes almkit_codes;

typedef struct almkit_codec_params {
  size_t struct_size; /* sizeof as the caller compiled it: set by the default_params call */
  const char* device; /* "cpu" (default, or NULL), "cuda", "cuda:1" */
} almkit_codec_params;

typedef struct almkit_codec_encode_params {
  size_t struct_size; /* sizeof as the caller compiled it: set by the default_params call */
  double bandwidth; /* kbps, one of the codec's (almkit_codec_bandwidths); 0: the codec's default
                      (EnCodec: its first; DAC, Mimi: every quantizer, as transformers) */
} almkit_codec_encode_params;

ALMKIT_API almkit_codec_params almkit_codec_default_params(void);
ALMKIT_API almkit_codec_encode_params almkit_codec_encode_default_params(void);

/* Loads <folder>/config.json and its safetensors (model_type "encodec", "dac" or "mimi"). ALMKIT_ERR_FILE_NOT_FOUND,
 * ALMKIT_ERR_INVALID_FORMAT, ALMKIT_ERR_UNSUPPORTED (not a codec model_type). Thread: any. */
ALMKIT_API almkit_status almkit_codec_load(const char* folder, const almkit_codec_params* params,
                                           almkit_codec** out);
/* Thread: no other call may use `codec` meanwhile. Accepts NULL. */
ALMKIT_API void almkit_codec_free(almkit_codec* codec);
/* Accessors; 0 / "" for NULL. Thread: any. */
ALMKIT_API const char* almkit_codec_type(const almkit_codec* codec);
ALMKIT_API int32_t almkit_codec_sample_rate(const almkit_codec* codec);
ALMKIT_API int32_t almkit_codec_channels(const almkit_codec* codec);
ALMKIT_API int32_t almkit_codec_codebook_size(const almkit_codec* codec); /* codes are 0..size-1 */
ALMKIT_API int32_t almkit_codec_max_quantizers(const almkit_codec* codec);
ALMKIT_API double almkit_codec_frame_rate(const almkit_codec* codec); /* code frames per second */
/* Supported bandwidths in kbps: *count receives their number; the pointer (owned by the codec)
 * holds them, ascending. NULL / 0 for a NULL codec. Thread: any. */
ALMKIT_API const double* almkit_codec_bandwidths(const almkit_codec* codec, size_t* count);

/* Encodes a clip. It must be at almkit_codec_sample_rate (else ALMKIT_ERR_INVALID_ARGUMENT naming
 * both rates: resample first); mono input to a stereo codec is duplicated, more channels than the
 * codec takes are downmixed. A bandwidth the codec lacks is ALMKIT_ERR_INVALID_ARGUMENT.
 * Thread: any. */
ALMKIT_API almkit_status almkit_codec_encode(const almkit_codec* codec, const almkit_audio* audio,
                                             const almkit_codec_encode_params* params,
                                             almkit_codes** out);
/* Decodes codes from almkit_codec_encode into a clip at the codec's rate, trimmed to the encoded
 * length. Thread: any. */
ALMKIT_API almkit_status almkit_codec_decode(const almkit_codec* codec, const almkit_codes* codes,
                                             almkit_audio** out);
/* Decodes caller codes: codes[q * num_frames + f] for quantizer q < num_quantizers, frame f,
 * one chunk without scales (what 24 kHz EnCodec produces; chunked or normalising codecs need
 * their almkit_codes). audio_length > 0 trims the output to that many samples; 0 keeps the full
 * decoded length. num_quantizers outside 1..max_quantizers is ALMKIT_ERR_SHAPE_MISMATCH; a code
 * outside 0..codebook_size-1 or num_frames < 1 is ALMKIT_ERR_INVALID_ARGUMENT (naming the
 * position). The array is only read during the call. Thread: any. */
ALMKIT_API almkit_status almkit_codec_decode_codes(const almkit_codec* codec, const int64_t* codes,
                                                   int32_t num_quantizers, int64_t num_frames,
                                                   int64_t audio_length, almkit_audio** out);

/* Accessors of encoded codes; 0 / NULL for NULL. data (int64) and data_int32 (the same values
 * as int32) hold num_chunks * num_quantizers * num_frames codes, chunk c quantizer q frame f at
 * [(c * num_quantizers + q) * num_frames + f]. sample_rate: the codec's (the rate decode gives);
 * audio_length: samples of the encoded clip. Thread: any. */
ALMKIT_API int64_t almkit_codes_num_chunks(const almkit_codes* codes);
ALMKIT_API int32_t almkit_codes_num_quantizers(const almkit_codes* codes);
ALMKIT_API int64_t almkit_codes_num_frames(const almkit_codes* codes);
ALMKIT_API int32_t almkit_codes_sample_rate(const almkit_codes* codes);
ALMKIT_API int64_t almkit_codes_audio_length(const almkit_codes* codes);
ALMKIT_API double almkit_codes_bandwidth(const almkit_codes* codes);
ALMKIT_API const int64_t* almkit_codes_data(const almkit_codes* codes);
ALMKIT_API const int32_t* almkit_codes_data_int32(const almkit_codes* codes);
/* Thread: no other call may use `codes` meanwhile. Accepts NULL. */
ALMKIT_API void almkit_codes_free(almkit_codes* codes);

/* ---------------------------------------------------------------------------------------------
 * Benchmark runner: a model and a benchmark in, a run folder and its summary out (docs/eval.md)
 * ------------------------------------------------------------------------------------------- */

/* Called after every finished model call with (done, total) calls, done counting those found in
 * the run's cache. Return false to stop: the calls in flight finish, then almkit_eval_run returns
 * ALMKIT_ERR_CANCELLED (finished calls stay cached: running again resumes). Runs on a worker
 * thread of the run (the calling thread when batch is 1), one call at a time. Not called when
 * every call is already cached. */
typedef bool (*almkit_progress_callback)(int64_t done, int64_t total, void* user_data);

/* How an item is asked: generate free text and parse the chosen option, or score each option's
 * log-likelihood and take the best (EvalOptions::mode "generate" / "loglik"). */
typedef enum almkit_eval_mode { ALMKIT_EVAL_GENERATE = 0, ALMKIT_EVAL_LOGLIK = 1 } almkit_eval_mode;

/* Mirrors almkit::bench::EvalOptions (`almkit eval`'s options). Strings may be NULL: default. */
typedef struct almkit_eval_params {
  size_t struct_size; /* sizeof as the caller compiled it: set by the default_params call */
  const char* model_dir;            /* required: an HF checkpoint folder with tokenizer files */
  const char* bench;                /* "perception" (default), mmau, mmar, star, muse, jsonl */
  const char* data_path;            /* the benchmark's JSON / JSONL (required except muse) */
  const char* audio_root;           /* NULL: relative audio paths from the data file's folder */
  const char* out_dir;              /* required: the run folder (created; resumes when present) */
  int32_t limit;                    /* first N items only; 0: all */
  int32_t shard_index;              /* 0 */
  int32_t shard_count;              /* 1 */
  int32_t threads;                  /* compute threads in all; 0: every core */
  int32_t batch;                    /* items in flight at once; 1 */
  almkit_eval_mode mode;            /* ALMKIT_EVAL_GENERATE (default) or ALMKIT_EVAL_LOGLIK */
  int32_t permutations;             /* presentations of each item's choices; 1 */
  uint64_t seed;                    /* 0 */
  int32_t max_new_tokens;           /* 64 */
  double temperature;               /* 0: greedy */
  int32_t top_k;                    /* 0 */
  double top_p;                     /* 1 */
  const char* prompt_template_path; /* NULL: the benchmark's template */
  bool silent_baseline;             /* true: also ask every item with silence */
  const char* device;               /* "cpu" */
  const char* dtype;                /* "float32" */
  bool quiet;                       /* true (default): no progress on stderr, use the callback */
  almkit_progress_callback on_progress; /* may be NULL */
  void* user_data;                      /* passed to on_progress */
} almkit_eval_params;

ALMKIT_API almkit_eval_params almkit_eval_default_params(void);

/* Outcome of a run (library-owned). */
typedef struct almkit_eval_result almkit_eval_result;

/* Runs the benchmark (blocking) and writes out_dir/run.json, results.jsonl, summary.json,
 * report.md and report.html. Bad input (unknown benchmark or mode value, malformed data, missing
 * audio) fails before the model loads: ALMKIT_ERR_INVALID_ARGUMENT / _INVALID_FORMAT /
 * _FILE_NOT_FOUND. Items the model refuses are recorded and counted, not a failure.
 * Thread: any (two runs must not share an out_dir). */
ALMKIT_API almkit_status almkit_eval_run(const almkit_eval_params* params,
                                         almkit_eval_result** out);
/* summary.json's content ("" for a lone shard of a sharded run, whose summary comes from
 * `almkit merge`). Owned by the result. Thread: any. */
ALMKIT_API const char* almkit_eval_result_summary_json(const almkit_eval_result* result);
ALMKIT_API const char* almkit_eval_result_out_dir(const almkit_eval_result* result);
/* Model calls of this run: in all, found in the cache, run now, refused by the model. */
ALMKIT_API int64_t almkit_eval_result_units(const almkit_eval_result* result);
ALMKIT_API int64_t almkit_eval_result_reused(const almkit_eval_result* result);
ALMKIT_API int64_t almkit_eval_result_computed(const almkit_eval_result* result);
ALMKIT_API int64_t almkit_eval_result_failed(const almkit_eval_result* result);
/* Every unit of the run has a result (false for a lone shard or with refused items). */
ALMKIT_API bool almkit_eval_result_complete(const almkit_eval_result* result);
ALMKIT_API double almkit_eval_result_seconds(const almkit_eval_result* result);
/* Accepts NULL. Thread: no other call may use `result` meanwhile. */
ALMKIT_API void almkit_eval_result_free(almkit_eval_result* result);

#ifdef __cplusplus
}
#endif

#endif /* ALMKIT_ALMKIT_H */
