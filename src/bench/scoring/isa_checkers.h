// What every ISA-Bench scoring script repeats: Python's str() and startswith / endswith, and the
// F dimension's format checkers (prefix, suffix, wrap, case) with the body text they leave for
// the task metric. The JSON checkers differ from script to script and stay with each scorer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace almkit::bench::isa {

std::string get_string(const nlohmann::ordered_json& object, const char* key);  // "" if absent
std::string python_str(const nlohmann::ordered_json& value);                     // str(v)
bool starts_with(const std::string& s, const std::string& p);
bool ends_with(const std::string& s, const std::string& p);
bool has_ascii_range(const std::string& s, char low, char high);
// f/compute_if_*.py ifr_constrain: the sentence is one short word run repeated.
bool is_repeated_sentence(const std::string& sentence);

struct Checked {
  bool follow = false;
  std::string body;  // the response with the format taken off (what the task metric scores)
};
Checked check_prefix(const std::string& prefix, const std::string& response);
Checked check_suffix(const std::string& suffix, const std::string& response);
Checked check_wrap(const std::string& spec, const std::string& response);  // spec "left|right"
Checked check_case(const std::string& response, bool upper);

}  // namespace almkit::bench::isa
