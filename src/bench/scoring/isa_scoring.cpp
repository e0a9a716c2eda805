// ISA-Bench: the metric JSON of its scripts (metric/d, metric/f, metric/n) and calc_area.py's
// radar area. Ported rule by rule; comments name the script each part mirrors.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "bench/python_text.h"
#include "bench/regex.h"
#include "bench/scoring/isa_checkers.h"
#include "bench/scoring/isa_s2tt_aac.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
using namespace isa;

double py_round2(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f", value);
  return std::strtod(text, nullptr);
}

ojson read_ordered(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot open ISA-Bench result file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return ojson::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidFormat, path + ": malformed JSON at byte " +
                                               std::to_string(error.byte) + ": " + error.what());
  } catch (const nlohmann::json::out_of_range& error) {  // a number beyond double (1e999)
    throw Error(ErrorCode::kInvalidFormat, path + ": malformed JSON: " + error.what());
  }
}

// json.loads(resp) as a dict, or null.
bool parse_json_object(const std::string& text, ojson* out) {
  try {
    *out = ojson::parse(text);
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return out->is_object();
}

// ------------------------------------------------------------------ WER pieces
double corpus_wer_percent(const std::vector<std::string>& refs,
                          const std::vector<std::string>& hyps) {
  return word_error_rate(refs, hyps).rate() * 100.0;
}

std::vector<std::string> normalize_all(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& t : texts) out.push_back(normalize_transcript(t));
  return out;
}

// compute_if_wer.py / compute_ifr_metrics.py: preprocess + wer_with_ops (S, D, I by backtrace).
std::string wer_preprocess(const std::string& text) {
  std::string lowered = python_lower(text), kept;
  static const std::string punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  for (char c : lowered) {
    if (punctuation.find(c) == std::string::npos) kept.push_back(c);
  }
  std::string joined;
  for (const auto& word : python_split(kept)) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

struct OpsResult {
  double wer = 0.0;
  int insertions = 0;
};

OpsResult wer_with_ops(const std::string& ref_text, const std::string& hyp_text) {
  const auto ref = python_split(wer_preprocess(ref_text));
  const auto hyp = python_split(wer_preprocess(hyp_text));
  const size_t n = ref.size(), m = hyp.size();
  std::vector<std::vector<int>> dp(n + 1, std::vector<int>(m + 1, 0));
  std::vector<std::vector<char>> back(n + 1, std::vector<char>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) dp[i][0] = static_cast<int>(i), back[i][0] = i ? 'D' : 0;
  for (size_t j = 0; j <= m; ++j) dp[0][j] = static_cast<int>(j), back[0][j] = j ? 'I' : 0;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      if (ref[i - 1] == hyp[j - 1]) {
        dp[i][j] = dp[i - 1][j - 1];
        back[i][j] = 'M';
      } else {
        const int substitute = dp[i - 1][j - 1] + 1, insert = dp[i][j - 1] + 1,
                  remove = dp[i - 1][j] + 1;
        dp[i][j] = std::min({substitute, insert, remove});
        back[i][j] = dp[i][j] == substitute ? 'S' : dp[i][j] == insert ? 'I' : 'D';
      }
    }
  }
  int s = 0, d = 0, ins = 0;
  size_t i = n, j = m;
  while (i > 0 || j > 0) {
    const char op = back[i][j];
    if (op == 'M')
      --i, --j;
    else if (op == 'S')
      ++s, --i, --j;
    else if (op == 'I')
      ++ins, --j;
    else
      ++d, --i;
  }
  return {n > 0 ? double(s + d + ins) / double(n) : 0.0, ins};
}

// judge() / ifr_constrain's judge(): a plausible bare transcript.
bool plausible_transcript(const std::string& response, const std::string& reference) {
  const OpsResult ops = wer_with_ops(reference, response);
  if (ops.wer >= 1.0 || ops.insertions >= 3) return false;
  static const char* kCandidates[] = {"the speaker", "the audio", "the spoken content",
                                      "summary:", "the sentence"};
  const std::string lowered = python_lower(response);
  for (const char* candidate : kCandidates) {
    if (lowered.find(candidate) != std::string::npos || is_repeated_sentence(response)) {
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------ shared iteration
struct Prediction {
  std::string response;
  ojson meta = ojson::object();
};

// iter_preds_by_topkey of the D scripts and of f/compute_if_acc.py.
std::vector<Prediction> predictions_of(const ojson& value, bool dict_elements) {
  std::vector<Prediction> out;
  if (value.is_string()) {
    out.push_back({value.get<std::string>()});
  } else if (value.is_array()) {
    for (const auto& element : value) {
      if (element.is_string()) {
        out.push_back({element.get<std::string>()});
      } else if (dict_elements && element.is_object()) {
        out.push_back({get_string(element, "response"), element});
      }
    }
  } else if (value.is_object()) {
    for (const auto& element : value) {
      if (element.is_string()) out.push_back({element.get<std::string>()});
    }
  }
  return out;
}

const ojson& variation_responses(const ojson& item) {
  static const ojson kEmpty = ojson::object();
  if (!item.is_object()) return kEmpty;
  auto it = item.find("variation_responses");
  if (it == item.end() || !it->is_object()) return kEmpty;
  return *it;
}

void check_list(const ojson& data, const std::string& path) {
  if (!data.is_array() || data.empty()) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": expected a non-empty JSON list of ISA-Bench result items");
  }
}

void require_total(int64_t total, const std::string& key, const std::string& path) {
  if (total == 0) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": no response in variant '" + key + "' (the script asserts here)");
  }
}

// ------------------------------------------------------------------ SER / GR labels
const Regex& ser_pattern() {
  static const Regex pattern("\\b(happy|sad|neutral|angry)\\b", true);
  return pattern;
}
const Regex& gr_pattern() {
  static const Regex pattern("\\b(male|female)\\b", true);
  return pattern;
}

std::string ascii_upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool is_ser_task(const ojson& item) {  // task_of() of the scripts
  const std::string task = ascii_lower(get_string(item, "task"));
  if (task.find("emotion_recognition") != std::string::npos) return true;
  if (task.find("gender_recognition") != std::string::npos) return false;
  return true;
}

// f/compute_if_acc.py canon(): the label found in the text, upper-cased, or "" (None).
std::string canon_label(const std::string& label, bool ser) {
  if (label.empty()) return "";
  const std::string s = python_strip(strip_chars(python_strip(label), "'\""));
  RegexMatch match;
  if (!(ser ? ser_pattern() : gr_pattern()).search(s, &match)) return "";
  return ascii_upper(match.groups[1]);
}

// ------------------------------------------------------------------ D: compute_if_acc.py
ojson d_accuracy(const ojson& data, const std::string& path) {
  const bool ser = is_ser_task(data.at(0));
  const std::vector<std::string> valid =
      ser ? std::vector<std::string>{"happy", "sad", "angry", "neutral"}
          : std::vector<std::string>{"male", "female"};
  std::vector<std::string> order;
  std::map<std::string, int64_t> follow, correct, total;
  for (const auto& item : data) {
    const std::string label = python_lower(get_string(item, "text"));
    for (const auto& [key, value] : variation_responses(item).items()) {
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      for (const auto& prediction : predictions_of(value, false)) {
        // extract_label: strip("'").strip('"').strip(".").lower()
        const std::string normalized = python_lower(
            strip_chars(strip_chars(strip_chars(prediction.response, "'"), "\""), "."));
        ++total[key];
        if (std::find(valid.begin(), valid.end(), normalized) != valid.end()) {
          ++follow[key];
          if (normalized == label) ++correct[key];
        }
      }
    }
  }
  int64_t all_total = 0, all_follow = 0, all_correct = 0;
  for (const auto& key : order) {
    all_total += total[key];
    all_follow += follow[key];
    all_correct += correct[key];
  }
  if (all_total == 0) throw Error(ErrorCode::kInvalidFormat, path + ": no responses at all");
  ojson result;
  result["all"] = {{"ifr", py_round2(100.0 * double(all_follow) / double(all_total))},
                   {"acc", py_round2(100.0 * double(all_correct) / double(all_total))}};
  for (const auto& key : order) {
    require_total(total[key], key, path);
    result[key] = {{"ifr", py_round2(100.0 * double(follow[key]) / double(total[key]))},
                   {"acc", py_round2(100.0 * double(correct[key]) / double(total[key]))}};
  }
  return result;
}

// ------------------------------------------------------------------ D: compute_if_wer.py
ojson d_wer(const ojson& data, const std::string& path) {
  static const Regex prefix("^\\s*the transcript is\\s*:\\s*", true);
  std::vector<std::string> order;
  std::map<std::string, int64_t> follow, total;
  std::map<std::string, std::vector<std::string>> refs, hyps;
  for (const auto& item : data) {
    const std::string reference = normalize_transcript(get_string(item, "text"));
    for (const auto& [key, value] : variation_responses(item).items()) {
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      for (const auto& prediction : predictions_of(value, false)) {
        ++total[key];
        std::string hypothesis;
        if (prefix.match_start(prediction.response)) {
          ++follow[key];
          hypothesis = normalize_transcript(prefix.replace_all(prediction.response, "", 1));
        }
        refs[key].push_back(reference);
        hyps[key].push_back(hypothesis);
      }
    }
  }
  ojson result;
  std::vector<std::string> all_refs, all_hyps;
  int64_t all_follow = 0, all_total = 0;
  for (const auto& key : order) {
    require_total(total[key], key, path);
    result[key] = {{"ifr", py_round2(100.0 * double(follow[key]) / double(total[key]))},
                   {"wer", py_round2(corpus_wer_percent(refs[key], hyps[key]))}};
    all_refs.insert(all_refs.end(), refs[key].begin(), refs[key].end());
    all_hyps.insert(all_hyps.end(), hyps[key].begin(), hyps[key].end());
    all_follow += follow[key];
    all_total += total[key];
  }
  if (!all_refs.empty()) {
    result["all"] = {{"ifr", py_round2(100.0 * double(all_follow) / double(all_total))},
                     {"wer", py_round2(corpus_wer_percent(all_refs, all_hyps))}};
  }
  return result;
}

// ------------------------------------------------------------------ F checkers
Checked check_json(const std::string& response, const std::string& expected_key, bool strip) {
  ojson object;
  if (!parse_json_object(response, &object)) return {};
  if (!expected_key.empty()) {
    auto it = object.find(expected_key);
    if (it == object.end() || !it->is_string()) return {};
    return {true, strip ? python_strip(it->get<std::string>()) : it->get<std::string>()};
  }
  std::string joined;
  bool any = false;
  for (const auto& value : object) {
    if (!value.is_string()) continue;
    joined += (any ? " " : "") +
              (strip ? python_strip(value.get<std::string>()) : value.get<std::string>());
    any = true;
  }
  return {any, any ? joined : ""};
}

// ------------------------------------------------------------------ F: compute_if_acc.py
ojson f_accuracy(const ojson& data, const std::string& path) {
  std::vector<std::string> order;
  std::map<std::string, int64_t> follow, total, acc_total, acc_correct;
  int64_t all_total = 0, all_follow = 0, all_acc_total = 0, all_acc_correct = 0;
  for (const auto& item : data) {
    std::string task_text = ascii_lower(get_string(item, "task"));
    bool ser = true;
    if (task_text.find("emotion_recognition") != std::string::npos) {
      ser = true;
    } else if (task_text.find("gender_recognition") != std::string::npos) {
      ser = false;
    } else if (ser_pattern().search(get_string(item, "text"))) {
      ser = true;
    } else if (gr_pattern().search(get_string(item, "text"))) {
      ser = false;
    }
    const std::string gold = canon_label(get_string(item, "text"), ser);
    for (const auto& [key, value] : variation_responses(item).items()) {
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      for (const auto& prediction : predictions_of(value, true)) {
        ++total[key];
        ++all_total;
        const std::string& response = prediction.response;
        Checked checked;
        if (key == "constrain") {
          // ifr_constrain: a single quoted-or-bare word equal to a valid label.
          std::string s = python_strip(response);
          if (s.size() >= 2 && s.front() == s.back() && (s.front() == '\'' || s.front() == '"')) {
            s = python_strip(s.substr(1, s.size() - 2));
          }
          if (python_strip(s).find(' ') == std::string::npos) {
            const std::string label = canon_label(s, ser);
            if (!label.empty() && ascii_upper(python_strip(s)) == label) checked = {true, s};
          }
        } else if (key == "upper_case") {
          checked = check_case(response, /*upper=*/true);
        } else if (key == "lower_case") {
          checked = check_case(response, /*upper=*/false);
        } else if (key == "prefix") {
          checked = check_prefix(get_string(prediction.meta, "prefix"), response);
        } else if (key == "suffix") {
          checked = check_suffix(get_string(prediction.meta, "suffix"), response);
        } else if (key == "wrap") {
          checked = check_wrap(get_string(prediction.meta, "lrt"), response);
        } else if (key == "json") {
          checked = check_json(response, get_string(prediction.meta, "key"), true);
        }
        follow[key] += checked.follow;
        all_follow += checked.follow;
        const std::string predicted = checked.follow ? canon_label(checked.body, ser) : "";
        if (!gold.empty()) {
          ++acc_total[key];
          ++all_acc_total;
          if (!predicted.empty() && predicted == gold) {
            ++acc_correct[key];
            ++all_acc_correct;
          }
        }
      }
    }
  }
  ojson result;
  for (const auto& key : order) {
    require_total(total[key], key, path);
    const double acc =
        acc_total[key] > 0 ? 100.0 * double(acc_correct[key]) / double(acc_total[key]) : 0.0;
    result[key] = {{"ifr", py_round2(100.0 * double(follow[key]) / double(total[key]))},
                   {"acc", py_round2(acc)}};
  }
  result["all"] = {
      {"ifr", py_round2(all_total ? 100.0 * double(all_follow) / double(all_total) : 0.0)},
      {"acc",
       py_round2(all_acc_total ? 100.0 * double(all_acc_correct) / double(all_acc_total) : 0.0)}};
  return result;
}

// ------------------------------------------------------------------ F: compute_if_wer.py
ojson f_wer(const ojson& data, const std::string& path) {
  std::vector<std::string> order;
  std::map<std::string, int64_t> follow, total;
  std::map<std::string, std::vector<std::string>> refs, hyps;
  std::vector<std::string> all_refs, all_hyps;
  int64_t all_total = 0, all_follow = 0;
  for (const auto& item : data) {
    const std::string reference = get_string(item, "text");
    for (const auto& [key, value] : variation_responses(item).items()) {
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      std::vector<Prediction> predictions;
      if (key == "prefix" || key == "suffix" || key == "wrap" || key == "json") {
        if (value.is_array()) {
          for (const auto& element : value) {
            if (element.is_object())
              predictions.push_back({get_string(element, "response"), element});
          }
        }
      } else if (value.is_string()) {
        predictions.push_back({value.get<std::string>()});
      }
      for (const auto& prediction : predictions) {
        ++total[key];
        ++all_total;
        const std::string& response = prediction.response;
        Checked checked;
        if (key == "constrain") {
          checked.follow = plausible_transcript(response, reference);
          checked.body = response;
        } else if (key == "upper_case") {
          checked = check_case(response, /*upper=*/true);
          checked.body = response;
        } else if (key == "lower_case") {
          checked = check_case(response, /*upper=*/false);
          checked.body = response;
        } else if (key == "prefix") {
          checked = check_prefix(get_string(prediction.meta, "prefix"), response);
        } else if (key == "suffix") {
          checked = check_suffix(get_string(prediction.meta, "suffix"), response);
        } else if (key == "wrap") {
          checked = check_wrap(get_string(prediction.meta, "lrt"), response);
        } else if (key == "json") {
          checked = check_json(response, "", false);  // the script passes no key here
        }
        follow[key] += checked.follow;
        all_follow += checked.follow;
        const std::string hypothesis = checked.follow ? normalize_transcript(checked.body) : "";
        refs[key].push_back(normalize_transcript(reference));
        hyps[key].push_back(hypothesis);
        all_refs.push_back(refs[key].back());
        all_hyps.push_back(hypothesis);
      }
    }
  }
  ojson result;
  for (const auto& key : order) {
    require_total(total[key], key, path);
    result[key] = {{"ifr", py_round2(100.0 * double(follow[key]) / double(total[key]))},
                   {"wer", py_round2(corpus_wer_percent(refs[key], hyps[key]))}};
  }
  result["all"] = {
      {"ifr", py_round2(all_total ? 100.0 * double(all_follow) / double(all_total) : 0.0)}};
  if (all_refs.empty()) {
    result["all"]["wer"] = "N/A";
  } else {
    result["all"]["wer"] = py_round2(corpus_wer_percent(all_refs, all_hyps));
  }
  return result;
}

// ------------------------------------------------------------------ N: compute_ifr_metrics.py
struct NStat {
  std::string task;
  int64_t total = 0, follow = 0;
  std::vector<std::string> refs, hyps;
  void add(bool followed, const std::string& ref, const std::string& hyp) {
    ++total;
    follow += followed;
    refs.push_back(ref);
    hyps.push_back(hyp);
  }
  double metric() const {
    if (task == "ASR") {
      return refs.empty() ? 0.0 : corpus_wer_percent(normalize_all(refs), normalize_all(hyps));
    }
    int64_t hit = 0;
    for (size_t i = 0; i < refs.size(); ++i) {
      RegexMatch match;
      const Regex& pattern = task == "SER" ? ser_pattern() : gr_pattern();
      const std::string found =
          !hyps[i].empty() && pattern.search(hyps[i], &match) ? python_lower(match.groups[1]) : "";
      hit += found == python_lower(python_strip(refs[i]));
    }
    return refs.empty() ? 0.0 : 100.0 * double(hit) / double(refs.size());
  }
};

bool normed_in(const std::string& response, const std::vector<std::string>& allowed) {
  const std::string value = python_strip(python_lower(response));
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::vector<std::string> split_on(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  if (separator.empty()) throw Error(ErrorCode::kInvalidFormat, "empty separator");
  size_t start = 0;
  while (true) {
    const size_t at = text.find(separator, start);
    if (at == std::string::npos) break;
    parts.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::vector<std::string> tasks_of(const std::string& task_text) {
  std::vector<std::string> tasks;
  for (const auto& part : split_on(task_text, "|")) {
    const std::string t = python_strip(part);
    if (t == "ASR" || t == "SER" || t == "GR") tasks.push_back(t);
  }
  return tasks;
}

ojson n_metrics(const ojson& document) {
  const ojson& items =
      document.is_object() && document.contains("annotation") ? document["annotation"] : document;
  static const std::vector<std::string> kSer = {"happy", "sad", "angry", "neutral"};
  static const std::vector<std::string> kGr = {"male", "female"};
  static const char* kStages[] = {"single-stage", "multi-stage"};
  std::map<std::string, std::map<size_t, std::map<std::string, NStat>>> stats;
  std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>> details;
  std::vector<std::string> detail_stage_order;
  for (const auto& sample : items) {
    const std::string ref_asr = python_strip(get_string(sample, "text"));
    const std::string ref_ser = python_lower(python_strip(get_string(sample, "emotion")));
    const std::string ref_gr = python_lower(python_strip(get_string(sample, "gender")));
    ojson variations = ojson::object();
    if (sample.is_object() && sample.contains("instructions") &&
        sample["instructions"].is_object() && sample["instructions"].contains("variations") &&
        sample["instructions"]["variations"].is_object()) {
      variations = sample["instructions"]["variations"];
    }
    for (const char* stage : kStages) {
      if (!variations.contains(stage) || variations[stage].empty()) continue;
      const ojson& stage_object = variations[stage];
      for (const char* branch : {"separation", "json"}) {
        if (!stage_object.is_object() || !stage_object.contains(branch)) continue;
        for (const auto& block : stage_object[branch]) {
          if (!block.is_array()) continue;
          for (const auto& record : block) {
            if (!record.is_object()) continue;
            const auto tasks = tasks_of(get_string(record, "task"));
            const std::string response = get_string(record, "response");
            std::map<std::string, std::string> parts_by_task;
            bool follow = false;
            auto check_parts = [&](auto part_of) {
              if (!follow) return;
              for (size_t k = 0; k < tasks.size() && follow; ++k) {
                const std::string part = python_strip(part_of(k));
                if (tasks[k] == "ASR") follow = plausible_transcript(part, ref_asr);
              }
              for (size_t k = 0; k < tasks.size() && follow; ++k) {
                if (tasks[k] == "SER") follow = normed_in(python_strip(part_of(k)), kSer);
              }
              for (size_t k = 0; k < tasks.size() && follow; ++k) {
                if (tasks[k] == "GR") follow = normed_in(python_strip(part_of(k)), kGr);
              }
            };
            if (std::string(branch) == "separation") {
              std::string separator = "\\";
              if (record.contains("separator") && record["separator"].is_string()) {
                separator = record["separator"].get<std::string>();
              }
              const auto parts = split_on(response, separator);
              follow = parts.size() == tasks.size();
              check_parts([&](size_t k) { return parts[k]; });
              if (follow) {
                for (size_t k = 0; k < tasks.size(); ++k) {
                  std::string x = python_strip(strip_chars(python_strip(parts[k]), "\"' "));
                  if (x.size() >= 2 && ((x.front() == '(' && x.back() == ')') ||
                                        (x.front() == '[' && x.back() == ']') ||
                                        (x.front() == '{' && x.back() == '}'))) {
                    x = python_strip(x.substr(1, x.size() - 2));
                  }
                  parts_by_task[tasks[k]] = x;
                }
              }
            } else {
              std::vector<std::string> keys;
              for (const auto& key : split_on(get_string(record, "key"), "|")) {
                if (!python_strip(key).empty()) keys.push_back(python_strip(key));
              }
              ojson object;
              const bool is_json = parse_json_object(response, &object);
              follow = is_json && keys.size() == tasks.size();
              for (size_t k = 0; follow && k < keys.size(); ++k) follow = object.contains(keys[k]);
              auto value_of = [&](size_t k) {
                return object.contains(keys[k]) ? python_str(object[keys[k]]) : std::string();
              };
              check_parts(value_of);
              if (follow) {
                for (size_t k = 0; k < tasks.size(); ++k) parts_by_task[tasks[k]] = value_of(k);
              }
            }
            for (const auto& task : tasks) {
              NStat& stat = stats[stage][tasks.size()][task];
              stat.task = task;
              const std::string& ref = task == "ASR" ? ref_asr : task == "SER" ? ref_ser : ref_gr;
              stat.add(follow, ref, follow ? parts_by_task[task] : "");
            }
            if (std::find(detail_stage_order.begin(), detail_stage_order.end(), stage) ==
                detail_stage_order.end()) {
              detail_stage_order.push_back(stage);
            }
            auto& [followed, count] = details[stage][branch];
            followed += follow;
            ++count;
          }
        }
      }
    }
  }
  ojson result = ojson::object();
  for (const char* stage : kStages) {
    if (!stats.count(stage)) continue;
    result[stage] = ojson::object();
    for (size_t n : {size_t(2), size_t(3)}) {
      if (!stats[stage].count(n)) continue;
      ojson block = ojson::object();
      for (const char* task : {"ASR", "SER", "GR"}) {
        auto it = stats[stage][n].find(task);
        if (it == stats[stage][n].end() || it->second.total == 0) continue;
        const NStat& stat = it->second;
        ojson entry;
        entry["ifr"] = py_round2(100.0 * double(stat.follow) / double(stat.total));
        entry[std::string(task) == "ASR" ? "wer" : "acc"] = py_round2(stat.metric());
        entry["n"] = stat.total;
        block[task] = entry;
      }
      result[stage][std::to_string(n) + "-TASK"] = block;
    }
  }
  for (const char* stage : kStages) {
    if (!details.count(stage)) continue;
    for (const char* branch : {"separation", "json"}) {
      auto it = details[stage].find(branch);
      if (it == details[stage].end() || it->second.second == 0) continue;
      result[stage][branch] = {
          {"ifr", py_round2(100.0 * double(it->second.first) / double(it->second.second))},
          {"n", it->second.second}};
    }
  }
  return result;
}

}  // namespace

std::string isa_metric_json(const std::string& results_path, IsaDimension dimension,
                            const std::string& task) {
  const ojson data = read_ordered(results_path);
  ojson result;
  if (dimension == IsaDimension::kN) {
    result = n_metrics(data);
  } else {
    check_list(data, results_path);
    const bool label_task = task == "ser" || task == "gr";
    if (task == "s2tt") return isa_translation_metrics(data, dimension, results_path).dump(2, ' ', false);
    if (task == "aac") return isa_caption_metrics(data, dimension, results_path).dump(2, ' ', false);
    if (!label_task && task != "asr") {
      throw Error(ErrorCode::kUnsupported, "ISA-Bench task '" + task +
                                               "' is not known (asr, ser, gr, s2tt or aac)");
    }
    if (dimension == IsaDimension::kD) {
      result = label_task ? d_accuracy(data, results_path) : d_wer(data, results_path);
    } else {
      result = label_task ? f_accuracy(data, results_path) : f_wer(data, results_path);
    }
  }
  return result.dump(2, ' ', false);
}

double radar_polygon_area(const std::vector<double>& values, double max_value) {
  const size_t n = values.size();
  if (n < 3) return 0.0;
  if (max_value == 0.0) throw Error(ErrorCode::kInvalidArgument, "radar max_value is 0");
  std::vector<std::pair<double, double>> points;
  for (size_t i = 0; i < n; ++i) {
    const double r = values[i] / max_value;
    const double theta = 2.0 * M_PI * double(i) / double(n);
    points.emplace_back(r * std::cos(theta), r * std::sin(theta));
  }
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const auto& [x0, y0] = points[i];
    const auto& [x1, y1] = points[(i + 1) % n];
    sum += x0 * y1 - x1 * y0;
  }
  return 0.5 * std::fabs(sum);
}

double isa_ifr_area_score(const std::vector<double>& overall_ifr) {
  if (overall_ifr.size() != 11) {
    throw Error(ErrorCode::kInvalidArgument,
                "ISA-Bench's IFR area needs 11 axis values (D x5, F x4, N x2), got " +
                    std::to_string(overall_ifr.size()));
  }
  const double reference = radar_polygon_area(std::vector<double>(11, 100.0), 100.0);
  const double area = radar_polygon_area(overall_ifr, 100.0);
  char text[64];
  std::snprintf(text, sizeof(text), "%.1f", area / reference * 100.0);
  return std::strtod(text, nullptr);
}

}  // namespace almkit::bench
