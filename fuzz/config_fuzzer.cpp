// Fuzzes config.json typing: ModelConfig's typed accessors on the fields the model builders read,
// and nested configs. Only the torch-free reading is
// fuzzed: the family builders (src/models/*.cpp) link libtorch, and
// preprocessor_config.json's reader sits in src/features, whose kernels need GCC.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "almkit/error.h"
#include "io/json_file.h"
#include "models/config.h"

namespace {

// The trap for a wrapped integer: what integer() returns is the number the file holds.
void check_integer(const almkit::ModelConfig& config, const char* key, int64_t value) {
  const auto it = config.json().find(key);
  if (it == config.json().end()) return;
  if ((it->is_number_unsigned() && (value < 0 || it->get<uint64_t>() != uint64_t(value))) ||
      (it->is_number_integer() && !it->is_number_unsigned() && it->get<int64_t>() != value)) {
    std::abort();
  }
}

void read_fields(const almkit::ModelConfig& config) {
  for (const char* key :
       {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings",
        "num_mel_bins", "d_model", "sliding_window", "audio_token_index"}) {
    check_integer(config, key, config.integer(key, 0));
  }
  for (const char* key : {"rms_norm_eps", "rope_theta", "layer_norm_eps", "attention_multiplier"}) {
    (void)config.number(key, 1.0);
  }
  for (const char* key : {"tie_word_embeddings", "attention_bias", "scale_embedding"}) {
    (void)config.boolean(key, false);
  }
  for (const char* key : {"hidden_act", "model_type", "torch_dtype"}) (void)config.string(key, "");
  for (const char* key : {"eos_token_id", "bos_token_id", "pad_token_id"}) (void)config.ids(key);
  try {
    (void)config.required_integer("hidden_size");
  } catch (const almkit::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    nlohmann::json json = almkit::parse_json_text(text, "'config.json'");
    if (!json.is_object()) return 0;
    const almkit::ModelConfig config(std::move(json), "'config.json'");
    try {
      (void)config.model_type();
    } catch (const almkit::Error&) {
    }
    read_fields(config);
    for (const char* key : {"text_config", "audio_config", "encoder_config", "rope_scaling"}) {
      read_fields(config.nested(key));
    }
  } catch (const almkit::Error&) {
  }
  return 0;
}
