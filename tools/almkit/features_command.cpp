// `almkit features`: audio file -> Whisper log-mel or Kaldi fbank, written as safetensors.
#include <chrono>
#include <cstdio>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/features.h"
#include "almkit/safetensors.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct FeaturesArgs {
  std::string kind = "whisper-mel";
  int bins = 0;
  bool unpadded = false;
  int threads = 1;
  double vtln_warp = 1.0;
  std::string input, output;
};

void run_features(const FeaturesArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  SafetensorsWriter writer;
  AudioBuffer audio;
  std::vector<int64_t> shape;
  if (args.kind == "whisper-mel") {
    WhisperMelOptions options;
    options.feature_size = args.bins > 0 ? args.bins : 80;
    options.pad_to_chunk = !args.unpadded;
    options.num_threads = args.threads;
    WhisperMel mel(options);
    AudioLoadOptions load;
    load.target_sample_rate = options.sampling_rate;
    audio = load_audio(args.input, load);
    const FeatureBatch batch = mel.compute(audio.samples);
    writer.add_f32("features", batch.features.shape, batch.features.values);
    writer.add_i64("attention_mask", {1, batch.features.shape[2]}, batch.attention_mask);
    shape = batch.features.shape;
  } else if (args.kind == "kaldi-fbank") {
    KaldiFbankOptions options;
    options.num_mel_bins = args.bins > 0 ? args.bins : 80;
    options.num_threads = args.threads;
    options.vtln_warp = args.vtln_warp;
    KaldiFbank fbank(options);
    AudioLoadOptions load;
    load.target_sample_rate = static_cast<int>(options.sample_frequency);
    audio = load_audio(args.input, load);
    const FeatureTensor features = fbank.compute(audio);
    writer.add_f32("features", features.shape, features.values);
    shape = features.shape;
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "unknown --kind '" + args.kind + "' (expected whisper-mel or kaldi-fbank)");
  }
  writer.set_metadata("kind", args.kind);
  writer.set_metadata("source", args.input);
  writer.set_metadata("sample_rate", std::to_string(audio.sample_rate));
  writer.write(args.output);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string shape_text;
  for (size_t i = 0; i < shape.size(); ++i) shape_text += (i ? "x" : "") + std::to_string(shape[i]);
  std::printf("%s: %.2f s of audio -> %s %s in %.1f ms (%.0fx realtime) -> %s\n",
              args.input.c_str(), audio.duration_seconds(), args.kind.c_str(), shape_text.c_str(),
              seconds * 1e3, audio.duration_seconds() / seconds, args.output.c_str());
}

}  // namespace

void register_features(CLI::App& app) {
  auto args = std::make_shared<FeaturesArgs>();
  auto* command = app.add_subcommand("features", "compute Whisper log-mel or Kaldi fbank features");
  command->add_option("--kind", args->kind, "whisper-mel or kaldi-fbank")
      ->check(CLI::IsMember({"whisper-mel", "kaldi-fbank"}));
  command->add_option("--bins", args->bins, "mel bins (whisper: 80 or 128; kaldi default 80)");
  command->add_flag("--unpadded", args->unpadded, "whisper: frames for the clip's own length, not 30 s");
  command->add_option("--threads", args->threads, "threads")->check(CLI::PositiveNumber);
  command->add_option("--vtln-warp", args->vtln_warp, "kaldi: VTLN warp factor (1.0: none)");
  command->add_option("input", args->input, "audio file")->required();
  command->add_option("-o,--output", args->output, "output .safetensors")->required();
  command->callback([args] { run_features(*args); });
}

ALMKIT_REGISTER_COMMAND(register_features);

}  // namespace almkit::cli
