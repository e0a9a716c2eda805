#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/tokenizer/tokenizer_test_support.h"
#include "test_support.h"

namespace almkit {
namespace {

TEST(TokenizeCommand, PrintsIdsAndDecodesThemBack) {
  const std::string qwen = test::tokenizer_dir("qwen3");
  auto result = test::run_cli("tokenize --tokenizer " + qwen + " --text 'Hello world'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "[9707,1879]\n");
  result = test::run_cli("tokenize --tokenizer " + qwen + " --text '[9707, 1879]' --decode");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "Hello world\n");
  result = test::run_cli("tokenize --tokenizer " + qwen + " --text '<|im_start|>hi' --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  EXPECT_EQ(json["ids"], nlohmann::json({151644, 6023}));
  EXPECT_EQ(json["tokens"], nlohmann::json({"<|im_start|>", "hi"}));
}

TEST(TokenizeCommand, FileGivesOneLinePerInputLine) {
  const std::string llama2 = test::tokenizer_dir("llama2");
  const std::string file = test::temp_dir() + "/lines.txt";
  test::write_file(file, "Hello\n\nworld\n");
  const auto result =
      test::run_cli("tokenize --tokenizer " + llama2 + " --file " + file + " --no-special-tokens");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 3) << result.output;
  EXPECT_EQ(result.output.substr(result.output.find('\n') + 1, 3), "[]\n");
}

TEST(TokenizeCommand, ErrorsExitNonZeroNamingTheProblem) {
  const std::string qwen = test::tokenizer_dir("qwen3");
  auto result = test::run_cli("tokenize --tokenizer /nonexistent --text hi");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("/nonexistent"), std::string::npos) << result.output;
  const std::string bad = test::temp_dir() + "/bad.txt";
  test::write_file(bad, "fine\nbad \xff\n");
  result = test::run_cli("tokenize --tokenizer " + qwen + " --file " + bad);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("bad.txt line 2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("not valid UTF-8"), std::string::npos) << result.output;
  result = test::run_cli("tokenize --tokenizer " + qwen + " --text '1 x 2' --decode");
  EXPECT_NE(result.output.find("'x' is not a token id"), std::string::npos) << result.output;
  result = test::run_cli("tokenize --tokenizer " + qwen);
  EXPECT_NE(result.output.find("exactly one of --text or --file"), std::string::npos)
      << result.output;
}

TEST(ChatCommand, RendersTheCheckpointTemplateByteForByte) {
  const std::string dir = test::temp_dir();
  test::write_file(
      dir + "/conversation.json",
      R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])");
  auto result = test::run_cli("chat --tokenizer " + test::tokenizer_dir("qwen3") + " --messages " +
                              dir + "/conversation.json --add-generation-prompt");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output,
            "<|im_start|>system\nBe "
            "brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  result = test::run_cli("chat --tokenizer " + test::tokenizer_dir("llama3") + " --messages " +
                         dir + "/conversation.json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output,
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|"
            "end_header_id|>\n\n");
  // Gemma-3 raises on a conversation that does not alternate; the CLI reports the template's
  // message.
  test::write_file(dir + "/bad.json",
                   R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])");
  result = test::run_cli("chat --tokenizer " + test::tokenizer_dir("gemma3") + " --messages " +
                         dir + "/bad.json");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("Conversation roles must alternate"), std::string::npos)
      << result.output;
  // --ids: the prompt's token ids.
  result = test::run_cli("chat --tokenizer " + test::tokenizer_dir("qwen3") + " --messages " + dir +
                         "/conversation.json --ids");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.substr(0, 8), "[151644,");
}

}  // namespace
}  // namespace almkit
