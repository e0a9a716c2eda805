// `almkit generate --logprobs-out`: each generated token's log-probability, rank and
// alternatives, against transformers' own step logits on the qwen2 fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>

#include "almkit/safetensors.h"
#include "test_support.h"

namespace almkit {
namespace {

TEST(GenerateCommand, LogprobsOutHasTransformersStepLogProbabilities) {
  const std::string dir = test::reference_dir() + "/qwen2";
  auto io = SafetensorsFile::open(dir + "/io.safetensors");
  const TensorView& prompt_view = io->tensor("input_ids");
  const TensorView& generated_view = io->tensor("generate_ids");
  const auto* prompt = static_cast<const int64_t*>(prompt_view.data);
  const auto* generated = static_cast<const int64_t*>(generated_view.data);
  const int64_t prompt_length = prompt_view.shape[1];
  std::string ids;
  for (int64_t i = 0; i < prompt_length; ++i) ids += std::to_string(prompt[i]) + " ";
  const std::string out = test::temp_dir() + "/steps.jsonl";
  const auto result = test::run_cli("generate --model " + dir + " --prompt-ids \"" + ids +
                                    "\" --max-new-tokens 8 --logprobs-out " + out +
                                    " --top-logprobs 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;

  const std::vector<float> steps = io->to_float("generate_step_logits");  // [1, 8, 256]
  std::ifstream file(out);
  std::string text;
  size_t count = 0;
  while (std::getline(file, text)) {
    const size_t i = count++;
    ASSERT_LT(i, 8u);
    const nlohmann::json line = nlohmann::json::parse(text);
    // log-softmax of transformers' logits at step i
    const float* row = steps.data() + i * 256;
    const double peak = *std::max_element(row, row + 256);
    double sum = 0;
    for (int k = 0; k < 256; ++k) sum += std::exp(row[k] - peak);
    auto logprob = [&](int k) { return row[k] - peak - std::log(sum); };
    std::vector<int> order(256);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });

    EXPECT_EQ(line["index"], i);
    EXPECT_EQ(line["token"], generated[prompt_length + i]) << "greedy, as transformers chose";
    EXPECT_NEAR(line["logprob"].get<double>(), logprob(line["token"].get<int>()), 1e-4);
    EXPECT_EQ(line["rank"], 1);
    ASSERT_EQ(line["top"].size(), 3u);
    for (size_t j = 0; j < 3; ++j) {
      EXPECT_NEAR(line["top"][j]["logprob"].get<double>(), logprob(order[j]), 1e-4) << i;
    }
    EXPECT_FALSE(line.contains("text"));  // the fixture has no tokenizer
  }
  EXPECT_EQ(count, 8u);
}

TEST(GenerateCommand, UnwritableLogprobsOutExitsNamingThePath) {
  const std::string dir = test::reference_dir() + "/qwen2";
  const auto result = test::run_cli("generate --model " + dir +
                                    " --prompt-ids \"1 2 3\" --max-new-tokens 2 --logprobs-out "
                                    "/nonexistent/dir/steps.jsonl");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("/nonexistent/dir/steps.jsonl"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace almkit
