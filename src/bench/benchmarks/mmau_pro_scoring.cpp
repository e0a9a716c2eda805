#include "bench/benchmarks/mmau_pro_scoring.h"

#include <cmath>
#include <filesystem>
#include <map>

#include "almkit/error.h"
#include "almkit/eval.h"
#include "bench/benchmarks/mmau_pro_aif.h"
#include "bench/datasets/record_file.h"
#include "bench/runner/backend.h"
#include "bench/runner/cache.h"
#include "bench/runner/hashing.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

// The eval's OpenAI backend asked for vectors; every text's vector kept in SQLite by the server's
// identity and the text, so a rerun sends nothing it asked before.
class EndpointEmbedder : public TextEmbedder {
 public:
  explicit EndpointEmbedder(const EmbedderOptions& options) {
    if (options.endpoints.empty() || options.served_model.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  "mmau-pro: --embed-endpoint and --embed-model go together");
    backend_ = make_eval_backend(
        helper_model_options("embed", options.endpoints, options.served_model, options.api_key_env,
                             options.concurrency, options.timeout_seconds, options.max_retries));
    identity_ = backend_->identity();
    cache_ = std::make_unique<ResultCache>(options.cache_path);
  }

  std::vector<std::vector<double>> embed(const std::vector<std::string>& texts) override {
    std::vector<std::vector<double>> vectors(texts.size());
    std::vector<std::string> keys(texts.size()), missing;
    std::vector<size_t> missing_at;
    for (size_t i = 0; i < texts.size(); ++i) {
      Sha256 key;
      key.update_field(identity_);
      key.update_field("embedding");
      key.update_field(texts[i]);
      keys[i] = key.hex_digest();
      if (const auto stored = cache_->find(keys[i])) {
        vectors[i] = ojson::parse(*stored)["embedding"].get<std::vector<double>>();
      } else {
        missing.push_back(texts[i]);
        missing_at.push_back(i);
      }
    }
    if (missing.empty()) return vectors;
    const auto fresh = backend_->embed(missing);
    for (size_t m = 0; m < missing.size(); ++m) {
      vectors[missing_at[m]] = fresh[m];
      cache_->store(keys[missing_at[m]], ojson({{"embedding", fresh[m]}}).dump());
    }
    return vectors;
  }

 private:
  std::unique_ptr<EvalBackend> backend_;
  std::string identity_;
  std::unique_ptr<ResultCache> cache_;
};

// F.normalize(p=2, dim=1): x / max(||x||, 1e-12).
std::vector<double> normalized(std::vector<double> v) {
  double norm = 0.0;
  for (double x : v) norm += x * x;
  norm = std::max(std::sqrt(norm), 1e-12);
  for (double& x : v) x /= norm;
  return v;
}

std::string row_id(const SourceRecord& record) {
  const auto it = record.value.find("id");
  if (it == record.value.end() || it->is_null())
    throw Error(ErrorCode::kInvalidFormat, record.where + ": required field 'id' is missing");
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// What the official script selects: category "open", "instruction following", the rest closed.
std::string kind_of(const std::string& category) {
  return category == "open" || category == "instruction following" ? category : "closed";
}

}  // namespace

std::unique_ptr<TextEmbedder> make_endpoint_embedder(const EmbedderOptions& options) {
  return std::make_unique<EndpointEmbedder>(options);
}

MmauProMatch mmau_pro_match(const std::string& response, const std::vector<std::string>& choices,
                            TextEmbedder* embedder) {
  MmauProMatch match;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == response) {
      match.choice = int(i);
      match.decided_by = "identical";
      match.confidence = 100.0;
      return match;
    }
  }
  if (embedder == nullptr) return match;
  std::vector<std::string> texts = {response};
  texts.insert(texts.end(), choices.begin(), choices.end());
  const auto vectors = embedder->embed(texts);
  const auto prediction = normalized(vectors[0]);
  for (size_t i = 0; i < choices.size(); ++i) {
    const auto choice = normalized(vectors[i + 1]);
    if (choice.size() != prediction.size())
      throw Error(ErrorCode::kInvalidFormat, "mmau-pro: the embedder returned vectors of " +
                                                 std::to_string(prediction.size()) + " and " +
                                                 std::to_string(choice.size()) + " dimensions");
    double dot = 0.0;
    for (size_t d = 0; d < choice.size(); ++d) dot += prediction[d] * choice[d];
    // torch.argmax: the first of equal maxima.
    if (match.choice < 0 || dot * 100.0 > match.confidence) {
      match.choice = int(i);
      match.confidence = dot * 100.0;
    }
  }
  match.decided_by = "embedding";
  return match;
}

namespace {

// judge-mmau-pro-open.jsonl: id -> the judge's overall score (lines still missing a call skipped).
std::map<std::string, double> read_open_judgements(const std::string& path) {
  std::map<std::string, double> overall;
  for (const auto& record : read_jsonl_records(path)) {
    const auto scores = record.value.find("scores");
    if (scores == record.value.end()) continue;  // a judge call still missing
    if (!scores->is_object() || !scores->contains("overall") || !(*scores)["overall"].is_number())
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": not a judge-mmau-pro-open.jsonl line (scores.overall)");
    overall[row_id(record)] = (*scores)["overall"].get<double>();
  }
  return overall;
}

}  // namespace

void score_mmau_pro_file(const std::string& path, const std::string& prediction_key,
                         TextEmbedder* embedder, ojson& summary, std::vector<ojson>& items,
                         const std::string& open_judge_path) {
  // A run's results.jsonl: its judge file beside it, when there is one.
  namespace fs = std::filesystem;
  std::string judged = open_judge_path;
  const fs::path beside = fs::path(path).parent_path() / "judge-mmau-pro-open.jsonl";
  if (judged.empty() && fs::path(path).filename() == "results.jsonl" && fs::exists(beside))
    judged = beside.string();
  const std::map<std::string, double> overall =
      judged.empty() ? std::map<std::string, double>() : read_open_judgements(judged);
  score_mmau_pro_records(read_any_records(path), prediction_key, embedder, summary, items,
                         judged.empty() ? nullptr : &overall);
  if (!judged.empty()) summary["open_judgements"] = judged;
  if (summary["rows"] == 0) throw Error(ErrorCode::kInvalidFormat, path + ": no MMAU-Pro rows");
}

void score_mmau_pro_records(const std::vector<SourceRecord>& records,
                            const std::string& prediction_key, TextEmbedder* embedder,
                            ojson& summary, std::vector<ojson>& items,
                            const std::map<std::string, double>* open_overall) {
  struct Cell {
    int64_t count = 0, correct = 0, undecided = 0;
  };
  std::map<std::string, Cell> closed;
  Cell open;  // correct unused; the judge's overall scores summed
  double open_sum = 0.0;
  Cell aif;  // correct: followed
  int64_t rows = 0, without_choices = 0;
  for (const auto& record : records) {
    const ojson& value = record.value;
    // almkit's results.jsonl: the answer each item got (no silence, first presentation).
    if (value.contains("error") || value.value("variant", "audio") == "silence" ||
        value.value("presentation", 0) != 0 || value.value("repeat", 0) != 0)
      continue;
    ++rows;
    const std::string key = !prediction_key.empty()          ? prediction_key
                            : value.contains("model_output") ? "model_output"
                                                             : "response";
    if (!value.contains(key))
      throw Error(ErrorCode::kInvalidFormat,
                  record.where + ": no model output field '" + key +
                      "' (MMAU-Pro's column is model_output; --prediction-key names another)");
    const std::string response = record_string(record, key, false);  // fillna("")
    const std::string id = row_id(record);
    const std::string category = record_string(record, "category", true);
    ojson line = {{"id", id}, {"category", category}};
    const std::string kind = kind_of(category);
    if (kind == "open") {
      ++open.count;
      line["scored_by"] = "almkit judge --protocol mmau-pro-open";
      const auto found =
          open_overall ? open_overall->find(id) : std::map<std::string, double>::const_iterator();
      if (open_overall && found != open_overall->end()) {
        line["overall"] = found->second;
        open_sum += found->second;
      } else {
        ++open.undecided;
      }
      items.push_back(std::move(line));
      continue;
    }
    if (kind == "instruction following") {
      // evaluate_aif_sample(str(model_output), {task_identifier, kwargs, question}).
      ++aif.count;
      const auto kwargs = value.find("kwargs");
      const AifCheck check =
          value.contains("task_identifier")
              ? mmau_pro_aif_check(response, record_string(record, "task_identifier", false),
                                   kwargs == value.end() ? json(nullptr) : json(*kwargs),
                                   record_string(record, "question", false))
              : AifCheck{AifVerdict::kUndecided, "the row has no task_identifier"};
      line["task_identifier"] = record_string(record, "task_identifier", false);
      if (check.verdict == AifVerdict::kUndecided) {
        ++aif.undecided;
        line["followed"] = nullptr;
        line["note"] = check.note;
      } else {
        line["followed"] = check.verdict == AifVerdict::kFollowed;
        aif.correct += check.verdict == AifVerdict::kFollowed;
      }
      items.push_back(std::move(line));
      continue;
    }
    const auto choices = record_string_list(record, "choices", false);
    if (choices.size() <= 1) {  // the official filter: choices.notna() and len > 1
      ++without_choices;
      line["scored_by"] = "left out (fewer than two choices, as the official script does)";
      items.push_back(std::move(line));
      continue;
    }
    const std::string answer = record_string(record, "answer", true);
    const MmauProMatch match = mmau_pro_match(response, choices, embedder);
    Cell& cell = closed[category];
    ++cell.count;
    line["decided_by"] = match.decided_by.empty() ? ojson(nullptr) : ojson(match.decided_by);
    if (match.choice < 0) {
      ++cell.undecided;
      line["matched"] = nullptr;
      line["correct"] = nullptr;
    } else {
      const bool correct = choices[size_t(match.choice)] == answer;
      cell.correct += correct;
      line["matched"] = choices[size_t(match.choice)];
      line["confidence"] = match.confidence;
      line["correct"] = correct;
    }
    items.push_back(std::move(line));
  }
  Cell all;
  ojson categories = ojson::object();
  for (const auto& [category, cell] : closed) {
    all.count += cell.count;
    all.correct += cell.correct;
    all.undecided += cell.undecided;
    const ojson accuracy =
        cell.undecided ? ojson(nullptr) : ojson(double(cell.correct) / double(cell.count));
    categories[category] = {{"type", "closed"},
                            {"count", cell.count},
                            {"correct", cell.correct},
                            {"undecided", cell.undecided},
                            {"accuracy", accuracy}};
  }
  if (open.count) {
    // calculate_openended_metrics' avg_overall; the category's score is avg_overall / 5.
    const bool complete = open.undecided == 0;
    categories["open"] = {
        {"type", "openended"},
        {"count", open.count},
        {"unjudged", open.undecided},
        {"avg_overall", complete ? ojson(open_sum / double(open.count)) : ojson(nullptr)},
        {"performance_score",
         complete ? ojson(open_sum / double(open.count) / 5.0) : ojson(nullptr)}};
  }
  if (aif.count)
    categories["instruction following"] = {
        {"type", "aif"},
        {"count", aif.count},
        {"followed", aif.correct},
        {"undecided", aif.undecided},
        {"success_rate",
         aif.undecided ? ojson(nullptr) : ojson(double(aif.correct) / double(aif.count))}};
  summary["benchmark"] = "mmau-pro";
  summary["source"] = "sonalkum/MMAUPro evaluate_mmau_pro_comprehensive.py (bf12804f38fe)";
  summary["rows"] = rows;
  summary["closed_left_out_without_choices"] = without_choices;
  summary["closed"] = {{"count", all.count},
                       {"correct", all.correct},
                       {"undecided", all.undecided},
                       {"accuracy", all.undecided || all.count == 0
                                        ? ojson(nullptr)
                                        : ojson(double(all.correct) / double(all.count))}};
  summary["category_results"] = categories;
  summary["embedder"] = embedder ? "endpoint" : "none (only identical responses decided)";
  // calculate_weighted_performance: each category's score weighted by its count, once every
  // category has one.
  double weighted = 0.0;
  int64_t counted = 0;
  bool complete = true;
  for (const auto& [category, result] : categories.items()) {
    const ojson& score = result["type"] == "closed" ? result["accuracy"]
                         : result["type"] == "aif"  ? result["success_rate"]
                                                    : result["performance_score"];
    if (score.is_null()) {
      complete = false;
      continue;
    }
    weighted += score.get<double>() * double(result["count"].get<int64_t>());
    counted += result["count"].get<int64_t>();
  }
  summary["overall_weighted_performance"] =
      complete && counted ? ojson(weighted / double(counted)) : ojson(nullptr);
}

}  // namespace almkit::bench
