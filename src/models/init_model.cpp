#include "models/init_model.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <random>

#include "almkit/error.h"
#include "almkit/safetensors.h"
#include "io/json_file.h"
#include "models/random_checkpoint.h"

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

struct TextShape {
  int64_t vocab, hidden, layers, heads, kv_heads, intermediate, max_positions;
  bool tie;
};
struct AudioShape {
  int64_t mel_bins, d_model, layers, heads, ffn;
};

// The Qwen2 decoder under `prefix` ("" or "language_model.").
void write_qwen2_lm(RandomWriter& w, const std::string& prefix, const TextShape& s, float std_dev) {
  const std::string lm = prefix + "model";
  const int64_t head_dim = s.hidden / s.heads, kv = s.kv_heads * head_dim;
  w.normal(lm + ".embed_tokens.weight", {s.vocab, s.hidden}, std_dev);
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
  if (!s.tie) w.normal(prefix + "lm_head.weight", {s.vocab, s.hidden}, std_dev);
}

nlohmann::json qwen2_text_config(const TextShape& s, int64_t eos, int64_t pad) {
  return {{"model_type", "qwen2"}, {"vocab_size", s.vocab}, {"hidden_size", s.hidden},
          {"intermediate_size", s.intermediate}, {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kv_heads},
          {"max_position_embeddings", s.max_positions}, {"rope_theta", 1000000.0}, {"rms_norm_eps", 1e-6},
          {"tie_word_embeddings", s.tie}, {"bos_token_id", pad}, {"eos_token_id", {eos, pad}},
          {"pad_token_id", pad}, {"hidden_act", "silu"}};
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error(ErrorCode::kIo, "cannot write '" + path + "'");
}

TextShape text_shape(const std::string& arch, const std::string& size) {
  // Published configs: Qwen2-0.5B-Instruct, Qwen2-Audio-7B's Qwen-7B language model.
  if (size == "small") return {0, 128, 2, 4, 2, 384, 8192, false};
  if (arch == "qwen2" && size == "0.5b") return {151936, 896, 24, 14, 2, 4864, 32768, true};
  if (arch == "qwen2_audio" && size == "7b") return {156032, 4096, 32, 32, 32, 11008, 8192, false};
  throw Error(ErrorCode::kInvalidArgument, "init-model: no size '" + size + "' for " + arch +
                                               " (qwen2_audio: small, 7b; qwen2: small, 0.5b)");
}

AudioShape whisper_shape(const std::string& size) {
  if (size == "small") return {80, 128, 2, 4, 512};
  if (size == "base") return {80, 512, 6, 8, 2048};
  if (size == "large-v3") return {128, 1280, 32, 20, 5120};
  throw Error(ErrorCode::kInvalidArgument, "init-model: no whisper size '" + size + "' (small, base, large-v3)");
}

// Reads the tokenizer, adds Qwen2-Audio's audio tokens and writes both tokenizer files.
std::map<std::string, int64_t> write_qwen_tokenizer(const InitModelOptions& options, int64_t& vocab) {
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
  if (options.arch == "qwen2_audio") {
    for (const char* content : {"<|audio_bos|>", "<|AUDIO|>", "<|audio_eos|>"}) {
      if (added.count(content)) continue;
      tokenizer["added_tokens"].push_back({{"id", next_id}, {"content", content}, {"single_word", false},
                                           {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                           {"special", true}});
      added[content] = next_id++;
    }
    tokenizer_config["chat_template"] = kQwen2AudioChatTemplate;
  }
  vocab = std::max(vocab, (next_id + 63) / 64 * 64);  // padded like hub checkpoints
  tokenizer_config.erase("added_tokens_decoder");
  write_text(options.output_dir + "/tokenizer.json", tokenizer.dump());
  write_text(options.output_dir + "/tokenizer_config.json", tokenizer_config.dump(2));
  return added;
}

nlohmann::json whisper_preprocessor(int64_t mel_bins) {
  return {{"feature_extractor_type", "WhisperFeatureExtractor"}, {"feature_size", mel_bins},
          {"sampling_rate", 16000}, {"hop_length", 160}, {"n_fft", 400}, {"chunk_length", 30},
          {"n_samples", 480000}, {"nb_max_frames", 3000}, {"padding_value", 0.0},
          {"return_attention_mask", true}};
}

std::string note(const InitModelOptions& options) {
  return "random weights written by almkit init-model (seed " + std::to_string(options.seed) +
         "): answers are expected at chance level";
}

int64_t write_qwen2_family(const InitModelOptions& options, DType dtype) {
  TextShape text = text_shape(options.arch, options.size);
  int64_t eos = 2, pad = 0, audio_token = -1;
  if (!options.tokenizer_dir.empty()) {
    std::map<std::string, int64_t> added = write_qwen_tokenizer(options, text.vocab);
    eos = added.count("<|im_end|>") ? added["<|im_end|>"] : eos;
    pad = added.count("<|endoftext|>") ? added["<|endoftext|>"] : pad;
    audio_token = added.count("<|AUDIO|>") ? added["<|AUDIO|>"] : -1;
  } else if (options.arch == "qwen2_audio") {
    throw Error(ErrorCode::kInvalidArgument, "init-model: qwen2_audio needs --tokenizer (a Qwen tokenizer folder)");
  }
  if (text.vocab == 0) text.vocab = 256;
  const std::string dir = options.output_dir;
  const float std_dev = 0.02f;
  RandomWriter w(options.seed, dtype);
  nlohmann::json config;
  if (options.arch == "qwen2_audio") {
    const AudioShape audio = options.size == "small" ? AudioShape{128, 128, 2, 4, 512} : AudioShape{128, 1280, 32, 20, 5120};
    config = {{"architectures", {"Qwen2AudioForConditionalGeneration"}}, {"model_type", "qwen2_audio"},
              {"audio_token_index", audio_token}, {"pad_token_id", pad},
              {"audio_config", {{"model_type", "qwen2_audio_encoder"}, {"num_mel_bins", audio.mel_bins},
                                {"d_model", audio.d_model}, {"encoder_layers", audio.layers},
                                {"encoder_attention_heads", audio.heads}, {"encoder_ffn_dim", audio.ffn},
                                {"max_source_positions", 1500}}},
              {"text_config", qwen2_text_config(text, eos, pad)}};
    write_text(dir + "/preprocessor_config.json", whisper_preprocessor(audio.mel_bins).dump(2));
    w.whisper_encoder("audio_tower", audio.mel_bins, audio.d_model, audio.layers, audio.ffn, std_dev);
    w.constant("audio_tower.layer_norm.weight", {audio.d_model}, 1.f);
    w.constant("audio_tower.layer_norm.bias", {audio.d_model}, 0.f);
    w.normal("multi_modal_projector.linear.weight", {text.hidden, audio.d_model}, std_dev);
    w.constant("multi_modal_projector.linear.bias", {text.hidden}, 0.f);
    write_qwen2_lm(w, "language_model.", text, std_dev);
  } else {
    config = qwen2_text_config(text, eos, pad);
    config["architectures"] = {"Qwen2ForCausalLM"};
    write_qwen2_lm(w, "", text, std_dev);
  }
  config["torch_dtype"] = dtype == DType::kF32 ? "float32" : "bfloat16";
  config["almkit_note"] = note(options);
  write_text(dir + "/config.json", config.dump(2));
  write_text(dir + "/generation_config.json",
             nlohmann::json({{"eos_token_id", {eos, pad}}, {"pad_token_id", pad}, {"do_sample", false}}).dump(2));
  w.set_metadata("format", "pt");
  w.write(dir + "/model.safetensors");
  return w.parameters();
}

int64_t write_whisper(const InitModelOptions& options, DType dtype) {
  const AudioShape a = whisper_shape(options.size);
  const int64_t vocab = a.mel_bins == 128 ? 51866 : 51865, max_target = 448;
  const float std_dev = 0.02f;
  RandomWriter w(options.seed, dtype);
  w.whisper_encoder("model.encoder", a.mel_bins, a.d_model, a.layers, a.ffn, std_dev);
  w.constant("model.encoder.layer_norm.weight", {a.d_model}, 1.f);
  w.constant("model.encoder.layer_norm.bias", {a.d_model}, 0.f);
  w.normal("model.decoder.embed_tokens.weight", {vocab, a.d_model}, std_dev);
  w.normal("model.decoder.embed_positions.weight", {max_target, a.d_model}, std_dev);
  for (int64_t i = 0; i < a.layers; ++i) {
    const std::string p = "model.decoder.layers." + std::to_string(i);
    for (const char* attention : {"self_attn", "encoder_attn"}) {
      for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        w.normal(p + "." + attention + "." + proj + ".weight", {a.d_model, a.d_model}, std_dev);
        if (std::string(proj) != "k_proj") w.constant(p + "." + attention + "." + proj + ".bias", {a.d_model}, 0.f);
      }
    }
    for (const char* norm : {"self_attn_layer_norm", "encoder_attn_layer_norm", "final_layer_norm"}) {
      w.constant(p + "." + norm + ".weight", {a.d_model}, 1.f);
      w.constant(p + "." + norm + ".bias", {a.d_model}, 0.f);
    }
    w.normal(p + ".fc1.weight", {a.ffn, a.d_model}, std_dev);
    w.constant(p + ".fc1.bias", {a.ffn}, 0.f);
    w.normal(p + ".fc2.weight", {a.d_model, a.ffn}, std_dev);
    w.constant(p + ".fc2.bias", {a.d_model}, 0.f);
  }
  w.constant("model.decoder.layer_norm.weight", {a.d_model}, 1.f);
  w.constant("model.decoder.layer_norm.bias", {a.d_model}, 0.f);
  const nlohmann::json config = {
      {"architectures", {"WhisperForConditionalGeneration"}}, {"model_type", "whisper"}, {"vocab_size", vocab},
      {"num_mel_bins", a.mel_bins}, {"d_model", a.d_model}, {"encoder_layers", a.layers},
      {"decoder_layers", a.layers}, {"encoder_attention_heads", a.heads}, {"decoder_attention_heads", a.heads},
      {"encoder_ffn_dim", a.ffn}, {"decoder_ffn_dim", a.ffn}, {"max_source_positions", 1500},
      {"max_target_positions", max_target}, {"activation_function", "gelu"}, {"pad_token_id", 50256},
      {"bos_token_id", 50257}, {"eos_token_id", 50257}, {"decoder_start_token_id", 50258},
      {"torch_dtype", dtype == DType::kF32 ? "float32" : "bfloat16"}, {"almkit_note", note(options)}};
  write_text(options.output_dir + "/config.json", config.dump(2));
  write_text(options.output_dir + "/preprocessor_config.json", whisper_preprocessor(a.mel_bins).dump(2));
  w.set_metadata("format", "pt");
  w.write(options.output_dir + "/model.safetensors");
  return w.parameters();
}

}  // namespace

int64_t init_model(const InitModelOptions& options) {
  if (options.arch != "qwen2_audio" && options.arch != "qwen2" && options.arch != "whisper") {
    throw Error(ErrorCode::kUnsupported,
                "init-model: no recipe for arch '" + options.arch + "' (supported: qwen2_audio, qwen2, whisper)");
  }
  if (options.output_dir.empty()) throw Error(ErrorCode::kInvalidArgument, "init-model: no output folder given");
  const DType dtype = parse_dtype(options.dtype);
  if (dtype != DType::kF32 && dtype != DType::kBF16) {
    throw Error(ErrorCode::kInvalidArgument, "init-model: dtype must be F32 or BF16");
  }
  mkdir(options.output_dir.c_str(), 0755);
  struct stat status {};
  if (stat(options.output_dir.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kIo, "init-model: cannot create folder '" + options.output_dir + "'");
  }
  return options.arch == "whisper" ? write_whisper(options, dtype) : write_qwen2_family(options, dtype);
}

}  // namespace almkit
