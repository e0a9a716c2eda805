// EncodedAudioCache: least recently used clips go first; keys tell clips apart.
#include "runtime/audio_cache.h"

#include <gtest/gtest.h>

namespace almkit {
namespace {

TEST(EncodedAudioCache, KeepsTheMostRecentlyUsedClips) {
  EncodedAudioCache cache(2);
  cache.insert("a", at::full({1, 2}, 1.0));
  cache.insert("b", at::full({1, 2}, 2.0));
  ASSERT_TRUE(cache.find("a"));  // a is now the most recent
  cache.insert("c", at::full({1, 2}, 3.0));
  EXPECT_FALSE(cache.find("b"));
  EXPECT_EQ(cache.find("a")->sum().item<double>(), 2.0);
  EXPECT_EQ(cache.find("c")->sum().item<double>(), 6.0);
  EncodedAudioCache off(0);
  off.insert("a", at::ones({1}));
  EXPECT_FALSE(off.find("a"));
}

TEST(EncodedAudioCache, KeysDifferForAnyChangedSampleLengthOrRate) {
  std::vector<float> clip(20000, 0.25f);
  const std::string base = EncodedAudioCache::key(clip, 16000);
  EXPECT_EQ(EncodedAudioCache::key(clip, 16000), base);
  EXPECT_NE(EncodedAudioCache::key(clip, 24000), base);
  clip[10000] = 0.5f;  // a middle sample
  EXPECT_NE(EncodedAudioCache::key(clip, 16000), base);
  clip.push_back(0.f);
  EXPECT_NE(EncodedAudioCache::key(clip, 16000), base);
}

}  // namespace
}  // namespace almkit
