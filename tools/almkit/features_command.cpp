// `almkit features`: audio file -> Whisper log-mel or Kaldi fbank, written as safetensors.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

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
  KaldiFbankOptions kaldi;  // the --kaldi options; num_mel_bins and num_threads come from above
  bool no_log = false;
  double sample_scale = 1.0;
  std::string input, output;
};

// The Kaldi options a run used, for the file's metadata (so features say how they were made).
std::string kaldi_options_json(const KaldiFbankOptions& o, double sample_scale) {
  return nlohmann::json{{"num_mel_bins", o.num_mel_bins},
                        {"frame_length", o.frame_length},
                        {"frame_shift", o.frame_shift},
                        {"dither", o.dither},
                        {"window_type", o.window_type},
                        {"preemphasis_coefficient", o.preemphasis_coefficient},
                        {"low_freq", o.low_freq},
                        {"high_freq", o.high_freq},
                        {"snip_edges", o.snip_edges},
                        {"use_energy", o.use_energy},
                        {"raw_energy", o.raw_energy},
                        {"htk_compat", o.htk_compat},
                        {"energy_floor", o.energy_floor},
                        {"use_log_fbank", o.use_log_fbank},
                        {"use_power", o.use_power},
                        {"remove_dc_offset", o.remove_dc_offset},
                        {"subtract_mean", o.subtract_mean},
                        {"vtln_warp", o.vtln_warp},
                        {"sample_scale", sample_scale}}
      .dump();
}

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
    KaldiFbankOptions options = args.kaldi;
    options.num_mel_bins = args.bins > 0 ? args.bins : 80;
    options.num_threads = args.threads;
    options.use_log_fbank = !args.no_log;
    KaldiFbank fbank(options);
    AudioLoadOptions load;
    load.target_sample_rate = static_cast<int>(options.sample_frequency);
    audio = load_audio(args.input, load);
    if (args.sample_scale != 1.0) {
      for (float& sample : audio.samples) sample = static_cast<float>(sample * args.sample_scale);
    }
    const FeatureTensor features = fbank.compute(audio);
    writer.add_f32("features", features.shape, features.values);
    writer.set_metadata("options", kaldi_options_json(options, args.sample_scale));
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
  // Kaldi's options under torchaudio.compliance.kaldi.fbank's names and defaults (dither 0).
  KaldiFbankOptions& k = args->kaldi;
  command->add_option("--frame-length", k.frame_length, "kaldi: frame length in ms (25)");
  command->add_option("--frame-shift", k.frame_shift, "kaldi: frame shift in ms (10)");
  command->add_option("--dither", k.dither, "kaldi: dither scale (0: none)");
  command->add_option("--dither-seed", k.dither_seed, "kaldi: seed of the dither noise");
  command->add_option("--window-type", k.window_type, "kaldi: window (povey)")
      ->check(CLI::IsMember({"povey", "hamming", "hanning", "rectangular", "blackman"}));
  command->add_option("--preemphasis", k.preemphasis_coefficient,
                      "kaldi: pre-emphasis coefficient (0.97)");
  command->add_option("--low-freq", k.low_freq, "kaldi: lowest mel frequency in Hz (20)");
  command->add_option("--high-freq", k.high_freq,
                      "kaldi: highest mel frequency in Hz (<= 0: offset from Nyquist; 0)");
  command->add_option("--snip-edges", k.snip_edges,
                      "kaldi: true: only frames that fit; false: frames centred, edges mirrored");
  command->add_flag("--use-energy", k.use_energy, "kaldi: add a log-energy column");
  command->add_option("--raw-energy", k.raw_energy,
                      "kaldi: energy before pre-emphasis and window (true)");
  command->add_flag("--htk-compat", k.htk_compat, "kaldi: energy column last, as HTK");
  command->add_option("--energy-floor", k.energy_floor, "kaldi: floor of the energy (1.0)");
  command->add_option("--use-power", k.use_power, "kaldi: power (true) or magnitude spectrum");
  command->add_option("--remove-dc-offset", k.remove_dc_offset,
                      "kaldi: subtract each frame's mean (true)");
  command->add_flag("--subtract-mean", k.subtract_mean, "kaldi: subtract each column's mean");
  command->add_flag("--no-log", args->no_log, "kaldi: linear mel energies instead of their log");
  command->add_option("--vtln-warp", k.vtln_warp, "kaldi: VTLN warp factor (1.0: none)");
  command->add_option("--sample-scale", args->sample_scale,
                      "kaldi: multiply samples first (32768 gives the int16 scale Kaldi's own "
                      "tools read WAVs at; 1: [-1, 1] as decoded)");
  command->add_option("input", args->input, "audio file")->required();
  command->add_option("-o,--output", args->output, "output .safetensors")->required();
  command->callback([args] { run_features(*args); });
}

ALMKIT_REGISTER_COMMAND(register_features);

}  // namespace almkit::cli
