#include <gtest/gtest.h>

#include <cmath>

#include "almkit/synth.h"
#include "audio/synth/signal_measure.h"
#include "test_support.h"

namespace almkit {
namespace {

constexpr int kRate = 16000;

TEST(SynthTheory, EqualTemperamentWithA440) {
  EXPECT_DOUBLE_EQ(midi_to_hz(69), 440.0);
  EXPECT_DOUBLE_EQ(midi_to_hz(81), 880.0);
  EXPECT_NEAR(midi_to_hz(60), 261.6256, 1e-4);
  EXPECT_NEAR(hz_to_midi(midi_to_hz(61.5)), 61.5, 1e-12);
  EXPECT_EQ(note_name(60), "C4");
  EXPECT_EQ(note_name(69), "A4");
  EXPECT_EQ(note_name(70), "Bb4");
  EXPECT_EQ(note_name(66), "F#4");
  EXPECT_EQ(note_name(61, true), "Db4");
  EXPECT_EQ(note_name(47), "B2");
}

TEST(SynthTheory, ScalesAndKeys) {
  EXPECT_EQ(scale_degree_to_midi(60, ScaleMode::kMajor, 0), 60);
  EXPECT_EQ(scale_degree_to_midi(60, ScaleMode::kMajor, 2), 64);
  EXPECT_EQ(scale_degree_to_midi(60, ScaleMode::kMajor, 7), 72);
  EXPECT_EQ(scale_degree_to_midi(60, ScaleMode::kMajor, -1), 59);
  EXPECT_EQ(scale_degree_to_midi(60, ScaleMode::kMajor, -7), 48);
  EXPECT_EQ(scale_degree_to_midi(57, ScaleMode::kHarmonicMinor, 6), 68);  // G# in A minor
  EXPECT_TRUE(in_scale(67, ScaleMode::kMajor, 66));                       // F# in G major
  EXPECT_FALSE(in_scale(67, ScaleMode::kMajor, 65));                      // F is not
  EXPECT_EQ(key_name(61, ScaleMode::kMajor), "Db major");
  EXPECT_EQ(key_name(61, ScaleMode::kNaturalMinor), "C# minor");
}

TEST(SynthTheory, ChordsAreSpelledInThirds) {
  EXPECT_EQ(chord_pitches(60, ChordQuality::kMajor), (std::vector<int>{60, 64, 67}));
  EXPECT_EQ(chord_pitches(60, ChordQuality::kDiminished), (std::vector<int>{60, 63, 66}));
  EXPECT_EQ(chord_spelling(60, ChordQuality::kMinor), (std::vector<std::string>{"C", "Eb", "G"}));
  EXPECT_EQ(chord_spelling(60, ChordQuality::kDiminished),
            (std::vector<std::string>{"C", "Eb", "Gb"}));
  EXPECT_EQ(chord_spelling(64, ChordQuality::kAugmented),
            (std::vector<std::string>{"E", "G#", "B#"}));
  EXPECT_EQ(chord_spelling(71, ChordQuality::kDiminished),
            (std::vector<std::string>{"B", "D", "F"}));
  EXPECT_EQ(chord_spelling(68, ChordQuality::kMinor, true),
            (std::vector<std::string>{"Ab", "Cb", "Eb"}));
  EXPECT_EQ(chord_spelling(61, ChordQuality::kMinor), (std::vector<std::string>{"C#", "E", "G#"}));
  // Diatonic triads take the key's letters: the dominant of B major is F#, not Gb.
  EXPECT_EQ(diatonic_triad_spelling(59, ScaleMode::kMajor, 4),
            (std::vector<std::string>{"F#", "A#", "C#"}));
  EXPECT_EQ(diatonic_triad_spelling(63, ScaleMode::kMajor, 1),
            (std::vector<std::string>{"F", "Ab", "C"}));
  EXPECT_EQ(diatonic_triad_spelling(61, ScaleMode::kMajor, 6),
            (std::vector<std::string>{"C", "Eb", "Gb"}));  // vii dim of Db major
  EXPECT_EQ(diatonic_triad_spelling(57, ScaleMode::kHarmonicMinor, 4),
            (std::vector<std::string>{"E", "G#", "B"}));
  for (ChordQuality quality : {ChordQuality::kMajor, ChordQuality::kMinor,
                               ChordQuality::kDiminished, ChordQuality::kAugmented}) {
    std::vector<int> pitches = chord_pitches(62, quality);
    EXPECT_EQ(classify_triad(pitches), quality);
    pitches[0] += 12;  // first inversion keeps the quality
    EXPECT_EQ(classify_triad(pitches), quality);
  }
  EXPECT_ALMKIT_ERROR(classify_triad({60, 62, 67}), ErrorCode::kInvalidArgument, "60 62 67");
}

TEST(SynthSignal, ToneHasItsPitchAndNoAliasing) {
  for (Waveform waveform :
       {Waveform::kSine, Waveform::kSquare, Waveform::kSawtooth, Waveform::kTriangle}) {
    ToneOptions tone;
    tone.waveform = waveform;
    tone.frequency_hz = 330.0;
    tone.duration_seconds = 0.5;
    const std::vector<float> x = synth_tone(tone, kRate);
    ASSERT_EQ(x.size(), 8000u);
    EXPECT_NEAR(test::estimate_f0(test::slice(x, kRate, 0.1, 0.4), kRate), 330.0, 1.0)
        << waveform_name(waveform);
    double peak = 0;
    for (float v : x) peak = std::max(peak, double(std::fabs(v)));
    EXPECT_LE(peak, 0.5 * 1.2) << waveform_name(waveform);  // Gibbs overshoot at most ~18 %
    EXPECT_GE(peak, 0.5 * 0.8) << waveform_name(waveform);
  }
  // Harmonic content: square has odd harmonics at 1/k, sawtooth all at 1/k, sine none.
  auto ratio = [](Waveform waveform, int k) {
    ToneOptions tone;
    tone.waveform = waveform;
    tone.frequency_hz = 250.0;
    tone.duration_seconds = 0.5;
    const std::vector<float> x = synth_tone(tone, kRate);
    return test::tone_magnitude(x, kRate, 250.0 * k) / test::tone_magnitude(x, kRate, 250.0);
  };
  EXPECT_LT(ratio(Waveform::kSine, 2), 0.01);
  EXPECT_LT(ratio(Waveform::kSine, 3), 0.01);
  EXPECT_NEAR(ratio(Waveform::kSquare, 3), 1.0 / 3, 0.02);
  EXPECT_LT(ratio(Waveform::kSquare, 2), 0.01);
  EXPECT_NEAR(ratio(Waveform::kSawtooth, 2), 1.0 / 2, 0.02);
  EXPECT_NEAR(ratio(Waveform::kTriangle, 3), 1.0 / 9, 0.01);
  // At 16 kHz a 3 kHz square keeps only its fundamental: its 9 kHz harmonic, which a naive
  // square would alias to 7 kHz, is left out.
  ToneOptions high;
  high.waveform = Waveform::kSquare;
  high.frequency_hz = 3000.0;
  const std::vector<float> x = synth_tone(high, kRate);
  EXPECT_LT(test::tone_magnitude(x, kRate, 7000.0) / test::tone_magnitude(x, kRate, 3000.0), 0.01);
}

TEST(SynthSignal, NoiseIsSeededAndAperiodic) {
  ToneOptions tone;
  tone.waveform = Waveform::kNoise;
  tone.noise_seed = 5;
  const std::vector<float> a = synth_tone(tone, kRate), b = synth_tone(tone, kRate);
  EXPECT_EQ(a, b);
  tone.noise_seed = 6;
  EXPECT_NE(a, synth_tone(tone, kRate));
  EXPECT_EQ(test::estimate_f0(test::slice(a, kRate, 0.05, 0.45), kRate), 0.0);
}

TEST(SynthSignal, EnvelopesShapePluckedAndBowedNotes) {
  const Envelope pluck = plucked_envelope(), bow = bowed_envelope();
  EXPECT_NEAR(envelope_gain(pluck, 0.003, 1.0), 1.0, 1e-9);
  EXPECT_LT(envelope_gain(pluck, 0.5, 1.0), 0.2);
  EXPECT_EQ(envelope_gain(pluck, 0.8, 1.0), 0.0);
  EXPECT_NEAR(envelope_gain(bow, 0.125, 1.0), 0.5, 1e-9);
  EXPECT_EQ(envelope_gain(bow, 0.5, 1.0), 1.0);
  EXPECT_NEAR(envelope_gain(bow, 0.925, 1.0), 0.5, 1e-9);  // halfway through the release
  EXPECT_EQ(envelope_gain(bow, 1.0, 1.0), 0.0);
  EXPECT_EQ(envelope_gain(bow, -0.1, 1.0), 0.0);
}

TEST(SynthSignal, NotesLandWhereTheScoreSays) {
  Voice voice;
  const std::vector<Note> notes = melody_notes({60, 64, 67}, 0.4, 0.2);
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_DOUBLE_EQ(notes[2].start_seconds, 1.0);
  const std::vector<float> x = render_notes(notes, voice, kRate, 2.0);
  EXPECT_EQ(x.size(), 32000u);
  const std::vector<double> onsets = test::detect_onsets(x, kRate);
  ASSERT_EQ(onsets.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(onsets[i], notes[i].start_seconds, 0.01);
  for (size_t i = 0; i < 3; ++i) {
    const double f0 = test::estimate_f0(
        test::slice(x, kRate, notes[i].start_seconds + 0.05, notes[i].start_seconds + 0.3), kRate);
    EXPECT_NEAR(test::hz_to_midi_pitch(f0), notes[i].midi_pitch, 0.1);
  }
  const std::vector<Note> rhythm = rhythm_notes({0, 1, 1.5}, 0.5, 72, 0.1, 0.1);
  EXPECT_DOUBLE_EQ(rhythm[2].start_seconds, 0.85);
}

TEST(SynthSignal, PanningIsConstantPower) {
  const std::vector<float> mono(1000, 0.5f);
  const AudioBuffer left = pan_stereo(mono, -1.0, kRate);
  EXPECT_EQ(left.channels, 2);
  EXPECT_FLOAT_EQ(left.samples[0], 0.5f);
  EXPECT_NEAR(left.samples[1], 0.0f, 1e-7);
  const AudioBuffer centre = pan_stereo(mono, 0.0, kRate);
  EXPECT_NEAR(centre.samples[0], 0.5f / std::sqrt(2.0f), 1e-6);
  EXPECT_NEAR(centre.samples[1], 0.5f / std::sqrt(2.0f), 1e-6);
  const AudioBuffer right = pan_stereo(mono, 0.45, kRate);
  EXPECT_GT(right.samples[1], right.samples[0] * 2.0);  // > 6 dB to the right
  EXPECT_ALMKIT_ERROR(pan_stereo(mono, 1.5, kRate), ErrorCode::kInvalidArgument, "pan");
}

TEST(SynthSignal, MixAndNormalise) {
  AudioBuffer target;
  AudioBuffer one;
  one.sample_rate = kRate;
  one.channels = 1;
  one.samples = {0.25f, -0.5f};
  mix_into(target, one, 3);
  EXPECT_EQ(target.samples, (std::vector<float>{0, 0, 0, 0.25f, -0.5f}));
  mix_into(target, one, 4, 2.0);
  EXPECT_EQ(target.samples, (std::vector<float>{0, 0, 0, 0.25f, 0.0f, -1.0f}));
  normalize_peak(target, 0.5);
  EXPECT_FLOAT_EQ(static_cast<float>(peak_level(target)), 0.5f);
  const AudioBuffer stereo = pan_stereo({0.1f}, 0, kRate);
  EXPECT_ALMKIT_ERROR(mix_into(target, stereo, 0), ErrorCode::kShapeMismatch, "2 channels");
  AudioBuffer silent = one;
  silent.samples = {0.f, 0.f};
  EXPECT_ALMKIT_ERROR(normalize_peak(silent, 0.5), ErrorCode::kInvalidArgument, "silent");
}

}  // namespace
}  // namespace almkit
