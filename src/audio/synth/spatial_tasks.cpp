// Spatial and temporal tasks in the manner of STAR-Bench: stereo direction, which side starts
// first, and the order of distinct sound events.
#include <cmath>

#include "audio/synth/suite_internal.h"

namespace almkit::synth {
namespace {

// Three broadband bursts (noise localises well by level difference alone).
std::vector<float> burst_train(Rng& rng, int sample_rate) {
  Voice voice;
  voice.waveform = Waveform::kNoise;
  voice.envelope = Envelope{0.01, 0.0, 1.0, 0.03};
  voice.amplitude = 0.5;
  voice.noise_seed = rng.next();
  return render_notes({Note{60, 0.0, 0.2, 1.0}, Note{60, 0.3, 0.2, 1.0}, Note{60, 0.6, 0.2, 1.0}},
                      voice, sample_rate);
}

// ---- spatial_direction ----------------------------------------------------------------------
Stimulus make_spatial_direction(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool left = request.answer_class == 0;
  // Constant-power pan: 1.0 is one ear only, 0.7 about 12 dB between the ears, 0.45 about 7 dB.
  const double magnitude = difficulty == kEasy ? 1.0 : difficulty == kMedium ? 0.7 : 0.45;
  const double pan = left ? -magnitude : magnitude;
  AudioBuffer audio;
  mix_into(audio, pan_stereo(burst_train(rng, request.sample_rate), pan, request.sample_rate),
           std::llround(0.1 * request.sample_rate));
  mix_into(audio,
           pan_stereo(std::vector<float>(std::llround(0.2 * request.sample_rate), 0.f), 0,
                      request.sample_rate),
           audio.num_frames());
  const double angle = (pan + 1.0) * 3.14159265358979323846 / 4.0;
  Stimulus stimulus;
  stimulus.audio = std::move(audio);
  stimulus.question = "This is a stereo recording. From which side does the sound come?";
  stimulus.choices = left ? std::vector<std::string>{"From the left", "From the right"}
                          : std::vector<std::string>{"From the right", "From the left"};
  stimulus.metadata = {
      {"side", left ? "left" : "right"},
      {"pan", pan},
      {"level_difference_db", std::fabs(20.0 * std::log10(std::max(std::cos(angle), 1e-6) /
                                                          std::max(std::sin(angle), 1e-6)))}};
  return stimulus;
}

// ---- spatial_onset_order --------------------------------------------------------------------
Stimulus make_spatial_onset_order(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool left_first = request.answer_class == 0;
  // Easy: one ends before the other starts; medium and hard: they overlap, starting 350 or 150 ms
  // apart.
  const double onset_gap = difficulty == kEasy ? 0.9 : difficulty == kMedium ? 0.35 : 0.15;
  ToneOptions tone;
  tone.waveform = Waveform::kSawtooth;
  tone.frequency_hz = midi_to_hz(rng.integer(55, 67));
  tone.duration_seconds = 0.8;
  tone.amplitude = 0.4;
  tone.envelope = Envelope{0.01, 0.1, 0.8, 0.05};
  std::vector<float> tone_samples = synth_tone(tone, request.sample_rate);
  std::vector<float> bursts = burst_train(rng, request.sample_rate);
  // Which of the two sounds comes first is random, independent of the side.
  const bool tone_first = rng.coin();
  const std::vector<float>& first_sound = tone_first ? tone_samples : bursts;
  const std::vector<float>& second_sound = tone_first ? bursts : tone_samples;
  const double first_pan = left_first ? -0.85 : 0.85;
  AudioBuffer audio;
  mix_into(audio, pan_stereo(first_sound, first_pan, request.sample_rate),
           std::llround(0.1 * request.sample_rate));
  mix_into(audio, pan_stereo(second_sound, -first_pan, request.sample_rate),
           std::llround((0.1 + onset_gap) * request.sample_rate));
  mix_into(audio,
           pan_stereo(std::vector<float>(std::llround(0.2 * request.sample_rate), 0.f), 0,
                      request.sample_rate),
           audio.num_frames());
  Stimulus stimulus;
  stimulus.audio = std::move(audio);
  stimulus.question =
      "In this stereo recording, one sound comes from the left and another from the right. On "
      "which side does the first sound start?";
  stimulus.choices = left_first ? std::vector<std::string>{"On the left", "On the right"}
                                : std::vector<std::string>{"On the right", "On the left"};
  stimulus.metadata = {{"first_side", left_first ? "left" : "right"},
                       {"first_sound", tone_first ? "tone" : "noise bursts"},
                       {"first_onset", 0.1},
                       {"second_onset", 0.1 + onset_gap},
                       {"pan", {first_pan, -first_pan}}};
  return stimulus;
}

// ---- temporal_order -------------------------------------------------------------------------
const char* const kEventNames[] = {"A high beep", "A low hum", "A burst of noise",
                                   "A rapid series of clicks"};

std::vector<float> event_sound(int type, Rng& rng, int sample_rate) {
  Voice voice;
  switch (type) {
    case 0:
      voice.waveform = Waveform::kSine;
      voice.envelope = Envelope{0.01, 0.0, 1.0, 0.03};
      voice.amplitude = 0.45;
      return render_notes({Note{93, 0.0, 0.4, 1.0}}, voice, sample_rate);  // A6, 1760 Hz
    case 1:
      voice.waveform = Waveform::kSawtooth;
      voice.envelope = Envelope{0.05, 0.0, 1.0, 0.08};
      voice.amplitude = 0.5;
      return render_notes({Note{43, 0.0, 0.6, 1.0}}, voice, sample_rate);  // G2, 98 Hz
    case 2:
      voice.waveform = Waveform::kNoise;
      voice.envelope = Envelope{0.01, 0.0, 1.0, 0.05};
      voice.amplitude = 0.4;
      voice.noise_seed = rng.next();
      return render_notes({Note{60, 0.0, 0.4, 1.0}}, voice, sample_rate);
    default: {
      voice.waveform = Waveform::kTriangle;
      voice.envelope = Envelope{0.001, 0.02, 0.0, 0.002};
      voice.amplitude = 0.7;
      std::vector<Note> clicks;
      for (int i = 0; i < 7; ++i) clicks.push_back(Note{84, 0.065 * i, 0.025, 1.0});
      return render_notes(clicks, voice, sample_rate);
    }
  }
}

Stimulus make_temporal_order(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const int count = difficulty == kEasy ? 2 : 3;
  const bool ask_first = rng.coin();
  // The answer's type goes where the question looks; the others are distinct types.
  std::vector<int> others;
  for (int type = 0; type < 4; ++type) {
    if (type != request.answer_class) others.push_back(type);
  }
  rng.shuffle(others);
  std::vector<int> order(others.begin(), others.begin() + (count - 1));
  if (ask_first)
    order.insert(order.begin(), request.answer_class);
  else
    order.push_back(request.answer_class);
  // Easy and medium: separate events; hard: each starts before the previous has ended.
  const double onset_step = difficulty == kHard ? 0.32 : 0.8;
  AudioBuffer audio;
  nlohmann::ordered_json onsets = nlohmann::ordered_json::array();
  for (size_t i = 0; i < order.size(); ++i) {
    const double onset = 0.1 + onset_step * static_cast<double>(i);
    mix_into(audio,
             mono_buffer(event_sound(order[i], rng, request.sample_rate), request.sample_rate),
             std::llround(onset * request.sample_rate));
    onsets.push_back(onset);
  }
  mix_into(audio,
           mono_buffer(std::vector<float>(std::llround(0.2 * request.sample_rate), 0.f),
                       request.sample_rate),
           audio.num_frames());
  Stimulus stimulus;
  stimulus.audio = std::move(audio);
  stimulus.question = std::string("Several sounds are heard in sequence. Which sound is heard ") +
                      (ask_first ? "first?" : "last?");
  stimulus.choices.push_back(kEventNames[request.answer_class]);
  for (int c = 0; c < 4; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(kEventNames[c]);
  }
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  for (int type : order) names.push_back(kEventNames[type]);
  stimulus.metadata = {
      {"asked", ask_first ? "first" : "last"}, {"events", names}, {"onsets", onsets}};
  return stimulus;
}

}  // namespace

std::vector<TaskDefinition> spatial_tasks() {
  return {
      {{"spatial_direction", "sound", "Information Extraction", "Sound Source Direction", 2, false,
        "noise bursts panned left or right (stereo)"},
       2,
       make_spatial_direction},
      {{"spatial_onset_order", "sound", "Reasoning", "Spatial Temporal Order", 2, false,
        "a tone and noise bursts on opposite sides; which side starts first (stereo)"},
       2,
       make_spatial_onset_order},
      {{"temporal_order", "sound", "Reasoning", "Temporal Event Order", 4, false,
        "two or three distinct events; which is heard first or last"},
       4,
       make_temporal_order},
  };
}

}  // namespace almkit::synth
