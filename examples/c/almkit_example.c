/* The almkit C API from plain C11: features of a speech clip, then a model.
 *
 *   almkit_example AUDIO MODEL_DIR [PROMPT_IDS...]
 *
 * AUDIO: any file libsndfile reads (e.g. jfk.wav). MODEL_DIR: a Hugging Face checkpoint folder.
 * With a tokenizer in MODEL_DIR the model answers a chat question about nothing in particular;
 * without one it continues PROMPT_IDS (default: the prompt of the transformers qwen2 fixture,
 * 5 17 42 99 128 7 250) and streams token ids. */
#include <almkit/almkit.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                       \
  do {                                                                    \
    almkit_status status_ = (call);                                       \
    if (status_ != ALMKIT_OK) {                                           \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, almkit_last_error(), \
              almkit_status_name(status_));                               \
      exit(1);                                                            \
    }                                                                     \
  } while (0)

/* Streams each token as it comes; user_data counts them. */
static bool print_token(int32_t token, const char* piece, size_t piece_length, void* user_data) {
  int* count = (int*)user_data;
  ++*count;
  if (piece_length > 0) {
    fputs(piece, stdout);
  } else {
    printf("%d ", (int)token);
  }
  fflush(stdout);
  return true;
}

static void features(const char* audio_path) {
  almkit_audio_params audio_params = almkit_audio_default_params();
  audio_params.target_sample_rate = 16000; /* what Whisper mel and Kaldi fbank expect */
  almkit_audio* audio = NULL;
  CHECK(almkit_audio_load(audio_path, &audio_params, &audio));
  const float* samples = almkit_audio_samples(audio);
  const int64_t num_samples = almkit_audio_num_frames(audio); /* mono: one sample per frame */
  printf("%s: %.2f s at %d Hz\n", audio_path, (double)num_samples / almkit_audio_sample_rate(audio),
         (int)almkit_audio_sample_rate(audio));

  /* Whisper log-mel into a caller buffer: ask for the size, allocate, compute. */
  almkit_whisper_mel_params mel_params = almkit_whisper_mel_default_params();
  mel_params.feature_size = 128;
  int64_t bins = 0, frames = 0, valid = 0;
  CHECK(almkit_whisper_mel_size(&mel_params, num_samples, &bins, &frames));
  float* mel = malloc((size_t)(bins * frames) * sizeof *mel);
  if (mel == NULL) exit(1);
  CHECK(almkit_whisper_mel_compute_into(&mel_params, samples, num_samples, mel,
                                        (size_t)(bins * frames), &valid));
  printf("whisper mel: %lld bins x %lld frames (%lld with audio), mel[0][0] = %.4f\n",
         (long long)bins, (long long)frames, (long long)valid, mel[0]);
  free(mel);

  /* Kaldi fbank into a library-owned matrix; Kaldi recipes feed int16-range samples. */
  float* scaled = malloc((size_t)num_samples * sizeof *scaled);
  if (scaled == NULL) exit(1);
  for (int64_t i = 0; i < num_samples; ++i) scaled[i] = samples[i] * 32768.0f;
  almkit_kaldi_fbank_params fbank_params = almkit_kaldi_fbank_default_params();
  fbank_params.num_mel_bins = 80;
  almkit_features* fbank = NULL;
  CHECK(almkit_kaldi_fbank_compute(&fbank_params, scaled, num_samples, &fbank));
  printf("kaldi fbank: %lld frames x %lld bins, fbank[0][0] = %.4f\n",
         (long long)almkit_features_num_frames(fbank), (long long)almkit_features_num_bins(fbank),
         almkit_features_data(fbank)[0]);
  almkit_features_free(fbank);
  free(scaled);
  almkit_audio_free(audio);
}

static void model(const char* folder, int argc, char** argv) {
  almkit_model* model = NULL;
  CHECK(almkit_model_load(folder, NULL, &model));
  printf("%s: %s, context %lld\n", folder, almkit_model_type(model),
         (long long)almkit_model_max_positions(model));

  int32_t ids[64] = {5, 17, 42, 99, 128, 7, 250};
  size_t num_ids = 7;
  char prompt[4096];
  size_t prompt_length = 0;
  almkit_request request = {sizeof request, NULL, ids, 0, NULL, 0};
  if (almkit_model_tokenizer(model) != NULL) {
    CHECK(almkit_model_chat_prompt(model, "[{\"role\": \"user\", \"content\": \"Say hello.\"}]",
                                   NULL, prompt, sizeof prompt, &prompt_length));
    request.prompt = prompt;
  } else {
    if (argc > 0) num_ids = 0;
    for (int i = 0; i < argc && num_ids < 64; ++i) ids[num_ids++] = (int32_t)atoi(argv[i]);
    request.num_prompt_ids = num_ids;
  }

  almkit_generate_params params = almkit_generate_default_params();
  params.max_new_tokens = 8;
  int count = 0;
  params.on_token = print_token;
  params.user_data = &count;
  almkit_generation* generation = NULL;
  CHECK(almkit_generate(model, &request, &params, &generation));
  size_t num_tokens = 0;
  almkit_generation_tokens(generation, &num_tokens);
  printf("\n%d tokens streamed, %zu returned, stop reason %d\n", count, num_tokens,
         (int)almkit_generation_stop_reason(generation));
  almkit_generation_free(generation);

  /* Which continuation does the model find more likely? */
  if (request.prompt == NULL) {
    const int32_t option_a[] = {10, 11}, option_b[] = {200};
    const int32_t* options[] = {option_a, option_b};
    const size_t lengths[] = {2, 1};
    almkit_option_score scores[2];
    scores[0].struct_size = sizeof scores[0];
    CHECK(almkit_score_option_ids(model, &request, options, lengths, 2, scores));
    printf("log P(a) = %.4f, log P(b) = %.4f\n", scores[0].sum_logprob, scores[1].sum_logprob);
  } else {
    const char* options[] = {" yes", " no"};
    almkit_option_score scores[2];
    scores[0].struct_size = sizeof scores[0];
    CHECK(almkit_score_options(model, &request, options, 2, scores));
    printf("log P(yes) = %.4f, log P(no) = %.4f\n", scores[0].sum_logprob, scores[1].sum_logprob);
  }
  almkit_model_free(model);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s AUDIO MODEL_DIR [PROMPT_IDS...]\n", argv[0]);
    return 2;
  }
  printf("almkit %s\n", almkit_version());
  features(argv[1]);
  model(argv[2], argc - 3, argv + 3);
  return 0;
}
