// Prompt templates. The defaults are almkit's wording; pass --prompt-template to reproduce a
// paper's exact prompt.
#include "bench/runner/prompts.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/error.h"

namespace almkit::bench {

const char* const kLetterPromptText =
    "{question}\n{choices_lettered}\nAnswer with the letter of the correct option ({letters}).";
const char* const kLoglikPromptText =
    "{question}\n{choices_lettered}\nAnswer with the correct option.";

namespace {

std::string python_quoted(const std::string& text) {
  // Python's repr of a str: single quotes unless the text contains one and no double quote.
  const bool use_double =
      text.find('\'') != std::string::npos && text.find('"') == std::string::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    if (c == '\\' || c == quote) out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + quote;
}

std::string joined_with_or(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string option_letter(int position) {
  return std::string(1, char('A' + position));
}

PromptTemplate load_prompt_template(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, "--prompt-template " + path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  PromptTemplate prompt{"file:" + path, text.str()};
  if (prompt.text.find("{question}") == std::string::npos) {
    throw Error(ErrorCode::kInvalidFormat,
                "--prompt-template " + path + ": has no {question} placeholder (docs/eval.md)");
  }
  return prompt;
}

std::string muse_question(const std::string& task) {
  static const std::map<std::string, std::string> questions = {
      {"instrument_identification", "Which instrument plays in this excerpt?"},
      {"contour_identification", "Which best describes the contour of the melody?"},
      {"oddballs", "Does the melody contain an out-of-key (oddball) note?"},
      {"rhythm_matching", "Do the two excerpts have the same rhythm?"},
      {"transposition", "Is the second melody a transposition of the first?"},
      {"chord_quality", "What is the quality of the chord?"},
      {"key_modulation", "Does the excerpt modulate to a different key?"},
      {"chord_progression_matching", "Do the two excerpts have the same chord progression?"},
      {"syncopation", "Which of the two excerpts is more syncopated?"},
      {"meter_identification", "What is the meter of the excerpt?"},
  };
  const auto found = questions.find(task);
  return found == questions.end() ? "Answer the question about the audio." : found->second;
}

std::string render_messages(const PromptTemplate& prompt, const BenchItem& item,
                            const std::vector<std::string>& shown_choices, int audio_parts,
                            const std::string& audio_text) {
  std::string lettered, list = "[", letters_text;
  std::vector<std::string> letters;
  for (size_t i = 0; i < shown_choices.size(); ++i) {
    lettered += (i ? "\n" : "") + option_letter(int(i)) + ". " + shown_choices[i];
    list += (i ? ", " : "") + python_quoted(shown_choices[i]);
    letters.push_back(option_letter(int(i)));
  }
  list += "]";
  std::string text = prompt.text;
  // The question first, so that a question containing "{letters}" is not expanded.
  const std::string question =
      item.question.empty() && !item.task.empty() ? muse_question(item.task) : item.question;
  const std::string question_marker = "\x01question\x01";
  replace_all(text, "{question}", question_marker);
  // AIR-Bench's f-string prints A to D, a missing choice as None.
  std::string lettered_abcd;
  for (size_t i = 0; i < std::max<size_t>(4, shown_choices.size()); ++i)
    lettered_abcd += (i ? "\n" : "") + option_letter(int(i)) + ". " +
                     (i < shown_choices.size() ? shown_choices[i] : std::string("None"));
  replace_all(text, "{choices_lettered_abcd}", lettered_abcd);
  // MMAU-Pro (NeMo-Skills): a blank line and the lettered options, only for two or more.
  replace_all(text, "{choices_block}", shown_choices.size() > 1 ? "\n\n" + lettered : "");
  replace_all(text, "{choices_lettered}", lettered);
  replace_all(text, "{choices_list}", list);
  replace_all(text, "{choices_joined}", joined_with_or(shown_choices));
  replace_all(text, "{letters}", joined_with_or(letters));
  nlohmann::json content = nlohmann::json::array();
  const nlohmann::json audio_part = {{"type", "audio"}};
  auto add_text = [&](std::string part) {
    replace_all(part, question_marker, question);
    if (!part.empty()) content.push_back({{"type", "text"}, {"text", part}});
  };
  auto add_audio = [&] {
    for (int i = 0; i < audio_parts; ++i) content.push_back(audio_part);
    if (!audio_text.empty())
      content.push_back(
          {{"type", "text"}, {"text", "Transcript of the audio: " + audio_text + "\n"}});
  };
  const size_t audio_at = text.find("{audio}");
  if (audio_at == std::string::npos) {
    add_audio();
    add_text(text);
  } else {
    add_text(text.substr(0, audio_at));
    add_audio();
    add_text(text.substr(audio_at + 7));
  }
  return nlohmann::json::array({{{"role", "user"}, {"content", content}}}).dump();
}

std::string with_history(const std::string& messages_json, const BenchItem& item,
                         const std::vector<int>& clip_parts) {
  if (item.history_json.empty()) return messages_json;
  nlohmann::json messages = nlohmann::json::array();
  size_t clip = 0;
  for (auto turn : nlohmann::json::parse(item.history_json)) {
    if (turn["content"].is_array()) {
      nlohmann::json content = nlohmann::json::array();
      for (const auto& part : turn["content"]) {
        if (part["type"] != "audio") {
          content.push_back(part);
          continue;
        }
        for (int k = 0; k < clip_parts.at(clip); ++k) content.push_back(part);
        ++clip;
      }
      turn["content"] = std::move(content);
    }
    messages.push_back(std::move(turn));
  }
  for (auto& message : nlohmann::json::parse(messages_json)) messages.push_back(std::move(message));
  return messages.dump();
}

}  // namespace almkit::bench
