#define PCRE2_CODE_UNIT_WIDTH 8
#include "bench/regex.h"

#include <pcre2.h>

#include "almkit/error.h"

namespace almkit::bench {

struct Regex::Impl {
  pcre2_code* code = nullptr;
  ~Impl() {
    if (code) pcre2_code_free(code);
  }
};

Regex::Regex(const std::string& pattern, bool caseless, bool multiline)
    : impl_(std::make_unique<Impl>()) {
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK;
  if (caseless) options |= PCRE2_CASELESS;
  if (multiline) options |= PCRE2_MULTILINE;
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              options & ~PCRE2_NO_UTF_CHECK, &error_code, &error_offset, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    throw Error(ErrorCode::kInternal, "regex '" + pattern + "' does not compile at offset " +
                                          std::to_string(error_offset) + ": " +
                                          reinterpret_cast<const char*>(message));
  }
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

namespace {

struct MatchData {
  pcre2_match_data* data;
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
};

// One match attempt at `offset`; returns false when there is none.
bool match_at(const pcre2_code* code, const std::string& subject, size_t offset, uint32_t options,
              MatchData& data, RegexMatch* out) {
  const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                             offset, options, data.data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(rc, message, sizeof(message));
    throw Error(ErrorCode::kInvalidArgument,
                std::string("regex match failed: ") + reinterpret_cast<const char*>(message));
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.data);
  const uint32_t pairs = pcre2_get_ovector_count(data.data);
  out->start = ovector[0];
  out->end = ovector[1];
  out->groups.assign(pairs, std::string());
  out->group_set.assign(pairs, false);
  for (uint32_t i = 0; i < pairs && i < static_cast<uint32_t>(rc > 0 ? rc : pairs); ++i) {
    if (ovector[2 * i] == PCRE2_UNSET) continue;
    out->groups[i] = subject.substr(ovector[2 * i], ovector[2 * i + 1] - ovector[2 * i]);
    out->group_set[i] = true;
  }
  return true;
}

size_t next_char(const std::string& subject, size_t offset) {
  ++offset;
  while (offset < subject.size() && (static_cast<unsigned char>(subject[offset]) & 0xC0) == 0x80) {
    ++offset;
  }
  return offset;
}

}  // namespace

std::vector<RegexMatch> Regex::find_all(const std::string& subject) const {
  std::vector<RegexMatch> matches;
  MatchData data(impl_->code);
  size_t offset = 0;
  bool previous_empty = false;
  while (offset <= subject.size()) {
    RegexMatch match;
    uint32_t options = previous_empty ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
    if (!match_at(impl_->code, subject, offset, options, data, &match)) {
      if (!previous_empty) break;
      // Python: after an empty match, the search resumes one character further on.
      if (offset >= subject.size()) break;
      offset = next_char(subject, offset);
      previous_empty = false;
      continue;
    }
    previous_empty = match.end == match.start;
    offset = match.end;
    matches.push_back(std::move(match));
  }
  return matches;
}

bool Regex::search(const std::string& subject, RegexMatch* match) const {
  MatchData data(impl_->code);
  RegexMatch local;
  return match_at(impl_->code, subject, 0, 0, data, match ? match : &local);
}

bool Regex::match_start(const std::string& subject) const {
  MatchData data(impl_->code);
  RegexMatch local;
  return match_at(impl_->code, subject, 0, PCRE2_ANCHORED, data, &local);
}

std::string Regex::replace_all(const std::string& subject, const std::string& replacement,
                               int count) const {
  std::string out;
  size_t copied = 0;
  int done = 0;
  for (const RegexMatch& match : find_all(subject)) {
    if (count > 0 && done == count) break;
    out.append(subject, copied, match.start - copied);
    out += replacement;
    copied = match.end;
    ++done;
  }
  out.append(subject, copied, std::string::npos);
  return out;
}

std::string regex_escape(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '_';
    if (!plain) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace almkit::bench
