// Whisper's special tokens, found by name in a Whisper tokenizer's vocabulary.
#include <cstdio>

#include "almkit/error.h"
#include "almkit/tokenizer.h"

namespace almkit {
namespace {

int32_t require_token(const Tokenizer& tokenizer, const std::string& token) {
  auto id = tokenizer.token_to_id(token);
  if (!id) {
    throw Error(ErrorCode::kNotFound,
                "Whisper tokenizer: the vocabulary has no '" + token + "' token");
  }
  return *id;
}

}  // namespace

WhisperTokens::WhisperTokens(const Tokenizer& tokenizer)
    : tokenizer_(tokenizer),
      start_of_transcript_(require_token(tokenizer, "<|startoftranscript|>")),
      end_of_text_(require_token(tokenizer, "<|endoftext|>")),
      transcribe_(require_token(tokenizer, "<|transcribe|>")),
      translate_(require_token(tokenizer, "<|translate|>")),
      no_timestamps_(require_token(tokenizer, "<|notimestamps|>")) {
  no_speech_ = tokenizer.token_to_id("<|nospeech|>");
  if (!no_speech_) no_speech_ = tokenizer.token_to_id("<|nocaptions|>");
  start_of_prev_ = tokenizer.token_to_id("<|startofprev|>");
}

std::optional<int32_t> WhisperTokens::language(const std::string& code) const {
  auto id = tokenizer_.token_to_id("<|" + code + "|>");
  if (!id || *id <= start_of_transcript_ || *id >= translate_) return std::nullopt;
  return id;
}

std::vector<std::string> WhisperTokens::languages() const {
  std::vector<std::string> codes;
  for (int32_t id = start_of_transcript_ + 1; id < std::min(translate_, transcribe_); ++id) {
    const std::string token = tokenizer_.id_to_token(id);
    if (token.size() > 4 && token.rfind("<|", 0) == 0)
      codes.push_back(token.substr(2, token.size() - 4));
  }
  return codes;
}

std::vector<int32_t> WhisperTokens::prompt(const std::string& language_code,
                                           const std::string& task, bool timestamps) const {
  std::vector<int32_t> ids{start_of_transcript_};
  if (!language_code.empty()) {
    auto id = language(language_code);
    if (!id) {
      throw Error(ErrorCode::kInvalidArgument,
                  "Whisper tokenizer: unknown language '" + language_code + "'");
    }
    ids.push_back(*id);
  }
  if (task == "transcribe") {
    ids.push_back(transcribe_);
  } else if (task == "translate") {
    ids.push_back(translate_);
  } else if (!task.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "Whisper tokenizer: task '" + task + "' is neither transcribe nor translate");
  }
  if (!timestamps) ids.push_back(no_timestamps_);
  return ids;
}

double WhisperTokens::timestamp_seconds(int32_t id) const {
  return (id - timestamp_begin()) * 0.02;
}

std::string WhisperTokens::decode_with_timestamps(const std::vector<int32_t>& ids) const {
  std::string out;
  std::vector<int32_t> run;
  for (int32_t id : ids) {
    if (is_timestamp(id)) {
      out += tokenizer_.decode(run, true);
      run.clear();
      char stamp[32];
      std::snprintf(stamp, sizeof(stamp), "<|%.2f|>", timestamp_seconds(id));
      out += stamp;
    } else {
      run.push_back(id);
    }
  }
  return out + tokenizer_.decode(run, true);
}

}  // namespace almkit
