// MUSE's protocol: Python-compatible shuffles, the runners' silence trim, the sequences of a run
// and how one is asked (docs/eval.md, "MUSE's official protocol").
#include "bench/benchmarks/muse/muse_protocol.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "bench/datasets/record_file.h"
#include "bench/runner/answer_parsing.h"
#include "bench/runner/backend.h"
#include "bench/runner/hashing.h"
#include "bench/runner/permutations.h"
#include "bench/runner/unit.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;

const char* const kMuseConfirmation =
    "After examining the examples above, please respond with \"Yes, I understand.\" if you "
    "understand the task, or \"No, I don't understand.\" if you do not.";

// ---- Chats ----

namespace {

std::vector<MuseProtocolWording> parse_wordings() {
  std::vector<MuseProtocolWording> wordings;
  for (const auto& entry : nlohmann::json::parse(muse_protocol_wording_json())) {
    MuseProtocolWording wording;
    wording.task = entry.at("task");
    wording.source = entry.at("source");
    wording.cot_min_new_tokens = entry.at("cot_min_new_tokens");
    wording.history_window = entry.at("history_window");
    auto parts_of = [](const nlohmann::json& list) {
      std::vector<MusePart> parts;
      for (const auto& part : list) {
        parts.push_back(part.contains("clip") ? MusePart{true, "", part.at("clip")}
                                              : MusePart{false, part.at("text"), ""});
      }
      return parts;
    };
    for (const auto& [key, mode] : entry.at("modes").items()) {
      for (const auto& turn : mode.at("opening"))
        wording.opening[key].push_back({turn.at("role"), parts_of(turn.at("parts"))});
      wording.trial[key] = parts_of(mode.at("trial"));
    }
    wordings.push_back(std::move(wording));
  }
  return wordings;
}

const MuseProtocolWording* find_wording(const std::string& task) {
  for (const auto& wording : muse_protocol_wordings()) {
    if (wording.task == task) return &wording;
  }
  return nullptr;
}

std::string item_group(const BenchItem& item) {
  return item.category;
}

std::string mode_key(bool cot, const std::string& group) {
  return std::string(cot ? "COT/" : "SYSINST/") + group;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

const std::vector<MuseProtocolWording>& muse_protocol_wordings() {
  static const std::vector<MuseProtocolWording> kWordings = parse_wordings();
  return kWordings;
}

std::vector<MuseTurn> muse_opening_turns(const MuseProtocolWording& wording, bool cot,
                                         const std::string& group, const std::string& audio_root) {
  const auto found = wording.opening.find(mode_key(cot, group));
  if (found == wording.opening.end()) {
    throw Error(ErrorCode::kInvalidArgument,
                "MUSE protocol: task " + wording.task + " has no group '" + group + "'");
  }
  std::vector<MuseTurn> turns = found->second;
  for (MuseTurn& turn : turns) {
    for (MusePart& part : turn.parts) {
      if (part.audio) part.audio_path = resolve_audio(audio_root, part.audio_path);
    }
  }
  return turns;
}

MuseTurn muse_trial_turn(const MuseProtocolWording& wording, bool cot, const BenchItem& item) {
  const auto found = wording.trial.find(mode_key(cot, item_group(item)));
  if (found == wording.trial.end()) {
    throw Error(ErrorCode::kInvalidArgument,
                "MUSE protocol: trial " + item.id + " is in no group of task " + wording.task);
  }
  MuseTurn turn{"user", found->second};
  for (MusePart& part : turn.parts) {
    if (!part.audio) {
      // transposition's COT prompt names the two files ('{id1}' and '{id2}': stems).
      for (size_t c = 0; c < item.audio_paths.size() && c < 2; ++c) {
        replace_all(part.text, "{id" + std::to_string(c + 1) + "}",
                    fs::path(item.audio_paths[c]).stem().string());
      }
      continue;
    }
    const size_t clip = part.audio_path == kTrialClip2 ? 1 : 0;
    if (clip >= item.audio_paths.size()) {
      throw Error(ErrorCode::kInvalidFormat,
                  "MUSE protocol: trial " + item.id + " has no clip " + std::to_string(clip + 1));
    }
    part.audio_path = item.audio_paths[clip];
  }
  return turn;
}

MuseTurn muse_confirmation_turn() {
  return {"user", {{false, kMuseConfirmation, ""}}};
}

std::vector<MuseSequence> plan_muse_sequences(const std::vector<BenchItem>& items, int seeds) {
  // Groups in item order, trials in manifest order (the runners' stimulus lists).
  std::vector<std::pair<std::string, std::string>> groups;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> members;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto group = std::make_pair(items[i].task, item_group(items[i]));
    if (members.find(group) == members.end()) groups.push_back(group);
    members[group].push_back(i);
  }
  std::vector<MuseSequence> sequences;
  for (const auto& group : groups) {
    const MuseProtocolWording* wording = find_wording(group.first);
    if (!wording) {
      std::string known;
      for (const auto& w : muse_protocol_wordings()) known += (known.empty() ? "" : ", ") + w.task;
      throw Error(ErrorCode::kUnsupported,
                  "--protocol: MUSE task '" + group.first +
                      "' has no transcribed runner wording yet (transcribed: " + known +
                      "); use --limit or a task filter to run those only (docs/eval.md)");
    }
    for (int seed = 1; seed <= seeds; ++seed) {
      MuseSequence sequence;
      sequence.task = group.first;
      sequence.group = group.second;
      sequence.seed = seed;
      sequence.seed_index = seed - 1;
      sequence.wording = wording;
      const auto& trials = members[group];
      for (size_t position : PythonRandom(uint64_t(seed)).shuffled_indices(trials.size())) {
        sequence.item_indices.push_back(trials[position]);
      }
      sequences.push_back(std::move(sequence));
    }
  }
  return sequences;
}

// ---- The run ----

namespace {

std::string sequence_label(const MuseSequence& sequence) {
  return sequence.task + "/" + sequence.group + "/seed" + std::to_string(sequence.seed);
}

// Every clip a sequence's chat names, in first-use order.
std::vector<std::string> sequence_clips(const MuseSequence& sequence, bool cot,
                                        const std::vector<BenchItem>& items,
                                        const std::string& audio_root) {
  std::vector<MuseTurn> turns =
      muse_opening_turns(*sequence.wording, cot, sequence.group, audio_root);
  for (size_t i : sequence.item_indices)
    turns.push_back(muse_trial_turn(*sequence.wording, cot, items[i]));
  std::vector<std::string> clips;
  muse_messages(
      turns, [](const std::string&) { return 1; }, clips);
  return clips;
}

std::string trimmed_file(const std::string& out_dir, const std::string& source) {
  return out_dir + "/muse-audio/" + sha256_hex(source).substr(0, 12) + "-" +
         fs::path(source).filename().string();
}

}  // namespace

MuseRun prepare_muse_run(const EvalOptions& options, const std::vector<BenchItem>& items) {
  if (options.bench != "muse") {
    throw Error(ErrorCode::kInvalidArgument, "--protocol " + options.protocol +
                                                 " only applies to --bench muse (got --bench " +
                                                 options.bench + ")");
  }
  if (options.protocol != "muse-sysinst" && options.protocol != "muse-cot") {
    throw Error(ErrorCode::kInvalidArgument,
                "--protocol must be muse-sysinst or muse-cot, not '" + options.protocol + "'");
  }
  if (options.mode != "generate")
    throw Error(ErrorCode::kInvalidArgument, "--protocol needs --mode generate");
  if (options.permutations != 1)
    throw Error(ErrorCode::kInvalidArgument,
                "--protocol asks the choices as the runners word "
                "them: --permutations must be 1");
  if (options.seeds < 1) throw Error(ErrorCode::kInvalidArgument, "--seeds must be >= 1");
  MuseRun run;
  run.cot = options.protocol == "muse-cot";
  run.sequences = plan_muse_sequences(items, options.seeds);
  std::vector<std::string> sources;
  std::set<std::string> seen;
  for (const auto& sequence : run.sequences) {
    for (auto& clip : sequence_clips(sequence, run.cot, items, options.audio_root)) {
      if (seen.insert(clip).second) sources.push_back(clip);
    }
  }
  std::string missing;
  for (const auto& source : sources) {
    if (!fs::is_regular_file(source)) missing += (missing.empty() ? "" : ", ") + source;
  }
  if (!missing.empty()) {
    throw Error(ErrorCode::kFileNotFound,
                "--protocol: audio the MUSE runners use is missing (example stimuli included; "
                "--audio-root is a MUSE checkout): " +
                    missing);
  }
  fs::create_directories(options.out_dir + "/muse-audio");
  AudioLoadOptions load;
  load.target_sample_rate = 16000;  // the runners' rate (Qwen2.5-Omni's feature extractor)
  load.mono = true;
  for (const auto& source : sources) {
    const std::string target = trimmed_file(options.out_dir, source);
    if (!fs::exists(target)) {
      AudioBuffer clip = load_audio(source, load);
      const SampleRange keep = trim_silence(clip.samples);
      if (keep.end <= keep.start) {
        throw Error(ErrorCode::kInvalidFormat, source +
                                                   ": silent throughout (nothing left after "
                                                   "trimming at 35 dB)");
      }
      clip.samples = std::vector<float>(clip.samples.begin() + long(keep.start),
                                        clip.samples.begin() + long(keep.end));
      const std::string partial = target + ".partial";
      write_wav(partial, clip, WavEncoding::kFloat32);
      fs::rename(partial, target);  // a killed run never leaves half a clip behind
    }
    run.trimmed[source] = target;
    run.trimmed_hash[source] = sha256_file(target);
  }
  return run;
}

std::vector<UnitPlan> muse_unit_plans(const MuseRun& run, const EvalOptions& options,
                                      const std::vector<BenchItem>& items,
                                      const std::string& model_hash) {
  std::vector<UnitPlan> plans;
  for (size_t s = 0; s < run.sequences.size(); ++s) {
    const MuseSequence& sequence = run.sequences[s];
    UnitPlan plan;
    plan.unit = int64_t(s);
    plan.sequence = int(s);
    plan.item_index = sequence.item_indices.front();
    plan.presentation = sequence.seed_index;
    plan.seed = uint64_t(sequence.seed);
    // What the answers depend on: settings, the wording of every turn, the trials (ids and
    // answers) in their order, and the trimmed audio by content.
    std::vector<MuseTurn> turns =
        muse_opening_turns(*sequence.wording, run.cot, sequence.group, options.audio_root);
    turns.push_back(muse_confirmation_turn());
    ojson trials = ojson::array();
    for (size_t i : sequence.item_indices) {
      turns.push_back(muse_trial_turn(*sequence.wording, run.cot, items[i]));
      trials.push_back({items[i].id, items[i].answer});
    }
    std::vector<std::string> clips;
    const std::string chat = muse_messages(
                                 turns, [](const std::string&) { return 1; }, clips)
                                 .dump();
    ojson clip_hashes = ojson::array();
    for (const auto& clip : clips) clip_hashes.push_back(run.trimmed_hash.at(clip));
    Sha256 key;
    for (const std::string& field :
         {model_hash, std::string("muse-protocol"), options.protocol, options.device, options.dtype,
          sequence_label(sequence), std::to_string(options.seed), trials.dump(),
          std::to_string(sequence.wording->history_window), chat, clip_hashes.dump(),
          ojson({options.max_new_tokens, options.temperature, options.top_k, options.top_p})
              .dump()}) {
      key.update_field(field);
    }
    plan.key = key.hex_digest();
    plans.push_back(std::move(plan));
  }
  return plans;
}

namespace {

// One model call on the chat so far; `item` carries the trial's fields (or the first trial's for
// the confirmation). Returns the answer with its text stripped, as the runners store it.
BackendAnswer ask(const UnitContext& context, const MuseRun& run,
                  const MuseProtocolWording& wording, const BenchItem& item, const UnitPlan& base,
                  const std::vector<MuseTurn>& turns, uint64_t seed, UnitPlan& step) {
  const EvalBackend& backend = *context.backend;
  std::vector<std::string> clips;
  const ojson messages = muse_messages(
      turns, [&](const std::string& path) { return backend.audio_parts(run.trimmed.at(path)); },
      clips);
  BenchItem call_item = item;
  call_item.audio_paths.clear();
  std::vector<std::string> hashes;
  for (const auto& clip : clips) {
    call_item.audio_paths.push_back(run.trimmed.at(clip));
    hashes.push_back(run.trimmed_hash.at(clip));
  }
  step = base;
  step.prompt = backend.prompt(messages.dump(), call_item, hashes);
  step.seed = seed;
  // The runners' COT generate calls ask for a minimum answer length (transformers' min_new_tokens)
  step.min_new_tokens = run.cot ? wording.cot_min_new_tokens : 0;
  BackendAnswer answer = backend.generate(UnitInput{*context.options, call_item, step});
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  auto& text = answer.text;
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return answer;
}

}  // namespace

ojson run_muse_sequence(const UnitContext& context, const MuseRun& run, const UnitPlan& plan) {
  const MuseSequence& sequence = run.sequences[size_t(plan.sequence)];
  const EvalOptions& options = *context.options;
  const auto& items = *context.items;
  const std::string label = sequence_label(sequence);
  // A trial's record: the unit header plus where the trial sits in its sequence.
  auto trial_record = [&](const BenchItem& item, const UnitPlan& trial_plan, size_t asked) {
    ojson record = unit_record_header(item, trial_plan);
    record["protocol"] = options.protocol;
    record["protocol_seed"] = sequence.seed;
    record["sequence"] = label;
    record["trial_position"] = asked + 1;
    return record;
  };
  ojson result;
  result["sequence"] = label;
  result["protocol"] = options.protocol;
  result["protocol_seed"] = sequence.seed;
  result["confirmation"] = nullptr;
  ojson trials = ojson::array();
  std::vector<MuseTurn> chat =
      muse_opening_turns(*sequence.wording, run.cot, sequence.group, options.audio_root);
  size_t asked = 0;
  std::string failure, failure_kind;
  try {
    UnitPlan step;
    std::vector<MuseTurn> confirm = chat;
    confirm.push_back(muse_confirmation_turn());
    const BackendAnswer answer =
        ask(context, run, *sequence.wording, items[sequence.item_indices.front()], plan, confirm,
            mix_seed(options.seed + uint64_t(sequence.seed), label, 0), step);
    result["confirmation"] = answer.text;
    chat.push_back({"assistant", {{false, answer.text, ""}}});  // stays in the chat
    // Earlier trials (user turn, answer) kept after the opening: all of them, or the last K
    // where the runner keeps a rolling window (KEEP_LAST_K).
    std::vector<std::pair<MuseTurn, MuseTurn>> earlier;
    const size_t window = size_t(sequence.wording->history_window);
    for (; asked < sequence.item_indices.size(); ++asked) {
      const BenchItem& item = items[sequence.item_indices[asked]];
      const MuseTurn turn = muse_trial_turn(*sequence.wording, run.cot, item);
      std::vector<MuseTurn> call = chat;
      const size_t from = window > 0 && earlier.size() > window ? earlier.size() - window : 0;
      for (size_t e = from; e < earlier.size(); ++e) {
        call.push_back(earlier[e].first);
        call.push_back(earlier[e].second);
      }
      call.push_back(turn);
      const auto start = std::chrono::steady_clock::now();
      const BackendAnswer reply =
          ask(context, run, *sequence.wording, item, plan, call,
              mix_seed(options.seed + uint64_t(sequence.seed), label, asked + 1), step);
      earlier.push_back({turn, {"assistant", {{false, reply.text, ""}}}});
      UnitPlan trial_plan = step;
      trial_plan.order.clear();
      for (size_t c = 0; c < item.choices.size(); ++c) trial_plan.order.push_back(int(c));
      trial_plan.shown_choices = item.choices;
      trial_plan.answer_position = item.answer_index();
      ojson record = trial_record(item, trial_plan, asked);
      record["audio_seconds"] = reply.audio_seconds;
      record["audio_windows"] = reply.audio_parts;
      record_generation(record, reply);
      record_answer(record, parse_muse_answer(item, trial_plan.shown_choices, reply.text),
                    trial_plan);
      record["latency_s"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      trials.push_back(std::move(record));
    }
  } catch (const BackendFatal&) {
    throw;
  } catch (const UnitUnavailable& error) {
    failure = std::string("unavailable: ") + error.what();
    failure_kind = "unavailable";
  } catch (const std::exception& error) {
    failure = refusal_message(error);
    failure_kind = "refused";
  }
  if (!failure.empty()) {
    // The chat cannot go on without the failed answer: the trials left are failed with it.
    result["error"] = failure;
    result["error_kind"] = failure_kind;
    for (; asked < sequence.item_indices.size(); ++asked) {
      const BenchItem& item = items[sequence.item_indices[asked]];
      UnitPlan trial_plan = plan;
      trial_plan.shown_choices = item.choices;
      trial_plan.answer_position = item.answer_index();
      ojson record = trial_record(item, trial_plan, asked);
      record_failure(record, failure, failure_kind);
      trials.push_back(std::move(record));
    }
  }
  result["trials"] = trials;
  return result;
}

namespace {

ojson seed_figures(const std::map<int, std::pair<int64_t, int64_t>>& per_seed) {
  ojson out;
  ojson seeds = ojson::array();
  std::vector<double> accuracies;
  for (const auto& [seed, counts] : per_seed) {
    const double accuracy = counts.second ? double(counts.first) / double(counts.second) : 0.0;
    accuracies.push_back(accuracy);
    seeds.push_back({{"seed", seed},
                     {"correct", counts.first},
                     {"trials", counts.second},
                     {"accuracy", accuracy}});
  }
  double mean = 0.0, variance = 0.0;
  for (double a : accuracies) mean += a / double(accuracies.size());
  for (double a : accuracies) variance += (a - mean) * (a - mean);
  out["per_seed"] = seeds;
  out["mean"] = mean;
  // Sample standard deviation (n - 1) across seeds; null for a single seed.
  out["sd"] = accuracies.size() > 1 ? ojson(std::sqrt(variance / double(accuracies.size() - 1)))
                                    : ojson(nullptr);
  return out;
}

}  // namespace

ojson muse_protocol_summary(const std::vector<ojson>& records) {
  std::map<int, std::pair<int64_t, int64_t>> overall;
  std::map<std::string, std::map<int, std::pair<int64_t, int64_t>>> by_task;
  std::string protocol;
  for (const ojson& record : records) {
    if (!record.contains("protocol_seed") || record.value("error_kind", "") == "unavailable")
      continue;
    protocol = record.value("protocol", "");
    const int seed = record["protocol_seed"].get<int>();
    const int64_t correct = record.value("correct", false) ? 1 : 0;
    overall[seed].first += correct;
    overall[seed].second += 1;
    by_task[record.value("task", "")][seed].first += correct;
    by_task[record.value("task", "")][seed].second += 1;
  }
  ojson summary = seed_figures(overall);
  summary["protocol"] = protocol;
  ojson tasks = ojson::object();
  for (const auto& [task, per_seed] : by_task) tasks[task] = seed_figures(per_seed);
  summary["by_task"] = tasks;
  return summary;
}

}  // namespace almkit::bench
