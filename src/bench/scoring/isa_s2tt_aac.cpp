// ISA-Bench S2TT and AAC scripts, rule by rule (comments name the function each part mirrors).
// The checkers every script shares are in isa_checkers.h; the JSON checkers differ from script
// to script and are kept apart here as there.
#include "bench/scoring/isa_s2tt_aac.h"

#include "bench/scoring/isa_checkers.h"
#include "bench/scoring/isa_format_judge.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "almkit/error.h"
#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;
using namespace isa;

double round_to(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return std::strtod(text, nullptr);
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::vector<std::string> split_bar(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at = text.find('|'); at != std::string::npos; at = text.find('|', start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string strip_surrounding_quotes(const std::string& s) {
  if (s.size() >= 2 && s.front() == s.back() && (s.front() == '\'' || s.front() == '"'))
    return s.substr(1, s.size() - 2);
  return s;
}

void flatten(const ojson& value, std::vector<std::string>& out) {
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& element : value) out.push_back(python_str(element));
  } else if (value.is_object()) {
    for (const auto& element : value) flatten(element, out);
  } else {
    out.push_back(python_str(value));
  }
}

struct VariantTexts {
  std::vector<std::string> order;  // insertion order (the `all` figure)
  std::map<std::string, std::vector<std::string>> candidates;
  std::map<std::string, std::vector<std::vector<std::string>>> references;
  std::map<std::string, std::pair<int64_t, int64_t>> follow_total;
};

// prepare_dataset of d/compute_if_bleu.py and d/compute_if_aac.py; `clean` and `prefix` differ.
template <typename Clean>
VariantTexts d_prepare(const ojson& data, const Regex& prefix, bool sanitize_refs, Clean clean) {
  VariantTexts texts;
  for (const auto& item : data) {
    if (!item.is_object()) continue;
    std::vector<std::string> refs;
    const std::string raw = item.contains("text") ? python_str(item["text"]) : "";
    for (const auto& part : split_bar(raw)) {
      if (python_strip(part).empty()) continue;
      refs.push_back(sanitize_refs ? clean(part) : python_strip(part));
    }
    if (refs.empty()) continue;
    auto responses = item.find("variation_responses");
    if (responses == item.end() || !responses->is_object()) continue;
    auto add = [&](const std::string& name, const ojson& value) {
      std::vector<std::string> candidates;
      flatten(value, candidates);
      if (!texts.candidates.count(name)) texts.order.push_back(name);
      for (std::string candidate : candidates) {
        auto& counts = texts.follow_total[name];
        ++counts.second;
        candidate = clean(candidate);
        if (prefix.match_start(candidate)) {
          ++counts.first;
          candidate = strip_surrounding_quotes(python_strip(prefix.replace_all(candidate, "", 1)));
        } else {
          candidate.clear();
        }
        texts.candidates[name].push_back(candidate);
        texts.references[name].push_back(refs);
      }
    };
    for (const auto& [name, value] : responses->items()) {
      if (value.is_object()) {
        for (const auto& [inner, inner_value] : value.items()) add(inner, inner_value);
      } else {
        add(name, value);
      }
    }
  }
  return texts;
}

std::vector<std::vector<std::string>> to_reference_sets(
    const std::vector<std::vector<std::string>>& multiple) {
  size_t width = 0;
  for (const auto& refs : multiple) width = std::max(width, refs.size());
  std::vector<std::vector<std::string>> sets(width);
  for (const auto& refs : multiple) {
    for (size_t j = 0; j < width; ++j) sets[j].push_back(j < refs.size() ? refs[j] : refs[0]);
  }
  return sets;
}

ojson bleu_cell(double ifr, const std::vector<std::string>& hyps,
                const std::vector<std::vector<std::string>>& refs) {
  const BleuScore score = corpus_bleu(hyps, to_reference_sets(refs), "zh");
  ojson cell;
  cell["ifr"] = round_to(ifr, 2);
  cell["bleu"] = round_to(score.score, 2);
  for (int n = 0; n < 4; ++n) cell["p" + std::to_string(n + 1)] = round_to(score.precisions[n], 2);
  cell["bp"] = round_to(score.bp, 4);
  cell["len_ratio"] =
      round_to(score.ref_len > 0 ? double(score.sys_len) / double(score.ref_len) : 0.0, 4);
  return cell;
}

std::string sanitize_translation(const std::string& text) {  // sanitize_text
  std::string s = text;
  replace_all(s, "\r\n", " ");
  replace_all(s, "\n", " ");
  replace_all(s, "\r", " ");
  return join_words(python_split(s));
}

std::string one_line_stripped(const std::string& text) {  // compute_if_aac.py's candidate clean
  std::string s = text;
  replace_all(s, "\r\n", " ");
  replace_all(s, "\n", " ");
  replace_all(s, "\r", " ");
  return python_strip(s);
}

// ------------------------------------------------------------------ the caption scores
std::string sanitize_caption(const std::string& text) {  // f/compute_if_aac.py sanitize()
  static const Regex breaks("[\\r\\x{000B}\\x{000C}\\x{0085}\\x{2028}\\x{2029}]+");
  std::string s = text;
  replace_all(s, "\n", " ");
  return python_strip(breaks.replace_all(s, " "));
}

ojson caption_cell(double ifr, const std::vector<std::string>& candidates,
                   const std::vector<std::vector<std::string>>& references, bool sanitize) {
  std::vector<std::string> cands;
  std::vector<std::vector<std::string>> refs;
  for (const auto& candidate : candidates)
    cands.push_back(caption_tokens(sanitize ? sanitize_caption(candidate) : candidate));
  for (const auto& list : references) {
    refs.emplace_back();
    for (const auto& ref : list) refs.back().push_back(caption_tokens(sanitize ? sanitize_caption(ref) : ref));
  }
  ojson cell;
  cell["ifr"] = round_to(ifr, 2);
  cell["METEOR"] = "N/A";  // Java METEOR 1.5 (WordNet synonyms, paraphrase tables)
  cell["CIDEr-D"] = round_to(cider_d(cands, refs), 4);
  cell["ROUGE-L"] = round_to(rouge_l(cands, refs), 4);
  return cell;
}

// ------------------------------------------------------------------ the F scripts' JSON checkers
bool parse_json(const std::string& text, ojson* out) {
  try {
    *out = ojson::parse(text);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// f/compute_if_bleu.py ifr_json
Checked translation_json(const std::string& response, const std::string& expected_key) {
  ojson object;
  if (!parse_json(response, &object) || !object.is_object()) return {};
  if (!expected_key.empty()) {
    auto it = object.find(expected_key);
    if (it != object.end() && it->is_string()) return {true, python_strip(it->get<std::string>())};
    return {};
  }
  for (const char* key : {"voice_to_text", "transcript", "transcription", "text", "asr"}) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string()) return {true, python_strip(it->get<std::string>())};
  }
  std::vector<std::string> parts;
  for (const auto& value : object) {
    if (value.is_string()) parts.push_back(python_strip(value.get<std::string>()));
  }
  if (parts.empty()) return {};
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) joined += (i ? " " : "") + parts[i];
  return {true, joined};
}

// f/compute_if_aac.py ifr_json
Checked caption_json(const std::string& response, const std::string& expected_key) {
  ojson object;
  if (!parse_json(response, &object)) return {};
  auto from_object = [&](const ojson& d) -> std::string {
    if (expected_key.empty() || !d.is_object()) return "";
    auto it = d.find(expected_key);
    return it != d.end() && it->is_string() ? python_strip(it->get<std::string>()) : "";
  };
  if (object.is_object()) {
    const std::string value = from_object(object);
    return {!value.empty(), value};
  }
  if (object.is_array()) {
    std::string joined;
    for (const auto& element : object) {
      const std::string value = from_object(element);
      if (!value.empty()) joined += (joined.empty() ? "" : " ") + value;
    }
    if (!joined.empty()) return {true, joined};
  }
  return {};
}

Checked caption_constrain(const std::string& response) {
  static const char* kCandidates[] = {
      "there is", "the clip", "the audio", "the recording", "no audio", "there are",
      "sorry",    "can't",    "caption",   "label",         ":",        "the scene",
      "this is",  "element",  "the soundscape", "the text",  "the speaker", "capture", "?"};
  const std::string lowered = python_lower(response);
  for (const char* candidate : kCandidates) {
    if (lowered.find(candidate) != std::string::npos || is_repeated_sentence(response)) return {};
  }
  return {true, python_strip(response)};
}

struct Prediction {
  std::string response;
  ojson meta = ojson::object();
};

// iter_preds_by_topkey (BLEU) / iter_preds_with_meta (AAC: also dict values that are dicts).
std::vector<Prediction> predictions_of(const ojson& value, bool dict_values_with_meta) {
  std::vector<Prediction> out;
  if (value.is_string()) {
    out.push_back({value.get<std::string>()});
  } else if (value.is_array()) {
    for (const auto& element : value) {
      if (element.is_object())
        out.push_back({get_string(element, "response"), element});
      else if (element.is_string())
        out.push_back({element.get<std::string>()});
    }
  } else if (value.is_object()) {
    for (const auto& element : value) {
      if (element.is_string())
        out.push_back({element.get<std::string>()});
      else if (dict_values_with_meta && element.is_object())
        out.push_back({get_string(element, "response"), element});
    }
  }
  return out;
}

bool has_chinese(const std::string& text) {  // [\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]
  for (char32_t c : utf8_to_codepoints(text)) {
    if ((c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
        (c >= 0xf900 && c <= 0xfaff))
      return true;
  }
  return false;
}

}  // namespace

ojson isa_translation_metrics(const ojson& data, IsaDimension dimension, const std::string& path) {
  ojson result = ojson::object();
  if (dimension == IsaDimension::kD) {
    static const Regex prefix("^\\s*the translation is:\\s*", true);
    const VariantTexts texts = d_prepare(data, prefix, true, sanitize_translation);
    std::vector<std::string> sorted = texts.order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> all_hyps;
    std::vector<std::vector<std::string>> all_refs;
    int64_t all_follow = 0, all_total = 0;
    for (const auto& name : sorted) {
      const auto& [follow, total] = texts.follow_total.at(name);
      result[name] = bleu_cell(100.0 * double(follow) / double(total), texts.candidates.at(name),
                               texts.references.at(name));
    }
    for (const auto& name : texts.order) {
      const auto& hyps = texts.candidates.at(name);
      const auto& refs = texts.references.at(name);
      all_hyps.insert(all_hyps.end(), hyps.begin(), hyps.end());
      all_refs.insert(all_refs.end(), refs.begin(), refs.end());
      all_follow += texts.follow_total.at(name).first;
      all_total += texts.follow_total.at(name).second;
    }
    if (all_total > 0)
      result["all"] = bleu_cell(100.0 * double(all_follow) / double(all_total), all_hyps, all_refs);
    return result;
  }
  // f/compute_if_bleu.py
  std::vector<std::string> order;
  std::map<std::string, int64_t> follow_count, total_count;
  std::map<std::string, std::vector<std::string>> refs_by_key, hyps_by_key;
  std::vector<std::string> all_refs, all_hyps;
  int64_t all_total = 0, all_follow = 0;
  for (const auto& item : data) {
    const std::string reference = get_string(item, "text");
    auto responses = item.find("variation_responses");
    if (responses == item.end() || !responses->is_object()) continue;
    for (const auto& [key, value] : responses->items()) {
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      for (const auto& prediction : predictions_of(value, false)) {
        ++total_count[key];
        ++all_total;
        const std::string& response = prediction.response;
        Checked checked;
        if (key == "constrain") {  // ifr_constrain: format.py judge(ref, resp)
          if (translation_judge_positive(reference, response))
            checked = {true, python_strip(response)};
        } else if (key == "upper_case" || key == "lower_case") {
          checked = check_case(response, key == "upper_case");
        } else if (key == "prefix") {
          checked = check_prefix(get_string(prediction.meta, "prefix"), response);
        } else if (key == "suffix") {
          checked = check_suffix(get_string(prediction.meta, "suffix"), response);
        } else if (key == "wrap") {
          checked = check_wrap(get_string(prediction.meta, "lrt"), response);
        } else if (key == "json") {
          checked = translation_json(response, get_string(prediction.meta, "key"));
        }
        if (checked.follow && !has_chinese(checked.body)) checked = {};
        follow_count[key] += checked.follow;
        all_follow += checked.follow;
        refs_by_key[key].push_back(python_strip(reference));
        hyps_by_key[key].push_back(python_strip(checked.body));
        all_refs.push_back(refs_by_key[key].back());
        all_hyps.push_back(hyps_by_key[key].back());
      }
    }
  }
  auto bleu = [](const std::vector<std::string>& hyps, const std::vector<std::string>& refs) {
    return refs.empty() ? 0.0 : corpus_bleu(hyps, {refs}, "zh").score;
  };
  for (const auto& key : order) {
    if (total_count[key] == 0) {
      throw Error(ErrorCode::kInvalidFormat,
                  path + ": no response in variant '" + key + "' (the script asserts here)");
    }
    result[key] = {{"ifr", round_to(100.0 * double(follow_count[key]) / double(total_count[key]), 2)},
                   {"bleu", round_to(bleu(hyps_by_key[key], refs_by_key[key]), 2)}};
  }
  result["all"] = {
      {"ifr", round_to(all_total ? 100.0 * double(all_follow) / double(all_total) : 0.0, 2)},
      {"bleu", round_to(bleu(all_hyps, all_refs), 2)}};
  return result;
}

ojson isa_caption_metrics(const ojson& data, IsaDimension dimension, const std::string& path) {
  ojson result = ojson::object();
  if (dimension == IsaDimension::kD) {
    static const Regex prefix("^\\s*The audio caption is:\\s*", true);
    const VariantTexts texts = d_prepare(data, prefix, false, one_line_stripped);
    std::vector<std::string> sorted = texts.order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> all_cands;
    std::vector<std::vector<std::string>> all_refs;
    int64_t all_follow = 0, all_total = 0;
    for (const auto& name : sorted) {
      const auto& [follow, total] = texts.follow_total.at(name);
      result[name] = caption_cell(100.0 * double(follow) / double(total),
                                  texts.candidates.at(name), texts.references.at(name), false);
    }
    for (const auto& name : texts.order) {
      const auto& cands = texts.candidates.at(name);
      const auto& refs = texts.references.at(name);
      all_cands.insert(all_cands.end(), cands.begin(), cands.end());
      all_refs.insert(all_refs.end(), refs.begin(), refs.end());
      all_follow += texts.follow_total.at(name).first;
      all_total += texts.follow_total.at(name).second;
    }
    if (all_total > 0) {
      result["all"] = caption_cell(100.0 * double(all_follow) / double(all_total), all_cands,
                                   all_refs, false);
    }
    return result;
  }
  // f/compute_if_aac.py
  std::vector<std::string> order;
  std::map<std::string, int64_t> follow_count, total_count;
  std::map<std::string, std::vector<std::string>> cands_by_key;
  std::map<std::string, std::vector<std::vector<std::string>>> refs_by_key;
  std::vector<std::string> all_cands;
  std::vector<std::vector<std::string>> all_refs;
  int64_t all_total = 0, all_follow = 0;
  for (const auto& item : data) {
    if (!item.is_object()) continue;
    std::vector<std::string> refs;
    const std::string raw = item.contains("text") ? python_str(item["text"]) : "";
    for (const auto& part : split_bar(raw)) {
      if (!python_strip(part).empty()) refs.push_back(python_strip(part));
    }
    if (refs.empty()) continue;
    auto responses = item.find("variation_responses");
    if (responses == item.end() || !responses->is_object()) continue;
    for (const auto& [key, value] : responses->items()) {
      if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
      for (const auto& prediction : predictions_of(value, true)) {
        ++total_count[key];
        ++all_total;
        const std::string& response = prediction.response;
        Checked checked;
        if (key == "constrain") {
          checked = caption_constrain(response);
        } else if (key == "upper_case" || key == "lower_case") {
          checked = check_case(response, key == "upper_case");
        } else if (key == "prefix") {
          checked = check_prefix(get_string(prediction.meta, "prefix"), response);
        } else if (key == "suffix") {
          checked = check_suffix(get_string(prediction.meta, "suffix"), response);
        } else if (key == "wrap") {
          checked = check_wrap(get_string(prediction.meta, "lrt"), response);
        } else if (key == "json") {
          checked = caption_json(response, get_string(prediction.meta, "key"));
        }
        follow_count[key] += checked.follow;
        all_follow += checked.follow;
        const std::string candidate = checked.follow ? checked.body : "";
        cands_by_key[key].push_back(candidate);
        refs_by_key[key].push_back(refs);
        all_cands.push_back(candidate);
        all_refs.push_back(refs);
      }
    }
  }
  for (const auto& key : order) {
    if (total_count[key] == 0) continue;
    result[key] = caption_cell(100.0 * double(follow_count[key]) / double(total_count[key]),
                               cands_by_key[key], refs_by_key[key], true);
  }
  if (!all_cands.empty()) {
    result["all"] = caption_cell(all_total ? 100.0 * double(all_follow) / double(all_total) : 0.0,
                                 all_cands, all_refs, true);
  }
  (void)path;
  return result;
}

}  // namespace almkit::bench
