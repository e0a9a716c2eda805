// whisper/normalizers/english.py's EnglishNumberNormalizer, rule for rule. Python's ints are
// unbounded ("nine hundred decillion" is 9e35), so integers are kept as decimal digit strings.
#include <map>
#include <optional>
#include <set>

#include "almkit/text_metrics.h"
#include "bench/metrics/python_re.h"
#include "bench/metrics/unicode_text.h"
#include "bench/python_text.h"

namespace almkit::bench {
namespace {

// ---------------------------------------------------------------- unbounded non-negative ints
// Decimal digits without leading zeros ("0" for zero).
std::string add_decimal(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
    const int da = i < a.size() ? a[a.size() - 1 - i] - '0' : 0;
    const int db = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    const int sum = da + db + carry;
    out.insert(out.begin(), char('0' + sum % 10));
    carry = sum / 10;
  }
  return out;
}
std::string strip_leading_zeros(const std::string& digits) {
  const size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}
// value % 10^digits, as a small int.
int low_digits(const std::string& value, size_t digits) {
  const size_t take = std::min(digits, value.size());
  return std::stoi(value.substr(value.size() - take));
}
// value // 1000 * 1000 + (value % 1000) * 10^zeros: how a multiplier scales an int.
std::string scale_last_group(const std::string& value, int zeros) {
  const std::string before =
      value.size() > 3 ? value.substr(0, value.size() - 3) + "000" : std::string("0");
  const int residual = low_digits(value, 3);
  const std::string scaled =
      residual == 0 ? "0" : std::to_string(residual) + std::string(size_t(zeros), '0');
  return add_decimal(before, scaled);
}

// ---------------------------------------------------------------- Python pieces
// fractions.Fraction(s) * 10^zeros when the product is an integer: its digits, else nullopt
// (also when s is not a number Fraction accepts: Python 3.11's "digits[.digits]" with Unicode
// decimal digits; the values this normaliser builds hold nothing else).
std::optional<std::string> integer_times_power_of_ten(const std::string& s, int zeros) {
  const std::u32string text = utf8_to_codepoints(s);
  std::string integer_part, decimals;
  bool seen_point = false;
  for (char32_t c : text) {
    if (c == U'.' && !seen_point) {
      seen_point = true;
      continue;
    }
    const int digit = unicode_decimal_value(c);
    if (digit < 0) return std::nullopt;
    (seen_point ? decimals : integer_part) += char('0' + digit);
  }
  // (?=\d|\.\d): a digit first, or a point and a digit.
  if (integer_part.empty() && decimals.empty()) return std::nullopt;
  std::string digits = integer_part + decimals + std::string(size_t(zeros), '0');
  // Dividing by 10^len(decimals) leaves an integer only when that many trailing zeros exist.
  size_t drop = decimals.size();
  digits = strip_leading_zeros(digits);
  if (digits == "0") return std::string("0");
  if (drop > digits.size()) return std::nullopt;
  for (size_t i = 0; i < drop; ++i) {
    if (digits[digits.size() - 1 - i] != '0') return std::nullopt;
  }
  return digits.substr(0, digits.size() - drop);
}

struct Words {
  std::set<std::string> zeros{"o", "oh", "zero"};
  std::map<std::string, int> ones, tens;
  std::map<std::string, std::pair<int, std::string>> ones_suffixed, tens_suffixed;
  std::map<std::string, int> multipliers;  // value as a power of ten
  std::map<std::string, std::pair<int, std::string>> multipliers_suffixed;
  std::set<std::string> decimals;
  std::map<std::string, std::string> preceding_prefixers{
      {"minus", "-"}, {"negative", "-"}, {"plus", "+"}, {"positive", "+"}};
  std::map<std::string, std::string> following_prefixers{
      {"pound", "£"},  {"pounds", "£"},  {"euro", "€"}, {"euros", "€"},
      {"dollar", "$"}, {"dollars", "$"}, {"cent", "¢"}, {"cents", "¢"}};
  std::set<std::string> prefixes{"-", "+", "£", "€", "$", "¢"};
  std::set<std::string> specials{"and", "double", "triple", "point"};
  std::set<std::string> all;

  Words() {
    const char* names[] = {"one",     "two",       "three",    "four",     "five",
                           "six",     "seven",     "eight",    "nine",     "ten",
                           "eleven",  "twelve",    "thirteen", "fourteen", "fifteen",
                           "sixteen", "seventeen", "eighteen", "nineteen"};
    for (int i = 0; i < 19; ++i) ones[names[i]] = i + 1;
    for (const auto& [name, value] : ones) {
      ones_suffixed[name == "six" ? "sixes" : name + "s"] = {value, "s"};
    }
    // The ordinal table below overrides plurals only where keys collide (none do).
    std::map<std::string, std::pair<int, std::string>> ordinal{
        {"zeroth", {0, "th"}}, {"first", {1, "st"}}, {"second", {2, "nd"}},
        {"third", {3, "rd"}},  {"fifth", {5, "th"}}, {"twelfth", {12, "th"}}};
    for (const auto& [name, value] : ones) {
      if (value > 3 && value != 5 && value != 12) {
        ordinal[name + (name.back() == 't' ? "h" : "th")] = {value, "th"};  // "nineth", as there
      }
    }
    for (const auto& [name, value] : ordinal) ones_suffixed[name] = value;
    const char* ten_names[] = {"twenty", "thirty",  "forty",  "fifty",
                               "sixty",  "seventy", "eighty", "ninety"};
    for (int i = 0; i < 8; ++i) tens[ten_names[i]] = 20 + 10 * i;
    for (const auto& [name, value] : tens) {
      const std::string stem = name.substr(0, name.size() - 1);  // the one 'y' is the last letter
      tens_suffixed[stem + "ies"] = {value, "s"};
      tens_suffixed[stem + "ieth"] = {value, "th"};
    }
    const char* multiplier_names[] = {"hundred",    "thousand",    "million",     "billion",
                                      "trillion",   "quadrillion", "quintillion", "sextillion",
                                      "septillion", "octillion",   "nonillion",   "decillion"};
    for (int i = 0; i < 12; ++i) multipliers[multiplier_names[i]] = i == 0 ? 2 : 3 * i;
    for (const auto& [name, zeros] : multipliers) {
      multipliers_suffixed[name + "s"] = {zeros, "s"};
      multipliers_suffixed[name + "th"] = {zeros, "th"};
    }
    for (const auto& [name, value] : ones) decimals.insert(name);
    for (const auto& [name, value] : tens) decimals.insert(name);
    decimals.insert(zeros.begin(), zeros.end());
    all = zeros;
    for (const auto* table : {&ones, &tens, &multipliers})
      for (const auto& entry : *table) all.insert(entry.first);
    for (const auto* table : {&ones_suffixed, &tens_suffixed, &multipliers_suffixed})
      for (const auto& entry : *table) all.insert(entry.first);
    for (const auto* table : {&preceding_prefixers, &following_prefixers})
      for (const auto& entry : *table) all.insert(entry.first);
    all.insert({"per", "percent"});
    all.insert(specials.begin(), specials.end());
  }
};

const Words& words() {
  static const Words table;
  return table;
}

// ^\d+(\.\d+)?$ on a Python str.
bool is_arabic_number(const std::string& word) {
  static const Regex number = python_regex("^\\d+(\\.\\d+)?$");
  return number.search(word);
}

std::string first_codepoint(const std::string& word) {
  size_t length = 1;
  while (length < word.size() && (static_cast<unsigned char>(word[length]) & 0xC0) == 0x80)
    ++length;
  return word.substr(0, length);
}

// A Python value of the normaliser: None, an int (digits) or a str.
struct Value {
  enum Kind { kNone, kInt, kStr } kind = kNone;
  std::string text;
  bool none() const { return kind == kNone; }
  bool is_int() const { return kind == kInt; }
  bool is_str() const { return kind == kStr; }
  // str(value or ""): None and int 0 are falsy.
  std::string or_empty() const {
    return kind == kNone || (kind == kInt && text == "0") ? "" : text;
  }
  static Value integer(std::string digits) { return {kInt, std::move(digits)}; }
  static Value string(std::string s) { return {kStr, std::move(s)}; }
};

// One step of process_words' windowed([None] + words + [None], 3) loop.
struct Window {
  const std::string* prev;
  const std::string& current;
  const std::string* next;
  template <typename Table>
  bool prev_in(const Table& table) const {
    return prev && table.count(*prev) > 0;
  }
  template <typename Table>
  bool next_in(const Table& table) const {
    return next && table.count(*next) > 0;
  }
  bool next_is_numeric() const { return next && is_arabic_number(*next); }
};

// EnglishNumberNormalizer.process_words: the state (value, prefix) and one handler per kind of
// word, in the order of its if/elif chain.
class NumberWordProcessor {
 public:
  std::vector<std::string> run(const std::vector<std::string>& input) {
    out_.clear();
    bool skip = false;
    for (size_t i = 0; i < input.size(); ++i) {
      if (skip) {
        skip = false;
        continue;
      }
      skip = step({i > 0 ? &input[i - 1] : nullptr, input[i],
                   i + 1 < input.size() ? &input[i + 1] : nullptr});
    }
    if (!value_.none()) output(value_.text);
    return out_;
  }

 private:
  // Returns true when the next word was consumed ("per cent", "double five").
  bool step(const Window& window) {
    const Words& w = words();
    const std::string& current = window.current;
    const std::string first = first_codepoint(current);
    const bool has_prefix = w.prefixes.count(first) > 0;
    const std::string without_prefix = has_prefix ? current.substr(first.size()) : current;
    if (is_arabic_number(without_prefix)) {
      arabic_number(current, has_prefix ? first : "", without_prefix);
    } else if (!w.all.count(current)) {
      if (!value_.none()) output(value_.text);
      output(current);
    } else if (w.zeros.count(current)) {
      value_ = Value::string(value_.or_empty() + "0");
    } else if (w.ones.count(current)) {
      ones_word(window, w.ones.at(current));
    } else if (w.ones_suffixed.count(current)) {
      const auto& [ones, suffix] = w.ones_suffixed.at(current);
      ones_suffixed_word(window, ones, suffix);
    } else if (w.tens.count(current)) {
      tens_word(std::to_string(w.tens.at(current)));
    } else if (w.tens_suffixed.count(current)) {
      const auto& [tens, suffix] = w.tens_suffixed.at(current);
      tens_suffixed_word(std::to_string(tens), suffix);
    } else if (w.multipliers.count(current)) {
      multiplier_word(w.multipliers.at(current));
    } else if (w.multipliers_suffixed.count(current)) {
      const auto& [zeros, suffix] = w.multipliers_suffixed.at(current);
      multiplier_suffixed_word(zeros, suffix);
    } else if (w.preceding_prefixers.count(current)) {
      // a sign applies only if a number follows
      if (!value_.none()) output(value_.text);
      if (window.next_in(w.all) || window.next_is_numeric()) {
        prefix_ = w.preceding_prefixers.at(current);
      } else {
        output(current);
      }
    } else if (w.following_prefixers.count(current)) {
      // a currency applies only after a number
      if (!value_.none()) {
        prefix_ = w.following_prefixers.at(current);
        output(value_.text);
      } else {
        output(current);
      }
    } else if (current == "per" || current == "percent") {
      return percent_word(window);
    } else {
      return special_word(window);
    }
    return false;
  }

  void arabic_number(const std::string& current, const std::string& prefix,
                     const std::string& without_prefix) {
    if (!value_.none()) {
      if (value_.is_str() && !value_.text.empty() && value_.text.back() == '.') {
        value_.text += current;  // decimals / IP address parts
        return;
      }
      output(value_.text);
    }
    if (!prefix.empty()) prefix_ = prefix;
    // Fraction(s): an integer keeps only its value ("007" -> 7, "1.0" -> 1), else the text.
    const auto integer = integer_times_power_of_ten(without_prefix, 0);
    value_ = integer ? Value::integer(*integer) : Value::string(without_prefix);
  }

  // The digits of value followed by `digits` (a ones or tens value), as process_words joins
  // them: added when value's last `width` digits are zero, else concatenated.
  std::string append_number(const std::string& digits, size_t width, bool* is_int) const {
    *is_int = low_digits(value_.text, width) == 0;
    return *is_int ? add_decimal(value_.text, digits) : value_.text + digits;
  }

  void ones_word(const Window& window, int ones) {
    const Words& w = words();
    const std::string digits = std::to_string(ones);
    if (value_.none()) {
      value_ = Value::integer(digits);
    } else if (value_.is_str() || window.prev_in(w.ones)) {
      const bool replace_zero = window.prev_in(w.tens) && ones < 10;
      value_ = Value::string(
          (replace_zero ? value_.text.substr(0, value_.text.size() - 1) : value_.text) + digits);
    } else {
      bool is_int = false;
      const std::string joined = append_number(digits, ones < 10 ? 1 : 2, &is_int);
      value_ = is_int ? Value::integer(joined) : Value::string(joined);
    }
  }

  void ones_suffixed_word(const Window& window, int ones, const std::string& suffix) {
    const Words& w = words();
    const std::string digits = std::to_string(ones);
    if (value_.none()) {
      output(digits + suffix);
    } else if (value_.is_str() || window.prev_in(w.ones)) {
      const bool replace_zero = window.prev_in(w.tens) && ones < 10;
      output((replace_zero ? value_.text.substr(0, value_.text.size() - 1) : value_.text) + digits +
             suffix);
    } else {
      bool is_int = false;
      output(append_number(digits, ones < 10 ? 1 : 2, &is_int) + suffix);
    }
    value_ = Value();
  }

  void tens_word(const std::string& tens) {
    if (value_.none()) {
      value_ = Value::integer(tens);
    } else if (value_.is_str()) {
      value_ = Value::string(value_.text + tens);
    } else {
      bool is_int = false;
      const std::string joined = append_number(tens, 2, &is_int);
      value_ = is_int ? Value::integer(joined) : Value::string(joined);
    }
  }

  void tens_suffixed_word(const std::string& tens, const std::string& suffix) {
    if (value_.none()) {
      output(tens + suffix);
    } else if (value_.is_str()) {
      output(value_.text + tens + suffix);
    } else {
      bool is_int = false;
      output(append_number(tens, 2, &is_int) + suffix);
    }
  }

  void multiplier_word(int zeros) {
    const std::string multiplier = "1" + std::string(size_t(zeros), '0');
    if (value_.none()) {
      value_ = Value::integer(multiplier);
    } else if (value_.is_str() || value_.text == "0") {
      const auto product = integer_times_power_of_ten(value_.text, zeros);
      if (product) {
        value_ = Value::integer(*product);
      } else {
        output(value_.text);
        value_ = Value::integer(multiplier);
      }
    } else {
      value_ = Value::integer(scale_last_group(value_.text, zeros));
    }
  }

  void multiplier_suffixed_word(int zeros, const std::string& suffix) {
    const std::string multiplier = "1" + std::string(size_t(zeros), '0');
    if (value_.none()) {
      output(multiplier + suffix);
    } else if (value_.is_str()) {
      const auto product = integer_times_power_of_ten(value_.text, zeros);
      if (product) {
        output(*product + suffix);
      } else {
        output(value_.text);
        output(multiplier + suffix);
      }
    } else {
      output(scale_last_group(value_.text, zeros) + suffix);
    }
    value_ = Value();
  }

  // suffixers: "percent" -> '%', "per cent" -> '%' (consuming "cent").
  bool percent_word(const Window& window) {
    if (value_.none()) {
      output(window.current);
      return false;
    }
    if (window.current == "percent") {
      output(value_.text + "%");
      return false;
    }
    if (window.next && *window.next == "cent") {
      output(value_.text + "%");
      return true;
    }
    output(value_.text);
    output(window.current);
    return false;
  }

  // specials: "and", "double", "triple", "point".
  bool special_word(const Window& window) {
    const Words& w = words();
    const std::string& current = window.current;
    if (!window.next_in(w.all) && !window.next_is_numeric()) {
      if (!value_.none()) output(value_.text);
      output(current);
    } else if (current == "and") {
      // "and" after hundreds, thousands... is dropped
      if (!window.prev_in(w.multipliers)) {
        if (!value_.none()) output(value_.text);
        output(current);
      }
    } else if (current == "double" || current == "triple") {
      if (window.next_in(w.ones) || window.next_in(w.zeros)) {
        const auto found = w.ones.find(*window.next);
        const std::string digit = std::to_string(found == w.ones.end() ? 0 : found->second);
        std::string repeated = digit + digit;
        if (current == "triple") repeated += digit;
        value_ = Value::string(value_.or_empty() + repeated);
        return true;
      }
      if (!value_.none()) output(value_.text);
      output(current);
    } else if (current == "point") {
      if (window.next_in(w.decimals) || window.next_is_numeric()) {
        value_ = Value::string(value_.or_empty() + ".");
      }
    }
    return false;
  }

  // output(): prefix + str(result), then value and prefix are cleared.
  void output(const std::string& result) {
    out_.push_back(prefix_ + result);
    value_ = Value();
    prefix_.clear();
  }

  Value value_;
  std::string prefix_;
  std::vector<std::string> out_;
};

std::string preprocess(const std::string& s) {
  static const Regex and_a_half = python_regex("\\band\\s+a\\s+half\\b");
  static const Regex letter_digit = python_regex("([a-z])([0-9])");
  static const Regex digit_letter = python_regex("([0-9])([a-z])");
  static const Regex suffix = python_regex("([0-9])\\s+(st|nd|rd|th|s)\\b");
  const Words& w = words();
  const auto segments = python_split_on(and_a_half, s);
  std::string joined;
  bool any = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    if (python_strip(segment).empty()) continue;
    // " ".join(results): the separator goes between parts, even an empty first part.
    if (any) joined += " ";
    joined += segment;
    any = true;
    if (i + 1 < segments.size()) {
      const std::string last_word = python_split(segment).back();
      joined += " ";
      joined += w.decimals.count(last_word) || w.multipliers.count(last_word) ? "point five"
                                                                              : "and a half";
    }
  }
  std::string out = python_sub(letter_digit, joined, "\\1 \\2");
  out = python_sub(digit_letter, out, "\\1 \\2");
  return python_sub(suffix, out, "\\1\\2");
}

std::string postprocess(const std::string& s) {
  static const Regex cents = python_regex("([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})\\b");
  static const Regex only_cents = python_regex("[€£$]0.([0-9]{1,2})\\b");
  static const Regex one = python_regex("\\b1(s?)\\b");
  std::string out;
  size_t copied = 0;
  for (const auto& match : cents.find_all(s)) {
    out.append(s, copied, match.start - copied);
    const int value = std::stoi(match.groups[3]);
    out +=
        match.groups[1] + match.groups[2] + "." + (value < 10 ? "0" : "") + std::to_string(value);
    copied = match.end;
  }
  out.append(s, copied, std::string::npos);
  std::string second;
  copied = 0;
  for (const auto& match : only_cents.find_all(out)) {
    second.append(out, copied, match.start - copied);
    second += "¢" + std::to_string(std::stoi(match.groups[1]));
    copied = match.end;
  }
  second.append(out, copied, std::string::npos);
  return python_sub(one, second, "one\\1");
}

}  // namespace

std::string whisper_english_numbers(const std::string& text) {
  NumberWordProcessor processor;
  const auto words = processor.run(python_split(preprocess(text)));
  std::string joined;
  for (size_t i = 0; i < words.size(); ++i) joined += (i ? " " : "") + words[i];
  return postprocess(joined);
}

}  // namespace almkit::bench
