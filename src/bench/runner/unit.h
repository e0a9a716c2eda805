// One unit of a run: one model call (an item, a presentation of its choices, real audio or
// silence), planned in the main thread and executed by a worker.
#pragma once

#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/eval.h"

namespace almkit::bench {

struct BackendAnswer;
struct ParsedAnswer;

struct UnitPlan {
  int64_t unit = 0;  // global position (item-major), the same in every shard
  size_t item_index = 0;
  int presentation = 0;
  bool silent = false;
  std::vector<int> order;  // original choice index shown at each position
  std::vector<std::string> shown_choices;
  int answer_position = -1;
  std::string prompt;  // as the backend sends it: after the chat template (local), the request's
                       // messages with each clip named by file and hash (openai)
  uint64_t seed = 0;   // sampling seed of this unit (independent of run order and batch)
  std::string key;     // cache key
  int min_new_tokens = 0;  // a protocol's minimum answer length (MUSE COT), 0: none
  int repeat = 0;          // --repeats: 0 for the presentation itself, 1.. for its resamples
  bool text_only = false;  // --modality text: the item's transcript in place of its audio
  int sequence = -1;       // --protocol runs: the protocol's own unit (MUSE: the sequence asked)
};

class EvalBackend;
class Benchmark;

struct UnitContext {
  const EvalOptions* options = nullptr;
  const EvalBackend* backend = nullptr;
  const std::vector<BenchItem>* items = nullptr;
  const Benchmark* benchmark = nullptr;  // whose answer rule applies (null: options->bench's)
};

// Runs the backend on the unit and returns its record (results.jsonl's line). Any error of the
// call (the model refusing the prompt, an unreadable clip) is returned in the record's "error"
// field; a unit the backend could not get answered (UnitUnavailable) also has
// "error_kind": "unavailable" and no "correct" (it is not scored). BackendFatal propagates.
nlohmann::ordered_json run_unit(const UnitContext& context, const UnitPlan& plan);

// The record's fields that do not need the model.
nlohmann::ordered_json unit_record_header(const BenchItem& item, const UnitPlan& plan);

// Pieces of a record shared by every kind of unit (results.jsonl keeps their order):
// a generated answer's fields (response, token counts, stop reason, the backend's details) ...
void record_generation(nlohmann::ordered_json& record, const BackendAnswer& result);
// ... the parsed answer's (chosen_choice maps the shown position back through plan.order) ...
void record_answer(nlohmann::ordered_json& record, const ParsedAnswer& answer,
                   const UnitPlan& plan);
// ... and a call that failed: kind "refused" (the model's failure, counted wrong) or
// "unavailable" (no answer at all: not scored, retried by the next run).
void record_failure(nlohmann::ordered_json& record, const std::string& error,
                    const std::string& kind);
// "<error code>: <message>" for a refused call.
std::string refusal_message(const std::exception& error);

}  // namespace almkit::bench
