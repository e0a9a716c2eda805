// The runner's pure parts: presentation orders, hashing, windows, prompt rendering.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bench/runner/audio_windows.h"
#include "bench/runner/hashing.h"
#include "bench/runner/permutations.h"
#include "bench/runner/prompts.h"

namespace almkit::bench {
namespace {

TEST(PresentationOrders, OriginalThenCyclicShiftsThenSeededShuffles) {
  const auto orders = presentation_orders(4, 7, 5, "item-1");
  ASSERT_EQ(orders.size(), 7u);
  EXPECT_EQ(orders[0], (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(orders[1], (std::vector<int>{1, 2, 3, 0}));
  EXPECT_EQ(orders[3], (std::vector<int>{3, 0, 1, 2}));
  for (const auto& order : orders) {
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
  }
  EXPECT_EQ(presentation_orders(4, 7, 5, "item-1"), orders);        // deterministic
  EXPECT_NE(presentation_orders(4, 7, 6, "item-1")[5], orders[5]);  // seeded (these differ)
}

TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(AudioWindows, LongClipsSplitIntoEqualWindowsThatFit) {
  EXPECT_EQ(window_count(30.0, 30.0), 1);
  EXPECT_EQ(window_count(30.01, 30.0), 2);
  EXPECT_EQ(window_count(65.0, 30.0), 3);
  AudioBuffer clip;
  clip.sample_rate = 100;
  clip.channels = 1;
  clip.samples.assign(6500, 0.5f);
  const auto windows = split_into_windows(clip, 30.0);
  ASSERT_EQ(windows.size(), 3u);
  size_t frames = 0;
  for (const auto& window : windows) {
    EXPECT_LE(window.duration_seconds(), 30.0);
    frames += window.samples.size();
  }
  EXPECT_EQ(frames, 6500u);
}

TEST(Prompts, PlaceholdersAndAudioPartsAreRendered) {
  BenchItem item;
  item.question = "Which {letters}?";  // a question's own braces are left alone
  const PromptTemplate prompt{
      "t", "{question} {choices_list} / {choices_joined} / {letters}\n{choices_lettered}"};
  const auto messages = nlohmann::json::parse(render_messages(prompt, item, {"it's", "b", "c"}, 2));
  const auto& content = messages[0]["content"];
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0]["type"], "audio");
  EXPECT_EQ(content[1]["type"], "audio");
  EXPECT_EQ(
      content[2]["text"],
      "Which {letters}? [\"it's\", 'b', 'c'] / it's, b or c / A, B or C\nA. it's\nB. b\nC. c");
}

}  // namespace
}  // namespace almkit::bench
