#include "models/init_model.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "io/json_file.h"

namespace almkit {
namespace {

// Qwen2-Audio-7B-Instruct's chat template, also accepting bare {"type": "audio"} parts.
const char* kQwen2AudioChatTemplate =
    "{% set audio_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and "
    "message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if 'audio' in content or 'audio_url' "
    "in content or content['type'] == 'audio' %}{% set audio_count.value = audio_count.value + 1 %}Audio "
    "{{ audio_count.value }}: <|audio_bos|><|AUDIO|><|audio_eos|>\n{% elif 'text' in content %}"
    "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if "
    "add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

struct Shape {
  int64_t audio_d, audio_layers, audio_heads, audio_ffn;
  int64_t hidden, layers, heads, kv_heads, intermediate;
};

Shape shape_for(const std::string& size) {
  if (size == "small") return {128, 2, 4, 512, 128, 2, 4, 2, 384};
  if (size == "7b") return {1280, 32, 20, 5120, 4096, 32, 32, 32, 11008};
  throw Error(ErrorCode::kInvalidArgument, "unknown --size '" + size + "' (expected small or 7b)");
}

class RandomWriter {
 public:
  RandomWriter(uint64_t seed, DType dtype) : rng_(seed), dtype_(dtype) {}
  void normal(const std::string& name, const std::vector<int64_t>& shape, float std_dev) {
    fill(name, shape, [&](std::normal_distribution<float>& d) { return d(rng_) * std_dev; });
  }
  void constant(const std::string& name, const std::vector<int64_t>& shape, float value) {
    fill(name, shape, [&](std::normal_distribution<float>&) { return value; });
  }
  void sinusoids(const std::string& name, int64_t length, int64_t channels) {
    // Whisper's fixed positional table: sin of the first half of channels, cos of the second.
    std::vector<float> values(static_cast<size_t>(length * channels));
    const double increment = std::log(10000.0) / (channels / 2 - 1);
    for (int64_t t = 0; t < length; ++t) {
      for (int64_t c = 0; c < channels / 2; ++c) {
        const double angle = t * std::exp(-increment * c);
        values[t * channels + c] = static_cast<float>(std::sin(angle));
        values[t * channels + channels / 2 + c] = static_cast<float>(std::cos(angle));
      }
    }
    add(name, {length, channels}, values);
  }
  int64_t parameters() const { return parameters_; }
  SafetensorsWriter& writer() { return writer_; }

 private:
  template <typename Draw>
  void fill(const std::string& name, const std::vector<int64_t>& shape, Draw draw) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> values(static_cast<size_t>(n));
    std::normal_distribution<float> normal(0.f, 1.f);
    for (auto& v : values) v = draw(normal);
    add(name, shape, values);
  }
  void add(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& values) {
    parameters_ += static_cast<int64_t>(values.size());
    if (dtype_ == DType::kF32) {
      writer_.add_f32(name, shape, values);
      return;
    }
    std::vector<uint16_t> half(values.size());
    for (size_t i = 0; i < values.size(); ++i) {  // round to nearest even
      uint32_t bits;
      std::memcpy(&bits, &values[i], 4);
      half[i] = static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    }
    writer_.add(name, DType::kBF16, shape, half.data(), half.size() * 2);
  }
  std::mt19937_64 rng_;
  DType dtype_;
  SafetensorsWriter writer_;
  int64_t parameters_ = 0;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error(ErrorCode::kIo, "cannot write '" + path + "'");
}

}  // namespace

int64_t init_model(const InitModelOptions& options) {
  if (options.arch != "qwen2_audio") {
    throw Error(ErrorCode::kUnsupported, "init-model: no recipe for arch '" + options.arch + "' (supported: qwen2_audio)");
  }
  if (options.output_dir.empty()) throw Error(ErrorCode::kInvalidArgument, "init-model: no output folder given");
  const DType dtype = parse_dtype(options.dtype);
  if (dtype != DType::kF32 && dtype != DType::kBF16) {
    throw Error(ErrorCode::kInvalidArgument, "init-model: dtype must be F32 or BF16");
  }
  const Shape s = shape_for(options.size);

  // Tokenizer: the real vocabulary plus Qwen2-Audio's three audio tokens.
  nlohmann::json tokenizer = read_json_file(options.tokenizer_dir + "/tokenizer.json");
  nlohmann::json tokenizer_config = nlohmann::json::object();
  if (std::ifstream(options.tokenizer_dir + "/tokenizer_config.json")) {
    tokenizer_config = read_json_file(options.tokenizer_dir + "/tokenizer_config.json");
  }
  if (!tokenizer.contains("model") || !tokenizer["model"].contains("vocab")) {
    throw Error(ErrorCode::kInvalidFormat, "'" + options.tokenizer_dir + "/tokenizer.json' has no model.vocab");
  }
  int64_t next_id = static_cast<int64_t>(tokenizer["model"]["vocab"].size());
  std::map<std::string, int64_t> added;
  for (const auto& token : tokenizer["added_tokens"]) {
    next_id = std::max<int64_t>(next_id, token["id"].get<int64_t>() + 1);
    added[token["content"].get<std::string>()] = token["id"].get<int64_t>();
  }
  for (const char* content : {"<|audio_bos|>", "<|AUDIO|>", "<|audio_eos|>"}) {
    if (added.count(content)) continue;
    tokenizer["added_tokens"].push_back({{"id", next_id}, {"content", content}, {"single_word", false},
                                         {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                         {"special", true}});
    added[content] = next_id++;
  }
  const int64_t vocab = (next_id + 63) / 64 * 64;  // padded like hub checkpoints
  auto id_of = [&](const std::string& token, int64_t fallback) {
    return added.count(token) ? added[token] : fallback;
  };
  const int64_t eos = id_of("<|im_end|>", 2), pad = id_of("<|endoftext|>", 0);
  tokenizer_config["chat_template"] = kQwen2AudioChatTemplate;
  tokenizer_config.erase("added_tokens_decoder");

  mkdir(options.output_dir.c_str(), 0755);
  struct stat status {};
  if (stat(options.output_dir.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kIo, "init-model: cannot create folder '" + options.output_dir + "'");
  }
  const nlohmann::json config = {
      {"architectures", {"Qwen2AudioForConditionalGeneration"}},
      {"model_type", "qwen2_audio"},
      {"audio_token_index", added["<|AUDIO|>"]},
      {"pad_token_id", pad},
      {"torch_dtype", dtype == DType::kF32 ? "float32" : "bfloat16"},
      {"almkit_note", "random weights written by almkit init-model (seed " + std::to_string(options.seed) +
                          "): answers are expected at chance level"},
      {"audio_config", {{"model_type", "qwen2_audio_encoder"}, {"num_mel_bins", 128}, {"d_model", s.audio_d},
                        {"encoder_layers", s.audio_layers}, {"encoder_attention_heads", s.audio_heads},
                        {"encoder_ffn_dim", s.audio_ffn}, {"max_source_positions", 1500}}},
      {"text_config", {{"model_type", "qwen2"}, {"vocab_size", vocab}, {"hidden_size", s.hidden},
                       {"intermediate_size", s.intermediate}, {"num_hidden_layers", s.layers},
                       {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kv_heads},
                       {"max_position_embeddings", 8192}, {"rope_theta", 1000000.0}, {"rms_norm_eps", 1e-6},
                       {"tie_word_embeddings", false}, {"bos_token_id", pad}, {"eos_token_id", {eos, pad}},
                       {"pad_token_id", pad}}}};
  const std::string dir = options.output_dir;
  write_text(dir + "/config.json", config.dump(2));
  write_text(dir + "/generation_config.json",
             nlohmann::json({{"eos_token_id", {eos, pad}}, {"pad_token_id", pad}, {"do_sample", false}}).dump(2));
  write_text(dir + "/preprocessor_config.json",
             nlohmann::json({{"feature_extractor_type", "WhisperFeatureExtractor"}, {"feature_size", 128},
                             {"sampling_rate", 16000}, {"hop_length", 160}, {"n_fft", 400}, {"chunk_length", 30},
                             {"n_samples", 480000}, {"nb_max_frames", 3000}, {"padding_value", 0.0},
                             {"return_attention_mask", true}}).dump(2));
  write_text(dir + "/tokenizer.json", tokenizer.dump());
  write_text(dir + "/tokenizer_config.json", tokenizer_config.dump(2));

  RandomWriter w(options.seed, dtype);
  const float std_dev = 0.02f;
  const std::string tower = "audio_tower";
  w.normal(tower + ".conv1.weight", {s.audio_d, 128, 3}, std_dev);
  w.constant(tower + ".conv1.bias", {s.audio_d}, 0.f);
  w.normal(tower + ".conv2.weight", {s.audio_d, s.audio_d, 3}, std_dev);
  w.constant(tower + ".conv2.bias", {s.audio_d}, 0.f);
  w.sinusoids(tower + ".embed_positions.weight", 1500, s.audio_d);
  for (int64_t i = 0; i < s.audio_layers; ++i) {
    const std::string p = tower + ".layers." + std::to_string(i);
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      w.normal(p + ".self_attn." + proj + ".weight", {s.audio_d, s.audio_d}, std_dev);
      if (std::string(proj) != "k_proj") w.constant(p + ".self_attn." + proj + ".bias", {s.audio_d}, 0.f);
    }
    for (const char* norm : {"self_attn_layer_norm", "final_layer_norm"}) {
      w.constant(p + "." + norm + ".weight", {s.audio_d}, 1.f);
      w.constant(p + "." + norm + ".bias", {s.audio_d}, 0.f);
    }
    w.normal(p + ".fc1.weight", {s.audio_ffn, s.audio_d}, std_dev);
    w.constant(p + ".fc1.bias", {s.audio_ffn}, 0.f);
    w.normal(p + ".fc2.weight", {s.audio_d, s.audio_ffn}, std_dev);
    w.constant(p + ".fc2.bias", {s.audio_d}, 0.f);
  }
  w.constant(tower + ".layer_norm.weight", {s.audio_d}, 1.f);
  w.constant(tower + ".layer_norm.bias", {s.audio_d}, 0.f);
  w.normal("multi_modal_projector.linear.weight", {s.hidden, s.audio_d}, std_dev);
  w.constant("multi_modal_projector.linear.bias", {s.hidden}, 0.f);
  const std::string lm = "language_model.model";
  const int64_t head_dim = s.hidden / s.heads, kv = s.kv_heads * head_dim;
  w.normal(lm + ".embed_tokens.weight", {vocab, s.hidden}, std_dev);
  for (int64_t i = 0; i < s.layers; ++i) {
    const std::string p = lm + ".layers." + std::to_string(i);
    w.normal(p + ".self_attn.q_proj.weight", {s.hidden, s.hidden}, std_dev);
    w.constant(p + ".self_attn.q_proj.bias", {s.hidden}, 0.f);
    w.normal(p + ".self_attn.k_proj.weight", {kv, s.hidden}, std_dev);
    w.constant(p + ".self_attn.k_proj.bias", {kv}, 0.f);
    w.normal(p + ".self_attn.v_proj.weight", {kv, s.hidden}, std_dev);
    w.constant(p + ".self_attn.v_proj.bias", {kv}, 0.f);
    w.normal(p + ".self_attn.o_proj.weight", {s.hidden, s.hidden}, std_dev);
    w.normal(p + ".mlp.gate_proj.weight", {s.intermediate, s.hidden}, std_dev);
    w.normal(p + ".mlp.up_proj.weight", {s.intermediate, s.hidden}, std_dev);
    w.normal(p + ".mlp.down_proj.weight", {s.hidden, s.intermediate}, std_dev);
    w.constant(p + ".input_layernorm.weight", {s.hidden}, 1.f);
    w.constant(p + ".post_attention_layernorm.weight", {s.hidden}, 1.f);
  }
  w.constant(lm + ".norm.weight", {s.hidden}, 1.f);
  w.normal("language_model.lm_head.weight", {vocab, s.hidden}, std_dev);
  w.writer().set_metadata("format", "pt");
  w.writer().write(dir + "/model.safetensors");
  return w.parameters();
}

}  // namespace almkit
