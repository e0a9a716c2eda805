// `almkit eval --bench isa`: every instruction variant of an ISA-Bench data file is asked, the
// responses are written in ISA-Bench's result layout, scored by its scripts' rules, and resumed
// from the cache. The data files are our own (two tiny records), the model the random default.
#include <gtest/gtest.h>

#include "almkit/bench_scoring.h"
#include "bench/benchmarks/isa/isa_plan.h"
#include "bench/runner/runner_fixture.h"

namespace almkit::test {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

// An ISA-Bench D-dimension emotion file (the layout of data/d/IEMOCAP_Session5_emotion.json).
std::string write_d_file(const std::string& dir) {
  write_tone(dir + "/a.wav", 0.5);
  write_tone(dir + "/b.wav", 0.7);
  const std::string record = R"({
    "path": "%s", "text": "%s", "task": "emotion_recognition",
    "instructions": {
      "base_description": "Tell the speaker's feeling",
      "base_constrain": "limit to: happy, sad, angry or neutral, no further words",
      "variations": {
        "default": "Tell the speaker's feeling; limit to: happy, sad, angry or neutral",
        "case": {"upper_case": ["TELL THE SPEAKER'S FEELING"], "lower_case": ["tell the feeling"]},
        "semantic_equal_simple": ["Summarize speaker mood in one word"],
        "alter_symbol": ["Tell the speaker's feeling & limit to: happy, sad => "]
      }}})";
  auto with = [&](const char* path, const char* label) {
    std::string text = record;
    text.replace(text.find("%s"), 2, path);
    text.replace(text.find("%s"), 2, label);
    return text;
  };
  const std::string path = dir + "/isa_d_ser.json";
  std::ofstream(path) << "{\"annotation\": [" << with("a.wav", "Neutral") << ","
                      << with("b.wav", "Happy") << "]}";
  return path;
}

bench::EvalOptions isa_options(const std::string& data, const std::string& out) {
  bench::EvalOptions options;
  options.model_dir = runner_world().model;
  options.bench = "isa";
  options.data_path = data;
  options.out_dir = out;
  options.max_new_tokens = 4;
  options.quiet = true;
  return options;
}

TEST(IsaVariants, PathsAndInstructionsInFileOrder) {
  const ojson variations = ojson::parse(R"({
      "default": "d", "case": {"upper_case": ["U"], "lower_case": ["l"]},
      "prefix": [{"prefix": "<p>", "inst": "begin with <p>"}],
      "single-stage": {"json": [[{"task": "ASR|SER", "key": "a|b", "inst": "two"}]]}})");
  const auto variants = bench::isa_variants(variations, "f.json:1");
  ASSERT_EQ(variants.size(), 5u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"default", "d"},
      {"case/upper_case/0", "U"},
      {"case/lower_case/0", "l"},
      {"prefix/0", "begin with <p>"},
      {"single-stage/json/0/0", "two"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(variants[i].path, expected[i].first);
    EXPECT_EQ(variants[i].instruction, expected[i].second);
  }
  EXPECT_EQ(bench::isa_dimension_of(ojson::parse(R"({"default": "x"})")), bench::IsaDimension::kD);
  EXPECT_EQ(bench::isa_dimension_of(ojson::parse(R"({"prefix": []})")), bench::IsaDimension::kF);
  EXPECT_EQ(bench::isa_dimension_of(ojson::parse(R"({"single-stage": {}})")),
            bench::IsaDimension::kN);
  EXPECT_EQ(bench::isa_task_of("translation_ec"), "s2tt");
  EXPECT_EQ(bench::isa_task_of("gender_recognition"), "gr");
  EXPECT_ALMKIT_ERROR(
      bench::isa_variants(ojson::parse(R"({"prefix": [{"prefix": "<p>"}]})"), "f.json:7"),
      ErrorCode::kInvalidFormat, "f.json:7: instructions.variations/prefix/0 has no instruction");
}

TEST(IsaAxes, CalcAreaAveragesOfOneDimension) {
  const ojson d = ojson::parse(R"({"all": {"ifr": 1}, "default": {"ifr": 50.0},
      "lower_case": {"ifr": 10.0}, "upper_case": {"ifr": 15.01}, "grammar_robust": {"ifr": 1.0},
      "syntax_robust": {"ifr": 2.0}, "semantic_equal_complex": {"ifr": 10.0},
      "semantic_equal_neutral": {"ifr": 20.0}, "semantic_equal_simple": {"ifr": 40.0},
      "alter_symbol": {"ifr": 7.5}})");
  EXPECT_EQ(bench::isa_axes(d, bench::IsaDimension::kD).dump(),
            R"({"D-default":50.0,"D-case":12.5,"D-robust":1.5,"D-semantic_equal":23.33,)"
            R"("D-alter_symbol":7.5})");
  const ojson n = ojson::parse(R"({"single-stage": {"2-TASK": {"ASR": {"ifr": 10.0},
      "SER": {"ifr": 20.0}, "GR": {"ifr": 40.0}}, "3-TASK": {"ASR": {"ifr": 5.0}}}})");
  EXPECT_EQ(bench::isa_axes(n, bench::IsaDimension::kN).dump(),
            R"({"N-2-task":23.33,"N-3-task":5.0})");
}

TEST(IsaEval, AsksEveryVariantWritesResultFilesScoresAndResumes) {
  const std::string dir = temp_dir();
  const std::string data = write_d_file(dir);
  const std::string out = dir + "/run";
  const auto first = bench::run_eval(isa_options(data, out));
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(first.units, 10);  // 2 records x 5 variants, no silent-audio unit (open items)
  EXPECT_EQ(first.computed, 10);

  const auto results = read_results(out);
  ASSERT_EQ(results.size(), 10u);
  EXPECT_EQ(results[1]["id"], "a.wav#case/upper_case/0");
  EXPECT_NE(results[1]["prompt"].get<std::string>().find("TELL THE SPEAKER'S FEELING"),
            std::string::npos);
  EXPECT_NE(results[1]["prompt"].get<std::string>().find("<|audio_bos|>"), std::string::npos);

  // The result file has ISA-Bench's layout, each response in its variant's place.
  const ojson written = ojson::parse(read_file(out + "/isa_results.json"));
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["text"], "Neutral");
  EXPECT_EQ(written[0]["base"][0], "Tell the speaker's feeling");
  const ojson& responses = written[1]["variation_responses"];
  EXPECT_EQ(responses["default"].get<std::string>(), results[5]["response"].get<std::string>());
  EXPECT_EQ(responses["case"]["upper_case"].get<std::string>(),
            results[6]["response"].get<std::string>());  // a string, as in D files
  EXPECT_EQ(responses["semantic_equal_simple"][0].get<std::string>(),
            results[8]["response"].get<std::string>());  // a list stays one
  std::vector<std::string> keys;
  for (const auto& [key, value] : responses.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"default", "case", "semantic_equal_simple",
                                            "alter_symbol"}));

  // Scored by the ISA scorer, in summary.json and both reports.
  const std::string metric = bench::isa_metric_json(out + "/isa_results.json",
                                                    bench::IsaDimension::kD, "ser");
  EXPECT_EQ(read_file(out + "/isa_metric.json"), metric + "\n");
  const json summary = read_json(out + "/summary.json");
  const json& isa = summary["official"]["isa"];
  EXPECT_EQ(isa["dimension"], "d");
  EXPECT_EQ(isa["task"], "ser");
  EXPECT_EQ(isa["metrics"], json::parse(metric));
  EXPECT_TRUE(isa["metrics"]["case"].contains("ifr"));
  EXPECT_TRUE(isa["metrics"]["case"].contains("acc"));
  EXPECT_TRUE(isa["axes"].contains("D-case"));  // semantic_equal needs its three parts
  EXPECT_NE(read_file(out + "/report.md").find("ISA-Bench figures (dimension d, task ser)"),
            std::string::npos);
  EXPECT_NE(read_file(out + "/report.html").find("<th>ifr</th>"), std::string::npos);

  // A second run asks nothing and writes the same files.
  const auto again = bench::run_eval(isa_options(data, out));
  EXPECT_EQ(again.computed, 0);
  EXPECT_EQ(again.reused, 10);
  EXPECT_EQ(ojson::parse(read_file(out + "/isa_results.json")), written);

  // --limit counts data records, not variants.
  auto limited = isa_options(data, dir + "/limited");
  limited.limit = 1;
  EXPECT_EQ(bench::run_eval(limited).units, 5);
}

TEST(IsaEval, FormatVariantsKeepTheirParametersBesideTheResponse) {
  const std::string dir = temp_dir();
  write_tone(dir + "/c.wav", 0.4);
  const std::string data = dir + "/isa_f_asr.json";
  std::ofstream(data) << R"([{"path": "c.wav", "text": "HELLO THERE", "task": "asr",
    "instructions": {"base_description": "Transcribe", "base_constrain": "only the words",
      "variations": {"constrain": "Transcribe, only the words",
        "wrap": [{"lrt": "<s>|</s>", "inst": "Transcribe, wrapped in <s> and </s>"}],
        "json": [{"key": "text", "value": "t", "inst": "Transcribe as {\"text\": ...}"}]}}}])";
  const std::string out = dir + "/run";
  EXPECT_EQ(bench::run_eval(isa_options(data, out)).units, 3);
  const ojson written = ojson::parse(read_file(out + "/isa_results.json"));
  const ojson& wrap = written[0]["variation_responses"]["wrap"][0];
  EXPECT_EQ(wrap["lrt"], "<s>|</s>");
  EXPECT_TRUE(wrap.contains("response"));
  EXPECT_FALSE(wrap.contains("inst"));
  EXPECT_EQ(written[0]["variation_responses"]["json"][0]["key"], "text");
  const json summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["official"]["isa"]["dimension"], "f");
  EXPECT_TRUE(summary["official"]["isa"]["metrics"]["wrap"].contains("wer"));
}

}  // namespace
}  // namespace almkit::test
