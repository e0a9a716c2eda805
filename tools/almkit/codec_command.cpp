// `almkit codec encode|decode`: audio <-> neural-codec codes (EnCodec, DAC, Mimi), with round-trip
// quality; long files go through the model in chunks (models/codecs/codec_chunking.h).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/features.h"
#include "almkit/safetensors.h"
#include "commands.h"
#include "models/codecs/codec.h"
#include "models/codecs/codec_chunking.h"

namespace almkit::cli {
namespace {

struct CodecArgs {
  std::string model, input, output;
  double bandwidth = 0.0;  // 0: the model's default bandwidth
  bool causal = false;     // Mimi: causal sliding-window attention (streams exactly)
  bool quiet = false;
  codecs::LongAudioOptions chunking;
};

std::unique_ptr<codecs::Codec> load(const CodecArgs& args) {
  codecs::CodecOptions options;
  options.causal_attention = args.causal;
  return codecs::load_codec(args.model, {}, options);
}

// Progress on stderr for inputs that take more than one chunk.
codecs::LongAudioOptions with_progress(const CodecArgs& args, const char* what) {
  codecs::LongAudioOptions options = args.chunking;
  if (args.quiet) return options;
  options.progress = [what](int64_t done, int64_t total) {
    std::fprintf(stderr, "\r%s: %lld / %lld frames (%.0f%%)", what, static_cast<long long>(done),
                 static_cast<long long>(total), total ? 100.0 * done / total : 100.0);
    if (done >= total) std::fprintf(stderr, "\n");
  };
  return options;
}

// Scale-invariant signal-to-distortion ratio (dB) of `estimate` against `reference`.
// Over the common length (DAC's decode is a few samples shorter than its input).
double si_sdr(const at::Tensor& reference, const at::Tensor& estimate) {
  const int64_t n = std::min(reference.size(-1), estimate.size(-1));
  const at::Tensor s = reference.narrow(-1, 0, n).reshape({-1}).to(at::kDouble);
  const at::Tensor e = estimate.narrow(-1, 0, n).reshape({-1}).to(at::kDouble);
  const double alpha = (e * s).sum().item<double>() / std::max((s * s).sum().item<double>(), 1e-20);
  const at::Tensor target = alpha * s;
  return 10.0 * std::log10((target * target).sum().item<double>() /
                           std::max(((e - target) * (e - target)).sum().item<double>(), 1e-20));
}

// Mean absolute difference of 80-bin Kaldi log-mel features of the first channel.
double log_mel_distance(const at::Tensor& reference, const at::Tensor& estimate, int64_t sample_rate) {
  KaldiFbankOptions options;
  options.num_mel_bins = 80;
  options.sample_frequency = static_cast<double>(sample_rate);
  const KaldiFbank fbank(options);
  const at::Tensor a = reference[0][0].contiguous(), b = estimate[0][0].contiguous();
  const FeatureTensor fa = fbank.compute(a.data_ptr<float>(), a.numel());
  const FeatureTensor fb = fbank.compute(b.data_ptr<float>(), b.numel());
  const size_t n = std::min(fa.values.size(), fb.values.size());
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::fabs(fa.values[i] - fb.values[i]);
  return n ? sum / n : 0.0;
}

AudioBuffer to_buffer(const at::Tensor& audio, int sample_rate) {  // [1, C, T]
  const at::Tensor interleaved = audio[0].t().contiguous().clamp(-1.f, 1.f);
  AudioBuffer out;
  out.sample_rate = sample_rate;
  out.channels = static_cast<int>(audio.size(1));
  out.samples.assign(interleaved.data_ptr<float>(), interleaved.data_ptr<float>() + interleaved.numel());
  return out;
}

void run_encode(const CodecArgs& args) {
  const auto codec = load(args);
  const at::Tensor audio = codecs::codec_input(*codec, load_audio(args.input), args.input);
  const double bandwidth = args.bandwidth > 0 ? args.bandwidth : codec->default_bandwidth();
  const int64_t frames = (audio.size(-1) + codec->frame_samples() - 1) / codec->frame_samples();
  std::printf("%s: %s, %.1f s, %s\n", args.input.c_str(), codec->model_type().c_str(),
              static_cast<double>(audio.size(-1)) / codec->sampling_rate(),
              codecs::long_audio_method(*codec, frames, args.chunking).c_str());
  const codecs::EncodedAudioCodes encoded =
      codecs::encode_long(*codec, audio, bandwidth, with_progress(args, "encode"));
  SafetensorsWriter writer;
  const at::Tensor codes = encoded.codes.contiguous();
  writer.add("audio_codes", DType::kI64, codes.sizes().vec(), codes.data_ptr(), codes.nbytes());
  writer.add_i64("audio_length", {1}, {encoded.audio_length});
  if (!encoded.scales.empty() && encoded.scales[0].defined()) {
    const at::Tensor scales = at::stack(encoded.scales).reshape({codes.size(0), codes.size(1)}).contiguous();
    writer.add("audio_scales", DType::kF32, scales.sizes().vec(), scales.data_ptr(), scales.nbytes());
  }
  writer.set_metadata("model_type", codec->model_type());
  writer.set_metadata("bandwidth_kbps", std::to_string(bandwidth));
  if (args.causal) writer.set_metadata("causal_attention", "1");
  writer.write(args.output);
  const at::Tensor decoded = codecs::decode_long(*codec, encoded, with_progress(args, "round-trip decode"));
  const double kbps = codes.size(2) * std::log2(static_cast<double>(codec->codebook_size())) * codec->frame_rate() / 1000;
  std::printf("%s: %lld chunk(s) x %lld quantizer(s) x %lld frames -> %s\n", args.input.c_str(),
              static_cast<long long>(codes.size(0)), static_cast<long long>(codes.size(2)),
              static_cast<long long>(codes.size(3)), args.output.c_str());
  std::printf("round trip: SI-SDR %.2f dB, log-mel distance %.4f, %.2f kbps\n", si_sdr(audio, decoded),
              log_mel_distance(audio, decoded, codec->sampling_rate()), kbps);
}

void run_decode(const CodecArgs& args) {
  auto file = SafetensorsFile::open(args.input);
  CodecArgs effective = args;
  const auto causal = file->metadata().find("causal_attention");
  effective.causal = args.causal || (causal != file->metadata().end() && causal->second == "1");  // as encoded
  const auto codec = load(effective);
  const TensorView& view = file->tensor("audio_codes");
  if (view.dtype != DType::kI64) throw Error(ErrorCode::kInvalidFormat, args.input + ": audio_codes must be I64");
  codecs::EncodedAudioCodes encoded;
  encoded.codes = at::from_blob(const_cast<void*>(view.data), view.shape, at::kLong).clone();
  if (file->contains("audio_length")) {
    encoded.audio_length = *static_cast<const int64_t*>(file->tensor("audio_length").data);
  }
  if (file->contains("audio_scales")) {
    const TensorView& scales = file->tensor("audio_scales");
    const at::Tensor all = at::from_blob(const_cast<void*>(scales.data), scales.shape, at::kFloat).clone();
    for (int64_t c = 0; c < all.size(0); ++c) encoded.scales.push_back(all[c].view({-1, 1}));
  }
  const at::Tensor audio = codecs::decode_long(*codec, encoded, with_progress(args, "decode"));
  write_wav(args.output, to_buffer(audio, static_cast<int>(codec->sampling_rate())));
  std::printf("%s -> %s (%lld samples at %lld Hz)\n", args.input.c_str(), args.output.c_str(),
              static_cast<long long>(audio.size(-1)), static_cast<long long>(codec->sampling_rate()));
}

void register_codec(CLI::App& app) {
  auto* command = app.add_subcommand("codec", "neural audio codec: audio <-> discrete codes (EnCodec, DAC, Mimi)");
  command->require_subcommand(1);
  for (const bool encode : {true, false}) {
    auto args = std::make_shared<CodecArgs>();
    auto* sub = command->add_subcommand(encode ? "encode" : "decode",
                                        encode ? "WAV -> codes.safetensors, with round-trip quality"
                                               : "codes.safetensors -> WAV");
    sub->add_option("--model", args->model, "HF codec checkpoint folder")->required();
    sub->add_option("input", args->input, encode ? "audio file at the model's rate" : "codes.safetensors")
        ->required();
    sub->add_option("-o,--output", args->output, encode ? "codes.safetensors" : "output WAV")->required();
    if (encode) {
      sub->add_option("--bandwidth", args->bandwidth,
                      "kbps, one of the model's (default: EnCodec's first; DAC, Mimi: every quantizer)");
    }
    sub->add_option("--chunk-seconds", args->chunking.chunk_seconds, "long inputs: seconds per chunk (default 30)");
    sub->add_option("--context-seconds", args->chunking.context_seconds,
                    "long inputs of non-streaming codecs: context each side of a window (default 5)");
    sub->add_flag("--causal", args->causal,
                  "Mimi: causal sliding-window attention (Kyutai's streaming model; streams exactly) instead of "
                  "transformers 4.47.1's whole-input attention");
    sub->add_flag("-q,--quiet", args->quiet, "no progress on stderr");
    sub->callback([args, encode] { encode ? run_encode(*args) : run_decode(*args); });
  }
}

ALMKIT_REGISTER_COMMAND(register_codec);

}  // namespace
}  // namespace almkit::cli
