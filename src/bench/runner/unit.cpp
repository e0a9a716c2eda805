#include "bench/runner/unit.h"

#include <chrono>

#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/runner/answer_parsing.h"
#include "bench/runner/backend.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

ojson unit_record_header(const BenchItem& item, const UnitPlan& plan) {
  ojson record;
  record["unit"] = plan.unit;
  record["id"] = item.id;
  record["presentation"] = plan.presentation;
  record["variant"] = plan.silent ? "silence" : plan.text_only ? "text" : "audio";
  if (plan.repeat > 0) record["repeat"] = plan.repeat;
  record["order"] = plan.order;
  record["choices"] = plan.shown_choices;
  record["answer"] = item.answer;
  if (!item.references.empty()) record["references"] = item.references;
  record["answer_position"] = plan.answer_position;
  record["task"] = item.task;
  record["category"] = item.category;
  record["sub_category"] = item.sub_category;
  record["difficulty"] = item.difficulty;
  record["audio"] = item.audio_paths;
  record["prompt"] = plan.prompt;
  record["seed"] = plan.seed;
  return record;
}

void record_generation(ojson& record, const BackendAnswer& result) {
  record["response"] = result.text;
  record["prompt_tokens"] = result.prompt_tokens;
  record["new_tokens"] = result.new_tokens;
  record["stop_reason"] = result.stop_reason;
  for (const auto& [key, value] : result.details.items()) record[key] = value;
}

void record_answer(ojson& record, const ParsedAnswer& answer, const UnitPlan& plan) {
  record["parsed"] = answer.parsed;
  record["chosen_position"] = answer.chosen_position;
  record["chosen_choice"] =
      answer.chosen_position >= 0 ? plan.order[size_t(answer.chosen_position)] : -1;
  record["correct"] = answer.correct;
}

void record_failure(ojson& record, const std::string& error, const std::string& kind) {
  record["error"] = error;
  record["error_kind"] = kind;
  record["response"] = "";
  record["parsed"] = "";
  record["chosen_position"] = -1;
  record["chosen_choice"] = -1;
  if (kind != "unavailable") record["correct"] = false;
}

std::string refusal_message(const std::exception& error) {
  const auto* almkit_error = dynamic_cast<const Error*>(&error);
  return std::string(almkit_error ? error_code_name(almkit_error->code()) : "internal") + ": " +
         error.what();
}

ojson run_unit(const UnitContext& context, const UnitPlan& plan) {
  const BenchItem& item = (*context.items)[plan.item_index];
  const EvalOptions& options = *context.options;
  ojson record = unit_record_header(item, plan);
  const auto start = std::chrono::steady_clock::now();
  try {
    const UnitInput input{options, item, plan};
    ParsedAnswer answer;
    if (options.mode == "loglik" && !plan.shown_choices.empty()) {
      const BackendAnswer result = context.backend->score(input);
      record["audio_seconds"] = result.audio_seconds;
      record["audio_windows"] = result.audio_parts;
      std::vector<double> means;
      ojson score_list = ojson::array();
      int64_t tokens = 0;
      for (const auto& score : result.scores) {
        means.push_back(score.mean_logprob);
        score_list.push_back({{"sum_logprob", score.sum_logprob},
                              {"mean_logprob", score.mean_logprob},
                              {"tokens", score.tokens}});
        tokens += score.tokens;
      }
      answer = pick_by_loglik(plan.shown_choices, plan.answer_position, means);
      record["response"] = answer.parsed;
      record["scores"] = score_list;
      record["prompt_tokens"] = nullptr;
      record["new_tokens"] = 0;
      record["scored_tokens"] = tokens;
      record["stop_reason"] = result.stop_reason;
      for (const auto& [key, value] : result.details.items()) record[key] = value;
    } else {
      const BackendAnswer result = context.backend->generate(input);
      record["audio_seconds"] = result.audio_seconds;
      record["audio_windows"] = result.audio_parts;
      const Benchmark& benchmark =
          context.benchmark ? *context.benchmark : find_benchmark(options.bench);
      answer = benchmark.parse_answer(options, item, plan.shown_choices, plan.answer_position,
                                      result.text);
      record_generation(record, result);
    }
    record_answer(record, answer, plan);
  } catch (const BackendFatal&) {
    throw;
  } catch (const UnitUnavailable& error) {
    // Not the model's answer: no parse, no score (the next run retries it).
    record_failure(record, std::string("unavailable: ") + error.what(), "unavailable");
  } catch (const std::exception& error) {
    // One item's failure (its audio, its length) must not stop the run; it is reported.
    record_failure(record, refusal_message(error), "refused");
  }
  record["latency_s"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return record;
}

}  // namespace almkit::bench
