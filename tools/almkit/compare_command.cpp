// `almkit compare RUNDIR RUNDIR...`: leaderboards per benchmark and task, and for every pair of
// runs on common items McNemar's exact test, a paired bootstrap interval of the accuracy difference
// and standard errors clustered by audio clip (docs/eval.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "almkit/eval.h"
#include "commands.h"

namespace almkit::cli {
namespace {

void print_comparison(const std::string& text) {
  const auto result = nlohmann::ordered_json::parse(text);
  for (const auto& group : result["benchmarks"]) {
    std::printf("%s\n", group["bench"].get<std::string>().c_str());
    int rank = 0;
    for (const auto& row : group["leaderboard"]) {
      std::printf("  %2d. %-32s %6.2f%% [%.1f, %.1f] SE(clustered) %.2f  %lld items\n", ++rank,
                  row["run"].get<std::string>().c_str(), row["accuracy"].get<double>() * 100,
                  row["ci95"][0].get<double>() * 100, row["ci95"][1].get<double>() * 100,
                  row["se_clustered"].get<double>() * 100,
                  static_cast<long long>(row["items"].get<int64_t>()));
    }
    for (const auto& pair : group["pairs"]) {
      std::printf(
          "  %s - %s: %+.2f points, bootstrap 95%% [%+.2f, %+.2f], SE(clustered) %.2f, "
          "only A %lld / only B %lld, McNemar exact p = %.4g (%lld items, %lld clips)\n",
          pair["a"].get<std::string>().c_str(), pair["b"].get<std::string>().c_str(),
          pair["difference"].get<double>() * 100, pair["bootstrap_ci95"][0].get<double>() * 100,
          pair["bootstrap_ci95"][1].get<double>() * 100,
          pair["se_difference_clustered"].get<double>() * 100,
          static_cast<long long>(pair["only_a"].get<int64_t>()),
          static_cast<long long>(pair["only_b"].get<int64_t>()),
          pair["mcnemar_exact_p"].get<double>(),
          static_cast<long long>(pair["items"].get<int64_t>()),
          static_cast<long long>(pair["clusters"].get<int64_t>()));
    }
  }
}

void register_compare(CLI::App& app) {
  auto options = std::make_shared<bench::CompareOptions>();
  auto* command = app.add_subcommand(
      "compare", "compare run folders: leaderboards, McNemar, paired bootstrap, clustered SEs");
  command->add_option("run_dirs", options->run_dirs, "finished run folders")->required();
  command->add_option("--html", options->html_out, "write the leaderboard page here");
  command->add_option("--json", options->json_out, "write the comparison JSON here");
  command->add_option("--bootstrap", options->bootstrap_samples,
                      "paired bootstrap resamples of the clips (10000; 0: none)");
  command->add_option("--seed", options->seed, "the bootstrap's seed (0)");
  command->callback([options] { print_comparison(bench::compare_runs(*options)); });
}

ALMKIT_REGISTER_COMMAND(register_compare);

}  // namespace
}  // namespace almkit::cli
