#include "bench/scoring/isa_checkers.h"

#include "bench/python_text.h"
#include "bench/regex.h"

namespace almkit::bench::isa {

std::string get_string(const nlohmann::ordered_json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string python_str(const nlohmann::ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_null()) return "None";
  return value.dump();
}

bool starts_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool has_ascii_range(const std::string& s, char low, char high) {
  for (char c : s) {
    if (c >= low && c <= high) return true;
  }
  return false;
}

bool is_repeated_sentence(const std::string& sentence) {
  static const Regex non_word("[^\\w\\s]");
  const auto words = python_split(python_lower(non_word.replace_all(sentence, " ")));
  const size_t n = words.size();
  if (n < 2) return false;
  for (size_t size = 1; size <= n / 2; ++size) {
    if (n % size != 0) continue;
    bool repeated = true;
    for (size_t k = size; k < n && repeated; ++k) repeated = words[k] == words[k % size];
    if (repeated) return true;
  }
  return false;
}

Checked check_prefix(const std::string& prefix, const std::string& response) {
  const std::string t = python_lstrip(response);
  if (!starts_with(t, prefix)) return {};
  return {true, python_lstrip(t.substr(prefix.size()))};
}
Checked check_suffix(const std::string& suffix, const std::string& response) {
  const std::string t = python_rstrip(response);
  if (!ends_with(t, suffix)) return {};
  return {true, python_rstrip(t.substr(0, t.size() - suffix.size()))};
}
Checked check_wrap(const std::string& spec, const std::string& response) {
  const size_t bar = spec.find('|');
  if (bar == std::string::npos) return {};
  const std::string left = spec.substr(0, bar), right = spec.substr(bar + 1);
  const std::string t = python_strip(response);
  if (!(starts_with(t, left) && ends_with(t, right))) return {};
  // Python's t[len(left):len(t)-len(right)]: empty when the two overlap
  if (left.size() + right.size() >= t.size()) return {true, ""};
  return {true, python_strip(t.substr(left.size(), t.size() - left.size() - right.size()))};
}
Checked check_case(const std::string& response, bool upper) {
  const bool has_lower = has_ascii_range(response, 'a', 'z'), has_upper = has_ascii_range(response, 'A', 'Z');
  const bool follow = upper ? (!has_lower && has_upper) : (!has_upper && has_lower);
  return {follow, follow ? python_strip(response) : ""};
}

}  // namespace almkit::bench::isa
