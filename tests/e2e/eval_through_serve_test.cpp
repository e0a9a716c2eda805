// End to end over real loopback HTTP: `almkit eval --backend openai` against `almkit serve`
// running the default small model gives the same greedy answers as the in-process run, unit
// for unit, and scores them the same.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "../bench/runner/runner_fixture.h"
#include "../bench/runner/through_server.h"

namespace almkit {
namespace {

std::map<std::string, nlohmann::json> by_unit(const std::vector<nlohmann::json>& lines) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& line : lines) {
    out[line.at("id").get<std::string>() + "/" + line.at("presentation").dump() + "/" + line.at("variant").get<std::string>()] = line;
  }
  return out;
}

TEST(EvalThroughServe, RemoteAnswersEqualTheInProcessRun) {
  const std::string root = test::temp_dir();

  bench::EvalOptions local = test::runner_options(root + "/local", 5);
  local.permutations = 2;
  const auto local_outcome = bench::run_eval(local);
  ASSERT_TRUE(local_outcome.complete);

  const auto server = test::start_small_server();
  bench::EvalOptions remote = test::through_server(local, root + "/remote", *server);
  remote.concurrency = 4;
  const auto remote_outcome = bench::run_eval(remote);
  server->stop();
  ASSERT_TRUE(remote_outcome.complete);
  EXPECT_EQ(remote_outcome.failed, 0);
  EXPECT_EQ(remote_outcome.units, local_outcome.units);

  const auto local_units = by_unit(test::read_results(local.out_dir));
  const auto remote_units = by_unit(test::read_results(remote.out_dir));
  ASSERT_EQ(local_units.size(), remote_units.size());
  ASSERT_FALSE(local_units.empty());
  for (const auto& [key, line] : local_units) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(remote_units.count(key));
    const auto& other = remote_units.at(key);
    EXPECT_EQ(other.at("response"), line.at("response"));
    EXPECT_EQ(other.at("parsed"), line.at("parsed"));
    EXPECT_EQ(other.at("correct"), line.at("correct"));
  }
  const auto local_summary = test::read_json(local.out_dir + "/summary.json");
  const auto remote_summary = test::read_json(remote.out_dir + "/summary.json");
  EXPECT_EQ(remote_summary.at("accuracy"), local_summary.at("accuracy"));
}

// Log-likelihood mode: the remote backend scores each choice through /v1/completions with echoed
// prompt log-probabilities; the choices it picks and their scores equal the in-process ones.
TEST(EvalThroughServe, RemoteLogLikelihoodPicksTheSameChoices) {
  const auto& world = test::runner_world();
  const std::string root = test::temp_dir();
  bench::EvalOptions local = test::runner_options(root + "/local", 4);
  local.mode = "loglik";
  local.silent_baseline = false;
  ASSERT_TRUE(bench::run_eval(local).complete);

  const auto server = test::start_small_server();
  bench::EvalOptions remote = test::through_server(local, root + "/remote", *server);
  remote.tokenizer_dir = world.model;  // renders the chat template for /v1/completions
  const auto outcome = bench::run_eval(remote);
  server->stop();
  ASSERT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.failed, 0);

  const auto local_units = by_unit(test::read_results(local.out_dir));
  const auto remote_units = by_unit(test::read_results(remote.out_dir));
  ASSERT_EQ(local_units.size(), remote_units.size());
  for (const auto& [key, line] : local_units) {
    SCOPED_TRACE(key);
    const auto& other = remote_units.at(key);
    EXPECT_EQ(other.at("parsed"), line.at("parsed"));
    ASSERT_EQ(other.at("scores").size(), line.at("scores").size());
    for (size_t i = 0; i < line.at("scores").size(); ++i) {
      // the server returns float32 log-probabilities, summed here: 1e-3 over ~20 tokens
      EXPECT_NEAR(other["scores"][i]["sum_logprob"].get<double>(), line["scores"][i]["sum_logprob"].get<double>(), 1e-3);
    }
  }
}

}  // namespace
}  // namespace almkit
