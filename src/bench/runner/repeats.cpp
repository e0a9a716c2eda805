#include "bench/runner/repeats.h"

#include <cmath>
#include <map>
#include <string>

#include "almkit/bench_scoring.h"
#include "bench/runner/baselines.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

namespace {

// What an answer votes for: the original index of the chosen choice, or the normalised text.
std::string vote_of(const ojson& record) {
  if (!record["choices"].empty()) {
    const int chosen = record.value("chosen_choice", -1);
    return chosen < 0 ? "none" : "choice " + std::to_string(chosen);
  }
  return "text " + normalize_transcript(record.value("response", ""));
}

}  // namespace

ojson repeats_summary(const std::vector<ojson>& records, int k) {
  // Per item (first-seen order), its answers by repeat.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ojson*>> answers;
  for (const auto& record : records) {
    if (record.contains("error") || record.value("variant", "audio") == "silence" ||
        record.value("presentation", 0) != 0)
      continue;
    const int repeat = record.value("repeat", 0);
    if (repeat < 0 || repeat >= k) continue;
    const std::string id = record["id"];
    auto& slots = answers[id];
    if (slots.empty()) {
      order.push_back(id);
      slots.assign(size_t(k), nullptr);
    }
    slots[size_t(repeat)] = &record;
  }
  std::vector<int64_t> correct(size_t(k), 0);
  int64_t items = 0, voted_right = 0, consistent = 0;
  ojson seeds = ojson::array();
  for (const auto& id : order) {
    const auto& slots = answers[id];
    bool complete = true;
    for (const ojson* slot : slots) complete = complete && slot;
    if (!complete) continue;
    if (items == 0)
      for (const ojson* slot : slots) seeds.push_back((*slot)["seed"]);
    ++items;
    std::vector<std::string> votes;
    std::map<std::string, int> counts;
    for (int r = 0; r < k; ++r) {
      correct[size_t(r)] += slots[size_t(r)]->value("correct", false);
      votes.push_back(vote_of(*slots[size_t(r)]));
      ++counts[votes.back()];
    }
    int best = -1;
    for (int r = 0; r < k; ++r) {
      if (best < 0 || counts[votes[size_t(r)]] > counts[votes[size_t(best)]]) best = r;
    }
    voted_right += votes[size_t(best)] != "none" && slots[size_t(best)]->value("correct", false);
    consistent += counts[votes[0]] == k;
  }
  ojson per_repeat = ojson::array();
  double mean = 0.0;
  for (int r = 0; r < k; ++r) {
    per_repeat.push_back(
        accuracy_cell_json("repeat " + std::to_string(r), correct[size_t(r)], items));
    mean += items ? double(correct[size_t(r)]) / double(items) : 0.0;
  }
  mean /= double(k);
  double squares = 0.0;
  for (int r = 0; r < k; ++r) {
    const double accuracy = items ? double(correct[size_t(r)]) / double(items) : 0.0;
    squares += (accuracy - mean) * (accuracy - mean);
  }
  ojson out;
  out["k"] = k;
  out["items"] = items;
  out["seeds"] = seeds;
  out["per_repeat"] = per_repeat;
  out["mean"] = mean;
  out["sd"] = k > 1 ? ojson(std::sqrt(squares / double(k - 1))) : ojson(nullptr);
  out["majority_vote"] = accuracy_cell_json("majority vote", voted_right, items);
  out["consistency"] = items ? double(consistent) / double(items) : 0.0;
  return out;
}

}  // namespace almkit::bench
