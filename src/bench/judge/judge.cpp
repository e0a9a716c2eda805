// judge_run: every scored answer of a finished run sent to a judge model through the eval's
// OpenAI-compatible backend, each call cached (RUNDIR/judge-<protocol>.sqlite) so that a stopped
// judging resumes; the judged figures beside the rule-based ones (judge-<protocol>.json / .md).
#include <atomic>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "almkit/error.h"
#include "almkit/eval.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/judge/judge_protocols.h"
#include "bench/judge/option_judges.h"
#include "bench/python_text.h"
#include "bench/runner/backend.h"
#include "bench/runner/cache.h"
#include "bench/runner/hashing.h"
#include "bench/runner/permutations.h"
#include "bench/runner/report.h"
#include "bench/runner/run_record.h"
#include "bench/runner/unit.h"
#include "core/log.h"
#include "io/json_file.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
namespace fs = std::filesystem;


// The answers to judge: presentation 0, real audio (or text), repeat 0, not failed; for the
// option judge the multiple-choice ones, for MMAU-Pro's open judge the open ones (of MMAU-Pro's
// category "open" in an mmau-pro run, as its script selects).
std::vector<ojson> judged_records(const std::string& run_dir, const JudgeProtocol& protocol,
                                  const std::string& bench) {
  std::ifstream in(run_dir + "/results.jsonl");
  if (!in)
    throw Error(ErrorCode::kFileNotFound,
                "judge: " + run_dir + "/results.jsonl: cannot be read (a finished run?)");
  std::vector<ojson> records;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ojson record = ojson::parse(line);
    if (record.contains("error") || record.value("variant", "audio") == "silence" ||
        record.value("presentation", 0) != 0 || record.value("repeat", 0) != 0)
      continue;
    const bool has_choices = record.contains("choices") && !record["choices"].empty();
    if (protocol.rule == JudgeRule::kOptionLetter && !has_choices) continue;
    if (protocol.rule == JudgeRule::kCriteriaScores &&
        (has_choices || (bench == "mmau-pro" && record.value("category", "") != "open")))
      continue;
    records.push_back(std::move(record));
  }
  return records;
}

// What the judge reads of each item beside the answer: the item's transcript (what the user said)
// or its question, and AIR-Bench's audio description (`meta_info`), from the run's benchmark
// file; empty when the file cannot be read.
struct JudgedItem {
  std::string prompt, audio_description;
};
std::map<std::string, JudgedItem> judged_items(const ojson& run) {
  std::map<std::string, JudgedItem> items;
  try {
    EvalOptions options;
    options.bench = run.value("bench", "");
    options.data_path = run.value("data_path", "");
    options.limit = run.value("limit", 0);
    LoadOptions load;
    load.audio_root = run.value("audio_root", "");
    if (load.audio_root.empty() && !options.data_path.empty())
      load.audio_root = fs::path(options.data_path).parent_path().string();
    for (const auto& item : find_benchmark(options.bench).load_items(options, load)) {
      const ojson metadata = ojson::parse(item.metadata_json, nullptr, false);
      const auto meta_info = metadata.is_object() ? metadata.find("meta_info") : metadata.end();
      items[item.id] = {item.transcript.empty() ? item.question : item.transcript,
                        meta_info != metadata.end() && meta_info->is_string()
                            ? meta_info->get<std::string>()
                            : ""};
    }
  } catch (const std::exception& error) {
    logger().warn("judge: the run's benchmark file could not be read ({}); questions left empty",
                  error.what());
  }
  return items;
}

struct JudgeCall {
  size_t answer = 0;
  int sample = 0;
  bool hot = false;  // AIR-Bench's random half at the higher temperature
  UnitPlan plan;
};

}  // namespace

JudgeOutcome judge_run(const JudgeOptions& options) {
  const JudgeProtocol& protocol = find_judge_protocol(options.protocol);
  if (options.endpoints.empty() || options.served_model.empty())
    throw Error(ErrorCode::kInvalidArgument, "judge: --endpoint and --served-model are required");
  const ojson run = read_ordered_json_file(options.run_dir + "/run.json");
  const std::vector<ojson> records =
      judged_records(options.run_dir, protocol, run.value("bench", ""));
  const auto judged_inputs = judged_items(run);

  // The judge's calls go through the eval's OpenAI backend.
  EvalOptions remote = helper_model_options("judge", options.endpoints, options.served_model,
                                            options.api_key_env, options.concurrency,
                                            options.timeout_seconds, options.max_retries);
  remote.temperature = options.temperature >= 0 ? options.temperature : protocol.temperature;
  remote.top_p = protocol.top_p;
  remote.max_new_tokens = options.max_tokens > 0 ? options.max_tokens : protocol.max_tokens;
  remote.seed = options.seed;
  const int samples = options.samples > 0 ? options.samples : protocol.samples;
  EvalOptions remote_hot = remote;
  remote_hot.temperature = protocol.hot_temperature;
  const std::unique_ptr<EvalBackend> backend = make_eval_backend(remote);
  // The backend sends its own sampling settings: a second one for the hotter calls.
  const std::unique_ptr<EvalBackend> backend_hot =
      protocol.hot_share > 0 ? make_eval_backend(remote_hot) : nullptr;
  const std::string identity = backend->identity();

  std::vector<JudgeCall> calls;
  std::vector<BenchItem> items(records.size());
  std::vector<size_t> planned(records.size(), 0);  // calls per answer
  auto add_call = [&](size_t a, int k, std::string prompt, bool hot) {
    JudgeCall call;
    call.answer = a;
    call.sample = k;
    call.hot = hot;
    call.plan.prompt = std::move(prompt);
    call.plan.seed = mix_seed(options.seed, items[a].id, uint64_t(k) + 1);
    Sha256 key;
    for (const std::string& field :
         {identity, protocol.name, call.plan.prompt, std::to_string(call.plan.seed),
          ojson({hot ? remote_hot.temperature : remote.temperature, remote.top_p,
                 remote.max_new_tokens})
              .dump()})
      key.update_field(field);
    call.plan.key = key.hex_digest();
    calls.push_back(std::move(call));
    ++planned[a];
  };
  // The option judge's prefetch: answers can_infer reads are not sent to the judge.
  std::vector<std::string> prefetched(records.size());
  for (size_t a = 0; a < records.size(); ++a) {
    const ojson& record = records[a];
    BenchItem& item = items[a];
    item.id = record["id"];
    const auto found = judged_inputs.find(item.id);
    const JudgedItem inputs = found != judged_inputs.end() ? found->second : JudgedItem{};
    std::vector<std::string> choices;
    if (record.contains("choices")) choices = record["choices"].get<std::vector<std::string>>();
    if (protocol.rule == JudgeRule::kOptionLetter) {
      prefetched[a] = vlmevalkit_can_infer(record.value("response", ""), choices);
      if (!prefetched[a].empty()) continue;
    }
    const std::string text = judge_prompt_text(
        protocol, inputs.prompt, record.value("answer", ""), record.value("response", ""),
        inputs.audio_description, vlmevalkit_option_text(choices));
    // score_chat.py's `random.random() < 0.5`, drawn per answer from the judge seed.
    const bool hot =
        protocol.hot_share > 0 &&
        double(mix_seed(options.seed, item.id, 0) >> 11) * 0x1.0p-53 < protocol.hot_share;
    ojson messages = ojson::array();
    if (!protocol.system.empty())
      messages.push_back({{"role", "system"}, {"content", protocol.system}});
    messages.push_back({{"role", "user"}, {"content", text}});
    for (int k = 0; k < samples; ++k) add_call(a, k, backend->prompt(messages.dump(), item, {}), hot);
  }

  ResultCache cache(options.run_dir + "/judge-" + protocol.name + ".sqlite");
  JudgeOutcome outcome;
  outcome.answers = static_cast<int64_t>(records.size());
  std::vector<size_t> todo;
  std::atomic<size_t> next{0};
  std::atomic<int64_t> failed{0};
  std::vector<std::exception_ptr> errors(size_t(std::max(1, backend->units_in_flight())));
  auto worker = [&](size_t w) {
    try {
      for (size_t t = next++; t < todo.size(); t = next++) {
        const JudgeCall& call = calls[todo[t]];
        try {
          const BackendAnswer answer = (call.hot ? backend_hot : backend)
                                           ->generate(UnitInput{call.hot ? remote_hot : remote,
                                                                items[call.answer], call.plan});
          cache.store(call.plan.key, ojson({{"reply", answer.text}}).dump());
        } catch (const BackendFatal&) {
          throw;
        } catch (const std::exception& error) {
          logger().warn("judge: {} (sample {}): {}", items[call.answer].id, call.sample,
                        error.what());
          ++failed;
        }
      }
    } catch (...) {
      errors[w] = std::current_exception();
      next = todo.size();
    }
  };
  // Runs the calls from `first` on that the cache does not hold.
  auto run_calls = [&](size_t first) {
    todo.clear();
    next = 0;
    for (size_t c = first; c < calls.size(); ++c)
      if (!cache.find(calls[c].plan.key)) todo.push_back(c);
    outcome.reused += static_cast<int64_t>(calls.size() - first - todo.size());
    std::vector<std::thread> threads;
    for (size_t w = 1; w < errors.size(); ++w) threads.emplace_back(worker, w);
    worker(0);
    for (auto& thread : threads) thread.join();
    for (auto& error : errors)
      if (error) std::rethrow_exception(error);
  };
  run_calls(0);
  // extract_answer_from_item asks again, three times in all, while can_infer cannot read the
  // judge's reply (each retry its own seed).
  for (int round = 1; protocol.rule == JudgeRule::kOptionLetter && round < 3; ++round) {
    const size_t before = calls.size();
    for (size_t c = 0; c < before; ++c) {
      if (calls[c].sample != round - 1) continue;
      const auto stored = cache.find(calls[c].plan.key);
      const auto choices = records[calls[c].answer]["choices"].get<std::vector<std::string>>();
      if (!stored || !vlmevalkit_can_infer(ojson::parse(*stored)["reply"].get<std::string>(),
                                           choices)
                          .empty())
        continue;
      add_call(calls[c].answer, round, calls[c].plan.prompt, false);
    }
    if (calls.size() == before) break;
    run_calls(before);
  }
  outcome.calls = static_cast<int64_t>(calls.size());
  outcome.failed = failed;

  // Per answer: its replies, the judged decision or score, the rule's decision.
  std::string lines;
  int64_t judged = 0, judged_right = 0, rule_right = 0, disagree = 0, unparsed = 0;
  double score_sum = 0.0, reference_sum = 0.0;
  int64_t scores = 0, wins = 0, prefetched_count = 0, judged_right_deterministic = 0;
  std::map<std::string, double> criteria_sums;
  const bool swapped = protocol.fields.size() > 2 && protocol.fields[2].second == "response";
  for (size_t a = 0; a < records.size(); ++a) {
    std::vector<std::string> replies;
    bool hot = false;
    for (const auto& call : calls) {
      if (call.answer != a) continue;
      hot = call.hot;
      if (const auto stored = cache.find(call.plan.key))
        replies.push_back(ojson::parse(*stored)["reply"].get<std::string>());
    }
    ojson line = {{"id", records[a]["id"]}, {"replies", replies}};
    if (protocol.hot_share > 0)
      line["temperature"] = hot ? remote_hot.temperature : remote.temperature;
    if (protocol.rule == JudgeRule::kOptionLetter && !prefetched[a].empty())
      line["prefetched"] = true;  // no call was made
    if (replies.size() != planned[a]) {
      line["missing"] = int(planned[a]) - int(replies.size());
      lines += line.dump() + "\n";
      continue;
    }
    ++judged;
    const bool rule = records[a].value("correct", false);
    line["rule_correct"] = rule;
    rule_right += rule;
    if (protocol.rule == JudgeRule::kScore) {
      ojson values = ojson::array();
      for (const auto& reply : replies) {
        const double score = judge_reply_score(reply);
        values.push_back(score);
        if (score < 0) {
          ++unparsed;
          continue;
        }
        score_sum += score;
        ++scores;
      }
      line["scores"] = values;
    } else if (protocol.rule == JudgeRule::kCriteriaScores) {
      const auto criteria = mmau_pro_judge_scores(replies.front());
      line["scores"] = criteria;
      for (const auto& [criterion, value] : criteria) criteria_sums[criterion] += value;
      score_sum += criteria.at("overall");
      ++scores;
    } else if (protocol.rule == JudgeRule::kOptionLetter) {
      const auto choices = records[a]["choices"].get<std::vector<std::string>>();
      std::string option = prefetched[a];
      for (size_t r = 0; option.empty() && r < replies.size(); ++r)
        option = vlmevalkit_can_infer(replies[r], choices);
      const auto correct = [&](const std::string& letter) {
        const size_t at = letter.size() == 1 ? size_t(letter[0] - 'A') : choices.size();
        return at < choices.size() && choices[at] == records[a].value("answer", "");
      };
      line["judged_correct_deterministic"] = correct(option);  // unreadable: wrong
      judged_right_deterministic += correct(option);
      if (option.empty()) {
        // Three unreadable replies: `rd.choice(list(choices) + ['Z'])`, drawn from the judge seed.
        ++unparsed;
        const uint64_t draw = mix_seed(options.seed, items[a].id, 1000) % (choices.size() + 1);
        option = draw < choices.size() ? std::string(1, char('A' + draw)) : "Z";
        line["random_rule"] = true;
      }
      line["option"] = option;
      const bool yes = correct(option);
      line["judged_correct"] = yes;
      judged_right += yes;
      disagree += yes != rule;
      prefetched_count += line.contains("prefetched");
    } else if (protocol.rule == JudgeRule::kPairScores) {
      // cal_score.py's input fields beside ours: `almkit score --bench air-bench` reads this file.
      line["task_name"] = records[a].value("task", "");
      line["gpt-score"] = replies.front();
      int first = 0, second = 0;
      if (!judge_reply_pair(replies.front(), first, second)) {
        ++unparsed;
      } else {
        const int model = swapped ? first : second, reference = swapped ? second : first;
        line["model_score"] = model;
        line["reference_score"] = reference;
        score_sum += model;
        reference_sum += reference;
        ++scores;
        wins += model > reference;
      }
    } else {
      std::vector<std::string> decisions;
      bool parsed_all = true;
      for (const auto& reply : replies) {
        if (protocol.rule == JudgeRule::kCorrectWord) {
          std::string word = python_strip(reply);
          for (char& c : word) c = char(std::toupper(static_cast<unsigned char>(c)));
          decisions.push_back(word == "CORRECT" ? "yes" : word == "INCORRECT" ? "no" : "");
          parsed_all = parsed_all && !decisions.back().empty();
        } else if (protocol.rule == JudgeRule::kCorrectIncorrect) {
          std::string explanation;
          const std::string judgement = judge_reply_sakura(reply, &explanation);
          line["Explanation"] = explanation;
          line["Judgement"] = judgement;
          const std::string decision = python_strip(python_lower(judgement));
          decisions.push_back(decision == "correct" ? "yes" : decision == "incorrect" ? "no" : "");
          parsed_all = parsed_all && !decisions.back().empty();
        } else {
          decisions.push_back(reply);
          parsed_all = parsed_all && !judge_reply_decision(reply).empty();
        }
      }
      unparsed += !parsed_all;
      const bool yes = judge_majority_yes(decisions);
      line["judged_correct"] = yes;
      judged_right += yes;
      disagree += yes != rule;
    }
    lines += line.dump() + "\n";
  }
  ojson summary;
  summary["run_dir"] = options.run_dir;
  summary["protocol"] = protocol.name;
  summary["source"] = protocol.source;
  summary["judge"] = {{"served_model", options.served_model},
                      {"endpoints", backend->describe().value("endpoints", ojson::array())},
                      {"system", protocol.system},
                      {"prompt", protocol.prompt},
                      {"samples", samples},
                      {"temperature", remote.temperature},
                      {"top_p", remote.top_p},
                      {"max_tokens", remote.max_new_tokens},
                      {"seed", options.seed}};
  if (protocol.hot_share > 0)
    summary["judge"]["hot_temperature"] = {{"share", protocol.hot_share},
                                           {"temperature", remote_hot.temperature}};
  summary["answers"] = outcome.answers;
  summary["judged"] = judged;
  summary["failed_calls"] = outcome.failed;
  summary["rule_accuracy"] = judged ? double(rule_right) / double(judged) : 0.0;
  std::string table;
  char text[512];
  if (protocol.rule == JudgeRule::kScore) {
    summary["mean_score"] = scores ? score_sum / double(scores) : 0.0;
    summary["unparsed_replies"] = unparsed;
    std::snprintf(text, sizeof(text),
                  "| answers judged | rule-based accuracy | judge's mean score (1-5) | unparsed "
                  "replies |\n|---|---|---|---|\n| %lld | %.1f%% | %.3f | %lld |\n",
                  static_cast<long long>(judged), summary["rule_accuracy"].get<double>() * 100,
                  summary["mean_score"].get<double>(), static_cast<long long>(unparsed));
  } else if (protocol.rule == JudgeRule::kCriteriaScores) {
    // calculate_openended_metrics' averages; the category's performance is avg_overall / 5.
    for (const auto& [criterion, sum] : criteria_sums)
      summary["mean_" + criterion] = scores ? sum / double(scores) : 0.0;
    summary["performance"] = scores ? score_sum / double(scores) / 5.0 : 0.0;
    std::snprintf(text, sizeof(text),
                  "| open answers judged | mean overall (1-5) | mean correctness | performance "
                  "(overall / 5) |\n|---|---|---|---|\n| %lld | %.3f | %.3f | %.4f |\n",
                  static_cast<long long>(judged), summary.value("mean_overall", 0.0),
                  summary.value("mean_correctness", 0.0), summary["performance"].get<double>());
  } else if (protocol.rule == JudgeRule::kPairScores) {
    summary["model_mean_score"] = scores ? score_sum / double(scores) : 0.0;
    summary["reference_mean_score"] = scores ? reference_sum / double(scores) : 0.0;
    summary["win_rate"] = scores ? double(wins) / double(scores) : 0.0;
    summary["unparsed_replies"] = unparsed;
    std::snprintf(
        text, sizeof(text),
        "| answers judged | model's mean score (1-10) | reference's mean score | model "
        "wins | unparsed replies |\n|---|---|---|---|---|\n| %lld | %.3f | %.3f | %.1f%% | "
        "%lld |\n",
        static_cast<long long>(judged), summary["model_mean_score"].get<double>(),
        summary["reference_mean_score"].get<double>(), summary["win_rate"].get<double>() * 100,
        static_cast<long long>(unparsed));
  } else {
    summary["judged_accuracy"] = judged ? double(judged_right) / double(judged) : 0.0;
    summary["disagreement_rate"] = judged ? double(disagree) / double(judged) : 0.0;
    summary["answers_with_unparsed_replies"] = unparsed;
    if (protocol.rule == JudgeRule::kOptionLetter) {
      // VLMEvalKit's random letter after three unreadable replies, and the deterministic variant.
      summary["prefetched_answers"] = prefetched_count;
      summary["random_rule_answers"] = unparsed;
      summary["judged_accuracy_deterministic"] =
          judged ? double(judged_right_deterministic) / double(judged) : 0.0;
    }
    std::snprintf(text, sizeof(text),
                  "| answers judged | rule-based accuracy | judged accuracy | disagreement |\n"
                  "|---|---|---|---|\n| %lld | %.1f%% | %.1f%% | %.1f%% |\n",
                  static_cast<long long>(judged), summary["rule_accuracy"].get<double>() * 100,
                  summary["judged_accuracy"].get<double>() * 100,
                  summary["disagreement_rate"].get<double>() * 100);
  }
  summary["table"] = text;
  outcome.summary_json = summary.dump(2) + "\n";
  const std::string stem = options.run_dir + "/judge-" + protocol.name;
  write_text_file(stem + ".jsonl", lines);
  write_text_file(stem + ".json", outcome.summary_json);
  write_text_file(stem + ".md", "# almkit judge: " + protocol.name + " by " + options.served_model +
                                    "\n\n" + text + "\nPrompt source: " + protocol.source + "\n");
  // The run's summary.json and reports gain the judged figures beside the rule-based ones.
  rewrite_run_reports(options.run_dir);
  return outcome;
}

}  // namespace almkit::bench
