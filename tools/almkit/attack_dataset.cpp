#include "attack_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "almkit/audio.h"
#include "almkit/bench.h"
#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "bench/runner/prompts.h"

namespace almkit::cli {
namespace {

using json = nlohmann::ordered_json;

// The choice with the highest mean log-probability (as `almkit eval --mode loglik` picks).
int chosen_index(const std::vector<OptionScore>& scores) {
  int best = 0;
  for (size_t j = 1; j < scores.size(); ++j)
    if (scores[j].mean_logprob > scores[size_t(best)].mean_logprob) best = static_cast<int>(j);
  return best;
}

std::string file_safe(const std::string& id) {
  std::string out = id;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return out;
}

json settings_of(const std::string& model_dir, const DatasetAttackArgs& args) {
  return {{"model_dir", model_dir},       {"bench", args.bench},
          {"data", args.data},            {"limit", args.limit},
          {"epsilon", args.attack.epsilon}, {"snr_db", args.attack.snr_db},
          {"steps", args.attack.steps},   {"step_size", args.attack.step_size},
          {"targeted", args.attack.targeted}, {"seed", args.attack.seed},
          {"accuracy", "loglik choice (highest mean log-probability)"}};
}

// The records of earlier runs (a half-written last line, from a killed run, is dropped).
std::vector<json> read_records(const std::string& path) {
  std::vector<json> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json record = json::parse(line, nullptr, false);
    if (record.is_object() && record.contains("id")) records.push_back(std::move(record));
  }
  return records;
}

json summarize(const std::vector<json>& records, const json& settings) {
  int64_t before = 0, after = 0, perturbed = 0;
  double snr_sum = 0.0, linf_max = 0.0, snr_min = INFINITY;
  for (const auto& r : records) {
    before += r["correct_before"].get<bool>();
    after += r["correct_after"].get<bool>();
    linf_max = std::max(linf_max, r["linf"].get<double>());
    if (r["snr_db"].is_null()) continue;
    ++perturbed;
    snr_sum += r["snr_db"].get<double>();
    snr_min = std::min(snr_min, r["snr_db"].get<double>());
  }
  const double n = std::max<double>(1.0, static_cast<double>(records.size()));
  return {{"items", records.size()},
          {"accuracy_before", before / n},
          {"accuracy_after", after / n},
          {"perturbed_items", perturbed},  // the others kept the clean clip (no step helped)
          {"mean_snr_db", perturbed ? json(snr_sum / perturbed) : json()},
          {"min_snr_db", perturbed ? json(snr_min) : json()},
          {"max_linf", linf_max},
          {"settings", settings}};
}

}  // namespace

void run_dataset_attack(const Model& model, const std::string& model_dir, const DatasetAttackArgs& args) {
  if (!args.attack.waveform) {
    throw Error(ErrorCode::kInvalidArgument,
                "attack --data perturbs the waveform (add --waveform): accuracy is measured on the perturbed clips");
  }
  bench::LoadOptions load_options;
  load_options.audio_root = args.audio_root;
  if (load_options.audio_root.empty()) {  // as almkit eval: relative paths from the data file's folder
    const std::string folder = std::filesystem::path(args.data).parent_path().string();
    load_options.audio_root = folder.empty() ? "." : folder;
  }
  std::vector<bench::BenchItem> items = bench::load_benchmark(args.bench, args.data, load_options);
  if (args.limit > 0 && items.size() > size_t(args.limit)) items.resize(size_t(args.limit));
  bench::require_audio_present(items);

  namespace fs = std::filesystem;
  fs::create_directories(args.output_dir + "/wav");
  const json settings = settings_of(model_dir, args);
  const std::string settings_path = args.output_dir + "/attack.json";
  if (fs::exists(settings_path)) {
    std::ifstream in(settings_path);
    const json earlier = json::parse(in, nullptr, false);
    if (earlier != settings) {
      throw Error(ErrorCode::kInvalidArgument, settings_path + " holds a run with other settings (" +
                                                   earlier.dump() + "); use another -o folder");
    }
  } else {
    std::ofstream(settings_path) << settings.dump(2) << "\n";
  }

  const std::string results_path = args.output_dir + "/results.jsonl";
  std::vector<json> records = read_records(results_path);
  std::set<std::string> done;
  for (const auto& r : records) done.insert(r["id"].get<std::string>());
  std::ofstream results(results_path, std::ios::app);
  if (!records.empty()) results << "\n";  // after a half-written line, a fresh one
  if (!results) throw Error(ErrorCode::kIo, results_path + ": cannot append");

  const bench::PromptTemplate prompt_template{"loglik", bench::kLoglikPromptText};
  AudioLoadOptions load;
  load.target_sample_rate = model.audio_sampling_rate();
  load.mono = true;
  size_t index = 0;
  for (const bench::BenchItem& item : items) {
    ++index;
    if (done.count(item.id)) continue;
    const int answer = item.answer_index();
    if (answer < 0 || item.choices.size() < 2) {
      throw Error(ErrorCode::kInvalidFormat, item.source + ": attack --data needs multiple-choice items");
    }
    Request request;
    for (const auto& path : item.audio_paths) request.audio.push_back(load_audio(path, load));
    request.prompt = model.chat_prompt(
        bench::render_messages(prompt_template, item, item.choices, static_cast<int>(request.audio.size())), true);
    const std::vector<OptionScore> clean = model.score(request, item.choices);
    // untargeted: lower the right answer; targeted: raise the first wrong one
    const int target_choice = args.attack.targeted ? (answer == 0 ? 1 : 0) : answer;
    const std::vector<int32_t> target =
        model.tokenizer().encode(item.choices[size_t(target_choice)], /*add_special_tokens=*/false);
    const research::AttackResult attacked = research::attack(model, request, target, args.attack);
    double signal = 0.0, noise = 0.0, linf = 0.0;
    json wavs = json::array();
    for (size_t c = 0; c < attacked.perturbed_audio.size(); ++c) {
      const auto& original = request.audio[c].samples;
      const auto& perturbed = attacked.perturbed_audio[c].samples;
      for (size_t i = 0; i < std::min(original.size(), perturbed.size()); ++i) {
        const double d = double(perturbed[i]) - original[i];
        signal += double(original[i]) * original[i];
        noise += d * d;
        linf = std::max(linf, std::fabs(d));
      }
      const std::string wav = "wav/" + file_safe(item.id) + "_" + std::to_string(c) + ".wav";
      write_wav(args.output_dir + "/" + wav, attacked.perturbed_audio[c], WavEncoding::kFloat32);
      wavs.push_back(wav);
    }
    Request perturbed = request;
    perturbed.audio = attacked.perturbed_audio;
    const std::vector<OptionScore> after = model.score(perturbed, item.choices);
    const int before_choice = chosen_index(clean), after_choice = chosen_index(after);
    json record = {{"id", item.id},
                   {"answer", item.answer},
                   {"target", item.choices[size_t(target_choice)]},
                   {"chosen_before", item.choices[size_t(before_choice)]},
                   {"chosen_after", item.choices[size_t(after_choice)]},
                   {"correct_before", before_choice == answer},
                   {"correct_after", after_choice == answer},
                   {"target_logprob_before", attacked.clean_logprob},
                   {"target_logprob_after", attacked.attacked_logprob},
                   // null when the best iterate was the clean clip itself (no step lowered log P)
                   {"snr_db", noise > 0 ? json(10.0 * std::log10(std::max(signal, 1e-30) / noise)) : json()},
                   {"linf", linf},
                   {"wav", wavs}};
    results << record.dump() << "\n" << std::flush;  // one finished item per line: resumable
    std::fprintf(stderr, "[%zu/%zu] %s: %s -> %s, L-inf %.4g\n", index, items.size(), item.id.c_str(),
                 record["chosen_before"].get<std::string>().c_str(),
                 record["chosen_after"].get<std::string>().c_str(), linf);
    records.push_back(std::move(record));
  }
  const json summary = summarize(records, settings);
  std::ofstream(args.output_dir + "/summary.json") << summary.dump(2) << "\n";
  std::printf("accuracy %.1f%% -> %.1f%% over %zu items (%lld perturbed, min SNR %s dB, max L-inf %.4g)\n",
              summary["accuracy_before"].get<double>() * 100, summary["accuracy_after"].get<double>() * 100,
              records.size(), static_cast<long long>(summary["perturbed_items"].get<int64_t>()),
              summary["min_snr_db"].is_null() ? "-" : std::to_string(summary["min_snr_db"].get<double>()).c_str(),
              summary["max_linf"].get<double>());
}

}  // namespace almkit::cli
