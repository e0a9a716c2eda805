// Tone, note and buffer generators of include/almkit/synth.h.
#include <algorithm>
#include <cmath>

#include "almkit/error.h"
#include "almkit/synth.h"
#include "audio/synth/random.h"

namespace almkit {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Fourier coefficient of harmonic k (sine series) for a wave spanning [-1, 1].
double harmonic_coefficient(Waveform waveform, int k) {
  switch (waveform) {
    case Waveform::kSine:
      return k == 1 ? 1.0 : 0.0;
    case Waveform::kSquare:
      return (k % 2 == 1) ? 4.0 / (kPi * k) : 0.0;
    case Waveform::kSawtooth:
      return ((k % 2 == 1) ? 2.0 : -2.0) / (kPi * k);
    case Waveform::kTriangle:
      if (k % 2 == 0) return 0.0;
      return (((k - 1) / 2) % 2 == 0 ? 8.0 : -8.0) / (kPi * kPi * k * k);
    case Waveform::kNoise:
      return 0.0;
  }
  return 0.0;
}

void check_rate(int sample_rate) {
  if (sample_rate <= 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "synth: sample rate must be positive, got " + std::to_string(sample_rate));
  }
}

}  // namespace

const char* waveform_name(Waveform waveform) {
  switch (waveform) {
    case Waveform::kSine:
      return "sine";
    case Waveform::kSquare:
      return "square";
    case Waveform::kSawtooth:
      return "sawtooth";
    case Waveform::kTriangle:
      return "triangle";
    case Waveform::kNoise:
      return "noise";
  }
  return "?";
}

Envelope plucked_envelope() {
  return Envelope{0.003, 0.6, 0.0, 0.02};
}
Envelope bowed_envelope() {
  return Envelope{0.25, 0.0, 1.0, 0.15};
}

double envelope_gain(const Envelope& envelope, double t, double duration) {
  if (t < 0.0 || t >= duration) return 0.0;
  double gain;
  if (envelope.attack_seconds > 0.0 && t < envelope.attack_seconds) {
    gain = t / envelope.attack_seconds;
  } else {
    const double after_attack = t - envelope.attack_seconds;
    if (envelope.decay_seconds > 0.0 && after_attack < envelope.decay_seconds) {
      gain = 1.0 - (1.0 - envelope.sustain_level) * after_attack / envelope.decay_seconds;
    } else {
      gain = envelope.sustain_level;
    }
  }
  const double release = std::min(envelope.release_seconds, duration);
  const double until_end = duration - t;
  if (release > 0.0 && until_end < release) gain *= until_end / release;
  return gain;
}

std::vector<float> synth_tone(const ToneOptions& options, int sample_rate) {
  check_rate(sample_rate);
  if (!(options.duration_seconds > 0.0) || !(options.frequency_hz > 0.0) ||
      !std::isfinite(options.amplitude)) {
    throw Error(ErrorCode::kInvalidArgument,
                "synth_tone: duration and frequency must be positive (got " +
                    std::to_string(options.duration_seconds) + " s, " +
                    std::to_string(options.frequency_hz) + " Hz)");
  }
  const int64_t frames = static_cast<int64_t>(std::llround(options.duration_seconds * sample_rate));
  std::vector<float> out(static_cast<size_t>(frames), 0.f);
  if (options.waveform == Waveform::kNoise) {
    synth::Rng rng(options.noise_seed);
    for (int64_t i = 0; i < frames; ++i) {
      const double t = static_cast<double>(i) / sample_rate;
      out[i] = static_cast<float>(options.amplitude * rng.uniform(-1.0, 1.0) *
                                  envelope_gain(options.envelope, t, options.duration_seconds));
    }
    return out;
  }
  // Harmonics below 0.45 * rate, summed with the recurrence sin(kx) = 2cos(x)sin((k-1)x) -
  // sin((k-2)x), which is exact enough over a few dozen harmonics and far cheaper than sin().
  const int harmonics =
      std::max(1, static_cast<int>(std::floor(0.45 * sample_rate / options.frequency_hz)));
  std::vector<double> coefficients(static_cast<size_t>(harmonics) + 1, 0.0);
  for (int k = 1; k <= harmonics; ++k) coefficients[k] = harmonic_coefficient(options.waveform, k);
  const double omega = 2.0 * kPi * options.frequency_hz / sample_rate;
  for (int64_t i = 0; i < frames; ++i) {
    const double x = omega * static_cast<double>(i);
    const double s1 = std::sin(x), c1 = std::cos(x);
    double previous = 0.0, current = s1, sum = coefficients[1] * s1;
    for (int k = 2; k <= harmonics; ++k) {
      const double next = 2.0 * c1 * current - previous;
      previous = current;
      current = next;
      sum += coefficients[k] * current;
    }
    const double t = static_cast<double>(i) / sample_rate;
    out[i] = static_cast<float>(options.amplitude * sum *
                                envelope_gain(options.envelope, t, options.duration_seconds));
  }
  return out;
}

double midi_to_hz(double midi_pitch) {
  return 440.0 * std::pow(2.0, (midi_pitch - 69.0) / 12.0);
}
double hz_to_midi(double frequency_hz) {
  return 69.0 + 12.0 * std::log2(frequency_hz / 440.0);
}

std::string note_name(int midi_pitch, bool prefer_flats) {
  static const char* kSharps[] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};
  static const char* kFlats[] = {"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"};
  const int pitch_class = ((midi_pitch % 12) + 12) % 12;
  const int octave = (midi_pitch - pitch_class) / 12 - 1;
  return std::string(prefer_flats ? kFlats[pitch_class] : kSharps[pitch_class]) +
         std::to_string(octave);
}

void add_notes(std::vector<float>& mono, const std::vector<Note>& notes, const Voice& voice,
               int sample_rate) {
  check_rate(sample_rate);
  uint64_t note_index = 0;
  for (const Note& note : notes) {
    ToneOptions tone;
    tone.frequency_hz = midi_to_hz(note.midi_pitch);
    tone.duration_seconds = note.duration_seconds;
    tone.amplitude = voice.amplitude * note.gain;
    tone.waveform = voice.waveform;
    tone.envelope = voice.envelope;
    tone.noise_seed = voice.noise_seed + 0x9E37ull * ++note_index;
    const std::vector<float> samples = synth_tone(tone, sample_rate);
    const int64_t offset = std::llround(note.start_seconds * sample_rate);
    if (offset < 0) {
      throw Error(ErrorCode::kInvalidArgument, "add_notes: a note starts before 0 s");
    }
    if (mono.size() < static_cast<size_t>(offset) + samples.size()) {
      mono.resize(static_cast<size_t>(offset) + samples.size(), 0.f);
    }
    for (size_t i = 0; i < samples.size(); ++i) mono[offset + i] += samples[i];
  }
}

std::vector<float> render_notes(const std::vector<Note>& notes, const Voice& voice, int sample_rate,
                                double total_seconds) {
  std::vector<float> mono;
  add_notes(mono, notes, voice, sample_rate);
  if (total_seconds > 0.0) {
    mono.resize(static_cast<size_t>(std::llround(total_seconds * sample_rate)), 0.f);
  }
  return mono;
}

AudioBuffer pan_stereo(const std::vector<float>& mono, double pan, int sample_rate) {
  check_rate(sample_rate);
  if (!(pan >= -1.0 && pan <= 1.0)) {
    throw Error(ErrorCode::kInvalidArgument,
                "pan_stereo: pan must be in [-1, 1], got " + std::to_string(pan));
  }
  const double angle = (pan + 1.0) * kPi / 4.0;
  const double left = std::cos(angle), right = std::sin(angle);
  AudioBuffer out;
  out.sample_rate = sample_rate;
  out.channels = 2;
  out.samples.resize(mono.size() * 2);
  for (size_t i = 0; i < mono.size(); ++i) {
    out.samples[2 * i] = static_cast<float>(mono[i] * left);
    out.samples[2 * i + 1] = static_cast<float>(mono[i] * right);
  }
  return out;
}

void mix_into(AudioBuffer& target, const AudioBuffer& source, int64_t offset_frames, double gain) {
  if (target.channels == 0 && target.samples.empty()) {
    target.channels = source.channels;
    target.sample_rate = source.sample_rate;
  }
  if (target.channels != source.channels || target.sample_rate != source.sample_rate) {
    throw Error(ErrorCode::kShapeMismatch, "mix_into: cannot mix " +
                                               std::to_string(source.channels) + " channels at " +
                                               std::to_string(source.sample_rate) + " Hz into " +
                                               std::to_string(target.channels) + " channels at " +
                                               std::to_string(target.sample_rate) + " Hz");
  }
  if (offset_frames < 0) throw Error(ErrorCode::kInvalidArgument, "mix_into: negative offset");
  const size_t start = static_cast<size_t>(offset_frames) * source.channels;
  if (target.samples.size() < start + source.samples.size()) {
    target.samples.resize(start + source.samples.size(), 0.f);
  }
  for (size_t i = 0; i < source.samples.size(); ++i) {
    target.samples[start + i] += static_cast<float>(source.samples[i] * gain);
  }
}

double peak_level(const AudioBuffer& audio) {
  double peak = 0.0;
  for (float v : audio.samples) peak = std::max(peak, static_cast<double>(std::fabs(v)));
  return peak;
}

double rms_level(const AudioBuffer& audio) {
  if (audio.samples.empty()) return 0.0;
  double sum = 0.0;
  for (float v : audio.samples) sum += static_cast<double>(v) * v;
  return std::sqrt(sum / static_cast<double>(audio.samples.size()));
}

void normalize_peak(AudioBuffer& audio, double peak) {
  const double current = peak_level(audio);
  if (!(current > 0.0)) {
    throw Error(ErrorCode::kInvalidArgument, "normalize_peak: the buffer is silent");
  }
  const double scale = peak / current;
  for (float& v : audio.samples) v = static_cast<float>(v * scale);
}

}  // namespace almkit
