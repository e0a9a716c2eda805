// Long files through a model that chunks its own input (48 kHz EnCodec: 1 s chunks 0.99 s apart,
// each normalised, joined by a linear overlap-add) with bounded memory: chunk by chunk from the
// file to the codes file and from the codes file to the WAV. The streamed codes, scales and audio
// must be the in-memory Codec::encode / decode's exactly. Also MP3 input (whose header only
// estimates its length) streamed after a counting pass, and (EncodecModelChunksSlowTest, ctest
// label `slow`, ~12 s) the peak memory of a 3-minute 48 kHz stereo file against a 30-second one.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <map>
#include <random>

#include "almkit/audio.h"
#include "almkit/safetensors.h"
#include "audio/audio_file_reader.h"
#include "audio/wav_file_writer.h"
#include "models/codecs/codec_chunking.h"
#include "models/codecs/codes_file.h"
#include "models/codecs/overlap_add.h"
#include "test_support.h"

namespace almkit {
namespace {

std::string encodec_dir() {
  return test::reference_dir() + "/encodec";
}

void add_tensor(SafetensorsWriter& writer, const std::string& name, const at::Tensor& tensor) {
  const at::Tensor t = tensor.to(at::kFloat).contiguous();
  writer.add(name, DType::kF32, t.sizes().vec(), t.data_ptr(), t.nbytes());
}

// A 48 kHz-shaped EnCodec from the (24 kHz, mono, causal, weight-norm) fixture's weights, as
// facebook/encodec_48khz is built: stereo, non-causal, time_group_norm (plain conv weights plus a
// GroupNorm per convolution), normalised chunks of `chunk_seconds` with 1% overlap. Stereo: the
// first convolution sees the channels' mean, the last one writes a second, quieter channel.
// Written to `dir`/model-<seconds>-<rate> (dir: the test's temp_dir()).
std::string make_48k_shaped_model(const std::string& parent, double chunk_seconds = 1.0,
                                  int rate = 48000) {
  const std::string dir =
      parent + "/model-" + std::to_string(chunk_seconds) + "-" + std::to_string(rate);
  std::system(("mkdir -p '" + dir + "'").c_str());
  nlohmann::json config = nlohmann::json::parse(test::read_file(encodec_dir() + "/config.json"));
  config["sampling_rate"] = rate;
  config["audio_channels"] = 2;
  config["chunk_length_s"] = chunk_seconds;
  config["overlap"] = 0.01;
  config["normalize"] = true;
  config["norm_type"] = "time_group_norm";
  config["use_causal_conv"] = false;
  // 48 kHz: 150 Hz x 6 bits, so 3 and 4 (= all) quantizers; 24 kHz keeps the fixture's.
  if (rate == 48000) config["target_bandwidths"] = {3.0, 6.0};
  test::write_file(dir + "/config.json", config.dump(2));

  const auto fixture = SafetensorsFile::open(encodec_dir() + "/model.safetensors");
  const auto take = [&](const std::string& name) {
    const TensorView& view = fixture->tensor(name);
    return at::from_blob(const_cast<void*>(view.data), view.shape, at::kFloat).clone();
  };
  int last_decoder_conv = 0;
  for (const std::string& name : fixture->names()) {
    int index = 0;
    char rest[64] = {0};
    if (std::sscanf(name.c_str(), "decoder.layers.%d.%63s", &index, rest) == 2 &&
        std::string(rest) == "conv.weight_v") {
      last_decoder_conv = std::max(last_decoder_conv, index);
    }
  }
  SafetensorsWriter writer;
  std::mt19937 random(11);
  std::uniform_real_distribution<float> jitter(-0.1f, 0.1f);
  const std::string suffix = ".conv.weight_v";
  for (const std::string& name : fixture->names()) {
    if (name.size() > 9 && name.compare(name.size() - 9, 9, ".weight_g") == 0) continue;
    const bool is_v = name.size() > suffix.size() &&
                      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    const std::string layer = is_v ? name.substr(0, name.size() - suffix.size()) : "";
    if (name == "decoder.layers." + std::to_string(last_decoder_conv) + ".conv.bias") {
      const at::Tensor bias = take(name);
      add_tensor(writer, name, at::cat({bias, bias * 0.5}));
      continue;
    }
    if (!is_v) {
      add_tensor(writer, name, take(name));
      continue;
    }
    at::Tensor weight = at::_weight_norm(take(name), take(layer + ".conv.weight_g"), 0);
    bool transposed = false;
    int index = -1;
    if (std::sscanf(layer.c_str(), "decoder.layers.%d", &index) == 1 &&
        layer == "decoder.layers." + std::to_string(index)) {
      transposed = index != 0 && index != last_decoder_conv;
    }
    if (layer == "encoder.layers.0") weight = at::cat({weight, weight}, 1) * 0.5;
    if (layer == "decoder.layers." + std::to_string(last_decoder_conv)) {
      weight = at::cat({weight, weight * 0.7}, 0);
    }
    add_tensor(writer, layer + ".conv.weight", weight);
    const int64_t out = transposed ? weight.size(1) : weight.size(0);
    std::vector<float> gain(out), shift(out);
    for (int64_t c = 0; c < out; ++c) {
      gain[c] = 1.f + jitter(random);
      shift[c] = jitter(random);
    }
    writer.add_f32(layer + ".norm.weight", {out}, gain);
    writer.add_f32(layer + ".norm.bias", {out}, shift);
  }
  writer.write(dir + "/model.safetensors");
  return dir;
}

// Stereo audio [1, 2, samples] whose loudness changes from chunk to chunk (so the per-chunk
// scales differ), written as a float WAV.
void write_test_wav(const std::string& path, int rate, int64_t samples) {
  const at::Tensor t = at::arange(samples, at::kDouble) / rate;
  const at::Tensor envelope = 0.05 + 0.4 * (at::sin(2 * M_PI * t / 3.7)).abs();
  at::manual_seed(5);
  const at::Tensor left = envelope * at::sin(2 * M_PI * 220.0 * t) + 0.02 * at::randn_like(t);
  const at::Tensor right = envelope * at::sin(2 * M_PI * 330.0 * t) + 0.02 * at::randn_like(t);
  const at::Tensor interleaved = at::stack({left, right}, 1).to(at::kFloat).contiguous();
  write_wav(path,
            AudioBuffer{rate, 2,
                        std::vector<float>(interleaved.data_ptr<float>(),
                                           interleaved.data_ptr<float>() + interleaved.numel())},
            WavEncoding::kFloat32);
}

struct Streamed {
  at::Tensor codes;  // [chunks, 1, n_q, frames]
  std::vector<at::Tensor> scales;
};

Streamed encode_streamed(const codecs::Codec& codec, codecs::AudioSource& source,
                         double bandwidth) {
  std::vector<at::Tensor> parts;
  Streamed out;
  codecs::encode_chunks(codec, source, bandwidth, {},
                        [&](const at::Tensor& codes, const at::Tensor& scale) {
                          parts.push_back(codes.clone());
                          out.scales.push_back(scale.defined() ? scale.clone() : scale);
                        });
  out.codes = at::stack(parts);
  return out;
}

at::Tensor decode_streamed(const codecs::Codec& codec, const codecs::EncodedAudioCodes& encoded) {
  std::vector<at::Tensor> parts;
  codecs::decode_chunks(codec, encoded, {},
                        [&](const at::Tensor& audio) { parts.push_back(audio); });
  return at::cat(parts, -1);
}

TEST(EncodecModelChunks, StreamingOverlapAddIsTheWholeSignalOverlapAddToTheBit) {
  // Chunks longer than their stride by more than half (a 2560-sample decode every 2376 samples
  // overlaps by 184; here also 3 chunks on one sample), compared with the triangle-weighted sum
  // written out over the whole signal.
  for (const int64_t stride : {2376, 700}) {
    const int64_t length = 2560, chunks = 7;
    const at::Tensor frames = at::randn({chunks, 1, 2, length});
    const at::Tensor t = at::linspace(0, 1, length + 2).narrow(0, 1, length);
    const at::Tensor weight = 0.5 - (t - 0.5).abs();
    const int64_t total = stride * (chunks - 1) + length;
    at::Tensor sum = at::zeros({1, 2, total}), sum_weight = at::zeros({total});
    codecs::StreamingOverlapAdd streaming(stride);
    std::vector<at::Tensor> parts;
    for (int64_t c = 0; c < chunks; ++c) {
      sum.narrow(-1, c * stride, length).add_(weight * frames[c]);
      sum_weight.narrow(0, c * stride, length).add_(weight);
      parts.push_back(streaming.push(frames[c]));
      EXPECT_EQ(parts.back().size(-1), c == 0 ? 0 : stride);
    }
    parts.push_back(streaming.finish());
    const at::Tensor joined = at::cat(parts, -1);
    ASSERT_EQ(joined.size(-1), total);
    EXPECT_TRUE(joined.equal(sum / sum_weight)) << "stride " << stride;
  }
  codecs::StreamingOverlapAdd gaps(100);
  EXPECT_ALMKIT_ERROR(gaps.push(at::zeros({1, 1, 50})), ErrorCode::kInvalidArgument, "gaps");
}

// The library path: chunks read from a source give Codec::encode's codes and scales, and the
// streamed decode gives Codec::decode's audio, for the 48 kHz shape (1 s chunks, decoded chunks
// exactly as long as the input chunks) and for chunks that are no whole number of frames
// (0.1 s at 24 kHz: 2400 samples give 8 frames, decoded to 2560 samples, 2376 apart).
TEST(EncodecModelChunks, StreamedEncodeAndDecodeEqualTheInMemoryModel) {
  struct Case {
    double chunk_seconds;
    int rate;
    int64_t samples;
  };
  const std::string dir = test::temp_dir();
  for (const Case& c : {Case{1.0, 48000, 48000 * 4 + 12345}, Case{0.1, 24000, 24000 + 777},
                        Case{1.0, 48000, 47520 + 1}, Case{1.0, 48000, 30000}}) {
    SCOPED_TRACE(std::to_string(c.chunk_seconds) + " s at " + std::to_string(c.rate));
    const std::string model = make_48k_shaped_model(dir, c.chunk_seconds, c.rate);
    const auto codec = codecs::load_codec(model, {});
    ASSERT_TRUE(codec->chunks_itself());
    at::manual_seed(3);
    const at::Tensor audio =
        at::randn({1, 2, c.samples}) * at::linspace(0.01, 0.5, c.samples).view({1, 1, -1});
    for (const double bandwidth : codec->bandwidths()) {
      const codecs::EncodedAudioCodes expected = codec->encode(audio, bandwidth);
      const auto source = codecs::tensor_source(audio);
      const Streamed streamed = encode_streamed(*codec, *source, bandwidth);
      const codecs::CodesLayout layout = codecs::encoded_layout(*codec, c.samples, bandwidth);
      EXPECT_EQ(layout.chunks, expected.codes.size(0));
      EXPECT_EQ(layout.quantizers, expected.codes.size(2));
      EXPECT_EQ(layout.frames, expected.codes.size(3));
      EXPECT_TRUE(layout.scales);
      ASSERT_EQ(streamed.codes.sizes(), expected.codes.sizes());
      EXPECT_TRUE(streamed.codes.equal(expected.codes));
      ASSERT_EQ(streamed.scales.size(), expected.scales.size());
      for (size_t i = 0; i < expected.scales.size(); ++i) {
        EXPECT_TRUE(streamed.scales[i].equal(expected.scales[i])) << "chunk " << i;
      }
      const at::Tensor whole = codec->decode(expected);
      const at::Tensor pieces = decode_streamed(*codec, expected);
      ASSERT_EQ(pieces.sizes(), whole.sizes());
      EXPECT_EQ(pieces.size(-1), c.samples);
      EXPECT_LE((pieces - whole).abs().max().item<float>(), 1e-6);
      EXPECT_TRUE(pieces.equal(whole));  // measured: the same to the bit
    }
  }
}

// The CLI from disk: a 48 kHz stereo file of 7.3 s (8 model chunks) encodes chunk by chunk to
// the codes file write_codes_file writes for Codec::encode (byte for byte), and decodes chunk by
// chunk to the WAV that Codec::decode's audio gives.
TEST(EncodecModelChunks, CliStreamsThe48kHzModelChunksFromAndToDisk) {
  const std::string dir = test::temp_dir(), model = make_48k_shaped_model(dir);
  const int64_t samples = 48000 * 7 + 14400;
  write_test_wav(dir + "/in.wav", 48000, samples);
  const auto encode = test::run_cli("codec encode --bandwidth 6 --model " + model + " " + dir +
                                    "/in.wav -o " + dir + "/codes.safetensors");
  ASSERT_EQ(encode.exit_code, 0) << encode.output;
  EXPECT_NE(encode.output.find("the model's own chunks of 48000 samples, 47520 apart (exact)"),
            std::string::npos)
      << encode.output;
  EXPECT_NE(encode.output.find("encode: 1200 / 1200 frames (100%)"), std::string::npos)
      << encode.output;
  EXPECT_NE(encode.output.find("8 chunk(s) x 4 quantizer(s) x 150 frames"), std::string::npos)
      << encode.output;

  const auto codec = codecs::load_codec(model, {});
  const at::Tensor audio = codecs::codec_input(*codec, load_audio(dir + "/in.wav"), "in.wav");
  codecs::EncodedAudioCodes expected = codec->encode(audio, 6.0);
  codecs::write_codes_file(dir + "/expected.safetensors", expected,
                           {{"model_type", "encodec"}, {"bandwidth_kbps", std::to_string(6.0)}});
  EXPECT_TRUE(test::read_file(dir + "/codes.safetensors") ==
              test::read_file(dir + "/expected.safetensors"));
  const codecs::CodesFile written = codecs::read_codes_file(dir + "/codes.safetensors");
  EXPECT_EQ(written.encoded.codes.sizes(), (at::IntArrayRef{8, 1, 4, 150}));
  EXPECT_EQ(written.encoded.audio_length, samples);
  ASSERT_EQ(written.encoded.scales.size(), 8u);

  const auto decode = test::run_cli("codec decode --model " + model + " " + dir +
                                    "/codes.safetensors -o " + dir + "/out.wav");
  ASSERT_EQ(decode.exit_code, 0) << decode.output;
  EXPECT_NE(decode.output.find("decode: 1200 / 1200 frames (100%)"), std::string::npos)
      << decode.output;
  const at::Tensor decoded = codec->decode(expected);
  const at::Tensor interleaved = decoded[0].t().contiguous().clamp(-1.f, 1.f);
  write_wav(dir + "/expected.wav",
            AudioBuffer{48000, 2,
                        std::vector<float>(interleaved.data_ptr<float>(),
                                           interleaved.data_ptr<float>() + interleaved.numel())});
  AudioLoadOptions stereo;
  stereo.mono = false;
  const AudioBuffer got = load_audio(dir + "/out.wav", stereo);
  const AudioBuffer want = load_audio(dir + "/expected.wav", stereo);
  ASSERT_EQ(got.num_frames(), samples);
  ASSERT_EQ(got.channels, 2);
  EXPECT_TRUE(got.samples == want.samples);
}

TEST(EncodecModelChunks, CodesFileWriterWritesChunksWithScales) {
  const std::string dir = test::temp_dir();
  codecs::EncodedAudioCodes encoded;
  encoded.codes = at::arange(3 * 2 * 5, at::kLong).view({3, 1, 2, 5});
  encoded.audio_length = 1234;
  for (const float s : {0.5f, 0.25f, 2.f}) encoded.scales.push_back(at::full({1, 1}, s));
  codecs::write_codes_file(dir + "/whole.safetensors", encoded, {{"model_type", "encodec"}});
  {
    codecs::CodesFileWriter writer(dir + "/chunks.safetensors", codecs::CodesLayout{3, 2, 5, true},
                                   1234, {{"model_type", "encodec"}});
    EXPECT_ALMKIT_ERROR(writer.append(encoded.codes[0][0].narrow(-1, 0, 3), encoded.scales[0]),
                        ErrorCode::kInternal, "does not fit");
    EXPECT_ALMKIT_ERROR(writer.append(encoded.codes[0][0]), ErrorCode::kInternal,
                        "every chunk needs its scale");
    for (int64_t c = 0; c < 3; ++c) writer.append(encoded.codes[c][0], encoded.scales[c]);
    writer.finish();
  }
  EXPECT_TRUE(test::read_file(dir + "/chunks.safetensors") ==
              test::read_file(dir + "/whole.safetensors"));
  {
    codecs::CodesFileWriter writer(dir + "/cut.safetensors", codecs::CodesLayout{3, 2, 5, true},
                                   1234, {});
    writer.append(encoded.codes[0][0], encoded.scales[0]);
  }
  EXPECT_FALSE(test::file_exists(dir + "/cut.safetensors"));
}

// libsndfile 1.2 writes MP3 through LAME; its header gives no exact frame count.
void write_mp3(const std::string& path, const at::Tensor& mono, int rate) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(file, nullptr) << sf_strerror(nullptr);
  const at::Tensor samples = mono.contiguous();
  EXPECT_EQ(sf_writef_float(file, samples.data_ptr<float>(), samples.numel()), samples.numel());
  sf_close(file);
}

// MP3 input goes through the chunked from-disk path (after a pass that counts its frames) and
// gives the codes of the whole decoded file encoded in memory with the same windows, for the
// windowed 24 kHz EnCodec and for a model that chunks itself.
TEST(EncodecModelChunks, Mp3InputIsStreamedAfterCountingItsFrames) {
  const std::string dir = test::temp_dir();
  const int64_t samples = 24000 * 9 + 500;
  const at::Tensor t = at::arange(samples, at::kDouble) / 24000;
  const at::Tensor tone =
      (0.3 * at::sin(2 * M_PI * 440.0 * t) * (0.6 + 0.4 * at::sin(2 * M_PI * t / 3)))
          .to(at::kFloat);
  write_mp3(dir + "/in.mp3", tone, 24000);
  AudioFileReader header(dir + "/in.mp3");
  ASSERT_FALSE(header.exact_length());
  const AudioBuffer decoded = load_audio(dir + "/in.mp3");
  std::printf("MP3: header says %lld frames, decoding gives %lld\n",
              static_cast<long long>(header.frames()),
              static_cast<long long>(decoded.num_frames()));

  struct Case {
    std::string name, model, flags;
  };
  const std::string chunked_model = make_48k_shaped_model(dir, 0.5, 24000);
  for (const Case& c : {Case{"windows", encodec_dir(), " --chunk-seconds 2 --context-seconds 1"},
                        Case{"model chunks", chunked_model, ""}}) {
    SCOPED_TRACE(c.name);
    codecs::LongAudioOptions options;
    options.chunk_seconds = 2;
    options.context_seconds = 1;
    const auto codec = codecs::load_codec(c.model, {});
    const auto source = codecs::file_source(*codec, dir + "/in.mp3");
    EXPECT_EQ(source->length(), decoded.num_frames());
    std::vector<at::Tensor> parts;  // the library's from-disk path: the same codes
    codecs::encode_chunks(
        *codec, *source, codec->default_bandwidth(), options,
        [&](const at::Tensor& codes, const at::Tensor&) { parts.push_back(codes.clone()); });
    const auto encode = test::run_cli("codec encode --model " + c.model + " " + dir +
                                      "/in.mp3 -o " + dir + "/codes.safetensors" + c.flags);
    ASSERT_EQ(encode.exit_code, 0) << encode.output;
    EXPECT_NE(encode.output.find("encode: "), std::string::npos) << encode.output;  // chunked
    EXPECT_NE(encode.output.find("round trip: SI-SDR"), std::string::npos) << encode.output;
    const at::Tensor audio = codecs::codec_input(*codec, decoded, "in.mp3");
    const codecs::EncodedAudioCodes expected =
        codecs::encode_long(*codec, audio, codec->default_bandwidth(), options);
    const codecs::CodesFile written = codecs::read_codes_file(dir + "/codes.safetensors");
    ASSERT_EQ(written.encoded.codes.sizes(), expected.codes.sizes());
    EXPECT_TRUE(written.encoded.codes.equal(expected.codes));
    EXPECT_EQ(written.encoded.audio_length, decoded.num_frames());
    const at::Tensor streamed =
        codec->chunks_itself() ? at::stack(parts) : at::cat(parts, -1).unsqueeze(0);
    EXPECT_TRUE(streamed.equal(expected.codes));
  }
}

// A 48 kHz stereo file written block by block (the test holds no long signal either).
void write_long_48k_wav(const std::string& path, double seconds) {
  WavFileWriter wav(path, 48000, 2);
  std::mt19937 random(7);
  std::normal_distribution<float> noise(0.f, 0.02f);
  const int64_t total = static_cast<int64_t>(seconds * 48000);
  std::vector<float> block;
  for (int64_t start = 0; start < total; start += 48000) {
    const int64_t n = std::min<int64_t>(48000, total - start);
    block.resize(static_cast<size_t>(2 * n));
    for (int64_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(start + i) / 48000;
      const float s = static_cast<float>((0.1 + 0.3 * std::fabs(std::sin(t / 5))) *
                                         std::sin(2 * M_PI * 300.0 * t));
      block[2 * i] = s + noise(random);
      block[2 * i + 1] = 0.5f * s + noise(random);
    }
    wav.write(block.data(), n);
  }
  wav.close();
}

// --no-quality halves the time (the round trip is a second decode of the same chunks; 20-minute
// figures with it are in docs/codecs.md). 3 minutes against 30 seconds prove what 10 minutes
// against 1 did, in a third of the time (issue 16): the measured noise is within 6 MB, one float
// copy of the extra 150 s of 48 kHz stereo is 55 MB.
TEST(EncodecModelChunksSlowTest, PeakMemoryDoesNotGrowWithTheFile) {
  const std::string dir = test::temp_dir(), model = make_48k_shaped_model(dir);
  constexpr double kShort = 30, kLong = 180;            // seconds
  std::map<double, std::pair<int64_t, int64_t>> peaks;  // seconds -> encode, decode peak kB
  for (const double seconds : {kShort, kLong}) {
    write_long_48k_wav(dir + "/in.wav", seconds);
    int code = 0;
    const int64_t encode =
        test::cli_peak_rss_kb("codec encode -q --no-quality --model " + model + " " + dir +
                                  "/in.wav -o " + dir + "/codes.safetensors",
                              dir + "/encode.log", &code);
    ASSERT_EQ(code, 0) << test::read_file(dir + "/encode.log");
    const int64_t decode = test::cli_peak_rss_kb("codec decode -q --model " + model + " " + dir +
                                                     "/codes.safetensors -o " + dir + "/out.wav",
                                                 dir + "/decode.log", &code);
    ASSERT_EQ(code, 0) << test::read_file(dir + "/decode.log");
    EXPECT_EQ(AudioFileReader(dir + "/out.wav").frames(), static_cast<int64_t>(seconds * 48000));
    peaks[seconds] = {encode, decode};
    std::printf("48 kHz stereo, %.0f s: peak RSS encode %.1f MB, decode %.1f MB\n", seconds,
                encode / 1024.0, decode / 1024.0);
    std::remove((dir + "/in.wav").c_str());
    std::remove((dir + "/out.wav").c_str());
  }
  // Held whole, the model's float input and the decoded audio would each add a float copy of the
  // extra seconds; streamed, the peak is the short file's plus the longer codes file's mapped
  // pages (0.2 MB) and allocator noise.
  const int64_t float_copy_kb = static_cast<int64_t>((kLong - kShort) * 48000 * 2 * 4 / 1024);
  EXPECT_LT(peaks[kLong].first - peaks[kShort].first, float_copy_kb / 2);
  EXPECT_LT(peaks[kLong].second - peaks[kShort].second, float_copy_kb / 2);
}

}  // namespace
}  // namespace almkit
