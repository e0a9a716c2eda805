// Codec speed at the published full-size configurations with random weights (speed does not
// depend on the values): EnCodec 24 kHz (facebook/encodec_24khz, 24 kbps = 32 codebooks),
// EnCodec 48 kHz (facebook/encodec_48khz: stereo, time_group_norm, its own 1 s chunks, 24 kbps =
// 16 codebooks), DAC 44 kHz (descript/dac_44khz, 9 codebooks) and Mimi (kyutai/mimi, 32
// codebooks); encode and decode of 5 s of noise, fp32 and bf16 weights, reported as x-realtime
// (audio seconds per wall second). bf16 puts Mimi's transformer weights through linear()'s bf16
// path; EnCodec (no bf16 LSTM in libtorch) and DAC (libtorch 1.13's bf16 convolutions were >15x
// slower than fp32 on this CPU) widen bf16 weights to fp32 at load, so their bf16 rows run the
// fp32 graph. 2026-11-25, 2 shared cores at load 2-2.8, range of three runs (docs/benchmarks.md):
//   x-realtime       fp32 encode  fp32 decode  bf16 encode  bf16 decode
//   EnCodec 24 kHz   5.8-6.4      5.8-6.4      4.5-7.8      6.4-8.3
//   EnCodec 48 kHz   1.3-3.8      2.3-3.6      2.2-3.4      2.3-4.0
//   DAC 44 kHz       0.33-0.61    0.20-0.27    0.44-0.56    0.24-0.28
//   Mimi             6.4-9.4      6.8-7.1      7.1-7.9      7.1-8.8
// The checkpoints are written once to .cache/bench-models/<name>/ (ALMKIT_BENCH_CACHE overrides
// the folder).
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

float fan_in_std(int64_t fan_in) {
  return 1.0f / std::sqrt(static_cast<float>(fan_in));
}

void conv(RandomWriter& w, const std::string& prefix, int64_t out, int64_t in, int64_t kernel,
          bool bias = true, bool weight_norm = false) {
  if (weight_norm) {
    w.constant(prefix + ".weight_g", {out, 1, 1}, 1.0f);
    w.normal(prefix + ".weight_v", {out, in, kernel}, 1.0f);
  } else {
    w.normal(prefix + ".weight", {out, in, kernel}, fan_in_std(in * kernel));
  }
  if (bias) w.constant(prefix + ".bias", {out}, 0.0f);
}

// EnCodec's SEANet at a published shape. facebook/encodec_24khz: mono, causal, weight-norm
// convolutions (weight_g / weight_v). facebook/encodec_48khz: stereo, non-causal, time_group_norm
// (plain convolution weights plus a one-group GroupNorm, `.norm`, after every convolution).
struct EncodecShape {
  int64_t channels;
  bool group_norm;
  int64_t quantizers;  // at the highest bandwidth: 32 at 75 Hz, 16 at 150 Hz (24 kbps)
};

void write_encodec(RandomWriter& w, const EncodecShape& shape) {
  const int64_t filters = 32, hidden = 128;
  const std::vector<int64_t> ratios = {8, 5, 4, 2};
  // One EncodecConv1d / EncodecConvTranspose1d under `layer` (`.conv` and, with group norm,
  // `.norm`).
  auto layer = [&](const std::string& layer, int64_t out, int64_t in, int64_t kernel,
                   bool transposed = false) {
    const std::string p = layer + ".conv";
    const std::vector<int64_t> dims =
        transposed ? std::vector<int64_t>{in, out, kernel} : std::vector<int64_t>{out, in, kernel};
    if (shape.group_norm) {
      w.normal(p + ".weight", dims, fan_in_std(in * kernel));
      w.constant(layer + ".norm.weight", {out}, 1.0f);
      w.constant(layer + ".norm.bias", {out}, 0.0f);
    } else {
      w.constant(p + ".weight_g", {dims[0], 1, 1}, 1.0f);
      w.normal(p + ".weight_v", dims, 1.0f);
    }
    w.constant(p + ".bias", {out}, 0.0f);
  };
  auto resnet = [&](const std::string& p, int64_t dim) {
    layer(p + ".block.1", dim / 2, dim, 3);
    layer(p + ".block.3", dim, dim / 2, 1);
    layer(p + ".shortcut", dim, dim, 1);
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
  layer("encoder.layers." + std::to_string(i++), filters, shape.channels, 7);
  for (auto it = ratios.rbegin(); it != ratios.rend(); ++it) {
    resnet("encoder.layers." + std::to_string(i++), scale * filters);
    ++i;  // ELU
    layer("encoder.layers." + std::to_string(i++), scale * filters * 2, scale * filters, *it * 2);
    scale *= 2;
  }
  lstm("encoder.layers." + std::to_string(i++), scale * filters);
  ++i;
  layer("encoder.layers." + std::to_string(i++), hidden, scale * filters, 7);
  i = 0;
  layer("decoder.layers." + std::to_string(i++), scale * filters, hidden, 7);
  lstm("decoder.layers." + std::to_string(i++), scale * filters);
  for (int64_t ratio : ratios) {
    ++i;
    layer("decoder.layers." + std::to_string(i++), scale * filters / 2, scale * filters, ratio * 2,
          true);
    resnet("decoder.layers." + std::to_string(i++), scale * filters / 2);
    scale /= 2;
  }
  ++i;
  layer("decoder.layers." + std::to_string(i++), shape.channels, filters, 7);
  for (int64_t q = 0; q < shape.quantizers; ++q) {
    const std::string p = "quantizer.layers." + std::to_string(q) + ".codebook.";
    w.normal(p + "embed", {1024, hidden}, 1.0f);
    w.constant(p + "embed_avg", {1024, hidden}, 0.0f);
    w.constant(p + "cluster_size", {1024}, 1.0f);
    w.constant(p + "inited", {1}, 1.0f);
  }
}

const char* kEncodec24Config =
    R"({"model_type": "encodec", "sampling_rate": 24000, "audio_channels": 1,
  "num_filters": 32, "hidden_size": 128, "upsampling_ratios": [8, 5, 4, 2], "num_lstm_layers": 2,
  "codebook_size": 1024, "target_bandwidths": [1.5, 3.0, 6.0, 12.0, 24.0], "norm_type": "weight_norm",
  "use_causal_conv": true, "normalize": false, "chunk_length_s": null, "overlap": null, "pad_mode": "reflect"})";

// facebook/encodec_48khz's config.json: 1 s chunks 1% apart, each RMS-normalised.
const char* kEncodec48Config =
    R"({"model_type": "encodec", "sampling_rate": 48000, "audio_channels": 2,
  "num_filters": 32, "hidden_size": 128, "upsampling_ratios": [8, 5, 4, 2], "num_lstm_layers": 2,
  "num_residual_layers": 1, "codebook_size": 1024, "codebook_dim": 128, "compress": 2, "kernel_size": 7,
  "last_kernel_size": 7, "residual_kernel_size": 3, "dilation_growth_rate": 2, "trim_right_ratio": 1.0,
  "use_conv_shortcut": true, "target_bandwidths": [3.0, 6.0, 12.0, 24.0], "norm_type": "time_group_norm",
  "use_causal_conv": false, "normalize": true, "chunk_length_s": 1.0, "overlap": 0.01, "pad_mode": "reflect"})";

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
    conv(w, "encoder.layers." + std::to_string(i++) + ".conv", scale * filters * 2, scale * filters,
         *it * 2);
    scale *= 2;
  }
  ++i;
  conv(w, "encoder.layers." + std::to_string(i++) + ".conv", hidden, scale * filters, 3);
  i = 0;
  conv(w, "decoder.layers." + std::to_string(i++) + ".conv", scale * filters, hidden, 7);
  for (int64_t ratio : ratios) {
    ++i;
    const std::string p = "decoder.layers." + std::to_string(i++) + ".conv";
    w.normal(p + ".weight", {scale * filters, scale * filters / 2, ratio * 2},
             fan_in_std(scale * filters));
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
  if (name == "encodec_24khz") write_encodec(writer, {1, false, 32}), config = kEncodec24Config;
  if (name == "encodec_48khz") write_encodec(writer, {2, true, 16}), config = kEncodec48Config;
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

// 5 s of noise for the codec and its codes at every codebook, made once per codec and dtype so
// the decode benchmark does not pay for an encode (DAC 44 kHz encodes at ~0.3x real time).
struct Clip {
  at::Tensor audio;
  almkit::codecs::EncodedAudioCodes codes;
};

const Clip& clip(const std::string& name, bool bf16) {
  static std::map<std::string, Clip> clips;
  const std::string key = name + (bf16 ? ":bf16" : ":f32");
  auto it = clips.find(key);
  if (it == clips.end()) {
    const auto& model = codec(name, bf16);
    Clip made;
    made.audio =
        at::randn({1, model.channels(), static_cast<int64_t>(kSeconds * model.sampling_rate())}) *
        0.1;
    made.codes = model.encode(made.audio, model.bandwidths().back());
    it = clips.emplace(key, std::move(made)).first;
  }
  return it->second;
}

void run(benchmark::State& state, const std::string& name, bool bf16, bool encode) {
  const auto& model = codec(name, bf16);
  const Clip& input = clip(name, bf16);
  const double bandwidth = model.bandwidths().back();  // every codebook
  for (auto _ : state) {
    if (encode) {
      benchmark::DoNotOptimize(model.encode(input.audio, bandwidth).codes);
    } else {
      benchmark::DoNotOptimize(model.decode(input.codes));
    }
  }
  state.counters["x_realtime"] =
      benchmark::Counter(kSeconds * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["quantizers"] = static_cast<double>(input.codes.codes.size(2));
}

void register_all() {
  for (const char* name : {"encodec_24khz", "encodec_48khz", "dac_44khz", "mimi"}) {
    for (const bool bf16 : {false, true}) {
      for (const bool encode : {true, false}) {
        const std::string label =
            std::string(name) + (bf16 ? "/bf16/" : "/fp32/") + (encode ? "encode" : "decode");
        benchmark::RegisterBenchmark(
            ("Codec/" + label).c_str(),
            [name, bf16, encode](benchmark::State& state) { run(state, name, bf16, encode); })
            ->Unit(benchmark::kMillisecond)
            ->Iterations(2)
            ->UseRealTime();
      }
    }
  }
}

const bool registered = (register_all(), true);

}  // namespace

BENCHMARK_MAIN();
