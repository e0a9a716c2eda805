#include "models/init_model.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "io/json_file.h"
#include "models/random_checkpoint.h"
#include "models/registry.h"

namespace almkit {
namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error(ErrorCode::kIo, "cannot write '" + path + "'");
}

// Copies the tokenizer into the checkpoint with the recipe's tokens added (as special tokens
// after the last id) and its chat template, and returns the ids the config needs.
InitTokens write_tokenizer(const InitModelOptions& options, const InitRecipe& recipe) {
  const std::string source = options.tokenizer_dir + "/tokenizer.json";
  nlohmann::json tokenizer = read_json_file(source);
  nlohmann::json tokenizer_config = nlohmann::json::object();
  if (std::ifstream(options.tokenizer_dir + "/tokenizer_config.json")) {
    tokenizer_config = read_json_file(options.tokenizer_dir + "/tokenizer_config.json");
  }
  if (!tokenizer.contains("model") || !tokenizer["model"].contains("vocab")) {
    throw Error(ErrorCode::kInvalidFormat, "'" + source + "' has no model.vocab");
  }
  InitTokens tokens;
  tokens.has_tokenizer = true;
  int64_t next_id = static_cast<int64_t>(tokenizer["model"]["vocab"].size());
  if (!tokenizer.contains("added_tokens")) tokenizer["added_tokens"] = nlohmann::json::array();
  for (const auto& token : tokenizer["added_tokens"]) {
    next_id = std::max<int64_t>(next_id, token["id"].get<int64_t>() + 1);
    tokens.special[token["content"].get<std::string>()] = token["id"].get<int64_t>();
  }
  for (const std::string& content : recipe.added_tokens) {
    if (tokens.special.count(content)) continue;
    tokenizer["added_tokens"].push_back({{"id", next_id}, {"content", content}, {"single_word", false},
                                         {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                         {"special", true}});
    tokens.special[content] = next_id++;
  }
  if (!recipe.chat_template.empty()) tokenizer_config["chat_template"] = recipe.chat_template;
  tokens.vocab_size = (next_id + 63) / 64 * 64;  // padded like hub checkpoints
  tokenizer_config.erase("added_tokens_decoder");
  write_text(options.output_dir + "/tokenizer.json", tokenizer.dump());
  write_text(options.output_dir + "/tokenizer_config.json", tokenizer_config.dump(2));
  return tokens;
}

std::string list(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The recorded tensors of the architecture built from `config`, planned as a fresh model's
// values: Gaussian weights (std 0.02), ones / zeros for norms and biases, fixed sinusoids.
RandomWriter plan_weights(const nlohmann::json& config, const InitModelOptions& options, DType dtype) {
  WeightStore recording = WeightStore::recording();
  build_model_parts(ModelConfig(config, "init-model's config for " + options.arch, options.output_dir), recording);
  RandomWriter writer(options.seed, dtype);
  for (const RecordedWeight& weight : recording.recorded()) {
    switch (weight.init) {
      case WeightInit::kNormal: writer.normal(weight.name, weight.shape, 0.02f); break;
      case WeightInit::kOnes: writer.constant(weight.name, weight.shape, 1.f); break;
      case WeightInit::kZeros: writer.constant(weight.name, weight.shape, 0.f); break;
      case WeightInit::kSinusoids: writer.sinusoids(weight.name, weight.shape.at(0), weight.shape.at(1)); break;
    }
  }
  return writer;
}

}  // namespace

int64_t init_model(const InitModelOptions& options) {
  const std::optional<InitRecipe> recipe = find_init_recipe(options.arch);
  if (!recipe) {
    throw Error(ErrorCode::kUnsupported,
                "init-model: no recipe for arch '" + options.arch + "' (supported: " + list(init_model_types()) + ")");
  }
  if (std::find(recipe->sizes.begin(), recipe->sizes.end(), options.size) == recipe->sizes.end()) {
    throw Error(ErrorCode::kInvalidArgument, "init-model: no size '" + options.size + "' for " + options.arch +
                                                 " (sizes: " + list(recipe->sizes) + ")");
  }
  if (options.output_dir.empty()) throw Error(ErrorCode::kInvalidArgument, "init-model: no output folder given");
  const DType dtype = parse_dtype(options.dtype);
  if (dtype != DType::kF32 && dtype != DType::kBF16) {
    throw Error(ErrorCode::kInvalidArgument, "init-model: dtype must be F32 or BF16");
  }
  if (recipe->needs_tokenizer && options.tokenizer_dir.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "init-model: " + options.arch + " needs --tokenizer (" + recipe->tokenizer_hint + ")");
  }
  mkdir(options.output_dir.c_str(), 0755);
  struct stat status {};
  if (stat(options.output_dir.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kIo, "init-model: cannot create folder '" + options.output_dir + "'");
  }
  InitTokens tokens;
  tokens.vocab_size = 256;  // token-id models without a vocabulary
  if (!options.tokenizer_dir.empty()) tokens = write_tokenizer(options, *recipe);
  nlohmann::json config = recipe->config(options.size, tokens);
  config["torch_dtype"] = dtype == DType::kF32 ? "float32" : "bfloat16";
  config["almkit_note"] = "random weights written by almkit init-model (seed " + std::to_string(options.seed) +
                          "): answers are expected at chance level";
  const std::string dir = options.output_dir;
  if (recipe->preprocessor_config) write_text(dir + "/preprocessor_config.json", recipe->preprocessor_config(config).dump(2));
  // generation_config.json: the eos / pad / bos ids the model's (text) config declares.
  const nlohmann::json& text = config.contains("text_config") ? config["text_config"] : config;
  nlohmann::json generation = {{"do_sample", false}};
  for (const char* key : {"bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"}) {
    if (text.contains(key)) generation[key] = text[key];
  }
  RandomWriter writer = plan_weights(config, options, dtype);
  write_text(dir + "/config.json", config.dump(2));
  write_text(dir + "/generation_config.json", generation.dump(2));
  writer.set_metadata("format", "pt");
  writer.write(dir + "/model.safetensors");
  return writer.parameters();
}

}  // namespace almkit
