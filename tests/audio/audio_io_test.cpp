#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>

#include "almkit/audio.h"
#include "test_support.h"

namespace almkit {
namespace {

AudioBuffer sine(int rate, int channels, double seconds, double hz = 440.0, float amplitude = 0.5f) {
  AudioBuffer audio{rate, channels, {}};
  const auto frames = static_cast<int64_t>(seconds * rate);
  for (int64_t f = 0; f < frames; ++f) {
    for (int c = 0; c < channels; ++c) {
      audio.samples.push_back(amplitude * static_cast<float>(std::sin(2 * M_PI * hz * f / rate)) *
                              (c == 0 ? 1.f : 0.5f));
    }
  }
  return audio;
}

// Writes `audio` with libsndfile in `format` (to test decoding of each container).
void write_with_sndfile(const std::string& path, const AudioBuffer& audio, int format) {
  SF_INFO info{};
  info.samplerate = audio.sample_rate;
  info.channels = audio.channels;
  info.format = format;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(file, nullptr) << sf_strerror(nullptr);
  sf_writef_float(file, audio.samples.data(), audio.num_frames());
  sf_close(file);
}

// Goertzel power at `hz` relative to total power: 1 for a pure tone at that frequency.
double tone_share(const std::vector<float>& x, int rate, double hz) {
  double re = 0, im = 0, total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    re += x[i] * std::cos(2 * M_PI * hz * i / rate);
    im -= x[i] * std::sin(2 * M_PI * hz * i / rate);
    total += double(x[i]) * x[i];
  }
  return (re * re + im * im) * 2.0 / x.size() / total;
}

TEST(AudioIo, WavRoundTripKeepsSamplesWithinPcm16Precision) {
  const std::string dir = test::temp_dir();
  const AudioBuffer original = sine(16000, 1, 0.5);
  write_wav(dir + "/a.wav", original);
  const AudioBuffer loaded = load_audio(dir + "/a.wav");
  ASSERT_EQ(loaded.sample_rate, 16000);
  ASSERT_EQ(loaded.samples.size(), original.samples.size());
  EXPECT_LE(test::max_abs_diff(loaded.samples.data(), original.samples.data(), original.samples.size()),
            1.f / 32767);
  write_wav(dir + "/f.wav", original, WavEncoding::kFloat32);
  EXPECT_EQ(load_audio(dir + "/f.wav").samples, original.samples);
}

TEST(AudioIo, DecodesFlacOggVorbisOpusAndMp3) {
  const std::string dir = test::temp_dir();
  const AudioBuffer original = sine(48000, 1, 1.0, 1000.0);
  const std::vector<std::pair<std::string, int>> formats = {
      {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
      {"ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
      {"opus", SF_FORMAT_OGG | SF_FORMAT_OPUS},
      {"mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III},
  };
  for (const auto& [extension, format] : formats) {
    SCOPED_TRACE(extension);
    const std::string path = dir + "/tone." + extension;
    write_with_sndfile(path, original, format);
    AudioLoadOptions options;
    options.target_sample_rate = 16000;
    const AudioBuffer loaded = load_audio(path, options);
    EXPECT_EQ(loaded.sample_rate, 16000);
    EXPECT_NEAR(loaded.duration_seconds(), 1.0, 0.08);  // codecs add priming / padding
    EXPECT_GT(tone_share(loaded.samples, 16000, 1000.0), 0.9);
  }
}

TEST(AudioIo, StereoIsAveragedToMonoOrKeptOnRequest) {
  const std::string dir = test::temp_dir();
  const AudioBuffer stereo = sine(16000, 2, 0.25);
  write_wav(dir + "/s.wav", stereo, WavEncoding::kFloat32);
  const AudioBuffer mono = load_audio(dir + "/s.wav");
  ASSERT_EQ(mono.channels, 1);
  for (int64_t f = 0; f < mono.num_frames(); ++f) {
    ASSERT_FLOAT_EQ(mono.samples[f], 0.5f * (stereo.samples[2 * f] + stereo.samples[2 * f + 1]));
  }
  AudioLoadOptions keep;
  keep.mono = false;
  const AudioBuffer both = load_audio(dir + "/s.wav", keep);
  EXPECT_EQ(both.channels, 2);
  EXPECT_EQ(both.channel(1), stereo.channel(1));
}

TEST(AudioIo, LoadsFromMemoryLikeFromAFile) {
  const AudioBuffer original = sine(22050, 1, 0.3);
  const std::vector<uint8_t> bytes = encode_wav(original, WavEncoding::kFloat32);
  const AudioBuffer loaded = load_audio_from_memory(bytes.data(), bytes.size());
  EXPECT_EQ(loaded.sample_rate, 22050);
  EXPECT_EQ(loaded.samples, original.samples);
}

TEST(AudioIo, OffsetAndDurationSelectASpan) {
  const std::string dir = test::temp_dir();
  AudioBuffer ramp{1000, 1, {}};
  for (int i = 0; i < 3000; ++i) ramp.samples.push_back(i / 4000.f);
  write_wav(dir + "/r.wav", ramp, WavEncoding::kFloat32);
  AudioLoadOptions span;
  span.offset_seconds = 1.0;
  span.duration_seconds = 0.5;
  const AudioBuffer part = load_audio(dir + "/r.wav", span);
  ASSERT_EQ(part.num_frames(), 500);
  EXPECT_FLOAT_EQ(part.samples[0], 1000 / 4000.f);
}

TEST(Resample, KeepsTheToneAndTheDuration) {
  for (auto [from, to] : {std::pair{44100, 16000}, {16000, 24000}, {48000, 16000}, {8000, 16000}}) {
    SCOPED_TRACE(std::to_string(from) + " -> " + std::to_string(to));
    const AudioBuffer input = sine(from, 1, 1.0, 440.0);
    const AudioBuffer output = resample(input, to);
    EXPECT_EQ(output.sample_rate, to);
    EXPECT_NEAR(static_cast<double>(output.num_frames()), to * 1.0, 1.0);
    EXPECT_GT(tone_share(output.samples, to, 440.0), 0.99);
  }
}

TEST(Resample, HandlesSeveralChannelsAndRejectsARateOfZero) {
  const AudioBuffer stereo = sine(32000, 2, 0.5);
  const AudioBuffer out = resample(stereo, 16000);
  EXPECT_EQ(out.channels, 2);
  EXPECT_NEAR(out.num_frames(), 8000, 1);
  EXPECT_ALMKIT_ERROR(resample(stereo, 0), ErrorCode::kInvalidArgument, "target rate");
  AudioBuffer no_rate = stereo;
  no_rate.sample_rate = 0;
  EXPECT_ALMKIT_ERROR(resample(no_rate, 16000), ErrorCode::kInvalidArgument, "sample rate");
}

TEST(AudioIo, RealSpeechFromTheRegistriesDecodes) {
  const std::string jfk = test::data_dir() + "/jfk.wav";
  ASSERT_TRUE(test::file_exists(jfk)) << jfk << " missing: run scripts/setup.sh";
  const AudioBuffer speech = load_audio(jfk);
  EXPECT_EQ(speech.sample_rate, 16000);
  EXPECT_NEAR(speech.duration_seconds(), 11.0, 0.1);
  const std::string clip = test::librivox_dir() + "/sense_and_sensibility_01_austen_64kb-0870.wav";
  ASSERT_TRUE(test::file_exists(clip)) << clip << " missing: run scripts/setup.sh";
  AudioLoadOptions at24k;
  at24k.target_sample_rate = 24000;
  EXPECT_EQ(load_audio(clip, at24k).sample_rate, 24000);
}

// ---- bad input: every case is a clear almkit::Error naming the file --------------------------

TEST(AudioIoErrors, MissingFile) {
  EXPECT_ALMKIT_ERROR(load_audio("/nonexistent/x.wav"), ErrorCode::kFileNotFound, "/nonexistent/x.wav");
}

TEST(AudioIoErrors, DirectoryInsteadOfFile) {
  const std::string dir = test::temp_dir();
  EXPECT_ALMKIT_ERROR(load_audio(dir), ErrorCode::kInvalidArgument, "is a directory");
}

TEST(AudioIoErrors, EmptyAndCorruptFiles) {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/empty.wav", "");
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/empty.wav"), ErrorCode::kInvalidFormat, "empty.wav");
  std::string garbage(5000, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 2654435761u) >> 13);
  test::write_file(dir + "/garbage.wav", garbage);
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/garbage.wav"), ErrorCode::kInvalidFormat, "garbage.wav");
  EXPECT_ALMKIT_ERROR(load_audio_from_memory(garbage.data(), garbage.size(), {}, "upload"),
                      ErrorCode::kInvalidFormat, "upload");
  EXPECT_ALMKIT_ERROR(load_audio_from_memory(nullptr, 0, {}, "upload"), ErrorCode::kInvalidFormat, "empty");
}

TEST(AudioIoErrors, TruncatedWavAndFlac) {
  const std::string dir = test::temp_dir();
  write_wav(dir + "/full.wav", sine(16000, 1, 1.0));
  const std::string wav = test::read_file(dir + "/full.wav");
  test::write_file(dir + "/cut.wav", wav.substr(0, wav.size() / 2));
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/cut.wav"), ErrorCode::kInvalidFormat, "cut.wav");
  write_with_sndfile(dir + "/full.flac", sine(16000, 1, 2.0), SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  const std::string flac = test::read_file(dir + "/full.flac");
  test::write_file(dir + "/cut.flac", flac.substr(0, flac.size() / 2));
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/cut.flac"), ErrorCode::kInvalidFormat, "cut.flac");
}

TEST(AudioIoErrors, ZeroSamples) {
  const std::string dir = test::temp_dir();
  SF_INFO info{};
  info.samplerate = 16000;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  sf_close(sf_open((dir + "/silent.wav").c_str(), SFM_WRITE, &info));
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/silent.wav"), ErrorCode::kInvalidFormat, "no audio samples");
}

TEST(AudioIoErrors, NanAndInfSamples) {
  const std::string dir = test::temp_dir();
  AudioBuffer audio = sine(16000, 1, 0.1);
  audio.samples[800] = NAN;
  write_with_sndfile(dir + "/nan.wav", audio, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/nan.wav"), ErrorCode::kInvalidFormat, "frame 800");
  audio.samples[800] = 0.f;
  audio.samples[3] = -INFINITY;
  write_with_sndfile(dir + "/inf.wav", audio, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/inf.wav"), ErrorCode::kInvalidFormat, "non-finite");
  EXPECT_ALMKIT_ERROR(validate_audio(audio, "buffer x"), ErrorCode::kInvalidArgument, "buffer x");
}

TEST(AudioIoErrors, HeaderWithARateOfZero) {
  const std::string dir = test::temp_dir();
  write_wav(dir + "/ok.wav", sine(16000, 1, 0.1));
  std::string bytes = test::read_file(dir + "/ok.wav");
  for (int i = 24; i < 32; ++i) bytes[i] = 0;  // fmt chunk: sample rate and byte rate
  test::write_file(dir + "/rate0.wav", bytes);
  EXPECT_ALMKIT_ERROR(load_audio(dir + "/rate0.wav"), ErrorCode::kInvalidFormat, "rate0.wav");
}

TEST(AudioIoErrors, WritingInvalidBuffers) {
  const std::string dir = test::temp_dir();
  AudioBuffer empty{16000, 1, {}};
  EXPECT_ALMKIT_ERROR(write_wav(dir + "/e.wav", empty), ErrorCode::kInvalidArgument, "empty");
  AudioBuffer ragged{16000, 2, {0.1f, 0.2f, 0.3f}};
  EXPECT_ALMKIT_ERROR(write_wav(dir + "/r.wav", ragged), ErrorCode::kShapeMismatch, "whole number");
  EXPECT_ALMKIT_ERROR(write_wav("/nonexistent/dir/x.wav", sine(8000, 1, 0.1)), ErrorCode::kIo, "x.wav");
}

}  // namespace
}  // namespace almkit
