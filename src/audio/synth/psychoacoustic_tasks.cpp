// Psychoacoustic tasks: pitch direction, loudness, duration, waveform timbre, articulation.
#include <cmath>

#include "audio/synth/suite_internal.h"

namespace almkit::synth {
namespace {

constexpr double kGapSeconds = 0.4;

// Two tones (mono) one after the other with a gap.
AudioBuffer two_tones(const ToneOptions& first, const ToneOptions& second, int sample_rate,
                      double* second_start) {
  std::vector<float> samples(static_cast<size_t>(std::llround(0.1 * sample_rate)), 0.f);
  const std::vector<float> a = synth_tone(first, sample_rate);
  samples.insert(samples.end(), a.begin(), a.end());
  samples.resize(samples.size() + static_cast<size_t>(std::llround(kGapSeconds * sample_rate)));
  *second_start = static_cast<double>(samples.size()) / sample_rate;
  const std::vector<float> b = synth_tone(second, sample_rate);
  samples.insert(samples.end(), b.begin(), b.end());
  samples.resize(samples.size() + static_cast<size_t>(std::llround(0.15 * sample_rate)));
  return mono_buffer(std::move(samples), sample_rate);
}

std::vector<std::string> first_or_second(bool first, const std::string& first_text,
                                         const std::string& second_text) {
  return first ? std::vector<std::string>{first_text, second_text}
               : std::vector<std::string>{second_text, first_text};
}

// ---- pitch_direction ------------------------------------------------------------------------
const char* const kPitchChoices[] = {"The second tone is higher", "The second tone is lower",
                                     "Both tones have the same pitch"};

Stimulus make_pitch_direction(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  // A fifth (700 cents) apart is easy, a minor third (300) medium, a semitone (100) hard.
  const double cents = difficulty == kEasy ? 700.0 : difficulty == kMedium ? 300.0 : 100.0;
  const double base_hz = 220.0 * std::pow(2.0, rng.uniform(0.0, 1.5));
  const double sign = request.answer_class == 0 ? 1.0 : request.answer_class == 1 ? -1.0 : 0.0;
  ToneOptions first;
  first.frequency_hz = base_hz;
  first.duration_seconds = difficulty == kHard ? 0.35 : 0.5;
  first.amplitude = 0.5;
  first.envelope = Envelope{0.02, 0.0, 1.0, 0.03};
  ToneOptions second = first;
  second.frequency_hz = base_hz * std::pow(2.0, sign * cents / 1200.0);
  Stimulus stimulus;
  double second_start = 0.0;
  stimulus.audio = two_tones(first, second, request.sample_rate, &second_start);
  stimulus.question =
      "Two tones are played one after the other. How does the pitch of the "
      "second compare with the first?";
  stimulus.choices.push_back(kPitchChoices[request.answer_class]);
  for (int c = 0; c < 3; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(kPitchChoices[c]);
  }
  stimulus.metadata = {{"first_hz", first.frequency_hz},
                       {"second_hz", second.frequency_hz},
                       {"difference_cents", sign * cents},
                       {"tone_seconds", first.duration_seconds},
                       {"first_start", 0.1},
                       {"second_start", round_seconds(second_start)}};
  return stimulus;
}

// ---- loudness_comparison --------------------------------------------------------------------
Stimulus make_loudness_comparison(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool first_louder = request.answer_class == 0;
  const double difference_db = difficulty == kEasy ? 12.0 : difficulty == kMedium ? 9.0 : 6.0;
  ToneOptions loud;
  loud.waveform = rng.coin() ? Waveform::kSawtooth : Waveform::kNoise;
  loud.frequency_hz = 220.0 * std::pow(2.0, rng.uniform(0.0, 1.0));
  loud.duration_seconds = 0.6;
  loud.amplitude = 0.5;
  loud.envelope = Envelope{0.02, 0.0, 1.0, 0.03};
  loud.noise_seed = rng.next();
  ToneOptions soft = loud;
  soft.amplitude = loud.amplitude * std::pow(10.0, -difference_db / 20.0);
  Stimulus stimulus;
  double second_start = 0.0;
  stimulus.audio = first_louder ? two_tones(loud, soft, request.sample_rate, &second_start)
                                : two_tones(soft, loud, request.sample_rate, &second_start);
  stimulus.question = "Two sounds are played one after the other. Which is louder?";
  stimulus.choices = first_or_second(first_louder, "The first sound", "The second sound");
  stimulus.metadata = {{"waveform", waveform_name(loud.waveform)},
                       {"frequency_hz", loud.frequency_hz},
                       {"difference_db", difference_db},
                       {"louder", first_louder ? "first" : "second"},
                       {"sound_seconds", loud.duration_seconds},
                       {"first_start", 0.1},
                       {"second_start", round_seconds(second_start)}};
  return stimulus;
}

// ---- duration_comparison --------------------------------------------------------------------
Stimulus make_duration_comparison(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool first_longer = request.answer_class == 0;
  const double ratio = difficulty == kEasy ? 2.0 : difficulty == kMedium ? 1.5 : 1.25;
  ToneOptions short_tone;
  short_tone.waveform = Waveform::kTriangle;
  short_tone.frequency_hz = midi_to_hz(rng.integer(60, 76));
  short_tone.duration_seconds = rng.uniform(0.3, 0.5);
  short_tone.amplitude = 0.5;
  short_tone.envelope = Envelope{0.01, 0.0, 1.0, 0.02};
  ToneOptions long_tone = short_tone;
  long_tone.duration_seconds = short_tone.duration_seconds * ratio;
  Stimulus stimulus;
  double second_start = 0.0;
  stimulus.audio = first_longer
                       ? two_tones(long_tone, short_tone, request.sample_rate, &second_start)
                       : two_tones(short_tone, long_tone, request.sample_rate, &second_start);
  stimulus.question = "Two tones are played one after the other. Which lasts longer?";
  stimulus.choices = first_or_second(first_longer, "The first tone", "The second tone");
  stimulus.metadata = {
      {"first_seconds", first_longer ? long_tone.duration_seconds : short_tone.duration_seconds},
      {"second_seconds", first_longer ? short_tone.duration_seconds : long_tone.duration_seconds},
      {"ratio", ratio},
      {"frequency_hz", short_tone.frequency_hz},
      {"first_start", 0.1},
      {"second_start", round_seconds(second_start)}};
  return stimulus;
}

// ---- timbre_waveform ------------------------------------------------------------------------
const Waveform kTimbres[] = {Waveform::kSine, Waveform::kSquare, Waveform::kSawtooth,
                             Waveform::kNoise};
const char* const kTimbreChoices[] = {
    "A pure sine tone (smooth, no overtones)", "A square wave (hollow, odd overtones only)",
    "A sawtooth wave (bright and buzzy, all overtones)", "White noise (a hiss with no pitch)"};

Stimulus make_timbre_waveform(const ItemRequest& request) {
  const int difficulty = request.difficulty;
  ToneOptions tone;
  tone.waveform = kTimbres[request.answer_class];
  // Low notes have many overtones to hear; at 660 Hz only a few fit below 7.2 kHz.
  tone.frequency_hz = difficulty == kEasy ? 220.0 : difficulty == kMedium ? 440.0 : 660.0;
  tone.duration_seconds = difficulty == kHard ? 0.6 : 1.2;
  tone.amplitude = 0.5;
  tone.envelope = Envelope{0.02, 0.05, 0.9, 0.05};
  tone.noise_seed = request.rng->next();
  std::vector<float> samples(static_cast<size_t>(std::llround(0.1 * request.sample_rate)), 0.f);
  const std::vector<float> body = synth_tone(tone, request.sample_rate);
  samples.insert(samples.end(), body.begin(), body.end());
  samples.resize(samples.size() + static_cast<size_t>(std::llround(0.15 * request.sample_rate)));
  Stimulus stimulus;
  stimulus.audio = mono_buffer(std::move(samples), request.sample_rate);
  stimulus.question = "Which best describes the timbre of this sound?";
  stimulus.choices.push_back(kTimbreChoices[request.answer_class]);
  for (int c = 0; c < 4; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(kTimbreChoices[c]);
  }
  stimulus.metadata = {
      {"waveform", waveform_name(tone.waveform)},
      {"frequency_hz", tone.waveform == Waveform::kNoise ? 0.0 : tone.frequency_hz},
      {"start", 0.1},
      {"duration", tone.duration_seconds}};
  return stimulus;
}

// ---- articulation (plucked / bowed envelopes) -----------------------------------------------
Stimulus make_articulation(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool plucked = request.answer_class == 0;
  Voice voice;
  voice.waveform = Waveform::kSawtooth;
  voice.amplitude = 0.35;
  voice.envelope = plucked ? plucked_envelope() : bowed_envelope();
  // Hard: shorter notes, a quicker bow (120 ms) and a pluck that still rings at the next note.
  if (difficulty == kHard) {
    if (plucked)
      voice.envelope.decay_seconds = 0.9;
    else
      voice.envelope.attack_seconds = 0.12;
  }
  const int count = difficulty == kEasy ? 1 : 3;
  const double note_seconds = difficulty == kEasy ? 1.6 : difficulty == kMedium ? 0.9 : 0.6;
  const int tonic = rng.integer(50, 60);
  std::vector<Note> notes;
  for (int i = 0; i < count; ++i) {
    const int pitch =
        scale_degree_to_midi(tonic, ScaleMode::kMajor, rng.pick(std::vector<int>{0, 2, 4}));
    notes.push_back(Note{double(pitch), 0.1 + note_seconds * i, note_seconds, 1.0});
  }
  Stimulus stimulus;
  stimulus.audio =
      mono_buffer(render_notes(notes, voice, request.sample_rate, 0.25 + note_seconds * count),
                  request.sample_rate);
  stimulus.question = "How are the notes of this string-like sound articulated?";
  stimulus.choices = plucked ? std::vector<std::string>{"Plucked: a sharp attack that fades away",
                                                        "Bowed: a gradual swell that is sustained"}
                             : std::vector<std::string>{"Bowed: a gradual swell that is sustained",
                                                        "Plucked: a sharp attack that fades away"};
  stimulus.metadata = {{"articulation", plucked ? "plucked" : "bowed"},
                       {"attack_seconds", voice.envelope.attack_seconds},
                       {"decay_seconds", voice.envelope.decay_seconds},
                       {"sustain_level", voice.envelope.sustain_level},
                       {"release_seconds", voice.envelope.release_seconds},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

}  // namespace

std::vector<TaskDefinition> psychoacoustic_tasks() {
  return {
      {{"pitch_direction", "sound", "Information Extraction", "Pitch Comparison", 3, false,
        "two sine tones a fifth, a minor third or a semitone apart, or the same"},
       3,
       make_pitch_direction},
      {{"loudness_comparison", "sound", "Information Extraction", "Loudness Comparison", 2, false,
        "two identical sounds 12, 9 or 6 dB apart"},
       2,
       make_loudness_comparison},
      {{"duration_comparison", "sound", "Information Extraction", "Duration Comparison", 2, false,
        "two tones whose lengths differ by a factor of 2, 1.5 or 1.25"},
       2,
       make_duration_comparison},
      {{"timbre_waveform", "sound", "Information Extraction", "Waveform Timbre", 4, false,
        "one sustained sine, square, sawtooth or noise sound"},
       4,
       make_timbre_waveform},
      {{"articulation", "music", "Information Extraction", "Articulation", 2, false,
        "string-like notes with a plucked or a bowed envelope"},
       2,
       make_articulation},
  };
}

}  // namespace almkit::synth
