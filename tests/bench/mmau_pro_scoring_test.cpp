// MMAU-Pro's scorer and the MMAU-family judges replayed against the official code's decisions
// (tests/data/benchmarks/mmau-pro/make_mmau_pro_expected.py runs MMAU-Pro's
// evaluate_closedended_with_nvembed with a stand-in embedder, its judge prompt and score parser,
// and VLMEvalKit's choice-extraction prompt and can_infer). The stand-in embedder is served here
// by a fake OpenAI /v1/embeddings server, so the scorer's HTTP path (and its cache) is exercised.
#include "bench/benchmarks/mmau_pro_scoring.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/benchmarks/mmau_pro_aif.h"
#include "bench/benchmarks/voicebench/ifeval_punkt.h"
#include "bench/judge/judge_protocols.h"
#include "bench/judge/option_judges.h"
#include "test_support.h"

namespace almkit {
namespace {

using json = nlohmann::ordered_json;

std::string pack_dir() {
  return test::test_data_dir() + "/benchmarks/mmau-pro/";
}

json expected() {
  std::ifstream in(pack_dir() + "mmau_pro_expected.json");
  EXPECT_TRUE(in.good());
  return json::parse(in);
}

// make_mmau_pro_expected.py's fake_embedding: a bag of ASCII-lower-cased words ('.,!?' stripped),
// hashed into 97 bins by sum((position + 1) * byte), plus a constant 0.5.
std::vector<double> fake_embedding(const std::string& text) {
  std::vector<double> vector(98, 0.0);
  vector[97] = 0.5;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    for (char& c : word)
      if (c >= 'A' && c <= 'Z') c = char(c + 32);
    const size_t first = word.find_first_not_of(".,!?");
    word = first == std::string::npos
               ? ""
               : word.substr(first, word.find_last_not_of(".,!?") - first + 1);
    if (!word.empty()) {
      uint64_t key = 0;
      for (size_t i = 0; i < word.size(); ++i)
        key += (i + 1) * uint64_t(static_cast<unsigned char>(word[i]));
      vector[key % 97] += 1.0;
    }
    start = end + 1;
  }
  return vector;
}

// An OpenAI-compatible embedding server for "fake-nv-embed" (and its /v1/models list).
class FakeEmbeddingServer {
 public:
  FakeEmbeddingServer() {
    server_.set_keep_alive_timeout(1);  // stop() waits for kept-alive connections
    server_.Get("/v1/models", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(json{{"data", {{{"id", "fake-nv-embed"}}}}}.dump(), "application/json");
    });
    server_.Post(
        "/v1/embeddings", [this](const httplib::Request& request, httplib::Response& response) {
          ++requests_;
          const json body = json::parse(request.body);
          json data = json::array();
          for (size_t i = 0; i < body["input"].size(); ++i) {
            ++texts_;
            data.push_back({{"index", i}, {"embedding", fake_embedding(body["input"][i])}});
          }
          response.set_content(json{{"data", data}, {"model", body["model"]}}.dump(),
                               "application/json");
        });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeEmbeddingServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int requests() const { return requests_; }
  int texts() const { return texts_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0}, texts_{0};
};

TEST(MmauProScoring, EmbeddingMatchReplaysTheOfficialNvEmbedDecisions) {
  FakeEmbeddingServer server;
  bench::EmbedderOptions options;
  options.endpoints = {server.url()};
  options.served_model = "fake-nv-embed";
  options.cache_path = test::temp_dir() + "/embeddings.sqlite";
  auto embedder = bench::make_endpoint_embedder(options);
  json summary;
  std::vector<json> items;
  bench::score_mmau_pro_file(pack_dir() + "mmau_pro_outputs.jsonl", "", embedder.get(), summary,
                             items);
  const json want = expected();
  std::map<std::string, json> by_id;
  for (const auto& item : items) by_id[item["id"]] = item;
  ASSERT_EQ(want["closed_items"].size(), 7u);
  for (const auto& official : want["closed_items"]) {
    const json& got = by_id.at(official["id"]);
    EXPECT_EQ(got["matched"], official["matched"]) << official["id"];
    EXPECT_EQ(got["correct"], official["correct"]) << official["id"];
    // 100 x cosine: torch's float32 against almkit's double.
    EXPECT_NEAR(got["confidence"].get<double>(), official["confidence"].get<double>(), 1e-3);
    EXPECT_EQ(got["decided_by"], official["identical"].get<bool>() ? "identical" : "embedding");
  }
  for (const auto& [category, cell] : want["closed_categories"].items()) {
    const json& got = summary["category_results"][category];
    EXPECT_EQ(got["count"], cell["count"]) << category;
    EXPECT_EQ(got["correct"], cell["correct"]) << category;
    EXPECT_DOUBLE_EQ(got["accuracy"].get<double>(), cell["accuracy"].get<double>()) << category;
  }
  EXPECT_EQ(summary["closed"]["undecided"], 0);
  EXPECT_DOUBLE_EQ(summary["closed"]["accuracy"].get<double>(), 6.0 / 7.0);
  EXPECT_EQ(summary["closed_left_out_without_choices"], 2);  // mp-007 (null), mp-008 (one choice)
  EXPECT_EQ(summary["category_results"]["open"]["count"], 1);
  EXPECT_EQ(summary["category_results"]["instruction following"]["count"], 1);
  EXPECT_EQ(summary["category_results"]["instruction following"]["followed"],
            want["aif_row"]["followed"].get<bool>() ? 1 : 0);
  EXPECT_EQ(summary["category_results"]["instruction following"]["undecided"], 0);
  EXPECT_EQ(by_id.at("mp-009")["scored_by"], "almkit judge --protocol mmau-pro-open");
  EXPECT_TRUE(summary["overall_weighted_performance"].is_null());  // the open row is unjudged

  // With the open row judged (a judge-mmau-pro-open.jsonl line): calculate_weighted_performance.
  const std::string judged = test::temp_dir() + "/judge-mmau-pro-open.jsonl";
  test::write_file(
      judged,
      json({{"id", "mp-009"}, {"scores", {{"overall", want["weighted"]["open_overall"]}}}}).dump() +
          "\n");
  json weighted;
  items.clear();
  bench::score_mmau_pro_file(pack_dir() + "mmau_pro_outputs.jsonl", "", embedder.get(), weighted,
                             items, judged);
  EXPECT_DOUBLE_EQ(weighted["category_results"]["open"]["avg_overall"].get<double>(), 4.25);
  EXPECT_NEAR(weighted["overall_weighted_performance"].get<double>(),
              want["weighted"]["overall"].get<double>(), 1e-12);

  // Rescored: every vector comes from the cache.
  const int texts = server.texts();
  EXPECT_GT(texts, 0);
  json again;
  items.clear();
  bench::score_mmau_pro_file(pack_dir() + "mmau_pro_outputs.jsonl", "", embedder.get(), again,
                             items);
  EXPECT_EQ(server.texts(), texts);
  EXPECT_EQ(again["closed"], summary["closed"]);
}

TEST(MmauProScoring, WithoutAnEmbedderOnlyIdenticalAnswersAreDecided) {
  json summary;
  std::vector<json> items;
  bench::score_mmau_pro_file(pack_dir() + "mmau_pro_outputs.jsonl", "", nullptr, summary, items);
  int identical = 0;
  const json want = expected();
  for (const auto& official : want["closed_items"]) identical += official["identical"].get<bool>();
  EXPECT_EQ(identical, 1);
  EXPECT_EQ(summary["closed"]["count"], 7);
  EXPECT_EQ(summary["closed"]["correct"], 1);
  EXPECT_EQ(summary["closed"]["undecided"], 6);
  EXPECT_TRUE(summary["closed"]["accuracy"].is_null());  // never a silent figure
  EXPECT_TRUE(summary["category_results"]["music"]["accuracy"].is_null());
  for (const auto& item : items) {
    if (item["id"] == "mp-011") {
      EXPECT_TRUE(item["correct"].is_null());  // "violin" != "Violin"
    }
  }
}

TEST(MmauProScoring, BadRowsNameTheFileAndLine) {
  const std::string dir = test::temp_dir();
  test::write_file(
      dir + "/rows.jsonl",
      R"({"id": "a", "category": "sound", "choices": ["x", "y"], "answer": "x", "model_output": "x"})"
      "\n"
      R"({"id": "b", "choices": ["x", "y"], "answer": "x", "model_output": "x"})"
      "\n");
  json summary;
  std::vector<json> items;
  EXPECT_ALMKIT_ERROR(bench::score_mmau_pro_file(dir + "/rows.jsonl", "", nullptr, summary, items),
                      ErrorCode::kInvalidFormat, "rows.jsonl:2: required field 'category'");
  test::write_file(dir + "/no_output.jsonl",
                   R"({"id": "a", "category": "sound", "choices": ["x", "y"], "answer": "x"})"
                   "\n");
  EXPECT_ALMKIT_ERROR(
      bench::score_mmau_pro_file(dir + "/no_output.jsonl", "", nullptr, summary, items),
      ErrorCode::kInvalidFormat, "no_output.jsonl:1: no model output field 'response'");
  test::write_file(dir + "/broken.jsonl", "{\"id\": \"a\",\n");
  EXPECT_ALMKIT_ERROR(
      bench::score_mmau_pro_file(dir + "/broken.jsonl", "", nullptr, summary, items),
      ErrorCode::kInvalidFormat, "broken.jsonl:1");
  bench::EmbedderOptions options;
  options.endpoints = {"http://127.0.0.1:9/v1"};
  EXPECT_ALMKIT_ERROR(bench::make_endpoint_embedder(options), ErrorCode::kInvalidArgument,
                      "--embed-model");
}

TEST(MmauProScoring, InstructionFollowingCheckersReplayEvaluateAifSample) {
  const json want = expected();
  ASSERT_GE(want["aif_cases"].size(), 40u);
  for (const auto& c : want["aif_cases"]) {
    const auto check =
        bench::mmau_pro_aif_check(c["response"], c["task_identifier"],
                                  nlohmann::json::parse(c["kwargs"].dump()), c["question"]);
    EXPECT_EQ(check.verdict, c["followed"].get<bool>() ? bench::AifVerdict::kFollowed
                                                       : bench::AifVerdict::kNotFollowed)
        << c["task_identifier"] << ": " << c["response"];
  }
  // Sentence counts are nltk's sent_tokenize: without Punkt's English parameters, undecided.
  const nlohmann::json two = {{"N", 2}};
  const auto sentences =
      bench::mmau_pro_aif_check("One. Two.", "Number Sentences (at least)", two, "", nullptr);
  EXPECT_EQ(sentences.verdict, bench::AifVerdict::kUndecided);
  EXPECT_NE(sentences.note.find("Punkt"), std::string::npos);
  // With parameters (the ifeval tests' made-up set): the count of Punkt's sentences.
  const auto punkt =
      bench::load_punkt_tab(test::test_data_dir() + "/benchmarks/voicebench/punkt_params");
  const std::string text = "It rained. Then the sun came out! Was it warm? Yes.";
  const double count = double(bench::punkt_sentences(text, punkt).size());
  EXPECT_GE(count, 2.0);
  auto verdict = [&](const std::string& rule, const nlohmann::json& kwargs) {
    return bench::mmau_pro_aif_check(text, rule, kwargs, "", &punkt).verdict;
  };
  EXPECT_EQ(verdict("Number Sentences (at least)", {{"N", count}}), bench::AifVerdict::kFollowed);
  EXPECT_EQ(verdict("Number Sentences (at least)", {{"N", count + 1}}),
            bench::AifVerdict::kNotFollowed);
  EXPECT_EQ(verdict("Number Sentences (at most)", {{"N", count - 1}}),
            bench::AifVerdict::kNotFollowed);
  EXPECT_EQ(verdict("Number Sentences (range)", {{"N1", count - 1}, {"N2", count}}),
            bench::AifVerdict::kFollowed);
  // A kwarg of the wrong type (the official script raises): undecided.
  EXPECT_EQ(bench::mmau_pro_aif_check("a b", "Number Words (at least)",
                                      nlohmann::json{{"N", nullptr}}, "")
                .verdict,
            bench::AifVerdict::kUndecided);
}

TEST(JudgeProtocols, MmauOptionJudgeIsVlmevalkitsPromptAndCanInfer) {
  const json want = expected()["option_judge"];
  const std::vector<std::string> choices = {"a barking dog", "a meowing cat", "a crowing rooster",
                                            "a mooing cow"};
  EXPECT_EQ(bench::vlmevalkit_option_text(choices), want["option_text"]);
  const auto& protocol = bench::find_judge_protocol("mmau");
  EXPECT_EQ(bench::judge_prompt_text(protocol, "Which animal is heard?", "a barking dog",
                                     "I hear a dog barking loudly.", "",
                                     bench::vlmevalkit_option_text(choices)),
            want["prompt"]);
  ASSERT_GE(want["can_infer"].size(), 19u);
  for (const auto& c : want["can_infer"])
    EXPECT_EQ(
        bench::vlmevalkit_can_infer(c["answer"], c["choices"].get<std::vector<std::string>>()),
        c["option"])
        << c["answer"];
}

TEST(JudgeProtocols, MmauProOpenJudgeIsTheOfficialPromptAndScoreParser) {
  const json want = expected()["open_judge"];
  const auto& protocol = bench::find_judge_protocol("mmau-pro-open");
  EXPECT_EQ(protocol.system, "You are a helpful and objective evaluator.");
  EXPECT_EQ(protocol.temperature, 0.1);
  EXPECT_EQ(protocol.max_tokens, 512);
  EXPECT_EQ(
      bench::judge_prompt_text(protocol, "Describe the scene in the audio.",
                               "Rain falls on a tin roof while thunder rolls in the distance.",
                               "It is raining and there is thunder."),
      want["prompt"]);
  for (const auto& reply : want["replies"]) {
    const auto scores = bench::mmau_pro_judge_scores(reply["reply"]);
    for (const auto& [criterion, value] : reply["scores"].items())
      EXPECT_DOUBLE_EQ(scores.at(criterion), value.get<double>()) << reply["reply"] << criterion;
  }
}

}  // namespace
}  // namespace almkit
