// A program that wants only features: it links almkit_frontend (no libtorch, SQLite, curl or
// httplib) and checks a Whisper mel, a Kaldi fbank, resampling and a WAV round trip.
#include <almkit/audio.h>
#include <almkit/error.h>
#include <almkit/features.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string wav = argc > 1 ? argv[1] : "frontend_consumer.wav";
  almkit::AudioBuffer tone;
  tone.sample_rate = 22050;
  tone.channels = 1;
  for (int i = 0; i < 22050; ++i)
    tone.samples.push_back(0.5f * std::sin(2 * M_PI * 440.0 * i / 22050));
  almkit::write_wav(wav, tone, almkit::WavEncoding::kFloat32);
  almkit::AudioLoadOptions load;
  load.target_sample_rate = 16000;
  const almkit::AudioBuffer clip = almkit::load_audio(wav, load);
  if (clip.sample_rate != 16000 || std::abs(clip.num_frames() - 16000) > 1) return 1;

  const almkit::FeatureBatch mel = almkit::WhisperMel().compute(clip.samples);
  if (mel.features.shape != std::vector<int64_t>{1, 80, 3000}) return 2;
  almkit::KaldiFbankOptions options;
  options.num_mel_bins = 80;
  const almkit::FeatureTensor fbank = almkit::KaldiFbank(options).compute(clip);
  if (fbank.shape != std::vector<int64_t>{98, 80}) return 3;
  try {
    almkit::load_audio(wav + ".missing");
    return 4;
  } catch (const almkit::Error& error) {
    if (error.code() != almkit::ErrorCode::kFileNotFound) return 5;
  }
  std::printf("frontend only: mel %lldx%lld, fbank %lldx%lld\n",
              static_cast<long long>(mel.features.shape[1]),
              static_cast<long long>(mel.features.shape[2]), static_cast<long long>(fbank.shape[0]),
              static_cast<long long>(fbank.shape[1]));
  return 0;
}
