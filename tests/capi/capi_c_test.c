/* The C API from C99: what a C caller sees (values, ownership, statuses and messages).
 *
 *   almkit_capi_c_test JFK_WAV REFERENCE_DIR [SMALL_MODEL_DIR [PERCEPTION_JSON EVAL_OUT_DIR]]
 *
 * REFERENCE_DIR: ../shared/reference/hf-transformers-4.47.1. SMALL_MODEL_DIR: an
 * `almkit init-model --arch qwen2_audio --size small` folder (with the Qwen tokenizer).
 * PERCEPTION_JSON: `almkit synth --n 4` output; EVAL_OUT_DIR: a run folder that does not exist. */
#include <almkit/almkit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define EXPECT(condition)                                                                      \
  do {                                                                                         \
    ++checks;                                                                                  \
    if (!(condition)) {                                                                        \
      ++failures;                                                                              \
      fprintf(stderr, "%s:%d: expected %s (last error: %s)\n", __FILE__, __LINE__, #condition, \
              almkit_last_error());                                                            \
    }                                                                                          \
  } while (0)

/* A call fails with `status` and a message mentioning `fragment`. */
#define EXPECT_STATUS(call, status, fragment)                                                   \
  do {                                                                                          \
    almkit_status got_ = (call);                                                                \
    ++checks;                                                                                   \
    if (got_ != (status) || strstr(almkit_last_error(), (fragment)) == NULL) {                  \
      ++failures;                                                                               \
      fprintf(stderr, "%s:%d: %s gave %s '%s'; expected %s with '%s'\n", __FILE__, __LINE__,    \
              #call, almkit_status_name(got_), almkit_last_error(), almkit_status_name(status), \
              (fragment));                                                                      \
    }                                                                                           \
  } while (0)

#define EXPECT_OK(call) EXPECT_STATUS(call, ALMKIT_OK, "")

static char path_buffer[4096];
static const char* join(const char* folder, const char* name) {
  snprintf(path_buffer, sizeof path_buffer, "%s/%s", folder, name);
  return path_buffer;
}

static void errors_and_version(void) {
  EXPECT(strcmp(almkit_version(), "0.1.0") == 0);
  EXPECT(strstr(almkit_build_info(), "almkit") != NULL);
  EXPECT(almkit_active_blas() != NULL);
  EXPECT(strcmp(almkit_status_name(ALMKIT_ERR_BUFFER_TOO_SMALL), "buffer_too_small") == 0);
  EXPECT(strcmp(almkit_status_name((almkit_status)99), "unknown") == 0);
  EXPECT_OK(almkit_set_log_level(ALMKIT_LOG_WARN));
  EXPECT_STATUS(almkit_set_log_level((almkit_log_level)42), ALMKIT_ERR_INVALID_ARGUMENT, "42");
  EXPECT_OK(almkit_set_log_level(ALMKIT_LOG_ERROR));
  EXPECT(strcmp(almkit_last_error(), "") == 0); /* success clears the message */
}

static void audio(const char* jfk) {
  almkit_audio_params params = almkit_audio_default_params();
  almkit_audio* clip = NULL;
  EXPECT_OK(almkit_audio_load(jfk, &params, &clip));
  EXPECT(almkit_audio_sample_rate(clip) == 16000);
  EXPECT(almkit_audio_channels(clip) == 1);
  EXPECT(almkit_audio_num_frames(clip) == 176000); /* 11 s */

  almkit_audio* half = NULL;
  EXPECT_OK(almkit_audio_resample(clip, 8000, &half));
  EXPECT(almkit_audio_sample_rate(half) == 8000);
  EXPECT(llabs((long long)almkit_audio_num_frames(half) - 88000) <= 1);
  almkit_audio_free(half);
  EXPECT_STATUS(almkit_audio_resample(clip, 0, &half), ALMKIT_ERR_INVALID_ARGUMENT,
                "target_sample_rate");
  EXPECT(half == NULL); /* out-parameters are reset on failure */
  EXPECT_STATUS(almkit_audio_resample(NULL, 8000, &half), ALMKIT_ERR_INVALID_ARGUMENT,
                "audio is NULL");
  almkit_audio_free(clip);

  almkit_audio* missing = NULL;
  EXPECT_STATUS(almkit_audio_load("/nonexistent/clip.wav", NULL, &missing),
                ALMKIT_ERR_FILE_NOT_FOUND, "/nonexistent/clip.wav");
  EXPECT(missing == NULL);
  EXPECT_STATUS(almkit_audio_load(NULL, NULL, &missing), ALMKIT_ERR_INVALID_ARGUMENT,
                "almkit_audio_load: path is NULL");
  EXPECT_STATUS(almkit_audio_load(jfk, NULL, NULL), ALMKIT_ERR_INVALID_ARGUMENT, "out is NULL");
  const char garbage[] = "RIFF....WAVEthis is not audio at all";
  EXPECT_STATUS(almkit_audio_load_memory(garbage, sizeof garbage, NULL, &missing),
                ALMKIT_ERR_INVALID_FORMAT, "");
  EXPECT_STATUS(almkit_audio_load_memory(garbage, 0, NULL, &missing), ALMKIT_ERR_INVALID_ARGUMENT,
                "size is 0");

  const float stereo[] = {0.5f, -0.5f, 0.25f, -0.25f};
  almkit_audio* made = NULL;
  EXPECT_OK(almkit_audio_from_samples(stereo, 2, 2, 16000, &made));
  EXPECT(almkit_audio_num_frames(made) == 2 && almkit_audio_channels(made) == 2);
  EXPECT(almkit_audio_samples(made)[3] == -0.25f);
  almkit_audio_free(made);
  const float bad[] = {0.0f, NAN};
  EXPECT_STATUS(almkit_audio_from_samples(bad, 2, 1, 16000, &made), ALMKIT_ERR_INVALID_ARGUMENT,
                "finite");
  EXPECT_STATUS(almkit_audio_from_samples(stereo, 2, 0, 16000, &made), ALMKIT_ERR_INVALID_ARGUMENT,
                "positive");
  almkit_audio_free(NULL); /* accepted */
}

static void features(const char* jfk) {
  almkit_audio* clip = NULL;
  EXPECT_OK(almkit_audio_load(jfk, NULL, &clip));
  const float* samples = almkit_audio_samples(clip);
  const int64_t n = almkit_audio_num_frames(clip);

  int64_t bins = 0, frames = 0, valid = 0;
  EXPECT_OK(almkit_whisper_mel_size(NULL, n, &bins, &frames));
  EXPECT(bins == 80 && frames == 3000);
  const size_t size = (size_t)(bins * frames);
  float* mel = malloc(size * sizeof *mel);
  EXPECT_STATUS(almkit_whisper_mel_compute_into(NULL, samples, n, mel, size - 1, &valid),
                ALMKIT_ERR_BUFFER_TOO_SMALL, "240000");
  EXPECT_OK(almkit_whisper_mel_compute_into(NULL, samples, n, mel, size, &valid));
  EXPECT(valid == 1100);
  almkit_features* owned = NULL;
  EXPECT_OK(almkit_whisper_mel_compute(NULL, samples, n, &owned));
  EXPECT(almkit_features_num_bins(owned) == 80 && almkit_features_num_frames(owned) == 3000);
  EXPECT(almkit_features_valid_frames(owned) == 1100);
  EXPECT(almkit_features_layout(owned) == ALMKIT_LAYOUT_BINS_BY_FRAMES);
  EXPECT(memcmp(almkit_features_data(owned), mel, size * sizeof *mel) == 0);
  almkit_features_free(owned);
  free(mel);

  almkit_whisper_mel_params unpadded = almkit_whisper_mel_default_params();
  unpadded.pad_to_chunk = false;
  unpadded.feature_size = 128;
  EXPECT_OK(almkit_whisper_mel_size(&unpadded, n, &bins, &frames));
  EXPECT(bins == 128 && frames == 1100);
  almkit_whisper_mel_params broken = almkit_whisper_mel_default_params();
  broken.n_fft = 401;
  EXPECT_STATUS(almkit_whisper_mel_compute(&broken, samples, n, &owned),
                ALMKIT_ERR_INVALID_ARGUMENT, "n_fft");
  EXPECT(owned == NULL);
  EXPECT_STATUS(almkit_whisper_mel_compute(NULL, NULL, n, &owned), ALMKIT_ERR_INVALID_ARGUMENT,
                "samples is NULL");

  almkit_kaldi_fbank_params fbank = almkit_kaldi_fbank_default_params();
  fbank.num_mel_bins = 80;
  EXPECT_OK(almkit_kaldi_fbank_size(&fbank, n, &frames, &bins));
  EXPECT(frames == 1 + (176000 - 400) / 160 && bins == 80);
  float* into = malloc((size_t)(frames * bins) * sizeof *into);
  EXPECT_STATUS(almkit_kaldi_fbank_compute_into(&fbank, samples, n, into, 10),
                ALMKIT_ERR_BUFFER_TOO_SMALL, "capacity");
  EXPECT_OK(almkit_kaldi_fbank_compute_into(&fbank, samples, n, into, (size_t)(frames * bins)));
  EXPECT_OK(almkit_kaldi_fbank_compute(&fbank, samples, n, &owned));
  EXPECT(almkit_features_layout(owned) == ALMKIT_LAYOUT_FRAMES_BY_BINS);
  EXPECT(almkit_features_num_frames(owned) == frames && almkit_features_num_bins(owned) == 80);
  EXPECT(memcmp(almkit_features_data(owned), into, (size_t)(frames * bins) * sizeof *into) == 0);
  almkit_features_free(owned);
  free(into);
  fbank.window_type = "triangle";
  EXPECT_STATUS(almkit_kaldi_fbank_compute(&fbank, samples, n, &owned), ALMKIT_ERR_INVALID_ARGUMENT,
                "triangle");
  almkit_audio_free(clip);
}

/* Counts tokens and asks to stop after `limit` of them. */
typedef struct {
  int seen;
  int limit;
} token_counter;

static bool count_tokens(int32_t token, const char* piece, size_t piece_length, void* user_data) {
  token_counter* counter = (token_counter*)user_data;
  (void)token;
  (void)piece;
  (void)piece_length;
  return ++counter->seen < counter->limit;
}

static void tokenizer_less_model(const char* reference) {
  almkit_model* model = NULL;
  EXPECT_OK(almkit_model_load(join(reference, "qwen2"), NULL, &model));
  if (model == NULL) return;
  EXPECT(strcmp(almkit_model_type(model), "qwen2") == 0);
  EXPECT(almkit_model_tokenizer(model) == NULL);
  EXPECT(!almkit_model_accepts_audio(model));

  /* transformers' greedy continuation of the fixture's prompt (qwen2/io.safetensors). */
  const int32_t prompt[] = {5, 17, 42, 99, 128, 7, 250};
  const int32_t expected[] = {221, 141, 136, 128, 162, 158, 126, 141};
  almkit_request request = {sizeof request, NULL, prompt, 7, NULL, 0};
  almkit_generate_params params = almkit_generate_default_params();
  params.max_new_tokens = 8;
  almkit_generation* generation = NULL;
  EXPECT_OK(almkit_generate(model, &request, &params, &generation));
  size_t count = 0;
  const int32_t* tokens = almkit_generation_tokens(generation, &count);
  EXPECT(count == 8 && tokens != NULL && memcmp(tokens, expected, sizeof expected) == 0);
  EXPECT(almkit_generation_stop_reason(generation) == ALMKIT_STOP_LENGTH);
  EXPECT(almkit_generation_prompt_positions(generation) == 7);
  EXPECT(strcmp(almkit_generation_text(generation), "") == 0);
  almkit_generation_free(generation);

  token_counter counter = {0, 3};
  params.on_token = count_tokens;
  params.user_data = &counter;
  EXPECT_OK(almkit_generate(model, &request, &params, &generation));
  almkit_generation_tokens(generation, &count);
  EXPECT(counter.seen == 3 && count == 3);
  EXPECT(almkit_generation_stop_reason(generation) == ALMKIT_STOP_CANCELLED);
  almkit_generation_free(generation);

  const int32_t cancel = 1;
  params.on_token = NULL;
  params.cancel = &cancel;
  generation = NULL;
  EXPECT_STATUS(almkit_generate(model, &request, &params, &generation), ALMKIT_ERR_CANCELLED,
                "cancel");
  EXPECT(generation == NULL);
  params.cancel = NULL;

  almkit_request text_request = {sizeof text_request, "hello", NULL, 0, NULL, 0};
  EXPECT_STATUS(almkit_generate(model, &text_request, &params, &generation),
                ALMKIT_ERR_INVALID_ARGUMENT, "no tokenizer");
  const int32_t outside[] = {5, 256};
  almkit_request outside_request = {sizeof outside_request, NULL, outside, 2, NULL, 0};
  EXPECT_STATUS(almkit_generate(model, &outside_request, &params, &generation),
                ALMKIT_ERR_INVALID_ARGUMENT, "256");
  almkit_request null_ids = {sizeof null_ids, NULL, NULL, 3, NULL, 0};
  EXPECT_STATUS(almkit_generate(model, &null_ids, &params, &generation),
                ALMKIT_ERR_INVALID_ARGUMENT, "prompt_ids");
  params.max_new_tokens = 0;
  EXPECT_STATUS(almkit_generate(model, &request, &params, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
                "max_new_tokens");

  /* One-token options: log-softmax of the fixture's last-position logits. */
  const int32_t option_a[] = {10}, option_b[] = {200}, option_c[] = {10, 11};
  const int32_t* options[] = {option_a, option_b, option_c};
  const size_t lengths[] = {1, 1, 2};
  almkit_option_score scores[3];
  scores[0].struct_size = sizeof scores[0];
  EXPECT_OK(almkit_score_option_ids(model, &request, options, lengths, 3, scores));
  EXPECT(fabs(scores[0].sum_logprob - -5.06139225) < 1e-3);
  EXPECT(fabs(scores[1].sum_logprob - -5.86185771) < 1e-3);
  EXPECT(scores[2].num_tokens == 2 &&
         fabs(scores[2].mean_logprob * 2 - scores[2].sum_logprob) < 1e-9);
  EXPECT(scores[2].sum_logprob < scores[0].sum_logprob);
  const char* text_options[] = {"yes"};
  EXPECT_STATUS(almkit_score_options(model, &request, text_options, 1, scores),
                ALMKIT_ERR_NOT_FOUND, "tokenizer");
  EXPECT_STATUS(almkit_score_option_ids(model, &request, options, lengths, 0, scores),
                ALMKIT_ERR_INVALID_ARGUMENT, "num_options");

  /* The same two tokens one by one, with two alternatives each. */
  double token_logprobs[2], top_logprobs[4];
  int64_t ranks[2];
  int32_t top_ids[4];
  EXPECT_OK(almkit_score_tokens(model, &request, option_c, 2, 2, token_logprobs, ranks, top_ids,
                                top_logprobs));
  EXPECT(fabs(token_logprobs[0] - scores[0].sum_logprob) < 1e-9);
  EXPECT(fabs(token_logprobs[0] + token_logprobs[1] - scores[2].sum_logprob) < 1e-9);
  EXPECT(ranks[0] >= 1 && ranks[1] >= 1);
  EXPECT(top_logprobs[0] >= top_logprobs[1] && top_logprobs[0] >= token_logprobs[0]);
  EXPECT(top_ids[0] >= 0 && top_ids[0] < 256 && top_ids[2] >= 0);
  EXPECT_STATUS(almkit_score_tokens(model, &request, option_c, 2, 2, token_logprobs, ranks, NULL,
                                    top_logprobs),
                ALMKIT_ERR_INVALID_ARGUMENT, "top_ids");
  almkit_model_free(model);

  EXPECT_STATUS(almkit_model_load("/nonexistent/model", NULL, &model), ALMKIT_ERR_FILE_NOT_FOUND,
                "/nonexistent/model");
  EXPECT(model == NULL);
  almkit_model_params bad = almkit_model_default_params();
  bad.dtype = "float8";
  EXPECT_STATUS(almkit_model_load(join(reference, "qwen2"), &bad, &model),
                ALMKIT_ERR_INVALID_ARGUMENT, "float8");
}

static void small_model(const char* folder, const char* jfk) {
  almkit_model* model = NULL;
  EXPECT_OK(almkit_model_load(folder, NULL, &model));
  if (model == NULL) return;
  const almkit_tokenizer* tokenizer = almkit_model_tokenizer(model);
  EXPECT(tokenizer != NULL);
  EXPECT(almkit_model_accepts_audio(model));
  EXPECT(almkit_tokenizer_token_to_id(tokenizer, "<|im_end|>") == 151645);
  EXPECT(almkit_tokenizer_token_to_id(tokenizer, "<|no such token|>") == -1);

  /* Tokenize: size query, too small, exact. */
  size_t count = 0;
  EXPECT_OK(almkit_tokenize(tokenizer, "Hello world", NULL, NULL, 0, &count));
  EXPECT(count == 2);
  int32_t ids[8];
  EXPECT_STATUS(almkit_tokenize(tokenizer, "Hello world", NULL, ids, 1, &count),
                ALMKIT_ERR_BUFFER_TOO_SMALL, "2 tokens");
  EXPECT_OK(almkit_tokenize(tokenizer, "Hello world", NULL, ids, 8, &count));
  EXPECT(count == 2 && ids[0] == 9707 && ids[1] == 1879);
  char text[64];
  size_t length = 0;
  EXPECT_OK(almkit_detokenize(tokenizer, ids, count, NULL, text, sizeof text, &length));
  EXPECT(length == 11 && strcmp(text, "Hello world") == 0);
  EXPECT_STATUS(almkit_detokenize(tokenizer, ids, count, NULL, text, 11, &length),
                ALMKIT_ERR_BUFFER_TOO_SMALL, "12 bytes");
  EXPECT(length == 11 && text[0] == '\0');
  const int32_t outside[] = {999999};
  EXPECT_STATUS(almkit_detokenize(tokenizer, outside, 1, NULL, text, sizeof text, &length),
                ALMKIT_ERR_INVALID_ARGUMENT, "999999");
  EXPECT_STATUS(almkit_tokenize(tokenizer, "\xff\xfe", NULL, ids, 8, &count),
                ALMKIT_ERR_INVALID_ARGUMENT, "UTF-8");
  almkit_tokenizer_free((almkit_tokenizer*)tokenizer); /* a model's tokenizer: no effect */
  EXPECT(almkit_tokenizer_vocab_size(almkit_model_tokenizer(model)) > 151000);

  /* Chat prompt with an audio clip, text generation, option scoring. */
  const char* messages =
      "[{\"role\": \"user\", \"content\": [{\"type\": \"audio\"}, {\"type\": \"text\", \"text\": "
      "\"Who speaks?\"}]}]";
  EXPECT_OK(almkit_model_chat_prompt(model, messages, NULL, NULL, 0, &length));
  char* prompt = malloc(length + 1);
  EXPECT_OK(almkit_model_chat_prompt(model, messages, NULL, prompt, length + 1, &length));
  EXPECT(strstr(prompt, "<|AUDIO|>") != NULL && strstr(prompt, "<|im_start|>assistant\n") != NULL);
  EXPECT_STATUS(almkit_model_chat_prompt(model, "[{\"role\": ", NULL, NULL, 0, &length),
                ALMKIT_ERR_INVALID_FORMAT, "JSON");

  almkit_audio_params audio_params = almkit_audio_default_params();
  audio_params.duration_seconds = 2.0;
  almkit_audio* clip = NULL;
  EXPECT_OK(almkit_audio_load(jfk, &audio_params, &clip));
  const almkit_audio* clips[] = {clip};
  almkit_request request = {sizeof request, prompt, NULL, 0, clips, 1};
  almkit_generate_params params = almkit_generate_default_params();
  params.max_new_tokens = 4;
  almkit_generation* generation = NULL;
  EXPECT_OK(almkit_generate(model, &request, &params, &generation));
  size_t num_tokens = 0;
  almkit_generation_tokens(generation, &num_tokens);
  EXPECT(num_tokens >= 1 && num_tokens <= 4);
  EXPECT(almkit_generation_prompt_positions(generation) > 50); /* the clip's frames */
  almkit_generation_free(generation);

  const char* answers[] = {" A man.", " A woman."};
  almkit_option_score scores[2];
  scores[0].struct_size = sizeof scores[0];
  EXPECT_OK(almkit_score_options(model, &request, answers, 2, scores));
  EXPECT(scores[0].num_tokens >= 2 && scores[0].sum_logprob < 0.0 && scores[1].sum_logprob < 0.0);
  const almkit_audio* null_clips[] = {NULL};
  almkit_request null_clip = {sizeof null_clip, prompt, NULL, 0, null_clips, 1};
  EXPECT_STATUS(almkit_score_options(model, &null_clip, answers, 2, scores),
                ALMKIT_ERR_INVALID_ARGUMENT, "request->audio[0] is NULL");
  almkit_audio_free(clip);
  free(prompt);
  almkit_model_free(model);

  almkit_tokenizer* standalone = NULL;
  EXPECT_OK(almkit_tokenizer_load(folder, &standalone));
  EXPECT_OK(almkit_tokenize(standalone, "Hello world", NULL, ids, 8, &count));
  EXPECT(count == 2 && ids[0] == 9707);
  almkit_tokenizer_free(standalone);
  EXPECT_STATUS(almkit_tokenizer_load("/nonexistent/tokenizer", &standalone),
                ALMKIT_ERR_FILE_NOT_FOUND, "");
}

/* Research: read-outs of one pass agree with each other; a steering vector held by the model
 * changes scores, alpha 0 and clearing it give the plain scores back; bad vectors are refused. */
static void research(const char* folder) {
  almkit_model* model = NULL;
  EXPECT_OK(almkit_model_load(folder, NULL, &model));
  if (model == NULL) return;
  const int32_t prompt[] = {9707, 1879, 11, 13};
  almkit_request request = {sizeof request, NULL, prompt, 4, NULL, 0};
  almkit_inspect_params what = almkit_inspect_default_params();
  const int32_t layers[] = {0, 2};
  what.decoder_layers = layers;
  what.num_decoder_layers = 2;
  what.logit_lens = true;
  almkit_readout* readout = NULL;
  EXPECT_OK(almkit_inspect(model, &request, &what, &readout));
  if (readout == NULL) {
    almkit_model_free(model);
    return;
  }
  EXPECT(almkit_readout_count(readout) >= 5);
  EXPECT(almkit_readout_name(readout, almkit_readout_count(readout)) == NULL);
  const float *hidden = NULL, *lens = NULL, *logits = NULL, *ids = NULL;
  const int64_t *shape = NULL, *lens_shape = NULL, *ids_shape = NULL;
  size_t count = 0, lens_count = 0, logits_count = 0, rank = 0, ids_count = 0;
  EXPECT_OK(almkit_readout_array(readout, "hidden_states_L0", &hidden, &count, &shape, &rank));
  EXPECT(rank == 3 && shape[0] == 1 && shape[1] == 4 && shape[2] == 128 && count == 4 * 128);
  EXPECT_OK(almkit_readout_array(readout, "logit_lens", &lens, &lens_count, &lens_shape, &rank));
  EXPECT(rank == 3 && lens_shape[1] == 3);
  EXPECT_OK(almkit_readout_array(readout, "logits", &logits, &logits_count, &shape, &rank));
  EXPECT(rank == 2 && logits_count == (size_t)lens_shape[2]);
  if (lens != NULL && logits != NULL && logits_count == (size_t)lens_shape[2]) {
    double worst = 0.0; /* the lens after the last layer is the logits */
    size_t i;
    for (i = 0; i < logits_count; ++i) {
      const double d = fabs(lens[2 * logits_count + i] - logits[i]);
      if (d > worst) worst = d;
    }
    EXPECT(worst < 1e-4);
  }
  EXPECT_OK(almkit_readout_array(readout, "input_ids", &ids, &ids_count, &ids_shape, &rank));
  EXPECT(ids_count == 4 && ids[0] == 9707.0f && ids[3] == 13.0f);
  EXPECT_STATUS(almkit_readout_array(readout, "hidden_states_L7", &hidden, &count, &shape, &rank),
                ALMKIT_ERR_NOT_FOUND, "hidden_states_L7");
  almkit_readout_free(readout);

  const int32_t answer[] = {1879, 11};
  const int32_t* options[] = {answer};
  const size_t lengths[] = {2};
  almkit_option_score plain[1], steered[1];
  plain[0].struct_size = steered[0].struct_size = sizeof plain[0];
  EXPECT_OK(almkit_score_option_ids(model, &request, options, lengths, 1, plain));
  float vector[128];
  size_t i;
  for (i = 0; i < 128; ++i) vector[i] = (float)((i % 7) - 3) * 0.5f;
  almkit_steering_params steering = almkit_steering_default_params();
  steering.layer = 1;
  steering.alpha = 0.0;
  EXPECT_OK(almkit_model_set_steering(model, vector, 128, &steering));
  EXPECT_OK(almkit_score_option_ids(model, &request, options, lengths, 1, steered));
  EXPECT(steered[0].sum_logprob == plain[0].sum_logprob);
  steering.alpha = 8.0;
  EXPECT_OK(almkit_model_set_steering(model, vector, 128, &steering));
  EXPECT_OK(almkit_score_option_ids(model, &request, options, lengths, 1, steered));
  EXPECT(fabs(steered[0].sum_logprob - plain[0].sum_logprob) > 1e-3);
  almkit_model_clear_steering(model);
  EXPECT_OK(almkit_score_option_ids(model, &request, options, lengths, 1, steered));
  EXPECT(steered[0].sum_logprob == plain[0].sum_logprob);

  EXPECT_OK(almkit_model_set_steering(model, vector, 3, &steering));
  EXPECT_STATUS(almkit_score_option_ids(model, &request, options, lengths, 1, steered),
                ALMKIT_ERR_SHAPE_MISMATCH, "steering vector of 3 values");
  almkit_model_clear_steering(model);
  steering.positions = "middle";
  EXPECT_STATUS(almkit_model_set_steering(model, vector, 128, &steering), ALMKIT_ERR_INVALID_ARGUMENT,
                "middle");
  EXPECT_STATUS(almkit_model_load_steering(model, "/nonexistent/vector.safetensors", NULL),
                ALMKIT_ERR_FILE_NOT_FOUND, "/nonexistent/vector.safetensors");
  almkit_model_clear_steering(NULL);
  almkit_model_free(model);
}


/* One tensor of a safetensors file (tests only: finds "NAME" in the JSON header and reads its
 * data_offsets). Returns a malloc'd copy of its bytes, or NULL. */
static void* read_tensor(const char* path, const char* name, size_t* bytes) {
  FILE* file = fopen(path, "rb");
  unsigned char size_bytes[8];
  unsigned long long header_size = 0, begin = 0, end = 0;
  char key[256];
  char* header = NULL;
  const char* found = NULL;
  void* data = NULL;
  int i;
  if (file == NULL) return NULL;
  if (fread(size_bytes, 1, 8, file) != 8) goto done;
  for (i = 7; i >= 0; --i) header_size = (header_size << 8) | size_bytes[i];
  header = calloc((size_t)header_size + 1, 1);
  if (header == NULL || fread(header, 1, (size_t)header_size, file) != header_size) goto done;
  snprintf(key, sizeof key, "\"%s\"", name);
  found = strstr(header, key);
  if (found == NULL || (found = strstr(found, "data_offsets")) == NULL) goto done;
  found += strlen("data_offsets");
  while (*found != '\0' && (*found < '0' || *found > '9')) ++found;
  if (sscanf(found, "%llu , %llu", &begin, &end) != 2 || end < begin) goto done;
  data = malloc((size_t)(end - begin) + 1);
  if (data == NULL || fseek(file, (long)(8 + header_size + begin), SEEK_SET) != 0 ||
      fread(data, 1, (size_t)(end - begin), file) != end - begin) {
    free(data);
    data = NULL;
    goto done;
  }
  *bytes = (size_t)(end - begin);
done:
  free(header);
  fclose(file);
  return data;
}

static void codec(const char* reference) {
  char folder[4096], io[4096];
  snprintf(folder, sizeof folder, "%s/encodec", reference);
  snprintf(io, sizeof io, "%s/encodec/io.safetensors", reference);
  almkit_codec* model = NULL;
  almkit_codec_params cp = almkit_codec_default_params();
  EXPECT_OK(almkit_codec_load(folder, &cp, &model));
  if (model == NULL) return;
  EXPECT(strcmp(almkit_codec_type(model), "encodec") == 0);
  EXPECT(almkit_codec_sample_rate(model) == 24000 && almkit_codec_channels(model) == 1);
  EXPECT(almkit_codec_codebook_size(model) == 64);
  size_t num_bandwidths = 0;
  const double* bandwidths = almkit_codec_bandwidths(model, &num_bandwidths);
  EXPECT(num_bandwidths == 2 && bandwidths[0] == 1.5 && bandwidths[1] == 3.0);
  EXPECT(fabs(almkit_codec_frame_rate(model) - 75.0) < 1e-9);

  /* The reference input encodes to transformers' codes and decodes to its audio. */
  size_t bytes = 0, code_bytes = 0, value_bytes = 0;
  float* input = read_tensor(io, "input_values", &bytes);
  int64_t* expected = read_tensor(io, "bw1.5_audio_codes", &code_bytes);
  float* expected_audio = read_tensor(io, "bw1.5_audio_values", &value_bytes);
  EXPECT(input != NULL && bytes == 24000 * sizeof(float) && expected != NULL &&
         code_bytes == 3 * 75 * sizeof(int64_t) && expected_audio != NULL);
  if (input != NULL && expected != NULL && expected_audio != NULL) {
    almkit_audio* clip = NULL;
    almkit_codes* codes = NULL;
    almkit_audio* decoded = NULL;
    EXPECT_OK(almkit_audio_from_samples(input, 24000, 1, 24000, &clip));
    almkit_codec_encode_params ep = almkit_codec_encode_default_params();
    ep.bandwidth = 1.5;
    EXPECT_OK(almkit_codec_encode(model, clip, &ep, &codes));
    EXPECT(almkit_codes_num_chunks(codes) == 1 && almkit_codes_num_quantizers(codes) == 3 &&
           almkit_codes_num_frames(codes) == 75 && almkit_codes_sample_rate(codes) == 24000 &&
           almkit_codes_audio_length(codes) == 24000 && almkit_codes_bandwidth(codes) == 1.5);
    if (almkit_codes_data(codes) != NULL) {
      EXPECT(memcmp(almkit_codes_data(codes), expected, code_bytes) == 0);
      EXPECT(almkit_codes_data_int32(codes)[74] == (int32_t)expected[74]);
    }
    EXPECT_OK(almkit_codec_decode(model, codes, &decoded));
    EXPECT(almkit_audio_num_frames(decoded) == 24000 && almkit_audio_sample_rate(decoded) == 24000);
    if (almkit_audio_num_frames(decoded) == 24000) {
      double worst = 0;
      const float* samples = almkit_audio_samples(decoded);
      int i;
      for (i = 0; i < 24000; ++i) {
        const double d = fabs((double)samples[i] - (double)expected_audio[i]);
        if (d > worst) worst = d;
      }
      EXPECT(worst < 1e-4);
    }
    almkit_audio_free(decoded);
    decoded = NULL;
    /* Caller codes: the same values decode to the same clip; bad ones are refused. */
    EXPECT_OK(almkit_codec_decode_codes(model, expected, 3, 75, 24000, &decoded));
    EXPECT(almkit_audio_num_frames(decoded) == 24000);
    almkit_audio_free(decoded);
    EXPECT_OK(almkit_codec_decode_codes(model, expected, 3, 75, 0, &decoded));
    EXPECT(almkit_audio_num_frames(decoded) >= 24000); /* full decoded length */
    almkit_audio_free(decoded);
    decoded = NULL;
    EXPECT_STATUS(almkit_codec_decode_codes(model, expected, 99, 1, 0, &decoded),
                  ALMKIT_ERR_SHAPE_MISMATCH, "num_quantizers is 99");
    EXPECT_STATUS(almkit_codec_decode_codes(model, expected, 0, 75, 0, &decoded),
                  ALMKIT_ERR_SHAPE_MISMATCH, "1..");
    EXPECT_STATUS(almkit_codec_decode_codes(model, expected, 3, 0, 0, &decoded),
                  ALMKIT_ERR_INVALID_ARGUMENT, "num_frames");
    expected[80] = 64; /* quantizer 1, frame 5 */
    EXPECT_STATUS(almkit_codec_decode_codes(model, expected, 3, 75, 0, &decoded),
                  ALMKIT_ERR_INVALID_ARGUMENT, "code 64 at quantizer 1, frame 5");
    expected[80] = -1;
    EXPECT_STATUS(almkit_codec_decode_codes(model, expected, 3, 75, 0, &decoded),
                  ALMKIT_ERR_INVALID_ARGUMENT, "outside the codebook");
    EXPECT(decoded == NULL);
    EXPECT_STATUS(almkit_codec_decode_codes(model, NULL, 3, 75, 0, &decoded),
                  ALMKIT_ERR_INVALID_ARGUMENT, "codes is NULL");
    EXPECT_STATUS(almkit_codec_decode(model, NULL, &decoded), ALMKIT_ERR_INVALID_ARGUMENT,
                  "codes is NULL");
    almkit_codes_free(codes);
    almkit_audio_free(clip);
  }
  free(input);
  free(expected);
  free(expected_audio);

  /* A synthetic 24 kHz tone at 3 kbps: shapes and a round trip of the same length. */
  {
    enum { kSamples = 12345 };
    static float tone[kSamples];
    almkit_audio* clip = NULL;
    almkit_audio* decoded = NULL;
    almkit_codes* codes = NULL;
    almkit_codec_encode_params ep = almkit_codec_encode_default_params();
    int i;
    for (i = 0; i < kSamples; ++i) tone[i] = 0.3f * (float)sin(2 * 3.14159265358979 * 440.0 * i / 24000);
    EXPECT_OK(almkit_audio_from_samples(tone, kSamples, 1, 24000, &clip));
    EXPECT_OK(almkit_codec_encode(model, clip, NULL, &codes)); /* default: the first bandwidth */
    EXPECT(almkit_codes_bandwidth(codes) == 1.5 && almkit_codes_num_quantizers(codes) == 3);
    almkit_codes_free(codes);
    codes = NULL;
    ep.bandwidth = 3.0;
    EXPECT_OK(almkit_codec_encode(model, clip, &ep, &codes));
    EXPECT(almkit_codes_num_quantizers(codes) == 4);
    EXPECT(almkit_codes_num_frames(codes) == (kSamples + 319) / 320); /* hop 320 */
    EXPECT(almkit_codes_audio_length(codes) == kSamples);
    EXPECT_OK(almkit_codec_decode(model, codes, &decoded));
    EXPECT(almkit_audio_num_frames(decoded) == kSamples && almkit_audio_channels(decoded) == 1);
    almkit_audio_free(decoded);
    almkit_codes_free(codes);
    codes = NULL;

    ep.bandwidth = 2.0;
    EXPECT_STATUS(almkit_codec_encode(model, clip, &ep, &codes), ALMKIT_ERR_INVALID_ARGUMENT,
                  "bandwidth");
    EXPECT(codes == NULL);
    ep.bandwidth = -1.0;
    EXPECT_STATUS(almkit_codec_encode(model, clip, &ep, &codes), ALMKIT_ERR_INVALID_ARGUMENT,
                  "bandwidth");
    almkit_audio_free(clip);
    clip = NULL;
    EXPECT_OK(almkit_audio_from_samples(tone, kSamples, 1, 16000, &clip));
    EXPECT_STATUS(almkit_codec_encode(model, clip, NULL, &codes), ALMKIT_ERR_INVALID_ARGUMENT,
                  "16000 Hz");
    EXPECT_STATUS(almkit_codec_encode(model, NULL, NULL, &codes), ALMKIT_ERR_INVALID_ARGUMENT,
                  "audio is NULL");
    EXPECT_STATUS(almkit_codec_encode(NULL, clip, NULL, &codes), ALMKIT_ERR_INVALID_ARGUMENT,
                  "codec is NULL");
    EXPECT_STATUS(almkit_codec_encode(model, clip, NULL, NULL), ALMKIT_ERR_INVALID_ARGUMENT,
                  "out is NULL");
    almkit_audio_free(clip);
  }
  almkit_codec_free(model);

  almkit_codec* missing = NULL;
  EXPECT_STATUS(almkit_codec_load("/nonexistent/encodec", NULL, &missing),
                ALMKIT_ERR_FILE_NOT_FOUND, "/nonexistent/encodec");
  EXPECT(missing == NULL);
  snprintf(folder, sizeof folder, "%s/qwen2", reference);
  EXPECT_STATUS(almkit_codec_load(folder, NULL, &missing), ALMKIT_ERR_UNSUPPORTED, "");
  EXPECT(almkit_codec_sample_rate(NULL) == 0 && almkit_codes_data(NULL) == NULL);
  almkit_codec_free(NULL);
  almkit_codes_free(NULL);
}

typedef struct progress_log {
  int calls;
  int stop_after; /* return false on this call (0: never) */
  int64_t last_done, last_total;
} progress_log;

static bool on_progress(int64_t done, int64_t total, void* user_data) {
  progress_log* log = user_data;
  ++log->calls;
  log->last_done = done;
  log->last_total = total;
  return log->stop_after == 0 || log->calls < log->stop_after;
}

/* Log lines the callback received: their count, the lowest level seen and one line's text. */
typedef struct log_lines {
  int count;
  almkit_log_level lowest;
  char sample[256];
} log_lines;

static void collect_log(almkit_log_level level, const char* message, void* user_data) {
  log_lines* lines = (log_lines*)user_data;
  if (level < lines->lowest) lines->lowest = level;
  if (strstr(message, "model calls") != NULL) {
    strncpy(lines->sample, message, sizeof lines->sample - 1);
  }
  ++lines->count;
}

static void eval_run(const char* model, const char* data, const char* out_dir) {
  almkit_eval_result* result = NULL;
  almkit_eval_params params = almkit_eval_default_params();
  progress_log log = {0, 1, 0, 0};
  EXPECT(strcmp(params.bench, "perception") == 0 && params.quiet && params.shard_count == 1);
  EXPECT_STATUS(almkit_eval_run(NULL, &result), ALMKIT_ERR_INVALID_ARGUMENT, "params is NULL");
  EXPECT_STATUS(almkit_eval_run(&params, &result), ALMKIT_ERR_INVALID_ARGUMENT,
                "params->model_dir is NULL");
  params.model_dir = model;
  params.data_path = data;
  params.out_dir = out_dir;
  params.mode = (almkit_eval_mode)7;
  EXPECT_STATUS(almkit_eval_run(&params, &result), ALMKIT_ERR_INVALID_ARGUMENT, "almkit_eval_mode");
  params.mode = ALMKIT_EVAL_LOGLIK;
  params.limit = 3;
  params.silent_baseline = false;
  params.threads = 1;
  params.on_progress = on_progress;
  params.user_data = &log;
  params.bench = "no-such-bench";
  EXPECT_STATUS(almkit_eval_run(&params, &result), ALMKIT_ERR_INVALID_ARGUMENT, "no-such-bench");
  EXPECT(result == NULL);
  params.bench = "perception";

  /* Stopped by the callback after its first unit: cancelled, the unit is kept for the rerun. */
  EXPECT_STATUS(almkit_eval_run(&params, &result), ALMKIT_ERR_CANCELLED, "progress callback");
  EXPECT(result == NULL && log.calls == 1 && log.last_done == 1 && log.last_total == 3);

  log.calls = 0;
  log.stop_after = 0;
  /* The run's info lines reach the log callback instead of stderr (the message alone). */
  log_lines lines = {0, ALMKIT_LOG_OFF, ""};
  EXPECT_OK(almkit_set_log_level(ALMKIT_LOG_INFO));
  almkit_log_set(collect_log, &lines);
  EXPECT_OK(almkit_eval_run(&params, &result));
  almkit_log_set(NULL, NULL);
  EXPECT_OK(almkit_set_log_level(ALMKIT_LOG_ERROR));
  EXPECT(lines.count > 0 && lines.lowest == ALMKIT_LOG_INFO);
  EXPECT(strncmp(lines.sample, "eval: 3 model calls", 19) == 0);
  EXPECT(almkit_eval_result_units(result) == 3 && almkit_eval_result_reused(result) == 1 &&
         almkit_eval_result_computed(result) == 2 && almkit_eval_result_failed(result) == 0);
  EXPECT(almkit_eval_result_complete(result));
  EXPECT(log.calls == 2 && log.last_done == 3 && log.last_total == 3);
  EXPECT(strstr(almkit_eval_result_summary_json(result), "\"benchmark\": \"perception\"") != NULL);
  EXPECT(strstr(almkit_eval_result_summary_json(result), "\"accuracy\"") != NULL);
  EXPECT(strcmp(almkit_eval_result_out_dir(result), out_dir) == 0);
  almkit_eval_result_free(result);
  almkit_eval_result_free(NULL);
  EXPECT(strcmp(almkit_eval_result_summary_json(NULL), "") == 0);
}

/* A caller compiled against an older almkit.h, whose structs end earlier: the library reads only
 * the caller's struct_size bytes (the rest take their defaults) and writes each score only
 * within its element. The old structs sit in buffers filled with 0xAB, so a read past them would
 * see a wild temperature, callback and cancel pointer, and a write past them would show. */
typedef struct old_generate_params { /* the first fields of almkit_generate_params */
  size_t struct_size;
  int32_t max_new_tokens;
} old_generate_params;
typedef struct old_option_score { /* almkit_option_score without mean_logprob, num_tokens */
  size_t struct_size;
  double sum_logprob;
} old_option_score;
typedef struct old_request { /* a request of token ids, without the audio fields */
  size_t struct_size;
  const char* prompt;
  const int32_t* prompt_ids;
  size_t num_prompt_ids;
} old_request;

static void older_caller_structs(const char* reference) {
  almkit_model* model = NULL;
  EXPECT_OK(almkit_model_load(join(reference, "qwen2"), NULL, &model));
  if (model == NULL) return;
  const int32_t prompt[] = {5, 17, 42, 99, 128, 7, 250};
  const int32_t expected[] = {221, 141, 136};
  union {
    almkit_generate_params aligned;
    unsigned char bytes[sizeof(almkit_generate_params) + 64];
  } params_buffer;
  memset(params_buffer.bytes, 0xAB, sizeof params_buffer.bytes);
  const old_generate_params old_params = {sizeof(old_generate_params), 3};
  memcpy(params_buffer.bytes, &old_params, sizeof old_params);
  union {
    almkit_request aligned;
    unsigned char bytes[sizeof(almkit_request) + 64];
  } request_buffer;
  memset(request_buffer.bytes, 0xAB, sizeof request_buffer.bytes);
  const old_request old = {sizeof(old_request), NULL, prompt, 7};
  memcpy(request_buffer.bytes, &old, sizeof old);
  const almkit_request* request = &request_buffer.aligned;
  almkit_generation* generation = NULL;
  EXPECT_OK(almkit_generate(model, request, &params_buffer.aligned, &generation));
  size_t count = 0;
  const int32_t* tokens = almkit_generation_tokens(generation, &count);
  EXPECT(count == 3 && tokens != NULL && memcmp(tokens, expected, sizeof expected) == 0);
  almkit_generation_free(generation);

  /* Two old score elements (16 bytes each) in a buffer: the bytes after them stay untouched. */
  const int32_t option_a[] = {10}, option_b[] = {200};
  const int32_t* options[] = {option_a, option_b};
  const size_t lengths[] = {1, 1};
  union {
    almkit_option_score aligned;
    unsigned char bytes[2 * sizeof(old_option_score) + 64];
  } score_buffer;
  memset(score_buffer.bytes, 0xAB, sizeof score_buffer.bytes);
  score_buffer.aligned.struct_size = sizeof(old_option_score);
  EXPECT_OK(almkit_score_option_ids(model, request, options, lengths, 2, &score_buffer.aligned));
  old_option_score got[2];
  memcpy(got, score_buffer.bytes, sizeof got);
  EXPECT(got[0].struct_size == sizeof(old_option_score) &&
         got[1].struct_size == sizeof(old_option_score));
  EXPECT(fabs(got[0].sum_logprob - -5.06139225) < 1e-3);
  EXPECT(fabs(got[1].sum_logprob - -5.86185771) < 1e-3);
  int untouched = 1;
  for (size_t i = 2 * sizeof(old_option_score); i < sizeof score_buffer.bytes; ++i) {
    untouched = untouched && score_buffer.bytes[i] == 0xAB;
  }
  EXPECT(untouched);

  /* A newer caller's longer struct: the fields this library does not know are ignored. */
  union {
    almkit_generate_params aligned;
    unsigned char bytes[sizeof(almkit_generate_params) + 16];
  } newer;
  memset(newer.bytes, 0, sizeof newer.bytes);
  newer.aligned = almkit_generate_default_params();
  newer.aligned.struct_size = sizeof newer.bytes;
  newer.aligned.max_new_tokens = 2;
  const almkit_request current = {sizeof current, NULL, prompt, 7, NULL, 0};
  EXPECT_OK(almkit_generate(model, &current, &newer.aligned, &generation));
  almkit_generation_tokens(generation, &count);
  EXPECT(count == 2);
  almkit_generation_free(generation);

  /* struct_size 0 (a struct never initialised) is refused, naming the field. */
  almkit_generate_params zero = almkit_generate_default_params();
  zero.struct_size = 0;
  EXPECT_STATUS(almkit_generate(model, request, &zero, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
                "struct_size");
  almkit_request zero_request = almkit_request_init();
  EXPECT(zero_request.struct_size == sizeof(almkit_request) && zero_request.prompt == NULL);
  zero_request.struct_size = 0;
  EXPECT_STATUS(almkit_generate(model, &zero_request, NULL, &generation),
                ALMKIT_ERR_INVALID_ARGUMENT, "request->struct_size");
  almkit_option_score unset[1];
  unset[0].struct_size = 0;
  EXPECT_STATUS(almkit_score_option_ids(model, request, options, lengths, 1, unset),
                ALMKIT_ERR_INVALID_ARGUMENT, "scores[0].struct_size");
  almkit_model_free(model);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s JFK_WAV REFERENCE_DIR [SMALL_MODEL_DIR [PERCEPTION_JSON EVAL_OUT_DIR]]\n",
            argv[0]);
    return 2;
  }
  errors_and_version();
  audio(argv[1]);
  features(argv[1]);
  tokenizer_less_model(argv[2]);
  older_caller_structs(argv[2]);
  codec(argv[2]);
  if (argc > 3) small_model(argv[3], argv[1]);
  if (argc > 3) research(argv[3]);
  if (argc > 5) eval_run(argv[3], argv[4], argv[5]);
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
