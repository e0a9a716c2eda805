// MMAU-Pro's official scoring (sonalkum/MMAUPro evaluate_mmau_pro_comprehensive.py, bf12804):
// a closed-ended answer is the option whose NV-Embed-v2 embedding is nearest (cosine) to the
// embedding of the whole response, correct when that option's text equals the answer; open
// answers are judged (`almkit judge --protocol mmau-pro-open`); instruction-following items are
// checked by its format rules (mmau_pro_aif.h). The embedder is any OpenAI-compatible /embeddings
// server (vLLM serving nvidia/NV-Embed-v2), each text's vector cached.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/datasets/record_file.h"

namespace almkit::bench {

class TextEmbedder {
 public:
  virtual ~TextEmbedder() = default;
  virtual std::vector<std::vector<double>> embed(const std::vector<std::string>& texts) = 0;
};

struct EmbedderOptions {
  std::vector<std::string> endpoints;  // --embed-endpoint (repeatable)
  std::string served_model;            // --embed-model
  std::string api_key_env;
  std::string cache_path;  // SQLite file of the vectors (keyed by server identity and text)
  int concurrency = 4;
  double timeout_seconds = 300.0;
  int max_retries = 4;
};
// Through the eval's OpenAI backend (retries, breaker); kInvalidArgument without endpoint or model.
std::unique_ptr<TextEmbedder> make_endpoint_embedder(const EmbedderOptions& options);

struct MmauProMatch {
  int choice = -1;          // index into the choices; -1: undecided
  std::string decided_by;   // "identical" (the response is an option's text: its cosine is 1,
                            // the largest there is, so the embedding argmax is that option), or
                            // "embedding", or "" (undecided: no embedder)
  double confidence = 0.0;  // the official "confidence": 100 x the best cosine (embedding only)
};
// The official closed-ended matcher. Without an embedder only identical responses are decided.
MmauProMatch mmau_pro_match(const std::string& response, const std::vector<std::string>& choices,
                            TextEmbedder* embedder);

// `almkit score --bench mmau-pro`: rows of MMAU-Pro's test set (the parquet exported to JSON or
// JSONL: id, category, question, choices, answer, ...) with the model's output in
// `prediction_key` ("" : model_output, else almkit's results.jsonl `response`). Summary: per
// category the official closed-ended accuracy and the instruction-following success rate
// (undecided items counted apart, the figure null until none is left), open counts; one item
// line each.
// `open_judge_path`: `almkit judge --protocol mmau-pro-open`'s judge-mmau-pro-open.jsonl (for a
// run's results.jsonl the one beside it is read by default): the open rows' overall scores, so
// that the official weighted overall figure can be given once every category has its score.
void score_mmau_pro_file(const std::string& path, const std::string& prediction_key,
                         TextEmbedder* embedder, nlohmann::ordered_json& summary,
                         std::vector<nlohmann::ordered_json>& items,
                         const std::string& open_judge_path = "");
// The same on rows already read (a run's records: the plug's summary); open_overall: id -> the
// judge's overall score (null: no judgements).
void score_mmau_pro_records(const std::vector<SourceRecord>& records,
                            const std::string& prediction_key, TextEmbedder* embedder,
                            nlohmann::ordered_json& summary,
                            std::vector<nlohmann::ordered_json>& items,
                            const std::map<std::string, double>* open_overall = nullptr);

}  // namespace almkit::bench
