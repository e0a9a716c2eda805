// The remote backend's parts without a runner: base64, endpoint URLs, log-probabilities read
// back from vLLM's and OpenAI's answer shapes, the WAV sent.
#include <gtest/gtest.h>

#include <cmath>

#include "almkit/audio.h"
#include "remote/base64.h"
#include "remote/endpoint_pool.h"
#include "remote/openai_protocol.h"
#include "remote/wav_payload.h"
#include "test_support.h"

namespace almkit::remote {
namespace {

using json = nlohmann::json;

TEST(RemoteBase64, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(RemoteEndpoint, NormalisesBaseUrlsAndReadsConcurrency) {
  EXPECT_EQ(parse_endpoint("http://node1:8000").base_url, "http://node1:8000/v1");
  EXPECT_EQ(parse_endpoint("http://node1:8000/v1/").base_url, "http://node1:8000/v1");
  const EndpointSpec spec = parse_endpoint("https://host/api/v1#16");
  EXPECT_EQ(spec.base_url, "https://host/api/v1");
  EXPECT_EQ(spec.concurrency, 16);
  EXPECT_EQ(parse_endpoint("http://h:1/v1").concurrency, 0);
  EXPECT_ALMKIT_ERROR(parse_endpoint("node1:8000"), ErrorCode::kInvalidArgument, "http://");
  EXPECT_ALMKIT_ERROR(parse_endpoint("http://h:1/v1#0"), ErrorCode::kInvalidArgument, "#N");
  EXPECT_ALMKIT_ERROR(parse_endpoint("http://h:1/v1#x"), ErrorCode::kInvalidArgument, "#N");
}

TEST(RemoteEndpoint, RedactsCredentialsInUrls) {
  EXPECT_EQ(redact_url("https://user:secret@host:8000/v1"), "https://***@host:8000/v1");
  EXPECT_EQ(redact_url("http://host:8000/v1/x@y"), "http://host:8000/v1/x@y");
  EXPECT_EQ(redact_url("http://host:8000/v1"), "http://host:8000/v1");
}

TEST(RemoteEndpointPool, SetsAsideAFailingEndpointAndPrefersTheLeastLoaded) {
  EndpointPool pool({{"http://a/v1", 1}, {"http://b/v1", 3}}, {2, 60.0});
  EXPECT_EQ(pool.total_concurrency(), 4);
  // Lowest busy share first: a (0/1), then b three times (0/3, 1/3, 2/3).
  EXPECT_EQ(pool.acquire(), 0u);
  EXPECT_EQ(pool.acquire(), 1u);
  EXPECT_EQ(pool.acquire(), 1u);
  EXPECT_EQ(pool.acquire(), 1u);
  for (size_t e : {0u, 1u, 1u, 1u}) pool.release(e, true);
  // Two failures in a row: a is set aside for a minute, every slot goes to b.
  pool.release(pool.acquire(), false);
  ASSERT_EQ(pool.acquire(), 0u);
  pool.release(0, false);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pool.acquire(), 1u);
  const auto stats = pool.stats();
  EXPECT_EQ(stats[0].set_aside, 1);
  EXPECT_EQ(stats[0].failures, 2);
}

TEST(RemoteLogprobs, ReadsTheChoiceFromVllmPromptLogprobs) {
  // "<|im_start|>assistant\n" then the choice "a dog" in three tokens.
  const json prompt_logprobs = json::parse(R"([null,
      {"151644": {"logprob": -0.5, "rank": 1, "decoded_token": "assistant\n"}},
      {"64": {"logprob": -1.0, "rank": 3, "decoded_token": "a"}},
      {"5562": {"logprob": -2.0, "rank": 1, "decoded_token": " d"}},
      {"540": {"logprob": -0.25, "rank": 1, "decoded_token": "og"}}])");
  const ContinuationScore score = continuation_from_prompt_logprobs(prompt_logprobs, "a dog");
  EXPECT_EQ(score.tokens, 3);
  EXPECT_DOUBLE_EQ(score.sum_logprob, -3.25);
  EXPECT_THROW(continuation_from_prompt_logprobs(prompt_logprobs, "a cat"), ProtocolError);
  EXPECT_THROW(continuation_from_prompt_logprobs(json::parse(R"([{"1": {"logprob": -1, "decoded_token": "x"},
      "2": {"logprob": -2, "decoded_token": "y"}}])"), "x"), ProtocolError);
}

TEST(RemoteLogprobs, ReadsTheChoiceFromEchoedCompletionLogprobs) {
  // Prompt "Q: é?\nA:" (8 code points), choice " yes", then one generated token.
  const json logprobs = json::parse(R"({
      "tokens": ["Q", ":", " é", "?", "\n", "A", ":", " yes", "!"],
      "token_logprobs": [null, -1.0, -2.0, -1.0, -0.5, -0.5, -0.1, -0.7, -3.0],
      "text_offset": [0, 1, 2, 4, 5, 6, 7, 8, 12]})");
  const std::string prompt = "Q: \xc3\xa9?\nA:";
  EXPECT_EQ(code_points(prompt), 8u);
  const ContinuationScore score = continuation_from_echo_logprobs(logprobs, 8, 12);
  EXPECT_EQ(score.tokens, 1);
  EXPECT_DOUBLE_EQ(score.sum_logprob, -0.7);
}

TEST(RemoteWavPayload, SendsMatchingWavFilesAsTheyAreAndConvertsOthers) {
  const std::string dir = test::temp_dir();
  AudioBuffer audio;
  audio.sample_rate = 16000;
  audio.channels = 2;
  audio.samples.resize(3200);
  for (size_t i = 0; i < audio.samples.size(); ++i) audio.samples[i] = 0.25f * std::sin(0.01f * i);
  write_wav(dir + "/stereo.wav", audio);
  AudioBuffer mono = audio;
  mono.channels = 1;
  write_wav(dir + "/mono.wav", mono);

  const std::string as_is = wav_payload(dir + "/mono.wav", 16000, false);
  EXPECT_EQ(as_is, test::read_file(dir + "/mono.wav"));
  const std::string downmixed = wav_payload(dir + "/stereo.wav", 16000, false);
  EXPECT_TRUE(is_pcm16_mono_wav(downmixed, 16000));
  const AudioBuffer back = load_audio_from_memory(downmixed.data(), downmixed.size());
  EXPECT_EQ(back.num_frames(), 1600);
  const std::string resampled = wav_payload(dir + "/mono.wav", 8000, false);
  EXPECT_TRUE(is_pcm16_mono_wav(resampled, 8000));
  const std::string silent = wav_payload(dir + "/mono.wav", 16000, true);
  const AudioBuffer zeros = load_audio_from_memory(silent.data(), silent.size());
  EXPECT_EQ(zeros.num_frames(), 3200);
  for (float sample : zeros.samples) ASSERT_EQ(sample, 0.0f);
}

}  // namespace
}  // namespace almkit::remote
