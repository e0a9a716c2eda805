// `almkit codec encode|decode`: audio <-> neural-codec codes (EnCodec), with round-trip quality.
#include <cmath>
#include <cstdio>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/features.h"
#include "almkit/safetensors.h"
#include "commands.h"
#include "models/codecs/codec.h"

namespace almkit::cli {
namespace {

struct CodecArgs {
  std::string model, input, output;
  double bandwidth = 0.0;  // 0: the model's first bandwidth
};

// Scale-invariant signal-to-distortion ratio (dB) of `estimate` against `reference`.
double si_sdr(const at::Tensor& reference, const at::Tensor& estimate) {
  const at::Tensor s = reference.reshape({-1}).to(at::kDouble), e = estimate.reshape({-1}).to(at::kDouble);
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
  const auto codec = codecs::load_codec(args.model, {});
  const at::Tensor audio = codecs::codec_input(*codec, load_audio(args.input), args.input);
  const double bandwidth = args.bandwidth > 0 ? args.bandwidth : codec->bandwidths().front();
  const codecs::EncodedAudioCodes encoded = codec->encode(audio, bandwidth);
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
  writer.write(args.output);
  const at::Tensor decoded = codec->decode(encoded);
  const double kbps = codes.size(2) * std::log2(static_cast<double>(codec->codebook_size())) * codec->frame_rate() / 1000;
  std::printf("%s: %lld chunk(s) x %lld quantizer(s) x %lld frames -> %s\n", args.input.c_str(),
              static_cast<long long>(codes.size(0)), static_cast<long long>(codes.size(2)),
              static_cast<long long>(codes.size(3)), args.output.c_str());
  std::printf("round trip: SI-SDR %.2f dB, log-mel distance %.4f, %.2f kbps\n", si_sdr(audio, decoded),
              log_mel_distance(audio, decoded, codec->sampling_rate()), kbps);
}

void run_decode(const CodecArgs& args) {
  const auto codec = codecs::load_codec(args.model, {});
  auto file = SafetensorsFile::open(args.input);
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
  const at::Tensor audio = codec->decode(encoded);
  write_wav(args.output, to_buffer(audio, static_cast<int>(codec->sampling_rate())));
  std::printf("%s -> %s (%lld samples at %lld Hz)\n", args.input.c_str(), args.output.c_str(),
              static_cast<long long>(audio.size(-1)), static_cast<long long>(codec->sampling_rate()));
}

void register_codec(CLI::App& app) {
  auto* command = app.add_subcommand("codec", "neural audio codec: audio <-> discrete codes (EnCodec)");
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
    if (encode) sub->add_option("--bandwidth", args->bandwidth, "kbps, one of the model's (default: the first)");
    sub->callback([args, encode] { encode ? run_encode(*args) : run_decode(*args); });
  }
}

ALMKIT_REGISTER_COMMAND(register_codec);

}  // namespace
}  // namespace almkit::cli
