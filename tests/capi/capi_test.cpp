// The C API's contract, error path by error path: every NULL pointer, bad path, corrupt file,
// wrong buffer size and bad parameter returns its status and a message naming the culprit, and
// no exception escapes. Values are checked in tests/capi/capi_c_test.c and test_capi.py.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "almkit/almkit.h"
#include "almkit/features.h"
#include "capi/capi_internal.h"
#include "test_support.h"

namespace {

std::string qwen2_dir() {
  return almkit::test::reference_dir() + "/qwen2";
}
std::string jfk() {
  return almkit::test::data_dir() + "/jfk.wav";
}

// Asserts status and a message fragment of the last call.
#define EXPECT_CAPI(call, status, fragment)                                                 \
  do {                                                                                      \
    const almkit_status got__ = (call);                                                     \
    EXPECT_EQ(got__, status) << #call << ": " << almkit_last_error();                       \
    EXPECT_NE(std::string(almkit_last_error()).find(fragment), std::string::npos)           \
        << #call << ": message '" << almkit_last_error() << "' lacks '" << fragment << "'"; \
  } while (0)

const int32_t kPrompt[] = {5, 17, 42, 99, 128, 7, 250};

class CApiModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(almkit_model_load(qwen2_dir().c_str(), nullptr, &model_), ALMKIT_OK);
  }
  static void TearDownTestSuite() {
    almkit_model_free(model_);
    model_ = nullptr;
  }
  static almkit_request request() {
    return {sizeof(almkit_request), nullptr, kPrompt, 7, nullptr, 0};
  }
  static almkit_model* model_;
};
almkit_model* CApiModel::model_ = nullptr;

TEST(CApiGuard, MapsEveryExceptionToAStatusAndMessage) {
  using almkit::capi::guarded;
  EXPECT_EQ(guarded("f", [] { return ALMKIT_OK; }), ALMKIT_OK);
  EXPECT_STREQ(almkit_last_error(), "");
  EXPECT_CAPI(guarded("f",
                      []() -> almkit_status {
                        throw almkit::Error(almkit::ErrorCode::kShapeMismatch,
                                            "tensor 'x' is [2, 3]");
                      }),
              ALMKIT_ERR_SHAPE_MISMATCH, "f: tensor 'x' is [2, 3]");
  EXPECT_CAPI(guarded("f", []() -> almkit_status { throw std::bad_alloc(); }),
              ALMKIT_ERR_OUT_OF_MEMORY, "out of memory");
  EXPECT_CAPI(guarded("f", []() -> almkit_status { throw std::out_of_range("vector::at"); }),
              ALMKIT_ERR_INTERNAL, "vector::at");
  EXPECT_CAPI(guarded("f", []() -> almkit_status { throw 42; }), ALMKIT_ERR_INTERNAL,
              "unknown exception");
  // Every almkit::ErrorCode value keeps its number as a status.
  for (int code = 1; code <= 9; ++code) {
    EXPECT_EQ(guarded("f",
                      [code]() -> almkit_status {
                        throw almkit::Error(static_cast<almkit::ErrorCode>(code), "x");
                      }),
              static_cast<almkit_status>(code));
    EXPECT_STREQ(almkit_status_name(static_cast<almkit_status>(code)),
                 almkit::error_code_name(static_cast<almkit::ErrorCode>(code)));
  }
}

TEST(CApiErrors, LastErrorIsPerThreadAndClearedBySuccess) {
  almkit_audio* audio = nullptr;
  EXPECT_EQ(almkit_audio_load("/nonexistent.wav", nullptr, &audio), ALMKIT_ERR_FILE_NOT_FOUND);
  std::string other_thread = "unset";
  std::thread([&] { other_thread = almkit_last_error(); }).join();
  EXPECT_EQ(other_thread, "");
  EXPECT_NE(std::string(almkit_last_error()).find("/nonexistent.wav"), std::string::npos);
  int64_t bins = 0, frames = 0;
  EXPECT_EQ(almkit_whisper_mel_size(nullptr, 16000, &bins, &frames), ALMKIT_OK);
  EXPECT_STREQ(almkit_last_error(), "");
}

TEST(CApiErrors, EveryNullPointerIsInvalidArgumentNamingTheParameter) {
  almkit_audio* audio = nullptr;
  ASSERT_EQ(almkit_audio_load(jfk().c_str(), nullptr, &audio), ALMKIT_OK);
  almkit_tokenizer* tokenizer = nullptr;  // NULL on purpose: the tokenizer argument
  almkit_model* model = nullptr;
  almkit_features* features = nullptr;
  almkit_generation* generation = nullptr;
  almkit_audio* out_audio = nullptr;
  const float samples[400] = {};
  float output[16] = {};
  int64_t a = 0, b = 0;
  size_t count = 0;
  int32_t ids[4] = {1, 2, 3, 4};
  char text[16];
  almkit_option_score scores[2];
  scores[0].struct_size = sizeof scores[0];
  const int32_t* id_options[] = {ids};
  const size_t lengths[] = {1};
  const char* text_options[] = {"a"};
  almkit_request request{sizeof(request), nullptr, kPrompt, 7, nullptr, 0};
  almkit_codec* codec = nullptr;
  almkit_codes* codes = nullptr;
  const int64_t code_values[2] = {0, 1};
  almkit_eval_result* eval = nullptr;
  almkit_eval_params eval_params = almkit_eval_default_params();  // model_dir and out_dir NULL
  struct Case {
    const char* name;
    std::function<almkit_status()> call;
    const char* fragment;
  };
  const std::vector<Case> cases = {
      {"audio_load path", [&] { return almkit_audio_load(nullptr, nullptr, &out_audio); },
       "path is NULL"},
      {"audio_load out", [&] { return almkit_audio_load("x.wav", nullptr, nullptr); },
       "out is NULL"},
      {"audio_load_memory data",
       [&] { return almkit_audio_load_memory(nullptr, 10, nullptr, &out_audio); }, "data is NULL"},
      {"audio_load_memory out", [&] { return almkit_audio_load_memory("x", 1, nullptr, nullptr); },
       "out is NULL"},
      {"audio_from_samples samples",
       [&] { return almkit_audio_from_samples(nullptr, 1, 1, 16000, &out_audio); },
       "samples is NULL"},
      {"audio_from_samples out",
       [&] { return almkit_audio_from_samples(samples, 1, 1, 16000, nullptr); }, "out is NULL"},
      {"audio_resample audio", [&] { return almkit_audio_resample(nullptr, 8000, &out_audio); },
       "audio is NULL"},
      {"audio_resample out", [&] { return almkit_audio_resample(audio, 8000, nullptr); },
       "out is NULL"},
      {"audio_write_wav audio",
       [&] { return almkit_audio_write_wav(nullptr, "/tmp/x.wav", false); }, "audio is NULL"},
      {"audio_write_wav path", [&] { return almkit_audio_write_wav(audio, nullptr, false); },
       "path is NULL"},
      {"whisper_mel_size bins", [&] { return almkit_whisper_mel_size(nullptr, 400, nullptr, &b); },
       "num_bins is NULL"},
      {"whisper_mel_size frames",
       [&] { return almkit_whisper_mel_size(nullptr, 400, &a, nullptr); }, "num_frames is NULL"},
      {"whisper_mel_compute_into samples",
       [&] { return almkit_whisper_mel_compute_into(nullptr, nullptr, 400, output, 16, &a); },
       "samples is NULL"},
      {"whisper_mel_compute_into output",
       [&] { return almkit_whisper_mel_compute_into(nullptr, samples, 400, nullptr, 16, &a); },
       "output is NULL"},
      {"whisper_mel_compute out",
       [&] { return almkit_whisper_mel_compute(nullptr, samples, 400, nullptr); }, "out is NULL"},
      {"whisper_mel_compute samples",
       [&] { return almkit_whisper_mel_compute(nullptr, nullptr, 400, &features); },
       "samples is NULL"},
      {"kaldi_fbank_size frames",
       [&] { return almkit_kaldi_fbank_size(nullptr, 400, nullptr, &b); }, "num_frames is NULL"},
      {"kaldi_fbank_size bins", [&] { return almkit_kaldi_fbank_size(nullptr, 400, &a, nullptr); },
       "num_bins is NULL"},
      {"kaldi_fbank_compute_into samples",
       [&] { return almkit_kaldi_fbank_compute_into(nullptr, nullptr, 400, output, 16); },
       "samples is NULL"},
      {"kaldi_fbank_compute_into output",
       [&] { return almkit_kaldi_fbank_compute_into(nullptr, samples, 400, nullptr, 16); },
       "output is NULL"},
      {"kaldi_fbank_compute out",
       [&] { return almkit_kaldi_fbank_compute(nullptr, samples, 400, nullptr); }, "out is NULL"},
      {"kaldi_fbank_compute samples",
       [&] { return almkit_kaldi_fbank_compute(nullptr, nullptr, 400, &features); },
       "samples is NULL"},
      {"tokenizer_load folder", [&] { return almkit_tokenizer_load(nullptr, &tokenizer); },
       "folder is NULL"},
      {"tokenizer_load out", [&] { return almkit_tokenizer_load("x", nullptr); }, "out is NULL"},
      {"tokenize tokenizer", [&] { return almkit_tokenize(nullptr, "a", nullptr, ids, 4, &count); },
       "tokenizer is NULL"},
      {"tokenize num_ids",
       [&] { return almkit_tokenize(tokenizer, "a", nullptr, ids, 4, nullptr); },
       "num_ids is NULL"},
      {"detokenize tokenizer",
       [&] { return almkit_detokenize(nullptr, ids, 1, nullptr, text, 16, &count); },
       "tokenizer is NULL"},
      {"detokenize length",
       [&] { return almkit_detokenize(tokenizer, ids, 1, nullptr, text, 16, nullptr); },
       "length is NULL"},
      {"model_load folder", [&] { return almkit_model_load(nullptr, nullptr, &model); },
       "folder is NULL"},
      {"model_load out", [&] { return almkit_model_load("x", nullptr, nullptr); }, "out is NULL"},
      {"chat_prompt model",
       [&] { return almkit_model_chat_prompt(nullptr, "[]", nullptr, text, 16, &count); },
       "model is NULL"},
      {"chat_prompt length",
       [&] { return almkit_model_chat_prompt(nullptr, "[]", nullptr, text, 16, nullptr); },
       "length is NULL"},
      {"generate model", [&] { return almkit_generate(nullptr, &request, nullptr, &generation); },
       "model is NULL"},
      {"generate out", [&] { return almkit_generate(nullptr, &request, nullptr, nullptr); },
       "out is NULL"},
      {"score_options model",
       [&] { return almkit_score_options(nullptr, &request, text_options, 1, scores); },
       "model is NULL"},
      {"score_option_ids model",
       [&] { return almkit_score_option_ids(nullptr, &request, id_options, lengths, 1, scores); },
       "model is NULL"},
      {"codec_load folder", [&] { return almkit_codec_load(nullptr, nullptr, &codec); }, "folder is NULL"},
      {"codec_load out", [&] { return almkit_codec_load("x", nullptr, nullptr); }, "out is NULL"},
      {"codec_encode codec", [&] { return almkit_codec_encode(nullptr, audio, nullptr, &codes); },
       "codec is NULL"},
      {"codec_encode audio", [&] { return almkit_codec_encode(nullptr, nullptr, nullptr, &codes); },
       "NULL"},
      {"codec_encode out", [&] { return almkit_codec_encode(nullptr, audio, nullptr, nullptr); },
       "out is NULL"},
      {"codec_decode codec", [&] { return almkit_codec_decode(nullptr, codes, &out_audio); }, "codec is NULL"},
      {"codec_decode out", [&] { return almkit_codec_decode(nullptr, codes, nullptr); }, "out is NULL"},
      {"codec_decode_codes codec",
       [&] { return almkit_codec_decode_codes(nullptr, code_values, 1, 2, 0, &out_audio); }, "codec is NULL"},
      {"codec_decode_codes out",
       [&] { return almkit_codec_decode_codes(nullptr, code_values, 1, 2, 0, nullptr); }, "out is NULL"},
      {"eval_run params", [&] { return almkit_eval_run(nullptr, &eval); }, "params is NULL"},
      {"eval_run out", [&] { return almkit_eval_run(&eval_params, nullptr); }, "out is NULL"},
      {"eval_run model_dir", [&] { return almkit_eval_run(&eval_params, &eval); }, "model_dir is NULL"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_CAPI(c.call(), ALMKIT_ERR_INVALID_ARGUMENT, c.fragment);
  }
  EXPECT_EQ(out_audio, nullptr);
  EXPECT_EQ(features, nullptr);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(generation, nullptr);
  EXPECT_EQ(codec, nullptr);
  EXPECT_EQ(codes, nullptr);
  EXPECT_EQ(eval, nullptr);
  // Accessors and frees take NULL quietly.
  EXPECT_EQ(almkit_audio_samples(nullptr), nullptr);
  EXPECT_EQ(almkit_audio_num_frames(nullptr), 0);
  EXPECT_EQ(almkit_features_data(nullptr), nullptr);
  EXPECT_STREQ(almkit_model_type(nullptr), "");
  EXPECT_EQ(almkit_model_tokenizer(nullptr), nullptr);
  EXPECT_STREQ(almkit_generation_text(nullptr), "");
  EXPECT_EQ(almkit_generation_tokens(nullptr, &count), nullptr);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(almkit_tokenizer_token_to_id(nullptr, "a"), -1);
  EXPECT_EQ(almkit_tokenizer_vocab_size(nullptr), 0);
  almkit_audio_free(nullptr);
  almkit_features_free(nullptr);
  almkit_tokenizer_free(nullptr);
  almkit_model_free(nullptr);
  almkit_generation_free(nullptr);
  EXPECT_STREQ(almkit_codec_type(nullptr), "");
  EXPECT_EQ(almkit_codec_sample_rate(nullptr), 0);
  EXPECT_EQ(almkit_codec_bandwidths(nullptr, &count), nullptr);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(almkit_codes_data(nullptr), nullptr);
  EXPECT_EQ(almkit_codes_num_frames(nullptr), 0);
  EXPECT_STREQ(almkit_eval_result_summary_json(nullptr), "");
  EXPECT_EQ(almkit_eval_result_units(nullptr), 0);
  almkit_codec_free(nullptr);
  almkit_codes_free(nullptr);
  almkit_eval_result_free(nullptr);
  almkit_audio_free(audio);
}

TEST(CApiErrors, BadPathsAndCorruptFilesNameTheFile) {
  const std::string dir = almkit::test::temp_dir();
  almkit_audio* audio = nullptr;
  EXPECT_CAPI(almkit_audio_load((dir + "/missing.wav").c_str(), nullptr, &audio),
              ALMKIT_ERR_FILE_NOT_FOUND, "missing.wav");
  EXPECT_CAPI(almkit_audio_load(dir.c_str(), nullptr, &audio), ALMKIT_ERR_INVALID_ARGUMENT, dir);
  const std::string wav = almkit::test::read_file(jfk());
  almkit::test::write_file(dir + "/truncated.wav", wav.substr(0, 30));
  EXPECT_CAPI(almkit_audio_load((dir + "/truncated.wav").c_str(), nullptr, &audio),
              ALMKIT_ERR_INVALID_FORMAT, "truncated.wav");
  almkit::test::write_file(dir + "/text.wav", "this is a text file, not audio");
  EXPECT_CAPI(almkit_audio_load((dir + "/text.wav").c_str(), nullptr, &audio),
              ALMKIT_ERR_INVALID_FORMAT, "text.wav");
  EXPECT_EQ(audio, nullptr);
  EXPECT_CAPI(almkit_audio_load_memory(wav.data(), 44, nullptr, &audio), ALMKIT_ERR_INVALID_FORMAT,
              "");
  EXPECT_CAPI(almkit_audio_write_wav(nullptr, "/x", false), ALMKIT_ERR_INVALID_ARGUMENT,
              "audio is NULL");

  almkit_model* model = nullptr;
  EXPECT_CAPI(almkit_model_load((dir + "/no-model").c_str(), nullptr, &model),
              ALMKIT_ERR_FILE_NOT_FOUND, "no-model");
  // A checkpoint folder with a broken config.json, then truncated weights.
  almkit::test::write_file(dir + "/config.json", "{\"model_type\": \"qwen2\", ");
  almkit::test::write_file(
      dir + "/model.safetensors",
      almkit::test::read_file(qwen2_dir() + "/model.safetensors").substr(0, 100));
  EXPECT_CAPI(almkit_model_load(dir.c_str(), nullptr, &model), ALMKIT_ERR_INVALID_FORMAT,
              "config.json");
  almkit::test::write_file(dir + "/config.json",
                           almkit::test::read_file(qwen2_dir() + "/config.json"));
  EXPECT_CAPI(almkit_model_load(dir.c_str(), nullptr, &model), ALMKIT_ERR_INVALID_FORMAT,
              "model.safetensors");
  almkit::test::write_file(dir + "/config.json", "{\"model_type\": \"mamba\"}");
  EXPECT_CAPI(almkit_model_load(dir.c_str(), nullptr, &model), ALMKIT_ERR_UNSUPPORTED, "mamba");
  EXPECT_EQ(model, nullptr);

  almkit_tokenizer* tokenizer = nullptr;
  EXPECT_CAPI(almkit_tokenizer_load((dir + "/no-tokenizer").c_str(), &tokenizer),
              ALMKIT_ERR_FILE_NOT_FOUND, "no-tokenizer");
  almkit::test::write_file(dir + "/tokenizer.json", "{\"model\": {\"type\": \"BPE\", ");
  EXPECT_CAPI(almkit_tokenizer_load(dir.c_str(), &tokenizer), ALMKIT_ERR_INVALID_FORMAT,
              "tokenizer.json");
  EXPECT_EQ(tokenizer, nullptr);
}

TEST(CApiErrors, WrongBufferSizesAreBufferTooSmallWithTheNeededSize) {
  std::vector<float> samples(16000, 0.1f);
  std::vector<float> output(80 * 3000);
  int64_t valid = -1;
  EXPECT_CAPI(almkit_whisper_mel_compute_into(nullptr, samples.data(), 16000, output.data(),
                                              output.size() - 1, &valid),
              ALMKIT_ERR_BUFFER_TOO_SMALL, "240000");
  EXPECT_EQ(valid, 0);
  EXPECT_EQ(almkit_whisper_mel_compute_into(nullptr, samples.data(), 16000, output.data(),
                                            output.size(), &valid),
            ALMKIT_OK);
  EXPECT_EQ(valid, 100);
  almkit_kaldi_fbank_params fbank = almkit_kaldi_fbank_default_params();
  int64_t frames = 0, bins = 0;
  ASSERT_EQ(almkit_kaldi_fbank_size(&fbank, 16000, &frames, &bins), ALMKIT_OK);
  EXPECT_EQ(frames, 98);
  EXPECT_EQ(bins, 23);
  EXPECT_CAPI(
      almkit_kaldi_fbank_compute_into(&fbank, samples.data(), 16000, output.data(), 98 * 23 - 1),
      ALMKIT_ERR_BUFFER_TOO_SMALL, std::to_string(98 * 23));
  fbank.use_energy = true;
  ASSERT_EQ(almkit_kaldi_fbank_size(&fbank, 16000, &frames, &bins), ALMKIT_OK);
  EXPECT_EQ(bins, 24);
  // Text buffers: NULL with capacity > 0 is a NULL pointer, not a size query.
  almkit_tokenizer* tokenizer = nullptr;
  ASSERT_EQ(almkit_tokenizer_load((almkit::test::data_dir() + "/../tokenizers/qwen3").c_str(),
                                  &tokenizer),
            ALMKIT_OK);
  size_t count = 0;
  int32_t ids[2];
  EXPECT_CAPI(almkit_tokenize(tokenizer, "a b c d", nullptr, nullptr, 5, &count),
              ALMKIT_ERR_INVALID_ARGUMENT, "ids");
  EXPECT_CAPI(almkit_tokenize(tokenizer, "a b c d", nullptr, ids, 2, &count),
              ALMKIT_ERR_BUFFER_TOO_SMALL, "4 tokens");
  EXPECT_EQ(count, 4u);
  char text[4];
  size_t length = 0;
  const int32_t hello[] = {9707, 1879};
  EXPECT_CAPI(almkit_detokenize(tokenizer, hello, 2, nullptr, nullptr, 4, &length),
              ALMKIT_ERR_INVALID_ARGUMENT, "buffer");
  EXPECT_CAPI(almkit_detokenize(tokenizer, hello, 2, nullptr, text, sizeof text, &length),
              ALMKIT_ERR_BUFFER_TOO_SMALL, "12 bytes");
  EXPECT_EQ(length, 11u);
  EXPECT_EQ(text[0], '\0');
  EXPECT_EQ(almkit_detokenize(tokenizer, hello, 2, nullptr, nullptr, 0, &length), ALMKIT_OK);
  EXPECT_EQ(length, 11u);
  EXPECT_CAPI(almkit_detokenize(tokenizer, nullptr, 2, nullptr, nullptr, 0, &length),
              ALMKIT_ERR_INVALID_ARGUMENT, "ids");
  almkit_tokenizer_free(tokenizer);
}

TEST(CApiErrors, BadParamsAreInvalidArgument) {
  std::vector<float> samples(16000, 0.1f);
  almkit_features* features = nullptr;
  almkit_whisper_mel_params mel = almkit_whisper_mel_default_params();
  mel.num_threads = 0;
  EXPECT_CAPI(almkit_whisper_mel_compute(&mel, samples.data(), 16000, &features),
              ALMKIT_ERR_INVALID_ARGUMENT, "num_threads");
  mel = almkit_whisper_mel_default_params();
  mel.pad_to_chunk = false;
  EXPECT_CAPI(almkit_whisper_mel_compute(&mel, samples.data(), 100, &features),
              ALMKIT_ERR_INVALID_ARGUMENT, "too short");
  EXPECT_CAPI(almkit_whisper_mel_compute(nullptr, samples.data(), -5, &features),
              ALMKIT_ERR_INVALID_ARGUMENT, "negative");
  samples[7] = NAN;
  EXPECT_CAPI(almkit_whisper_mel_compute(nullptr, samples.data(), 16000, &features),
              ALMKIT_ERR_INVALID_ARGUMENT, "sample 7");
  samples[7] = 0.f;
  almkit_kaldi_fbank_params fbank = almkit_kaldi_fbank_default_params();
  fbank.num_mel_bins = 2;
  EXPECT_CAPI(almkit_kaldi_fbank_compute(&fbank, samples.data(), 16000, &features),
              ALMKIT_ERR_INVALID_ARGUMENT, "num_mel_bins");
  fbank = almkit_kaldi_fbank_default_params();
  EXPECT_CAPI(almkit_kaldi_fbank_compute(&fbank, samples.data(), 100, &features),
              ALMKIT_ERR_INVALID_ARGUMENT, "shorter than one frame");
  fbank.window_type = nullptr;  // NULL: the default window (povey)
  EXPECT_EQ(almkit_kaldi_fbank_compute(&fbank, samples.data(), 16000, &features), ALMKIT_OK);
  almkit_features_free(features);
  features = nullptr;
  EXPECT_CAPI(almkit_set_log_level(static_cast<almkit_log_level>(-1)), ALMKIT_ERR_INVALID_ARGUMENT,
              "-1");

  almkit_audio* audio = nullptr;
  almkit_audio_params audio_params = almkit_audio_default_params();
  audio_params.target_sample_rate = -1;
  EXPECT_NE(almkit_audio_load(jfk().c_str(), &audio_params, &audio), ALMKIT_OK);
  EXPECT_EQ(audio, nullptr);
  EXPECT_CAPI(almkit_audio_load_memory("x", 0, nullptr, &audio), ALMKIT_ERR_INVALID_ARGUMENT,
              "size is 0");
  const float one[] = {0.f, 0.f};
  EXPECT_CAPI(almkit_audio_from_samples(one, 0, 1, 16000, &audio), ALMKIT_ERR_INVALID_ARGUMENT,
              "positive");
  EXPECT_CAPI(almkit_audio_from_samples(one, 1, 1, -3, &audio), ALMKIT_ERR_INVALID_ARGUMENT, "-3");

  almkit_model* model = nullptr;
  almkit_model_params params = almkit_model_default_params();
  params.device = "tpu:9";
  EXPECT_CAPI(almkit_model_load(qwen2_dir().c_str(), &params, &model), ALMKIT_ERR_INVALID_ARGUMENT,
              "tpu:9");
  params = almkit_model_default_params();
  params.num_threads = -2;
  EXPECT_CAPI(almkit_model_load(qwen2_dir().c_str(), &params, &model), ALMKIT_ERR_INVALID_ARGUMENT,
              "num_threads");
  EXPECT_EQ(model, nullptr);
}

TEST_F(CApiModel, BadGenerateRequestsAndParams) {
  almkit_generation* generation = nullptr;
  almkit_request r = request();
  almkit_generate_params p = almkit_generate_default_params();
  EXPECT_CAPI(almkit_generate(model_, nullptr, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "request is NULL");
  almkit_request empty{sizeof(empty), nullptr, nullptr, 0, nullptr, 0};
  EXPECT_CAPI(almkit_generate(model_, &empty, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "empty prompt");
  almkit_request no_clips{sizeof(no_clips), nullptr, kPrompt, 7, nullptr, 2};
  EXPECT_CAPI(almkit_generate(model_, &no_clips, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "request->audio");
  almkit_audio* clip = nullptr;
  ASSERT_EQ(almkit_audio_load(jfk().c_str(), nullptr, &clip), ALMKIT_OK);
  const almkit_audio* clips[] = {clip};
  almkit_request with_audio{sizeof(with_audio), nullptr, kPrompt, 7, clips, 1};
  EXPECT_CAPI(almkit_generate(model_, &with_audio, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "takes no audio");
  almkit_audio_free(clip);
  p.num_stop_token_ids = 3;
  EXPECT_CAPI(almkit_generate(model_, &r, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "stop_token_ids");
  p = almkit_generate_default_params();
  p.temperature = -1.0;
  EXPECT_CAPI(almkit_generate(model_, &r, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "temperature");
  p = almkit_generate_default_params();
  p.top_p = 1.5;
  EXPECT_CAPI(almkit_generate(model_, &r, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT, "top_p");
  p = almkit_generate_default_params();
  p.max_new_tokens = 1000;
  EXPECT_CAPI(almkit_generate(model_, &r, &p, &generation), ALMKIT_ERR_INVALID_ARGUMENT,
              "context of 256");
  EXPECT_EQ(generation, nullptr);
  size_t length = 0;
  EXPECT_CAPI(almkit_model_chat_prompt(model_, "[]", nullptr, nullptr, 0, &length),
              ALMKIT_ERR_NOT_FOUND, "no tokenizer");

  almkit_option_score scores[2];

  scores[0].struct_size = sizeof scores[0];
  const int32_t option[] = {3};
  const int32_t* options[] = {option, nullptr};
  const size_t lengths[] = {1, 1};
  EXPECT_CAPI(almkit_score_option_ids(model_, &r, options, lengths, 2, scores),
              ALMKIT_ERR_INVALID_ARGUMENT, "options[1] is NULL");
  const size_t zero[] = {0};
  EXPECT_CAPI(almkit_score_option_ids(model_, &r, options, zero, 1, scores),
              ALMKIT_ERR_INVALID_ARGUMENT, "no tokens");
  const int32_t outside[] = {4096};
  const int32_t* outside_options[] = {outside};
  EXPECT_CAPI(almkit_score_option_ids(model_, &r, outside_options, lengths, 1, scores),
              ALMKIT_ERR_INVALID_ARGUMENT, "outside the vocabulary");
  EXPECT_CAPI(almkit_score_option_ids(model_, &r, options, lengths, 1, nullptr),
              ALMKIT_ERR_INVALID_ARGUMENT, "scores is NULL");
  const char* texts[] = {"a"};
  EXPECT_CAPI(almkit_score_options(model_, &r, texts, 1, scores), ALMKIT_ERR_NOT_FOUND,
              "tokenizer");

  double logprobs[2];
  int64_t ranks[2];
  double top_logprobs[2 * 3];
  const int32_t tokens[] = {3, 4096};
  EXPECT_CAPI(almkit_score_tokens(model_, &r, tokens, 0, 0, logprobs, nullptr, nullptr, nullptr),
              ALMKIT_ERR_INVALID_ARGUMENT, "num_ids is 0");
  EXPECT_CAPI(almkit_score_tokens(model_, &r, tokens, 1, -1, logprobs, nullptr, nullptr, nullptr),
              ALMKIT_ERR_INVALID_ARGUMENT, "top_k");
  EXPECT_CAPI(almkit_score_tokens(model_, &r, tokens, 1, 3, logprobs, ranks, nullptr, top_logprobs),
              ALMKIT_ERR_INVALID_ARGUMENT, "top_ids is NULL");
  EXPECT_CAPI(almkit_score_tokens(model_, &r, tokens, 1, 0, nullptr, nullptr, nullptr, nullptr),
              ALMKIT_ERR_INVALID_ARGUMENT, "token_logprobs is NULL");
  EXPECT_CAPI(almkit_score_tokens(model_, &r, nullptr, 1, 0, logprobs, nullptr, nullptr, nullptr),
              ALMKIT_ERR_INVALID_ARGUMENT, "ids is NULL");
  EXPECT_CAPI(almkit_score_tokens(model_, &r, tokens, 2, 0, logprobs, nullptr, nullptr, nullptr),
              ALMKIT_ERR_INVALID_ARGUMENT, "outside the vocabulary");
}

TEST_F(CApiModel, TokenScoresAreTheEnginesWithRanksAndAlternatives) {
  almkit_request r = request();
  almkit::Request cpp;
  cpp.prompt_ids.assign(r.prompt_ids, r.prompt_ids + r.num_prompt_ids);
  const std::vector<int32_t> tokens = {3, 17, 250};
  const almkit::OptionScore expected =
      model_->model->score_ids(cpp, {tokens}, {}, 4).at(0);
  double logprobs[3];
  int64_t ranks[3];
  int32_t top_ids[3 * 4];
  double top_logprobs[3 * 4];
  ASSERT_EQ(almkit_score_tokens(model_, &r, tokens.data(), 3, 4, logprobs, ranks, top_ids,
                                top_logprobs),
            ALMKIT_OK)
      << almkit_last_error();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(logprobs[i], expected.token_logprobs[i]) << i;
    EXPECT_EQ(ranks[i], expected.token_ranks[i]) << i;
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(top_ids[i * 4 + k], expected.top_logprobs[i][k].id) << i << " " << k;
      EXPECT_EQ(top_logprobs[i * 4 + k], expected.top_logprobs[i][k].logprob) << i << " " << k;
    }
    EXPECT_GE(top_logprobs[i * 4], logprobs[i]);
  }
  // Without alternatives: the same values, nothing else needed; the sum is score_option_ids'.
  double alone[3];
  ASSERT_EQ(almkit_score_tokens(model_, &r, tokens.data(), 3, 0, alone, nullptr, nullptr, nullptr),
            ALMKIT_OK);
  almkit_option_score summed;
  summed.struct_size = sizeof summed;
  const int32_t* options[] = {tokens.data()};
  const size_t lengths[] = {3};
  ASSERT_EQ(almkit_score_option_ids(model_, &r, options, lengths, 1, &summed), ALMKIT_OK);
  EXPECT_NEAR(alone[0] + alone[1] + alone[2], summed.sum_logprob, 1e-9);
  // More alternatives than the vocabulary (256 tokens): the rest are marked.
  std::vector<int32_t> all_ids(300);
  std::vector<double> all_values(300);
  ASSERT_EQ(almkit_score_tokens(model_, &r, tokens.data(), 1, 300, logprobs, nullptr,
                                all_ids.data(), all_values.data()),
            ALMKIT_OK);
  EXPECT_GE(all_ids[255], 0);
  EXPECT_GT(all_values[255], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(all_ids[256], -1);
  EXPECT_EQ(all_values[299], -std::numeric_limits<double>::infinity());
}

TEST_F(CApiModel, StopIdsEndGenerationWithTheStopReason) {
  almkit_request r = request();
  almkit_generate_params p = almkit_generate_default_params();
  p.max_new_tokens = 8;
  const int32_t stops[] = {136};  // the third greedy token
  p.stop_token_ids = stops;
  p.num_stop_token_ids = 1;
  almkit_generation* generation = nullptr;
  ASSERT_EQ(almkit_generate(model_, &r, &p, &generation), ALMKIT_OK);
  size_t count = 0;
  const int32_t* tokens = almkit_generation_tokens(generation, &count);
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(tokens[2], 136);
  EXPECT_EQ(almkit_generation_stop_reason(generation), ALMKIT_STOP_EOS);
  almkit_generation_free(generation);
}

TEST_F(CApiModel, ConcurrentCallsOnOneModelAgreeWithASingleCall) {
  almkit_request r = request();
  almkit_generate_params p = almkit_generate_default_params();
  p.max_new_tokens = 8;
  p.temperature = 0.8;
  p.seed = 7;
  almkit_generation* reference = nullptr;
  ASSERT_EQ(almkit_generate(model_, &r, &p, &reference), ALMKIT_OK);
  size_t count = 0;
  const int32_t* tokens = almkit_generation_tokens(reference, &count);
  const std::vector<int32_t> expected(tokens, tokens + count);
  almkit_generation_free(reference);

  std::vector<std::vector<int32_t>> results(4);
  std::vector<almkit_status> statuses(4, ALMKIT_ERR_INTERNAL);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      almkit_generation* generation = nullptr;
      statuses[t] = almkit_generate(model_, &r, &p, &generation);
      size_t n = 0;
      const int32_t* ids = almkit_generation_tokens(generation, &n);
      results[t].assign(ids, ids + n);
      almkit_generation_free(generation);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(statuses[t], ALMKIT_OK);
    EXPECT_EQ(results[t], expected) << "thread " << t;
  }
}

TEST(CApiAbi, ParamsDefaultsMirrorTheCppOptions) {
  const almkit_kaldi_fbank_params k = almkit_kaldi_fbank_default_params();
  const almkit::KaldiFbankOptions ko;
  EXPECT_EQ(k.num_mel_bins, ko.num_mel_bins);
  EXPECT_EQ(k.frame_length, ko.frame_length);
  EXPECT_EQ(k.snip_edges, ko.snip_edges);
  EXPECT_STREQ(k.window_type, ko.window_type.c_str());
  const almkit_whisper_mel_params w = almkit_whisper_mel_default_params();
  EXPECT_EQ(w.feature_size, 80);
  EXPECT_EQ(w.hop_length, 160);
  EXPECT_TRUE(w.pad_to_chunk);
  const almkit_generate_params g = almkit_generate_default_params();
  EXPECT_EQ(g.max_new_tokens, 64);
  EXPECT_EQ(g.top_p, 1.0);
  EXPECT_EQ(g.on_token, nullptr);
  const almkit_model_params m = almkit_model_default_params();
  EXPECT_STREQ(m.device, "cpu");
  EXPECT_STREQ(m.dtype, "float32");
  EXPECT_TRUE(m.load_tokenizer);
  EXPECT_TRUE(almkit_chat_default_params().add_generation_prompt);
  EXPECT_TRUE(almkit_detokenize_default_params().skip_special_tokens);
  EXPECT_FALSE(almkit_tokenize_default_params().add_special_tokens);
}

}  // namespace
