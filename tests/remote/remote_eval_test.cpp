// `almkit eval --backend openai` against mock servers on loopback: requests carry what the run
// asks, faults are retried, units that never get an answer are reported apart and retried by
// the next run, several endpoints share the load by their concurrency.
#include <gtest/gtest.h>

#include "almkit/eval.h"
#include "bench/runner/cache.h"
#include "remote/base64.h"
#include "remote_fixture.h"
#include "remote/mock_openai_server.h"

namespace almkit::test {
namespace {

using json = nlohmann::json;

int64_t units_of(const RemoteSuite& suite) {
  return static_cast<int64_t>(suite.items) * 2;  // one presentation and the silent baseline
}

TEST(RemoteEval, RequestsCarryTheSettingsAudioAndPromptAndResultsStoreNoPayload) {
  const auto& suite = remote_suite();
  MockOpenAiServer server([](const json&, int) { return MockReply{Fault::kNone, "B"}; });
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, server.url());
  options.limit = 2;
  options.temperature = 0.7;
  options.top_p = 0.9;
  options.top_k = 40;
  options.max_new_tokens = 12;
  options.seed = 5;
  options.stop = {"\n\n"};
  const auto outcome = bench::run_eval(options);
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.units, 4);
  EXPECT_EQ(outcome.failed, 0);
  ASSERT_EQ(server.requests(), 4);
  std::set<int64_t> seeds;
  for (const json& body : server.bodies()) {
    EXPECT_EQ(body["model"], "mock-audio-llm");
    EXPECT_EQ(body["max_tokens"], 12);
    EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
    EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.9);
    EXPECT_EQ(body["top_k"], 40);
    EXPECT_EQ(body["stop"], json::array({"\n\n"}));
    seeds.insert(body["seed"].get<int64_t>());
    int audio_parts = 0;
    for (const json& part : body["messages"][0]["content"]) {
      if (part["type"] != "input_audio") continue;
      ++audio_parts;
      EXPECT_EQ(part["input_audio"]["format"], "wav");
      // "UklGR" is base64 of "RIFF".
      EXPECT_EQ(part["input_audio"]["data"].get<std::string>().rfind("UklGR", 0), 0u);
    }
    EXPECT_GE(audio_parts, 1);
  }
  EXPECT_EQ(seeds.size(), 2u);  // per item (the silent twin shares its item's seed)
  const auto results = read_jsonl(out + "/results.jsonl");
  ASSERT_EQ(results.size(), 4u);
  for (const json& record : results) {
    EXPECT_EQ(record["response"], "B");
    EXPECT_EQ(record["prompt_tokens"], 42);
    EXPECT_EQ(record["endpoint"], server.url());
    EXPECT_EQ(record["attempts"], 1);
    const json prompt = json::parse(record["prompt"].get<std::string>());
    const json& audio = prompt[0]["content"][0];
    EXPECT_EQ(audio["type"], "input_audio");
    EXPECT_FALSE(audio["input_audio"].contains("data"));
    EXPECT_EQ(audio["input_audio"]["sha256"].get<std::string>().size(), 64u);
    EXPECT_NE(audio["input_audio"]["file"].get<std::string>().find(".wav"), std::string::npos);
  }
  const json run = read_json(out + "/run.json");
  EXPECT_EQ(run["backend"]["kind"], "openai");
  EXPECT_EQ(run["backend"]["served_model"], "mock-audio-llm");
  EXPECT_EQ(run["backend"]["endpoints"][0]["url"], server.url());
  EXPECT_EQ(run["model_dir"], "openai:mock-audio-llm");
  // A second run finds every unit in the cache and sends nothing.
  const auto again = bench::run_eval(options);
  EXPECT_EQ(again.reused, 4);
  EXPECT_EQ(server.requests(), 4);
}

TEST(RemoteEval, RetriesEveryKindOfFaultAndLosesOrRepeatsNothing) {
  const auto& suite = remote_suite();
  // The first attempt of every unit fails, each unit with another kind of fault.
  std::atomic<int> next_fault{0};
  const Fault faults[] = {Fault::k500, Fault::k429,       Fault::kDrop, Fault::kMalformed,
                          Fault::kNoChoices, Fault::k503, Fault::kHang};
  MockOpenAiServer server([&](const json&, int attempt) {
    if (attempt > 0) return MockReply{Fault::kNone, "A"};
    return MockReply{faults[size_t(next_fault++) % 7], "A"};
  });
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, server.url());
  options.timeout_seconds = 0.5;  // the hang lasts 1.5 s
  options.max_retries = 2;
  options.breaker_failures = 1000;  // this test is about retries, not the breaker
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = bench::run_eval(options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 15.0);
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.failed, 0);
  EXPECT_EQ(outcome.units, units_of(suite));
  EXPECT_EQ(server.answered(), units_of(suite));
  EXPECT_EQ(server.max_answers_per_body(), 1);
  EXPECT_EQ(server.requests(), 2 * units_of(suite));
  const auto results = read_jsonl(out + "/results.jsonl");
  ASSERT_EQ(results.size(), size_t(units_of(suite)));
  for (const json& record : results) {
    EXPECT_FALSE(record.contains("error")) << record.dump();
    EXPECT_EQ(record["attempts"], 2);
  }
  bench::ResultCache cache(out + "/cache.sqlite");
  EXPECT_EQ(cache.computations(), units_of(suite));
  EXPECT_EQ(cache.distinct_computations(), units_of(suite));
}

TEST(RemoteEval, UnitsThatNeverGetAnAnswerAreReportedApartAndTheNextRunRetriesOnlyThem) {
  const auto& suite = remote_suite();
  const json items = read_json(suite.data);
  const std::string doomed = items[0]["question"];
  std::atomic<bool> down{true};
  MockOpenAiServer server([&](const json& request, int) {
    if (down && request_text(request).find(doomed) != std::string::npos)
      return MockReply{Fault::k503};
    return MockReply{Fault::kNone, "A"};
  });
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, server.url());
  options.max_retries = 2;
  options.breaker_failures = 1000;
  const auto first = bench::run_eval(options);
  EXPECT_FALSE(first.complete);
  EXPECT_EQ(first.failed, 2);  // the item and its silent twin
  EXPECT_EQ(first.unavailable, 2);
  const json summary = json::parse(first.summary_json);
  EXPECT_EQ(summary["unavailable"], 2);
  EXPECT_EQ(summary["items"], int64_t(suite.items) - 1);
  // Not scored: the strict figure does not count them either.
  EXPECT_EQ(summary["strict_accuracy"]["total"], int64_t(suite.items) - 1);
  ASSERT_EQ(summary["failures"].size(), 2u);
  EXPECT_EQ(summary["failures"][0]["kind"], "unavailable");
  EXPECT_NE(summary["failures"][0]["error"].get<std::string>().find("HTTP 503"), std::string::npos);
  EXPECT_NE(summary["failures"][0]["error"].get<std::string>().find("3 attempts"),
            std::string::npos);
  int unavailable_records = 0;
  for (const json& record : read_jsonl(out + "/results.jsonl")) {
    if (!record.contains("error")) continue;
    ++unavailable_records;
    EXPECT_EQ(record["error_kind"], "unavailable");
    EXPECT_FALSE(record.contains("correct"));
  }
  EXPECT_EQ(unavailable_records, 2);
  const int requests_before = server.requests();
  EXPECT_EQ(requests_before, units_of(suite) - 2 + 2 * 3);

  down = false;
  const auto second = bench::run_eval(options);
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.failed, 0);
  EXPECT_EQ(second.reused, units_of(suite) - 2);
  EXPECT_EQ(second.computed, 2);
  EXPECT_EQ(server.requests() - requests_before, 2);
  EXPECT_EQ(server.max_answers_per_body(), 1);
  EXPECT_EQ(json::parse(second.summary_json)["items"], int64_t(suite.items));
}

TEST(RemoteEval, EndpointsShareTheWorkInProportionToTheirConcurrency) {
  const auto& suite = remote_suite();
  auto slow = [](const json&, int) { return MockReply{Fault::kNone, "A", 0.03}; };
  MockOpenAiServer one(slow), three(slow);
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, one.url());
  options.endpoints = {one.url() + "#1", three.url() + "#3"};
  options.permutations = 3;  // 4 units per item
  const auto outcome = bench::run_eval(options);
  EXPECT_TRUE(outcome.complete);
  const int total = one.requests() + three.requests();
  EXPECT_EQ(total, outcome.units);
  const double share = double(three.requests()) / total;
  EXPECT_NEAR(share, 0.75, 0.12) << one.requests() << " vs " << three.requests();
}

TEST(RemoteEval, AnEndpointThatKeepsFailingIsSetAside) {
  const auto& suite = remote_suite();
  MockOpenAiServer broken([](const json&, int) { return MockReply{Fault::k500}; });
  MockOpenAiServer healthy;
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, healthy.url());
  options.endpoints = {broken.url() + "#2", healthy.url() + "#2"};
  options.breaker_failures = 2;
  options.breaker_seconds = 60.0;  // longer than the run
  const auto outcome = bench::run_eval(options);
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.failed, 0);
  EXPECT_EQ(healthy.answered(), outcome.units);
  // Two failures set it aside; at most the requests already in flight add to them.
  EXPECT_LE(broken.requests(), 3);
}

TEST(RemoteEval, ClearErrorsBeforeAnyUnitForAWrongModelOrMissingOptions) {
  const auto& suite = remote_suite();
  MockOpenAiServer server;
  const std::string out = temp_dir() + "/run";
  auto options = remote_options(suite.data, out, server.url(), "not-served");
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kNotFound,
                      "'not-served' is not served at " + server.url() + " (it serves: mock-audio-llm)");
  EXPECT_EQ(server.requests(), 0);
  options = remote_options(suite.data, out, server.url());
  options.endpoints.clear();
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "--endpoint");
  options = remote_options(suite.data, out, server.url(), "");
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "--served-model");
  options = remote_options(suite.data, out, "ftp://x");
  EXPECT_ALMKIT_ERROR(bench::run_eval(options), ErrorCode::kInvalidArgument, "http://");
}

}  // namespace
}  // namespace almkit::test
