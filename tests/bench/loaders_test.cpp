#include <gtest/gtest.h>

#include "almkit/bench.h"
#include "bench_test_util.h"

namespace almkit::bench {
namespace {

TEST(BenchLoaders, LoadsRealMmauTestMini) {
  LoadOptions options;
  options.audio_root = "/data/mmau";
  const auto items =
      load_mmau(test::shared_benchmarks_dir() + "/mmau/mmau-test-mini.json", options);
  ASSERT_EQ(items.size(), 1000u);
  for (const auto& item : items) {
    ASSERT_GE(item.answer_index(), 0) << item.id;
    ASSERT_EQ(item.audio_paths.size(), 1u);
    ASSERT_EQ(item.audio_paths[0].rfind("/data/mmau/", 0), 0u) << item.audio_paths[0];
  }
  EXPECT_NE(items[0].metadata_json.find("\"dataset\""), std::string::npos);
  EXPECT_EQ(items[0].source.rfind("mmau-test-mini.json:2", items[0].source.size()),
            items[0].source.size() - std::string("mmau-test-mini.json:2").size());
  EXPECT_EQ(find_missing_audio(items).size(), 1000u);
  EXPECT_ALMKIT_ERROR(require_audio_present(items), ErrorCode::kFileNotFound,
                      "1000 audio file(s) missing");
}

TEST(BenchLoaders, JsonlFormatWithSeveralClipsAndMetadata) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/a.wav", "RIFF");
  test::write_file(
      dir + "/items.jsonl",
      R"({"id": "q1", "audio": ["a.wav", "b.wav"], "question": "Which is louder?", "choices": ["first", "second"], "answer": "second", "task": "loudness", "metadata": {"db": 6}}

{"id": "q2", "audio": "a.wav", "question": "Say it", "answer": "hello", "task": "asr"}
)");
  LoadOptions options;
  options.audio_root = dir;
  const auto items = load_jsonl(dir + "/items.jsonl", options);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].audio_paths[1], dir + "/b.wav");
  EXPECT_EQ(items[0].answer_index(), 1);
  EXPECT_EQ(items[0].metadata_json, "{\"db\":6}");
  EXPECT_TRUE(items[1].choices.empty());
  EXPECT_EQ(items[1].source, dir + "/items.jsonl:3");
  EXPECT_EQ(find_missing_audio(items), std::vector<std::string>{dir + "/b.wav"});
}

TEST(BenchLoaders, BadInputsNameFileLineAndField) {
  const std::string dir = test::temp_dir();
  const std::string malformed = dir + "/bad.jsonl";
  test::write_file(
      malformed,
      "{\"id\": \"a\", \"audio\": \"x\", \"question\": \"q\", \"answer\": \"a\"}\n{\"id\": \n");
  EXPECT_ALMKIT_ERROR(load_jsonl(malformed, {}), ErrorCode::kInvalidFormat,
                      "bad.jsonl:2: malformed JSON");

  const std::string duplicate = dir + "/dup.jsonl";
  test::write_file(duplicate,
                   "{\"id\": \"a\", \"audio\": \"x\", \"question\": \"q\", \"answer\": \"a\"}\n"
                   "{\"id\": \"a\", \"audio\": \"y\", \"question\": \"q\", \"answer\": \"a\"}\n");
  EXPECT_ALMKIT_ERROR(load_jsonl(duplicate, {}), ErrorCode::kInvalidFormat,
                      "dup.jsonl:2: duplicate id 'a' (first at " + duplicate + ":1)");

  const std::string not_a_choice = dir + "/choice.json";
  test::write_file(not_a_choice,
                   "[\n  {\"id\": \"m1\", \"audio_id\": \"x.wav\", \"question\": \"q\",\n"
                   "   \"choices\": [\"Dog\", \"Cat\"], \"answer\": \"Cow\"}\n]");
  EXPECT_ALMKIT_ERROR(
      load_mmau(not_a_choice, {}), ErrorCode::kInvalidFormat,
      "choice.json:2: field 'answer' of item 'm1' is 'Cow', which is not one of the "
      "choices ['Dog', 'Cat']");

  const std::string missing_field = dir + "/missing.json";
  test::write_file(
      missing_field,
      "[{\"id\": \"s1\", \"question\": \"q\", \"options\": [\"a\"], \"answer\": \"a\"}]");
  EXPECT_ALMKIT_ERROR(load_star(missing_field, {}), ErrorCode::kInvalidFormat,
                      "missing.json:1: required field 'audio_paths' is missing");

  const std::string wrong_type = dir + "/type.json";
  test::write_file(wrong_type,
                   "[{\"id\": \"s1\", \"audio_id\": \"a\", \"question\": \"q\", \"choices\": "
                   "\"a\", \"answer\": \"a\", \"task\": {\"x\": 1}}]");
  EXPECT_ALMKIT_ERROR(load_mmau(wrong_type, {}), ErrorCode::kInvalidFormat,
                      "field 'task' should be a string, found object");

  const std::string broken = dir + "/broken.json";
  test::write_file(broken, "[{\"id\": ");
  EXPECT_ALMKIT_ERROR(load_mmau(broken, {}), ErrorCode::kInvalidFormat, "broken.json");
  EXPECT_ALMKIT_ERROR(load_mmau(dir + "/nope.json", {}), ErrorCode::kFileNotFound, "nope.json");
  EXPECT_ALMKIT_ERROR(load_benchmark("mmlu", "x", {}), ErrorCode::kInvalidArgument,
                      "unknown benchmark 'mmlu'");
}

TEST(BenchLoaders, StarItemsKeepEveryClip) {
  const std::string path = test::write_temp(
      "star.json", R"([{"id": "tr_OSM_1", "task": "temporal", "category": "temporal",
        "sub-category": "OSM", "question": "Order?", "options": ["clip 1 -> clip 2", "clip 2 -> clip 1"],
        "answer": "clip 2 -> clip 1", "audio_paths": ["a.wav", "b.wav"], "global_caption": "rain"}])");
  LoadOptions options;
  options.audio_root = "/star";
  const auto items = load_star(path, options);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].audio_paths, (std::vector<std::string>{"/star/a.wav", "/star/b.wav"}));
  EXPECT_EQ(items[0].sub_category, "OSM");
  EXPECT_EQ(items[0].metadata_json, "{\"global_caption\":\"rain\"}");
}

TEST(BenchLoaders, IsaDataFileAnnotationList) {
  const std::string path = test::write_temp(
      "isa.json",
      R"({"annotation": [{"path": "x.wav", "text": "Neutral", "task": "emotion_recognition",
        "instructions": {"base_description": "Tell the feeling", "base_constrain": "one word",
                         "variations": {"default": ["Tell the feeling, one word"]}}}]})");
  const auto items = load_isa(path, {});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].base_description, "Tell the feeling");
  EXPECT_EQ(items[0].variations_json, "{\"default\":[\"Tell the feeling, one word\"]}");
  const std::string bad = test::write_temp("isa_bad.json", R"([{"path": "x.wav", "text": "x"}])");
  EXPECT_ALMKIT_ERROR(load_isa(bad, {}), ErrorCode::kInvalidFormat, "'instructions'");
}

}  // namespace
}  // namespace almkit::bench
