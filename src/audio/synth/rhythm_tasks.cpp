// Rhythm and time tasks: rhythm matching, meter, tempo comparison, event counting.
#include <algorithm>
#include <cmath>

#include "audio/synth/suite_internal.h"

namespace almkit::synth {
namespace {

// A woodblock-like click: a high triangle note with a 2 ms attack that dies within 60 ms.
Voice click_voice() {
  Voice voice;
  voice.waveform = Waveform::kTriangle;
  voice.envelope = Envelope{0.002, 0.06, 0.0, 0.005};
  voice.amplitude = 0.6;
  return voice;
}
constexpr double kClickSeconds = 0.07;

// ---- rhythm_matching ------------------------------------------------------------------------
Stimulus make_rhythm_matching(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool same = request.answer_class == 0;
  constexpr int kSlots = 8;  // eighth notes of one 4/4 bar
  const int onsets_count = difficulty == kEasy ? 4 : 5;
  std::vector<int> free_slots;
  for (int slot = 1; slot < kSlots; ++slot) free_slots.push_back(slot);
  rng.shuffle(free_slots);
  std::vector<int> first{0};  // the downbeat always sounds
  first.insert(first.end(), free_slots.begin(), free_slots.begin() + (onsets_count - 1));
  std::sort(first.begin(), first.end());
  std::vector<int> second = first;
  int moved = 0;
  if (!same) {
    // Easy: two onsets moved; medium: one moved by two or more slots; hard: one moved by one.
    const int moves = difficulty == kEasy ? 2 : 1;
    while (moved < moves) {
      const int which = rng.integer(1, static_cast<int>(second.size()) - 1);
      std::vector<int> targets;
      for (int slot = 1; slot < kSlots; ++slot) {
        const int distance = std::abs(slot - second[which]);
        const bool wanted = difficulty == kHard ? distance == 1 : distance >= 2;
        if (wanted && std::find(second.begin(), second.end(), slot) == second.end()) {
          targets.push_back(slot);
        }
      }
      if (targets.empty()) continue;
      second[which] = rng.pick(targets);
      std::sort(second.begin(), second.end());
      ++moved;
    }
    if (second == first) return make_rhythm_matching(request);  // moved back onto itself
  }
  const double eighth = difficulty == kHard ? 0.18 : 0.22;
  const double pitch = rng.integer(76, 84);
  std::vector<double> first_beats(first.begin(), first.end());
  std::vector<double> second_beats(second.begin(), second.end());
  const double second_start = 0.1 + kSlots * eighth + 0.7;
  std::vector<Note> notes = rhythm_notes(first_beats, eighth, pitch, kClickSeconds, 0.1);
  const std::vector<Note> later =
      rhythm_notes(second_beats, eighth, pitch, kClickSeconds, second_start);
  notes.insert(notes.end(), later.begin(), later.end());
  Stimulus stimulus;
  stimulus.audio = mono_buffer(
      render_notes(notes, click_voice(), request.sample_rate, second_start + kSlots * eighth + 0.2),
      request.sample_rate);
  stimulus.question =
      "Two short rhythms are played one after the other at the same tempo. Are they the same "
      "rhythm or different rhythms?";
  stimulus.choices = same ? std::vector<std::string>{"The same rhythm", "Different rhythms"}
                          : std::vector<std::string>{"Different rhythms", "The same rhythm"};
  stimulus.metadata = {{"eighth_seconds", eighth},
                       {"first_slots", first},
                       {"second_slots", second},
                       {"second_start", round_seconds(second_start)},
                       {"same", same},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

// ---- meter ----------------------------------------------------------------------------------
Stimulus make_meter(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const int beats_per_group = 3 + request.answer_class;
  constexpr int kGroups = 3;
  const double beat = rng.uniform(0.3, 0.36);
  const double base_pitch = rng.integer(72, 79);
  // Easy: the downbeat is 8 dB louder and an octave higher; medium: 8 dB louder; hard: 6 dB.
  const double weak_gain = difficulty == kHard ? 0.5 : 0.4;
  std::vector<Note> notes;
  const int total_beats = kGroups * beats_per_group + 1;  // and the next downbeat to close
  for (int i = 0; i < total_beats; ++i) {
    const bool downbeat = i % beats_per_group == 0;
    const double pitch = (downbeat && difficulty == kEasy) ? base_pitch + 12 : base_pitch;
    notes.push_back(Note{pitch, 0.1 + beat * i, kClickSeconds, downbeat ? 1.0 : weak_gain});
  }
  Stimulus stimulus;
  stimulus.audio = mono_buffer(
      render_notes(notes, click_voice(), request.sample_rate, 0.1 + beat * total_beats + 0.1),
      request.sample_rate);
  stimulus.question =
      "A steady pulse is played with an accent at the start of each group of beats. How many "
      "beats are in each group?";
  const char* const names[] = {"Groups of 3 beats", "Groups of 4 beats", "Groups of 5 beats"};
  stimulus.choices.push_back(names[request.answer_class]);
  for (int c = 0; c < 3; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(names[c]);
  }
  stimulus.metadata = {{"beats_per_group", beats_per_group},
                       {"groups", kGroups},
                       {"beat_seconds", round_seconds(beat)},
                       {"accent_db", 20.0 * std::log10(1.0 / weak_gain)},
                       {"accent_pitch_octave", difficulty == kEasy},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

// ---- tempo_comparison -----------------------------------------------------------------------
Stimulus make_tempo_comparison(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool first_faster = request.answer_class == 0;
  // Ratios of 50 %, 30 % and 20 % between the tempi.
  const double ratio = difficulty == kEasy ? 1.5 : difficulty == kMedium ? 1.3 : 1.2;
  const double slow_bpm = rng.uniform(72.0, 100.0);
  const double fast_bpm = slow_bpm * ratio;
  const double first_bpm = first_faster ? fast_bpm : slow_bpm;
  const double second_bpm = first_faster ? slow_bpm : fast_bpm;
  constexpr double kExcerptSeconds = 2.8;  // both excerpts last as long: only the tempo differs
  const double pitch = rng.integer(74, 81);
  std::vector<Note> notes;
  auto add_excerpt = [&](double bpm, double start) {
    const double interval = 60.0 / bpm;
    for (int i = 0; interval * i < kExcerptSeconds - kClickSeconds; ++i) {
      // High and low clicks alternate, so it sounds like a beat rather than a ticking clock.
      notes.push_back(Note{i % 2 == 0 ? pitch : pitch - 5, start + interval * i, kClickSeconds,
                           i % 2 == 0 ? 1.0 : 0.8});
    }
  };
  const double second_start = 0.1 + kExcerptSeconds + 0.8;
  add_excerpt(first_bpm, 0.1);
  add_excerpt(second_bpm, second_start);
  Stimulus stimulus;
  stimulus.audio = mono_buffer(
      render_notes(notes, click_voice(), request.sample_rate, second_start + kExcerptSeconds + 0.2),
      request.sample_rate);
  stimulus.question =
      "Two excerpts of a steady beat are played one after the other. Which has the faster tempo?";
  stimulus.choices = first_faster
                         ? std::vector<std::string>{"The first excerpt", "The second excerpt"}
                         : std::vector<std::string>{"The second excerpt", "The first excerpt"};
  stimulus.metadata = {{"first_bpm", first_bpm},
                       {"second_bpm", second_bpm},
                       {"ratio", ratio},
                       {"second_start", round_seconds(second_start)},
                       {"excerpt_seconds", kExcerptSeconds},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

// ---- event_counting -------------------------------------------------------------------------
Stimulus make_event_counting(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int count = 2 + request.answer_class;  // 2..7
  // More events are harder to count; irregular spacing makes it harder still.
  const int difficulty = count <= 3 ? kEasy : count <= 5 ? kMedium : kHard;
  Voice voice;
  voice.waveform = Waveform::kSine;
  voice.envelope = Envelope{0.005, 0.02, 0.8, 0.02};
  voice.amplitude = 0.5;
  const double pitch = rng.integer(74, 86);
  constexpr double kBeepSeconds = 0.12;
  std::vector<Note> notes;
  double time = 0.15;
  for (int i = 0; i < count; ++i) {
    notes.push_back(Note{pitch, time, kBeepSeconds, 1.0});
    time += difficulty == kHard ? rng.uniform(0.27, 0.55) : 0.42;
  }
  Stimulus stimulus;
  stimulus.difficulty = difficulty;
  stimulus.audio =
      mono_buffer(render_notes(notes, voice, request.sample_rate, notes.back().start_seconds + 0.4),
                  request.sample_rate);
  stimulus.question = "How many beeps do you hear?";
  stimulus.choices = count_choices(count, rng);
  stimulus.metadata = {
      {"count", count}, {"regular_spacing", difficulty != kHard}, {"notes", notes_json(notes)}};
  return stimulus;
}

}  // namespace

std::vector<TaskDefinition> rhythm_tasks() {
  return {
      {{"rhythm_matching", "music", "Information Extraction", "Rhythm Matching", 2, false,
        "two one-bar rhythms on an eighth-note grid, identical or with onsets moved"},
       2,
       make_rhythm_matching},
      {{"meter", "music", "Information Extraction", "Meter", 3, false,
        "an accented pulse grouped in 3, 4 or 5 beats"},
       3,
       make_meter},
      {{"tempo_comparison", "music", "Information Extraction", "Tempo Comparison", 2, false,
        "two beat excerpts of equal length whose tempi differ by 20 to 50 %"},
       2,
       make_tempo_comparison},
      {{"event_counting", "sound", "Reasoning", "Event Counting", 4, false,
        "2 to 7 beeps, regularly or irregularly spaced"},
       6,
       make_event_counting},
  };
}

}  // namespace almkit::synth
