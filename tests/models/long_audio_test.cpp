// Audio longer than the 30 s encoder window, family by family, as each upstream processor cuts
// it: a 65 s clip (jfk.wav repeated) through an init-model checkpoint of every family that takes
// it expands to the processor's row count, each window's rows equal the encoder (and projector)
// on that window alone, and a clip past the family's maximum is refused by name. The expected
// counts come from tests/models/long_audio_counts.py (numpy, the processors' rules).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "almkit/audio.h"
#include "almkit/model.h"
#include "almkit/tokenizer.h"
#include "bench/runner/audio_windows.h"
#include "bench/runner/backend.h"
#include "models/registry.h"
#include "test_support.h"

namespace almkit::test {
namespace {

constexpr int64_t kSamples65s = 65 * 16000;

struct LongAudioFamily {
  std::string arch, tokenizer;
  std::vector<int64_t> window_rows;  // projected rows of each window of the 65 s clip
  double max_seconds;                // the longest clip the family takes (init-model sizes)
};

std::ostream& operator<<(std::ostream& out, const LongAudioFamily& family) {
  return out << family.arch;
}

AudioBuffer clip_65s() {
  AudioLoadOptions load;
  load.target_sample_rate = 16000;
  load.mono = true;
  const AudioBuffer jfk = load_audio(data_dir() + "/jfk.wav", load);
  AudioBuffer clip{16000, 1, {}};
  while (static_cast<int64_t>(clip.samples.size()) < kSamples65s) {
    clip.samples.insert(clip.samples.end(), jfk.samples.begin(), jfk.samples.end());
  }
  clip.samples.resize(kSamples65s);
  return clip;
}

at::Tensor as_tensor(const FeatureBatch& batch) {
  return at::from_blob(const_cast<float*>(batch.features.values.data()), batch.features.shape,
                       at::TensorOptions().dtype(at::kFloat))
      .clone();
}

// One init-model checkpoint per architecture per test process.
const std::string& init_checkpoint(const std::string& arch, const std::string& tokenizer) {
  static std::map<std::string, std::string> made;
  auto it = made.find(arch);
  if (it != made.end()) return it->second;
  const std::string dir = "/tmp/almkit-test-long-audio-" + arch + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  static std::vector<std::string> to_remove;
  if (to_remove.empty()) {
    std::atexit([] {
      for (const auto& d : to_remove) std::filesystem::remove_all(d);
    });
  }
  to_remove.push_back(dir);
  const auto result = run_cli("init-model --arch " + arch + " --size small --tokenizer " +
                              data_dir() + "/../tokenizers/" + tokenizer + " -o " + dir);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return made[arch] = dir;
}

// prompt_tokens of a one-token answer to `clip` behind one placeholder, less the prompt's text
// tokens other than the placeholder: the rows the clip expanded to.
int64_t expanded_rows(const Model& model, const AudioBuffer& clip) {
  const std::string messages =
      R"([{"role":"user","content":[{"type":"audio"},{"type":"text","text":"What is said?"}]}])";
  Request request;
  request.prompt = model.chat_prompt(messages, true);
  request.audio.push_back(clip);
  GenerateOptions options;
  options.max_new_tokens = 1;
  const GenerateResult result = model.generate(request, options);
  const auto text_tokens =
      static_cast<int64_t>(model.tokenizer().encode(request.prompt, false).size());
  return result.prompt_tokens - (text_tokens - 1);
}

class LongAudio : public ::testing::TestWithParam<LongAudioFamily> {
 protected:
  static const std::string& checkpoint() {
    return init_checkpoint(GetParam().arch, GetParam().tokenizer);
  }

  // Projected rows of `features` [1, bins, frames] with `frames` real.
  static at::Tensor rows(const ModelParts& parts, const at::Tensor& features, int64_t frames) {
    const EncodedAudio encoded = parts.encoder->encode(features, at::tensor({frames}), nullptr);
    const EncodedAudio projected =
        parts.projector ? parts.projector->project(encoded, nullptr) : encoded;
    return projected.hidden[0].narrow(0, 0, projected.output_lengths[0].item<int64_t>());
  }
};

TEST_P(LongAudio, ClipExpandsToTheProcessorsRowCount) {
  auto model = Model::load(checkpoint());
  int64_t rows = 0;
  for (int64_t r : GetParam().window_rows) rows += r;
  EXPECT_EQ(expanded_rows(*model, clip_65s()), rows);
}

TEST(LongAudioGraniteSpeech, TakesTheWholeClipWithoutWindows) {
  // ceil(((samples // 160 + 1) // 2) / window_size 15) x 3 queries (long_audio_counts.py).
  auto model = Model::load(init_checkpoint("granite_speech", "llama3"));
  EXPECT_EQ(expanded_rows(*model, clip_65s()), 651);
}

TEST(LongAudioFlamingo3, AWindowOfOneMelFrameAddsNoRows) {
  // 30 s + 100 samples: the second window's one frame gives ((1 - 1) // 2 + 1 - 2) // 2 + 1 = 0
  // rows, as the processor's count of the whole (long_audio_counts.py 30.00625: [750, 0]).
  auto model = Model::load(init_checkpoint("audioflamingo3", "qwen3"));
  AudioBuffer clip = clip_65s();
  clip.samples.resize(480000 + 100);
  EXPECT_EQ(expanded_rows(*model, clip), 750);
}

TEST_P(LongAudio, EachWindowEqualsTheEncoderOnThatWindowAlone) {
  const ModelParts parts = load_model_parts(checkpoint(), WeightOptions{});
  const AudioBuffer clip = clip_65s();
  const FeatureBatch batch = parts.encoder->features().extract({clip});
  const at::Tensor whole = rows(parts, as_tensor(batch), batch.valid_frames[0]);
  const std::vector<int64_t>& expected = GetParam().window_rows;
  int64_t total = 0;
  for (int64_t r : expected) total += r;
  ASSERT_EQ(whole.size(0), total);
  const std::string arch = GetParam().arch;
  const int64_t window_frames = arch == "qwen2_5_omni_thinker" ? 200 : 3000;  // Omni: n_window x 2
  const at::Tensor features = as_tensor(batch);
  if (arch != "audioflamingo3") {
    // One mel over the whole clip: Voxtral's zero-padded to whole windows (3 x 30 s), Omni's
    // padded form of its 300 s chunk_length, Ultravox's as it is (65 s is a whole number of hops).
    WhisperMelOptions whole;
    whole.feature_size = 128;
    whole.chunk_length = 300;
    whole.pad_to_chunk = arch == "qwen2_5_omni_thinker";
    std::vector<float> samples = clip.samples;
    if (arch == "voxtral") samples.resize(3 * 480000, 0.f);
    const FeatureBatch expected_features = WhisperMel(whole).compute(samples);
    EXPECT_EQ(batch.valid_frames[0], arch == "voxtral" ? 9000 : 6500);
    ASSERT_EQ(batch.features.shape, expected_features.features.shape);
    EXPECT_TRUE(at::equal(features, as_tensor(expected_features)));
  }
  int64_t offset = 0;
  for (size_t w = 0; w < expected.size(); ++w) {
    const auto start = static_cast<int64_t>(w) * window_frames;
    const int64_t frames = std::min(window_frames, batch.valid_frames[0] - start);
    at::Tensor alone;
    if (arch == "audioflamingo3") {
      // Its processor cuts the samples, and each window has a mel of its own.
      AudioBuffer part{16000, 1, {}};
      const int64_t begin = static_cast<int64_t>(w) * 480000;
      part.samples.assign(clip.samples.begin() + begin,
                          clip.samples.begin() + std::min<int64_t>(kSamples65s, begin + 480000));
      const FeatureBatch own = parts.encoder->features().extract({part});
      ASSERT_EQ(own.valid_frames[0], frames);
      alone = rows(parts, as_tensor(own), own.valid_frames[0]);
    } else {
      // The mel of the whole clip, cut: Voxtral's and Omni's windows are the frames as they
      // are; Ultravox's last chunk is zero-padded to 3000 frames with its length, as the
      // processor pads it to the other chunks (its last stacked row reads past the audio).
      const int64_t width = arch == "ultravox" ? window_frames : frames;
      at::Tensor window = at::zeros({1, features.size(1), width});
      window[0].narrow(1, 0, frames).copy_(features[0].narrow(1, start, frames));
      alone = rows(parts, window, frames);
    }
    ASSERT_EQ(alone.size(0), expected[w]) << "window " << w;
    // A batch of windows against one window: the same products, summed in another order by BLAS.
    EXPECT_LT((whole.narrow(0, offset, expected[w]) - alone).abs().max().item<double>(), 1e-5)
        << "window " << w;
    offset += expected[w];
  }
}

TEST_P(LongAudio, ClipsPastTheFamilysMaximumAreRefused) {
  auto model = Model::load(checkpoint());
  EXPECT_DOUBLE_EQ(model->max_audio_seconds(), GetParam().max_seconds);
  Request request;
  request.prompt = model->chat_prompt(R"([{"role":"user","content":[{"type":"audio"}]}])", true);
  request.audio.push_back(AudioBuffer{
      16000, 1, std::vector<float>(size_t((GetParam().max_seconds + 1) * 16000), 0.1f)});
  EXPECT_ALMKIT_ERROR(model->generate(request, GenerateOptions{}), ErrorCode::kInvalidArgument,
                      std::to_string(GetParam().max_seconds) + " s");
}

TEST_P(LongAudio, EvalWindowsHandTheWholeClipToTheFamilysProcessor) {
  const std::string wav = temp_dir() + "/clip-65s.wav";
  write_wav(wav, clip_65s());
  bench::EvalOptions options;
  options.model_dir = checkpoint();
  options.long_audio = "windows";
  EXPECT_EQ(bench::make_local_backend(options)->audio_parts(wav), 1);
  options.max_audio_seconds = 30;  // an explicit window still cuts it: ceil(65 / 30) parts
  EXPECT_EQ(bench::make_local_backend(options)->audio_parts(wav), 3);
}

// Rows per window from tests/models/long_audio_counts.py; maxima: Audio Flamingo 3's
// max_audio_len (600 s), Qwen2.5-Omni's n_samples (300 s), Voxtral's and Ultravox's windows
// that fit the init-model LM's 8192 positions (21 x 375 rows, 43 x 188 rows).
INSTANTIATE_TEST_SUITE_P(
    InitModel, LongAudio,
    ::testing::Values(LongAudioFamily{"voxtral", "llama3", {375, 375, 375}, 630.0},
                      LongAudioFamily{"audioflamingo3", "qwen3", {750, 750, 125}, 600.0},
                      LongAudioFamily{"ultravox", "llama3", {188, 188, 32}, 1290.0},
                      LongAudioFamily{"qwen2_5_omni_thinker", "qwen3",
                                      [] {
                                        std::vector<int64_t> rows(32, 50);
                                        rows.push_back(25);
                                        return rows;
                                      }(),
                                      300.0}),
    [](const ::testing::TestParamInfo<LongAudioFamily>& info) { return info.param.arch; });

}  // namespace
}  // namespace almkit::test
