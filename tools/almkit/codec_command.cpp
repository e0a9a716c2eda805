// `almkit codec encode|decode`: audio <-> neural-codec codes (EnCodec, DAC, Mimi), with round-trip
// quality. Long files go through the model in chunks (models/codecs/codec_chunking.h) straight
// from and to disk: the input is read window by window, codes and decoded audio are written as
// each chunk finishes, so memory does not grow with the file's length.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "audio/wav_file_writer.h"
#include "commands.h"
#include "models/codecs/codec.h"
#include "models/codecs/codec_chunking.h"
#include "models/codecs/codes_file.h"
#include "models/codecs/round_trip_quality.h"

namespace almkit::cli {
namespace {

struct CodecArgs {
  std::string model, input, output;
  double bandwidth = 0.0;  // 0: the model's default bandwidth
  bool causal = false;     // Mimi: causal sliding-window attention (streams exactly)
  bool quiet = false;
  bool no_quality = false;  // encode: skip the round-trip decode
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

// [B, C, T] -> interleaved samples of the first item, clamped to [-1, 1].
std::vector<float> interleaved(const at::Tensor& audio) {
  const at::Tensor t = audio[0].t().contiguous().clamp(-1.f, 1.f);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

// The input as a chunked source when it takes more than one chunk (its length comes from the
// header, or for MP3 from a counting pass); nullptr means "read it whole" (short inputs).
std::unique_ptr<codecs::AudioSource> chunked_source(const codecs::Codec& codec,
                                                    const CodecArgs& args) {
  std::unique_ptr<codecs::AudioSource> source = codecs::file_source(codec, args.input);
  return codecs::encodes_in_chunks(codec, source->length(), args.chunking) ? std::move(source)
                                                                          : nullptr;
}

void print_quality(codecs::RoundTripQuality* quality, int64_t quantizers,
                   const codecs::Codec& codec) {
  const double kbps = quantizers * std::log2(static_cast<double>(codec.codebook_size())) *
                      codec.frame_rate() / 1000;
  if (quality == nullptr) {
    std::printf("%.2f kbps (round trip skipped: --no-quality)\n", kbps);
    return;
  }
  std::printf("round trip: SI-SDR %.2f dB, log-mel distance %.4f, %.2f kbps\n", quality->si_sdr(),
              quality->log_mel_distance(), kbps);
}

void run_encode(const CodecArgs& args) {
  const auto codec = load(args);
  const double bandwidth = args.bandwidth > 0 ? args.bandwidth : codec->default_bandwidth();
  std::map<std::string, std::string> metadata{{"model_type", codec->model_type()},
                                              {"bandwidth_kbps", std::to_string(bandwidth)}};
  if (args.causal) metadata["causal_attention"] = "1";
  const std::unique_ptr<codecs::AudioSource> source = chunked_source(*codec, args);
  at::Tensor audio;  // the whole input, when it is not read in chunks
  if (!source) audio = codecs::codec_input(*codec, load_audio(args.input), args.input);
  const int64_t length = source ? source->length() : audio.size(-1);
  int64_t frames = (length + codec->frame_samples() - 1) / codec->frame_samples();
  std::printf("%s: %s, %.1f s, %s\n", args.input.c_str(), codec->model_type().c_str(),
              static_cast<double>(length) / codec->sampling_rate(),
              codecs::long_audio_method(*codec, frames, args.chunking).c_str());
  std::fflush(stdout);
  codecs::RoundTripQuality quality(codec->sampling_rate());
  int64_t chunks = 1, quantizers = 0;
  if (source) {
    const codecs::CodesLayout layout = codecs::encoded_layout(*codec, length, bandwidth);
    chunks = layout.chunks;
    quantizers = layout.quantizers;
    frames = layout.frames;
    // Codes go to disk as each chunk finishes; the round trip decodes them back from the file
    // and reads the input a second time, block by block, to compare.
    codecs::CodesFileWriter writer(args.output, layout, length, metadata);
    codecs::encode_chunks(
        *codec, *source, bandwidth, with_progress(args, "encode"),
        [&](const at::Tensor& codes, const at::Tensor& scale) { writer.append(codes, scale); });
    writer.finish();
    if (!args.no_quality) {
      const codecs::CodesFile written = codecs::read_codes_file(args.output);
      const std::unique_ptr<codecs::AudioSource> reference =
          codecs::file_source(*codec, args.input);
      codecs::decode_chunks(*codec, written.encoded, with_progress(args, "round-trip decode"),
                            [&](const at::Tensor& decoded) {
                              quality.add(reference->read(decoded.size(-1)), decoded);
                            });
    }
  } else {
    const codecs::EncodedAudioCodes encoded =
        codecs::encode_long(*codec, audio, bandwidth, with_progress(args, "encode"));
    codecs::write_codes_file(args.output, encoded, metadata);
    chunks = encoded.codes.size(0);
    quantizers = encoded.codes.size(2);
    frames = encoded.codes.size(3);
    if (!args.no_quality) {
      quality.add(audio,
                  codecs::decode_long(*codec, encoded, with_progress(args, "round-trip decode")));
    }
  }
  std::printf("%s: %lld chunk(s) x %lld quantizer(s) x %lld frames -> %s\n", args.input.c_str(),
              static_cast<long long>(chunks), static_cast<long long>(quantizers),
              static_cast<long long>(frames), args.output.c_str());
  print_quality(args.no_quality ? nullptr : &quality, quantizers, *codec);
}

void run_decode(const CodecArgs& args) {
  const codecs::CodesFile file = codecs::read_codes_file(args.input);
  CodecArgs effective = args;
  const auto causal = file.metadata.find("causal_attention");
  effective.causal =
      args.causal || (causal != file.metadata.end() && causal->second == "1");  // as encoded
  const auto codec = load(effective);
  const int sample_rate = static_cast<int>(codec->sampling_rate());
  int64_t samples = 0;
  if (codecs::decodes_in_chunks(*codec, file.encoded, args.chunking)) {
    WavFileWriter wav(args.output, sample_rate, static_cast<int>(codec->channels()));
    codecs::decode_chunks(*codec, file.encoded, with_progress(args, "decode"),
                          [&](const at::Tensor& audio) {
                            const std::vector<float> block = interleaved(audio);
                            wav.write(block.data(), audio.size(-1));
                          });
    wav.close();
    samples = wav.frames_written();
  } else {
    const at::Tensor audio =
        codecs::decode_long(*codec, file.encoded, with_progress(args, "decode"));
    AudioBuffer buffer{sample_rate, static_cast<int>(audio.size(1)), interleaved(audio)};
    write_wav(args.output, buffer);
    samples = audio.size(-1);
  }
  std::printf("%s -> %s (%lld samples at %d Hz)\n", args.input.c_str(), args.output.c_str(),
              static_cast<long long>(samples), sample_rate);
}

void register_codec(CLI::App& app) {
  auto* command = app.add_subcommand(
      "codec", "neural audio codec: audio <-> discrete codes (EnCodec, DAC, Mimi)");
  command->require_subcommand(1);
  for (const bool encode : {true, false}) {
    auto args = std::make_shared<CodecArgs>();
    auto* sub = command->add_subcommand(
        encode ? "encode" : "decode",
        encode ? "WAV -> codes.safetensors, with round-trip quality" : "codes.safetensors -> WAV");
    sub->add_option("--model", args->model, "HF codec checkpoint folder")->required();
    sub->add_option("input", args->input,
                    encode ? "audio file at the model's rate" : "codes.safetensors")
        ->required();
    sub->add_option("-o,--output", args->output, encode ? "codes.safetensors" : "output WAV")
        ->required();
    if (encode) {
      sub->add_option(
          "--bandwidth", args->bandwidth,
          "kbps, one of the model's (default: EnCodec's first; DAC, Mimi: every quantizer)");
      sub->add_flag("--no-quality", args->no_quality,
                    "skip the round-trip decode (SI-SDR, log-mel distance): about half the time of "
                    "a long encode");
    }
    sub->add_option("--chunk-seconds", args->chunking.chunk_seconds,
                    "long inputs: seconds per chunk (default 30)");
    sub->add_option(
        "--context-seconds", args->chunking.context_seconds,
        "long inputs of non-streaming codecs: context each side of a window (default 5)");
    sub->add_flag("--causal", args->causal,
                  "Mimi: causal sliding-window attention (Kyutai's streaming model; streams "
                  "exactly) instead of "
                  "transformers 4.47.1's whole-input attention");
    sub->add_flag("-q,--quiet", args->quiet, "no progress on stderr");
    sub->callback([args, encode] { encode ? run_encode(*args) : run_decode(*args); });
  }
}

ALMKIT_REGISTER_COMMAND(register_codec);

}  // namespace
}  // namespace almkit::cli
