#include "bench/runner/baselines.h"

#include "almkit/bench_scoring.h"
#include "bench/runner/permutations.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

ojson accuracy_cell_json(const std::string& name, int64_t correct, int64_t total) {
  const Interval ci = wilson_interval(correct, total);
  ojson cell;
  cell["name"] = name;
  cell["correct"] = correct;
  cell["total"] = total;
  cell["accuracy"] = total ? double(correct) / double(total) : 0.0;
  cell["ci95"] = {ci.low, ci.high};
  return cell;
}

ojson compute_baselines(const std::vector<const ojson*>& audio_records,
                        const std::vector<const ojson*>& silent_records, uint64_t seed) {
  int64_t total = 0, seeded = 0, first = 0, longest = 0;
  double expected = 0.0;
  for (const ojson* record : audio_records) {
    const auto& choices = (*record)["choices"];
    const int n = static_cast<int>(choices.size());
    if (n == 0) continue;
    const int answer = (*record)["answer_position"].get<int>();
    ++total;
    expected += 1.0 / n;
    const std::string id = (*record)["id"].get<std::string>();
    seeded += static_cast<int>(mix_seed(seed, id, 0x5eed) % uint64_t(n)) == answer;
    first += answer == 0;
    int longest_position = 0;
    for (int j = 1; j < n; ++j) {
      if (choices[j].get<std::string>().size() >
          choices[longest_position].get<std::string>().size()) {
        longest_position = j;
      }
    }
    longest += longest_position == answer;
  }
  ojson out = ojson::array();
  ojson random = accuracy_cell_json("random_expected", 0, total);
  random["accuracy"] = total ? expected / double(total) : 0.0;
  random["correct"] = expected;
  random["ci95"] = nullptr;
  random["label"] = "random choice (expected)";
  out.push_back(random);
  auto add = [&](const char* name, const char* label, int64_t correct, int64_t count) {
    ojson cell = accuracy_cell_json(name, correct, count);
    cell["label"] = label;
    out.push_back(cell);
  };
  add("random_seeded", "random choice (seeded draw)", seeded, total);
  add("always_first", "always the first option", first, total);
  add("always_longest", "always the longest option", longest, total);
  if (!silent_records.empty()) {
    int64_t correct = 0;
    for (const ojson* record : silent_records) correct += (*record).value("correct", false);
    add("silent_audio", "the model, audio replaced by silence", correct,
        static_cast<int64_t>(silent_records.size()));
  }
  return out;
}

}  // namespace almkit::bench
