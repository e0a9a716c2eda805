// `almkit eval --backend openai` from the command line: the API key goes out as a Bearer token
// and is written nowhere; a refused key stops the run; shards default from Slurm's array
// variables and `almkit merge` joins them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "remote/mock_openai_server.h"
#include "remote_fixture.h"

namespace almkit::test {
namespace {

using json = nlohmann::json;

std::string remote_command(const RemoteSuite& suite, const std::string& out,
                           const std::string& url) {
  return "eval --backend openai --endpoint " + url +
         " --served-model mock-audio-llm --bench perception --data " + suite.data + " --out " +
         out + " --max-new-tokens 4 --concurrency 2 --timeout 5 --retry-base 0.01 --quiet";
}

// Every byte of every file in `dir`, and the command's output, free of `secret`.
void expect_secret_nowhere(const std::string& dir, const std::string& output,
                           const std::string& secret) {
  EXPECT_EQ(output.find(secret), std::string::npos);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(read_file(entry.path().string()).find(secret), std::string::npos) << entry.path();
  }
}

TEST(RemoteCli, SendsTheApiKeyAsBearerAndWritesItNowhere) {
  const auto& suite = remote_suite();
  const std::string secret = "sk-almkit-test-7f3a9c";
  ::setenv("ALMKIT_TEST_REMOTE_KEY", secret.c_str(), 1);
  MockOpenAiServer server({}, secret);
  const std::string out = temp_dir() + "/run";
  const auto result = run_cli(remote_command(suite, out, server.url()) +
                              " --api-key-env ALMKIT_TEST_REMOTE_KEY --limit 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(server.answered(), 6);
  for (const auto& header : server.authorization_headers()) EXPECT_EQ(header, "Bearer " + secret);
  expect_secret_nowhere(out, result.output, secret);
  EXPECT_EQ(read_json(out + "/run.json")["backend"]["api_key_env"], "ALMKIT_TEST_REMOTE_KEY");

  // A wrong key: a clear error before any unit, the key not echoed.
  ::setenv("ALMKIT_TEST_REMOTE_KEY", "sk-wrong-key-1234", 1);
  const std::string out2 = temp_dir() + "/run2";
  const auto refused = run_cli(remote_command(suite, out2, server.url()) +
                               " --api-key-env ALMKIT_TEST_REMOTE_KEY --limit 3");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("the API key was refused"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("sk-wrong-key-1234"), std::string::npos);
  EXPECT_EQ(server.answered(), 6);
  ::unsetenv("ALMKIT_TEST_REMOTE_KEY");
}

TEST(RemoteCli, ShardsDefaultFromSlurmArrayVariablesAndMergeJoinsThem) {
  const auto& suite = remote_suite();
  MockOpenAiServer server;
  const std::string out = temp_dir() + "/run";
  // An array --array=4-5: task ids 4 and 5 are shards 0 and 1 of 2.
  for (const char* task : {"5", "4"}) {
    ::setenv("SLURM_ARRAY_TASK_ID", task, 1);
    ::setenv("SLURM_ARRAY_TASK_MIN", "4", 1);
    ::setenv("SLURM_ARRAY_TASK_COUNT", "2", 1);
    const auto result = run_cli(remote_command(suite, out, server.url()));
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  EXPECT_TRUE(file_exists(out + "/cache-shard-0-of-2.sqlite"));
  EXPECT_TRUE(file_exists(out + "/cache-shard-1-of-2.sqlite"));
  const json shard1 = read_json(out + "/run-shard-1-of-2.json");
  EXPECT_EQ(shard1["shard"]["index"], 1);
  const auto results1 = read_jsonl(out + "/results-shard-1-of-2.jsonl");
  EXPECT_EQ(results1.size(), suite.items / 2 * 2);  // odd item indices, two units each
  for (const json& record : results1) EXPECT_EQ(record["unit"].get<int64_t>() / 2 % 2, 1);

  const auto merged = run_cli("merge " + out);
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  const json summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["items"], suite.items);
  EXPECT_EQ(summary["missing_units"], 0);
  EXPECT_EQ(read_jsonl(out + "/results.jsonl").size(), suite.items * 2);
  EXPECT_EQ(server.answered(), int(suite.items * 2));
}

}  // namespace
}  // namespace almkit::test
