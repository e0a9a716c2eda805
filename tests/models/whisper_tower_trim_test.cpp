// A masked Whisper tower (Qwen2-Audio's) runs only the positions its clips reach: the real rows
// must equal the tower run over the whole 30 s window (what transformers computes; a hook turns
// the trim off), for a batch of clips of different lengths, and the rows past the longest clip
// are the zeros the trim pads with (layer-normed), so the trim provably ran.
#include <gtest/gtest.h>

#include "almkit/audio.h"
#include "models/registry.h"
#include "test_support.h"
#include "test_world.h"

namespace almkit::test {
namespace {

AudioBuffer noise(double seconds, uint32_t seed) {
  AudioBuffer clip{16000, 1, std::vector<float>(static_cast<size_t>(seconds * 16000))};
  for (float& x : clip.samples) {
    seed = seed * 1664525u + 1013904223u;
    x = 0.2f * (static_cast<float>(seed >> 8) / 16777216.0f - 0.5f);
  }
  return clip;
}

TEST(WhisperTowerTrim, RealRowsEqualTheWholeWindowRun) {
  const ModelParts parts = load_model_parts(test_world().model, WeightOptions{});
  const FeatureBatch batch = parts.encoder->features().extract({noise(1.3, 1), noise(4.0, 2), noise(0.7, 3)});
  const at::Tensor features = at::from_blob(const_cast<float*>(batch.features.values.data()),
                                            batch.features.shape, at::TensorOptions().dtype(at::kFloat));
  std::vector<int64_t> frames(batch.valid_frames.begin(), batch.valid_frames.end());
  const at::Tensor lengths = at::tensor(frames);

  const EncodedAudio trimmed = parts.encoder->encode(features, lengths, nullptr);
  LayerHook observe;  // any hook on the encoder makes it run every position
  observe.callback = [](const std::string&, int, at::Tensor&, const at::Tensor&) {};
  const EncodedAudio whole = parts.encoder->encode(features, lengths, &observe);

  ASSERT_TRUE(at::equal(trimmed.output_lengths, whole.output_lengths));
  ASSERT_EQ(trimmed.hidden.sizes(), whole.hidden.sizes());
  int64_t longest = 0;
  for (int64_t c = 0; c < trimmed.hidden.size(0); ++c) {
    const int64_t n = trimmed.output_lengths[c].item<int64_t>();
    longest = std::max(longest, n);
    const at::Tensor a = trimmed.hidden[c].narrow(0, 0, n), b = whole.hidden[c].narrow(0, 0, n);
    EXPECT_LT((a - b).abs().max().item<double>(), 1e-5 * std::max(1.0, b.abs().max().item<double>()))
        << "clip " << c;
  }
  // 4 s of a 30 s window: the trimmed run left most positions out, so its last rows are all
  // alike (the final layer norm of zeros), unlike the whole-window run's.
  ASSERT_LT(longest + 2, trimmed.hidden.size(1));
  const at::Tensor tail = trimmed.hidden[1].narrow(0, longest + 2, trimmed.hidden.size(1) - longest - 2);
  EXPECT_TRUE(at::allclose(tail, tail[0].expand_as(tail)));
  const at::Tensor whole_tail = whole.hidden[1].narrow(0, longest + 2, whole.hidden.size(1) - longest - 2);
  EXPECT_FALSE(at::allclose(whole_tail, whole_tail[0].expand_as(whole_tail)));
}

}  // namespace
}  // namespace almkit::test
