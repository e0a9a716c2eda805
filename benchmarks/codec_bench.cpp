// Codec speed at the published full-size configurations with random weights (speed does not
// depend on the values): EnCodec 24 kHz (facebook/encodec_24khz, 24 kbps = 32 codebooks),
// DAC 44 kHz (descript/dac_44khz, 9 codebooks) and Mimi (kyutai/mimi, 32 codebooks), encode
// and decode of 5 s of noise, reported as x-realtime (audio seconds per wall second). bf16 runs
// Mimi's transformer weights through almkit's bf16 kernel; DAC (bf16 convolutions in libtorch
// 1.13 were >15x slower than fp32 on this CPU) and EnCodec (no bf16 LSTM) compute in fp32 only. The checkpoints are written once to
// .cache/bench-models/<name>/ (ALMKIT_BENCH_CACHE overrides the folder).
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "models/codecs/codec.h"
#include "models/random_checkpoint.h"

namespace {

using almkit::RandomWriter;

std::string cache_dir() {
  const char* value = std::getenv("ALMKIT_BENCH_CACHE");
  return value ? value : ".cache/bench-models";
}

bool exists(const std::string& path) {
  struct stat s {};
  return stat(path.c_str(), &s) == 0;
}

float fan_in_std(int64_t fan_in) { return 1.0f / std::sqrt(static_cast<float>(fan_in)); }

void conv(RandomWriter& w, const std::string& prefix, int64_t out, int64_t in, int64_t kernel, bool bias = true,
          bool weight_norm = false) {
  if (weight_norm) {
    w.constant(prefix + ".weight_g", {out, 1, 1}, 1.0f);
    w.normal(prefix + ".weight_v", {out, in, kernel}, 1.0f);
  } else {
    w.normal(prefix + ".weight", {out, in, kernel}, fan_in_std(in * kernel));
  }
  if (bias) w.constant(prefix + ".bias", {out}, 0.0f);
}

// facebook/encodec_24khz
void write_encodec(RandomWriter& w) {
  const int64_t filters = 32, hidden = 128;
  const std::vector<int64_t> ratios = {8, 5, 4, 2};
  auto resnet = [&](const std::string& p, int64_t dim) {
    conv(w, p + ".block.1.conv", dim / 2, dim, 3, true, true);
    conv(w, p + ".block.3.conv", dim, dim / 2, 1, true, true);
    conv(w, p + ".shortcut.conv", dim, dim, 1, true, true);
  };
  auto lstm = [&](const std::string& p, int64_t dim) {
    for (int l = 0; l < 2; ++l) {
      const std::string s = "_l" + std::to_string(l);
      w.normal(p + ".lstm.weight_ih" + s, {4 * dim, dim}, fan_in_std(dim));
      w.normal(p + ".lstm.weight_hh" + s, {4 * dim, dim}, fan_in_std(dim));
      w.constant(p + ".lstm.bias_ih" + s, {4 * dim}, 0.0f);
      w.constant(p + ".lstm.bias_hh" + s, {4 * dim}, 0.0f);
    }
  };
  int64_t i = 0, scale = 1;
  conv(w, "encoder.layers." + std::to_string(i++) + ".conv", filters, 1, 7, true, true);
  for (auto it = ratios.rbegin(); it != ratios.rend(); ++it) {
    resnet("encoder.layers." + std::to_string(i++), scale * filters);
    ++i;  // ELU
    conv(w, "encoder.layers." + std::to_string(i++) + ".conv", scale * filters * 2, scale * filters, *it * 2, true, true);
    scale *= 2;
  }
  lstm("encoder.layers." + std::to_string(i++), scale * filters);
  ++i;
  conv(w, "encoder.layers." + std::to_string(i++) + ".conv", hidden, scale * filters, 7, true, true);
  i = 0;
  conv(w, "decoder.layers." + std::to_string(i++) + ".conv", scale * filters, hidden, 7, true, true);
  lstm("decoder.layers." + std::to_string(i++), scale * filters);
  for (int64_t ratio : ratios) {
    ++i;
    const std::string p = "decoder.layers." + std::to_string(i++) + ".conv";
    w.constant(p + ".weight_g", {scale * filters, 1, 1}, 1.0f);
    w.normal(p + ".weight_v", {scale * filters, scale * filters / 2, ratio * 2}, 1.0f);
    w.constant(p + ".bias", {scale * filters / 2}, 0.0f);
    resnet("decoder.layers." + std::to_string(i++), scale * filters / 2);
    scale /= 2;
  }
  ++i;
  conv(w, "decoder.layers." + std::to_string(i++) + ".conv", 1, filters, 7, true, true);
  for (int q = 0; q < 32; ++q) {
    const std::string p = "quantizer.layers." + std::to_string(q) + ".codebook.";
    w.normal(p + "embed", {1024, hidden}, 1.0f);
    w.constant(p + "embed_avg", {1024, hidden}, 0.0f);
    w.constant(p + "cluster_size", {1024}, 1.0f);
    w.constant(p + "inited", {1}, 1.0f);
  }
}

const char* kEncodecConfig = R"({"model_type": "encodec", "sampling_rate": 24000, "audio_channels": 1,
  "num_filters": 32, "hidden_size": 128, "upsampling_ratios": [8, 5, 4, 2], "num_lstm_layers": 2,
  "codebook_size": 1024, "target_bandwidths": [1.5, 3.0, 6.0, 12.0, 24.0], "norm_type": "weight_norm",
  "use_causal_conv": true, "normalize": false, "chunk_length_s": null, "overlap": null, "pad_mode": "reflect"})";

// descript/dac_44khz
void write_dac(RandomWriter& w) {
  const int64_t enc = 64, dec = 1536, hidden = 1024;
  const std::vector<int64_t> down = {2, 4, 8, 8}, up = {8, 8, 4, 2};
  auto unit = [&](const std::string& p, int64_t dim) {
    w.constant(p + ".snake1.alpha", {1, dim, 1}, 1.0f);
    w.constant(p + ".snake2.alpha", {1, dim, 1}, 1.0f);
    conv(w, p + ".conv1", dim, dim, 7);
    conv(w, p + ".conv2", dim, dim, 1);
  };
  conv(w, "encoder.conv1", enc, 1, 7);
  int64_t dim = enc;
  for (size_t i = 0; i < down.size(); ++i) {
    dim = enc << (i + 1);
    const std::string p = "encoder.block." + std::to_string(i);
    for (int u = 1; u <= 3; ++u) unit(p + ".res_unit" + std::to_string(u), dim / 2);
    w.constant(p + ".snake1.alpha", {1, dim / 2, 1}, 1.0f);
    conv(w, p + ".conv1", dim, dim / 2, 2 * down[i]);
  }
  w.constant("encoder.snake1.alpha", {1, dim, 1}, 1.0f);
  conv(w, "encoder.conv2", hidden, dim, 3);
  conv(w, "decoder.conv1", dec, hidden, 7);
  int64_t out = dec;
  for (size_t i = 0; i < up.size(); ++i) {
    const int64_t in = dec >> i;
    out = dec >> (i + 1);
    const std::string p = "decoder.block." + std::to_string(i);
    w.constant(p + ".snake1.alpha", {1, in, 1}, 1.0f);
    w.normal(p + ".conv_t1.weight", {in, out, 2 * up[i]}, fan_in_std(in * 2));
    w.constant(p + ".conv_t1.bias", {out}, 0.0f);
    for (int u = 1; u <= 3; ++u) unit(p + ".res_unit" + std::to_string(u), out);
  }
  w.constant("decoder.snake1.alpha", {1, out, 1}, 1.0f);
  conv(w, "decoder.conv2", 1, out, 7);
  for (int q = 0; q < 9; ++q) {
    const std::string p = "quantizer.quantizers." + std::to_string(q);
    w.normal(p + ".codebook.weight", {1024, 8}, 1.0f);
    conv(w, p + ".in_proj", 8, hidden, 1);
    conv(w, p + ".out_proj", hidden, 8, 1);
  }
}

const char* kDacConfig = R"({"model_type": "dac", "sampling_rate": 44100, "encoder_hidden_size": 64,
  "downsampling_ratios": [2, 4, 8, 8], "decoder_hidden_size": 1536, "upsampling_ratios": [8, 8, 4, 2],
  "hidden_size": 1024, "n_codebooks": 9, "codebook_size": 1024, "codebook_dim": 8, "hop_length": 512})";

// kyutai/mimi
void write_mimi(RandomWriter& w) {
  const int64_t filters = 64, hidden = 512, layers = 8, ffn = 2048;
  const std::vector<int64_t> ratios = {8, 6, 5, 4};
  auto resnet = [&](const std::string& p, int64_t dim) {
    conv(w, p + ".block.1.conv", dim / 2, dim, 3);
    conv(w, p + ".block.3.conv", dim, dim / 2, 1);
  };
  int64_t i = 0, scale = 1;
  conv(w, "encoder.layers." + std::to_string(i++) + ".conv", filters, 1, 7);
  for (auto it = ratios.rbegin(); it != ratios.rend(); ++it) {
    resnet("encoder.layers." + std::to_string(i++), scale * filters);
    ++i;
    conv(w, "encoder.layers." + std::to_string(i++) + ".conv", scale * filters * 2, scale * filters, *it * 2);
    scale *= 2;
  }
  ++i;
  conv(w, "encoder.layers." + std::to_string(i++) + ".conv", hidden, scale * filters, 3);
  i = 0;
  conv(w, "decoder.layers." + std::to_string(i++) + ".conv", scale * filters, hidden, 7);
  for (int64_t ratio : ratios) {
    ++i;
    const std::string p = "decoder.layers." + std::to_string(i++) + ".conv";
    w.normal(p + ".weight", {scale * filters, scale * filters / 2, ratio * 2}, fan_in_std(scale * filters));
    w.constant(p + ".bias", {scale * filters / 2}, 0.0f);
    resnet("decoder.layers." + std::to_string(i++), scale * filters / 2);
    scale /= 2;
  }
  ++i;
  conv(w, "decoder.layers." + std::to_string(i++) + ".conv", 1, filters, 3);
  for (const std::string stack : {"encoder_transformer", "decoder_transformer"}) {
    for (int64_t l = 0; l < layers; ++l) {
      const std::string p = stack + ".layers." + std::to_string(l);
      for (const std::string norm : {".input_layernorm", ".post_attention_layernorm"}) {
        w.constant(p + norm + ".weight", {hidden}, 1.0f);
        w.constant(p + norm + ".bias", {hidden}, 0.0f);
      }
      for (const std::string proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
        w.normal(p + ".self_attn." + proj + ".weight", {hidden, hidden}, fan_in_std(hidden));
      }
      w.normal(p + ".mlp.fc1.weight", {ffn, hidden}, fan_in_std(hidden));
      w.normal(p + ".mlp.fc2.weight", {hidden, ffn}, fan_in_std(ffn));
      w.constant(p + ".self_attn_layer_scale.scale", {hidden}, 0.01f);
      w.constant(p + ".mlp_layer_scale.scale", {hidden}, 0.01f);
    }
  }
  w.normal("downsample.conv.weight", {hidden, hidden, 4}, fan_in_std(hidden * 4));
  w.normal("upsample.conv.weight", {hidden, 1, 4}, 0.5f);
  for (const std::string part : {"semantic", "acoustic"}) {
    const std::string p = "quantizer." + part + "_residual_vector_quantizer";
    w.normal(p + ".input_proj.weight", {256, hidden, 1}, fan_in_std(hidden));
    w.normal(p + ".output_proj.weight", {hidden, 256, 1}, fan_in_std(256));
    for (int q = 0; q < (part == "semantic" ? 1 : 31); ++q) {
      const std::string c = p + ".layers." + std::to_string(q) + ".codebook.";
      w.normal(c + "embed_sum", {2048, 256}, 1.0f);
      w.constant(c + "cluster_usage", {2048}, 1.0f);
      w.constant(c + "initialized", {1}, 1.0f);
    }
  }
}

const char* kMimiConfig = R"({"model_type": "mimi", "sampling_rate": 24000, "frame_rate": 12.5,
  "hidden_size": 512, "num_filters": 64, "upsampling_ratios": [8, 6, 5, 4], "num_quantizers": 32,
  "num_semantic_quantizers": 1, "codebook_size": 2048, "codebook_dim": 256,
  "vector_quantization_hidden_dimension": 256, "upsample_groups": 512, "num_hidden_layers": 8,
  "intermediate_size": 2048, "num_attention_heads": 8, "num_key_value_heads": 8, "head_dim": 64,
  "sliding_window": 250, "max_position_embeddings": 8000, "use_causal_conv": true, "pad_mode": "constant"})";

std::string checkpoint(const std::string& name) {
  const std::string dir = cache_dir() + "/" + name;
  if (exists(dir + "/model.safetensors")) return dir;
  std::system(("mkdir -p '" + dir + "'").c_str());
  RandomWriter writer(1234, almkit::DType::kF32);
  const char* config = nullptr;
  if (name == "encodec_24khz") write_encodec(writer), config = kEncodecConfig;
  if (name == "dac_44khz") write_dac(writer), config = kDacConfig;
  if (name == "mimi") write_mimi(writer), config = kMimiConfig;
  std::ofstream(dir + "/config.json") << config;
  writer.write(dir + "/model.safetensors");
  return dir;
}

const almkit::codecs::Codec& codec(const std::string& name, bool bf16) {
  static std::map<std::string, std::unique_ptr<almkit::codecs::Codec>> loaded;
  const std::string key = name + (bf16 ? ":bf16" : ":f32");
  auto it = loaded.find(key);
  if (it == loaded.end()) {
    almkit::WeightOptions options;
    if (bf16) options.dtype = at::kBFloat16;
    it = loaded.emplace(key, almkit::codecs::load_codec(checkpoint(name), options)).first;
  }
  return *it->second;
}

constexpr double kSeconds = 5.0;

void run(benchmark::State& state, const std::string& name, bool bf16, bool encode) {
  const auto& model = codec(name, bf16);
  const at::Tensor audio =
      at::randn({1, model.channels(), static_cast<int64_t>(kSeconds * model.sampling_rate())}) * 0.1;
  const double bandwidth = model.bandwidths().back();  // every codebook
  const almkit::codecs::EncodedAudioCodes codes = model.encode(audio, bandwidth);
  for (auto _ : state) {
    if (encode) {
      benchmark::DoNotOptimize(model.encode(audio, bandwidth).codes);
    } else {
      benchmark::DoNotOptimize(model.decode(codes));
    }
  }
  state.counters["x_realtime"] = benchmark::Counter(kSeconds * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["quantizers"] = static_cast<double>(codes.codes.size(2));
}

void register_all() {
  struct Entry {
    const char* name;
    bool bf16;
  };
  for (const Entry entry : {Entry{"encodec_24khz", false}, Entry{"dac_44khz", false},
                            Entry{"mimi", false}, Entry{"mimi", true}}) {
    for (const bool encode : {true, false}) {
      const std::string label = std::string(entry.name) + (entry.bf16 ? "/bf16/" : "/fp32/") +
                                (encode ? "encode" : "decode");
      benchmark::RegisterBenchmark(("Codec/" + label).c_str(),
                                   [entry, encode](benchmark::State& state) {
                                     run(state, entry.name, entry.bf16, encode);
                                   })
          ->Unit(benchmark::kMillisecond)
          ->Iterations(2)
          ->UseRealTime();
    }
  }
}

const bool registered = (register_all(), true);

}  // namespace

BENCHMARK_MAIN();
