#include "bench/runner/plan.h"

#include "bench/runner/backend.h"
#include "bench/runner/hashing.h"
#include "bench/runner/permutations.h"

namespace almkit::bench {

using ojson = nlohmann::ordered_json;

std::string unit_key(const std::string& model_hash, const EvalOptions& options,
                     const BenchItem& item, const std::vector<std::string>& audio_hashes,
                     const UnitPlan& plan) {
  Sha256 key;
  const std::string variant = plan.silent ? "silence" : plan.text_only ? "text" : "audio";
  for (const std::string& field :
       {model_hash, options.bench, options.mode, options.device, options.dtype, item.id,
        item.question, item.answer, item.task, plan.prompt, std::to_string(plan.presentation),
        variant, std::to_string(plan.seed), ojson(plan.order).dump(), ojson(item.choices).dump(),
        ojson(audio_hashes).dump(),
        ojson({options.max_new_tokens, options.temperature, options.top_k, options.top_p})
            .dump()}) {
    key.update_field(field);
  }
  // Fields of later options enter only when used, so that earlier caches stay valid.
  if (!item.references.empty()) key.update_field("references " + ojson(item.references).dump());
  if (!options.long_audio.empty() && !plan.text_only) {
    key.update_field("long_audio " + options.long_audio + " " +
                     std::to_string(options.max_audio_seconds));
  }
  if (!options.steer_path.empty()) {
    key.update_field("steer " + sha256_file(options.steer_path) + " " + ojson(options.steer_alpha).dump() + " " +
                     options.steer_positions);
  }
  return key.hex_digest();
}

uint64_t unit_seed(const EvalOptions& options, const BenchItem& item, int presentation,
                   int repeat) {
  return mix_seed(options.seed, item.id,
                  uint64_t(presentation) + 1 + uint64_t(repeat) * 1000003ULL);
}

namespace {

// The system turn of --system-prompt before the rendered user turn.
std::string with_system_prompt(const std::string& messages_json, const std::string& system) {
  if (system.empty()) return messages_json;
  nlohmann::json messages = nlohmann::json::parse(messages_json);
  // Plain-text content: the chat templates that index a system turn's content take a string.
  const nlohmann::json turn = {{"role", "system"}, {"content", system}};
  messages.insert(messages.begin(), turn);
  return messages.dump();
}

}  // namespace

PlanResult plan_units(const EvalOptions& options, const std::vector<BenchItem>& items,
                      const EvalBackend& backend, const PromptTemplate& prompt_template,
                      const std::string& model_hash) {
  PlanResult result;
  const int repeats = std::max(1, options.repeats);
  const int stride = options.permutations + repeats;  // presentations, silence, repeats
  for (size_t i = 0; i < items.size(); ++i) {
    const BenchItem& item = items[i];
    const bool multiple_choice = !item.choices.empty();
    const bool text_only = options.modality == "text" && !item.transcript.empty();
    const int presentations = multiple_choice ? options.permutations : 1;
    const bool silent_unit = multiple_choice && options.silent_baseline && !text_only;
    result.units_total += presentations + (silent_unit ? 1 : 0) + (repeats - 1);
    if (static_cast<int>(i % size_t(options.shard_count)) != options.shard_index) continue;
    int audio_parts = 0;  // of the question's own clips (a multi-turn item's history has its own)
    std::vector<int> clip_parts;
    std::vector<std::string> audio_hashes;
    for (const auto& path : item.audio_paths) {
      clip_parts.push_back(text_only ? 0 : backend.audio_parts(path));
      if (clip_parts.size() > size_t(item.history_clips)) audio_parts += clip_parts.back();
      audio_hashes.push_back(sha256_file(path));
    }
    const auto orders = presentation_orders(static_cast<int>(item.choices.size()), presentations,
                                            options.seed, item.id);
    const int answer_index = item.answer_index();
    std::vector<std::pair<int, int>> slots;  // (slot p, repeat)
    for (int p = 0; p < presentations + (silent_unit ? 1 : 0); ++p) slots.push_back({p, 0});
    for (int r = 1; r < repeats; ++r) slots.push_back({options.permutations + r, r});
    for (const auto& [p, repeat] : slots) {
      UnitPlan plan;
      plan.silent = repeat == 0 && p == presentations;
      plan.presentation = plan.silent || repeat > 0 ? 0 : p;
      plan.repeat = repeat;
      plan.text_only = text_only;
      plan.unit = static_cast<int64_t>(i) * stride + p;
      plan.item_index = i;
      plan.order = orders[size_t(plan.presentation)];
      for (size_t j = 0; j < plan.order.size(); ++j) {
        plan.shown_choices.push_back(item.choices[size_t(plan.order[j])]);
        if (plan.order[j] == answer_index) plan.answer_position = static_cast<int>(j);
      }
      const std::string messages = with_history(
          render_messages(prompt_template, item, plan.shown_choices, audio_parts,
                          text_only ? item.transcript : std::string()),
          item, clip_parts);
      plan.prompt = backend.prompt(with_system_prompt(messages, options.system_prompt), item,
                                   text_only ? std::vector<std::string>{} : audio_hashes);
      plan.seed = unit_seed(options, item, plan.presentation, repeat);
      plan.key = unit_key(model_hash, options, item, audio_hashes, plan);
      result.units.push_back(std::move(plan));
    }
  }
  return result;
}

}  // namespace almkit::bench
