// Tokenizer::from_folder / from_json: picks the implementation for a checkpoint folder and reads
// the special tokens and chat template of tokenizer_config.json.
#include "almkit/tokenizer.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "almkit/error.h"
#include "io/json_file.h"
#include "io/tokenizer/byte_level_files.h"
#include "io/tokenizer/hf_tokenizer.h"
#include "io/tokenizer/sentencepiece_model.h"
#include "io/tokenizer/unicode.h"

namespace almkit {

Tokenizer::~Tokenizer() = default;

namespace {

bool file_exists(const std::string& path) {
  struct stat status {};
  return stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, "cannot read '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A special token in tokenizer_config.json: "<s>" or {"content": "<s>", ...} (AddedToken).
std::string token_field(const nlohmann::json& config, const char* key) {
  if (!config.contains(key)) return {};
  const auto& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return {};
}

// "chat_template": a string, or a list of {"name", "template"} of which "default" is the one.
std::string template_field(const nlohmann::json& value, const std::string& source) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    for (const auto& entry : value) {
      if (entry.is_object() && entry.value("name", std::string()) == "default") {
        return entry.value("template", std::string());
      }
    }
    if (!value.empty() && value[0].is_object()) return value[0].value("template", std::string());
  }
  if (value.is_null()) return {};
  throw Error(ErrorCode::kInvalidFormat, source + ": chat_template is neither a string nor a list");
}

}  // namespace

// Fills the protected fields every implementation shares.
class TokenizerLoader {
 public:
  static void configure(Tokenizer& tokenizer, const nlohmann::json& config, std::string config_text,
                        const std::string& source) {
    auto& special = tokenizer.special_;
    special.bos_token = token_field(config, "bos_token");
    special.eos_token = token_field(config, "eos_token");
    special.pad_token = token_field(config, "pad_token");
    special.unk_token = token_field(config, "unk_token");
    special.add_bos_token = json_value_or<bool>(config, "add_bos_token", false, source);
    special.add_eos_token = json_value_or<bool>(config, "add_eos_token", false, source);
    special.clean_up_tokenization_spaces =
        json_value_or<bool>(config, "clean_up_tokenization_spaces", false, source);
    if (config.contains("chat_template")) {
      tokenizer.chat_template_ = template_field(config["chat_template"], source);
    }
    tokenizer.config_json_ = config_text.empty() ? "{}" : std::move(config_text);
    if (auto* hf = dynamic_cast<tokenizer::HfTokenizer*>(&tokenizer)) {
      if (config.contains("additional_special_tokens") &&
          config["additional_special_tokens"].is_array()) {
        for (const auto& token : config["additional_special_tokens"]) {
          if (token.is_string()) hf->mark_special(token.get<std::string>());
        }
      }
    }
  }
  static void set_chat_template(Tokenizer& tokenizer, std::string text) {
    tokenizer.chat_template_ = std::move(text);
  }
};

// The readers of the tokenizer files index into their JSON with nlohmann's checked accessors; a
// field of the wrong type surfaces as nlohmann's exception, turned into kInvalidFormat here.
[[noreturn]] static void wrong_json_field(const std::string& source,
                                          const nlohmann::json::exception& error) {
  throw Error(ErrorCode::kInvalidFormat,
              source + " has a field of the wrong type or value: " + error.what());
}

std::unique_ptr<Tokenizer> Tokenizer::from_json(const std::string& tokenizer_json,
                                                const std::string& tokenizer_config_json) try {
  auto tokenizer = std::make_unique<tokenizer::HfTokenizer>(
      parse_json_text(tokenizer_json, "tokenizer.json"), "tokenizer.json");
  const nlohmann::json config =
      tokenizer_config_json.empty()
          ? nlohmann::json::object()
          : parse_json_text(tokenizer_config_json, "tokenizer_config.json");
  TokenizerLoader::configure(*tokenizer, config, tokenizer_config_json, "tokenizer_config.json");
  return tokenizer;
} catch (const nlohmann::json::exception& error) {
  wrong_json_field("tokenizer.json / tokenizer_config.json", error);
}

std::unique_ptr<Tokenizer> Tokenizer::from_folder(const std::string& dir) try {
  struct stat status {};
  if (stat(dir.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kFileNotFound, "tokenizer folder '" + dir + "' does not exist");
  }
  const std::string config_path = dir + "/tokenizer_config.json";
  std::string config_text;
  nlohmann::json config = nlohmann::json::object();
  if (file_exists(config_path)) {
    config_text = read_text(config_path);
    config = parse_json_text(config_text, "'" + config_path + "'");
  }
  std::unique_ptr<Tokenizer> tokenizer;
  const std::string json_path = dir + "/tokenizer.json";
  if (file_exists(json_path)) {
    tokenizer =
        std::make_unique<tokenizer::HfTokenizer>(read_json_file(json_path), "'" + json_path + "'");
  } else if (file_exists(dir + "/vocab.json") && file_exists(dir + "/merges.txt")) {
    tokenizer::ByteLevelFiles files;
    files.vocab = read_json_file(dir + "/vocab.json");
    files.merges = read_text(dir + "/merges.txt");
    files.config = config;
    files.added = file_exists(dir + "/added_tokens.json")
                      ? read_json_file(dir + "/added_tokens.json")
                      : nlohmann::json::object();
    files.special_map = file_exists(dir + "/special_tokens_map.json")
                            ? read_json_file(dir + "/special_tokens_map.json")
                            : nlohmann::json::object();
    tokenizer = std::make_unique<tokenizer::HfTokenizer>(
        tokenizer::byte_level_files_to_tokenizer_json(files, "'" + dir + "'"), "'" + dir + "'");
    // GPT-2's defaults when neither file names the special tokens.
    for (const char* key : {"bos_token", "eos_token", "unk_token"}) {
      if (!config.contains(key) && files.special_map.contains(key))
        config[key] = files.special_map[key];
      if (!config.contains(key) && files.vocab.contains("<|endoftext|>"))
        config[key] = "<|endoftext|>";
    }
  } else if (file_exists(dir + "/tokenizer.model")) {
    const std::string model_path = dir + "/tokenizer.model";
    tokenizer = std::make_unique<tokenizer::HfTokenizer>(
        tokenizer::sentencepiece_to_tokenizer_json(
            read_text(model_path), json_value_or<bool>(config, "add_bos_token", true, config_path),
            json_value_or<bool>(config, "add_eos_token", false, config_path),
            "'" + model_path + "'"),
        "'" + model_path + "'");
  } else {
    throw Error(ErrorCode::kFileNotFound,
                "tokenizer folder '" + dir +
                    "' has none of tokenizer.json, vocab.json + merges.txt, tokenizer.model");
  }
  TokenizerLoader::configure(*tokenizer, config, config_text, "'" + config_path + "'");
  if (file_exists(dir + "/chat_template.jinja")) {
    TokenizerLoader::set_chat_template(*tokenizer, read_text(dir + "/chat_template.jinja"));
  } else if (file_exists(dir + "/chat_template.json")) {
    const auto json = read_json_file(dir + "/chat_template.json");
    if (json.contains("chat_template")) {
      TokenizerLoader::set_chat_template(
          *tokenizer, template_field(json["chat_template"], "'" + dir + "/chat_template.json'"));
    }
  }
  return tokenizer;
} catch (const nlohmann::json::exception& error) {
  wrong_json_field("tokenizer folder '" + dir + "'", error);
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          bool add_special_tokens,
                                                          int num_threads) const {
  std::vector<std::vector<int32_t>> result(texts.size());
  const size_t threads =
      std::max<size_t>(1, std::min<size_t>(texts.size(), std::max(1, num_threads)));
  if (threads <= 1) {
    for (size_t i = 0; i < texts.size(); ++i) result[i] = encode(texts[i], add_special_tokens);
    return result;
  }
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> errors(threads);
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        for (size_t i = t; i < texts.size(); i += threads)
          result[i] = encode(texts[i], add_special_tokens);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return result;
}

std::string Tokenizer::decode_for_display(const std::vector<int32_t>& ids,
                                          bool skip_special_tokens) const {
  std::string text = decode(ids, skip_special_tokens);
  if (!special_.clean_up_tokenization_spaces) return text;
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    std::string out;
    const std::string needle = from;
    size_t last = 0, pos;
    while ((pos = text.find(needle, last)) != std::string::npos) {
      out.append(text, last, pos - last);
      out += to;
      last = pos + needle.size();
    }
    out.append(text, last, std::string::npos);
    text = std::move(out);
  }
  return text;
}

}  // namespace almkit
