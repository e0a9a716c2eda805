// Melody tasks: contour, transposition, out-of-key oddball, melodic interval direction.
#include <algorithm>
#include <cmath>

#include "audio/synth/suite_internal.h"

namespace almkit::synth {
namespace {

Voice melody_voice() {
  Voice voice;
  voice.waveform = Waveform::kTriangle;
  voice.envelope = Envelope{0.01, 0.12, 0.7, 0.05};
  voice.amplitude = 0.3;
  return voice;
}

std::vector<double> to_double(const std::vector<int>& pitches) {
  return std::vector<double>(pitches.begin(), pitches.end());
}

// A random walk over scale degrees, never repeating a note, kept within `max_span` degrees.
std::vector<int> random_walk_degrees(Rng& rng, int count, const std::vector<int>& steps,
                                     int max_span) {
  std::vector<int> degrees{0};
  while (static_cast<int>(degrees.size()) < count) {
    const int next = degrees.back() + rng.pick(steps);
    const auto [low, high] = std::minmax_element(degrees.begin(), degrees.end());
    if (std::max(*high, next) - std::min(*low, next) > max_span) continue;
    degrees.push_back(next);
  }
  return degrees;
}

// The degree shift that centres a melody's range on the tonic's fifth (a singable register).
int centring_shift(const std::vector<int>& degrees) {
  const auto [low, high] = std::minmax_element(degrees.begin(), degrees.end());
  return 4 - (*low + *high) / 2;
}

std::vector<int> degrees_to_midi(const std::vector<int>& degrees, int tonic, int shift) {
  std::vector<int> pitches;
  for (int degree : degrees) {
    pitches.push_back(scale_degree_to_midi(tonic, ScaleMode::kMajor, degree + shift));
  }
  return pitches;
}

std::vector<int> degrees_to_midi(const std::vector<int>& degrees, int tonic) {
  return degrees_to_midi(degrees, tonic, centring_shift(degrees));
}

std::vector<int> intervals_of(const std::vector<int>& pitches) {
  std::vector<int> intervals;
  for (size_t i = 1; i < pitches.size(); ++i) intervals.push_back(pitches[i] - pitches[i - 1]);
  return intervals;
}

// ---- melody_contour -------------------------------------------------------------------------
const char* const kContours[] = {"Arch (rises, then falls)", "Inverted arch (falls, then rises)",
                                 "Ascending", "Descending"};

Stimulus make_melody_contour(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const int count = difficulty == kEasy ? 5 : difficulty == kMedium ? 7 : 9;
  const std::vector<int> steps = difficulty == kEasy     ? std::vector<int>{2, 3}
                                 : difficulty == kMedium ? std::vector<int>{1, 2}
                                                         : std::vector<int>{1};
  const int turn = count / 2 + (count % 2 == 0 && rng.coin() ? -1 : 0);  // index of the peak
  std::vector<int> degrees{0};
  for (int i = 1; i < count; ++i) {
    int direction = 1;
    switch (request.answer_class) {
      case 0:
        direction = i <= turn ? 1 : -1;
        break;
      case 1:
        direction = i <= turn ? -1 : 1;
        break;
      case 2:
        direction = 1;
        break;
      default:
        direction = -1;
        break;
    }
    degrees.push_back(degrees.back() + direction * rng.pick(steps));
  }
  const int tonic = rng.integer(55, 64);
  const std::vector<int> pitches = degrees_to_midi(degrees, tonic);
  const double beat = difficulty == kEasy ? 0.45 : difficulty == kMedium ? 0.36 : 0.28;
  const std::vector<Note> notes = melody_notes(to_double(pitches), beat, 0.1);
  Stimulus stimulus;
  stimulus.audio = mono_buffer(render_notes(notes, melody_voice(), request.sample_rate,
                                            notes.back().start_seconds + beat + 0.2),
                               request.sample_rate);
  stimulus.question =
      "Listen to the melody. Which best describes its contour, the shape its pitch traces over "
      "time?";
  stimulus.choices.push_back(kContours[request.answer_class]);
  for (int c = 0; c < 4; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(kContours[c]);
  }
  stimulus.metadata = {{"key", key_name(tonic, ScaleMode::kMajor)},
                       {"contour", kContours[request.answer_class]},
                       {"pitches", pitches},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

// ---- transposition --------------------------------------------------------------------------
Stimulus make_transposition(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const int count = difficulty == kHard ? 6 : 5;
  const int tonic = rng.integer(55, 62);
  const std::vector<int> steps{-3, -2, -1, 1, 2, 3};
  const std::vector<int> degrees = random_walk_degrees(rng, count, steps, 7);
  const std::vector<int> first = degrees_to_midi(degrees, tonic);
  const bool same = request.answer_class == 0;
  std::vector<int> second_untransposed = first;
  int changed_notes = 0;
  if (!same) {
    // Easy: a new melody; medium: two notes moved; hard: one note moved by a scale step or two.
    while (intervals_of(second_untransposed) == intervals_of(first) ||
           second_untransposed == first) {
      if (difficulty == kEasy) {
        second_untransposed = degrees_to_midi(random_walk_degrees(rng, count, steps, 7), tonic);
        changed_notes = count;
      } else {
        std::vector<int> changed_degrees = degrees;
        std::vector<int> positions;
        for (int i = 1; i < count; ++i) positions.push_back(i);
        rng.shuffle(positions);
        changed_notes = difficulty == kMedium ? 2 : 1;
        for (int k = 0; k < changed_notes; ++k) {
          const int delta = (rng.coin() ? 1 : -1) * (difficulty == kMedium ? 2 : rng.integer(1, 2));
          changed_degrees[positions[k]] += delta;
        }
        second_untransposed = degrees_to_midi(changed_degrees, tonic, centring_shift(degrees));
      }
    }
  }
  int shift = 0;
  while (shift == 0) shift = (rng.coin() ? 1 : -1) * rng.integer(2, 7);
  std::vector<int> second;
  for (int pitch : second_untransposed) second.push_back(pitch + shift);
  const double beat = difficulty == kEasy ? 0.42 : 0.34;
  const std::vector<Note> first_notes = melody_notes(to_double(first), beat, 0.1);
  const double second_start = first_notes.back().start_seconds + beat + 0.7;
  const std::vector<Note> second_notes = melody_notes(to_double(second), beat, second_start);
  std::vector<Note> all = first_notes;
  all.insert(all.end(), second_notes.begin(), second_notes.end());
  Stimulus stimulus;
  stimulus.audio = mono_buffer(
      render_notes(all, melody_voice(), request.sample_rate, all.back().start_seconds + beat + 0.2),
      request.sample_rate);
  stimulus.question =
      "Two melodies are played one after the other, the second at a different pitch level. Is "
      "the second the same melody transposed, or a different melody?";
  stimulus.choices =
      same ? std::vector<std::string>{"The same melody, transposed", "A different melody"}
           : std::vector<std::string>{"A different melody", "The same melody, transposed"};
  stimulus.metadata = {{"key", key_name(tonic, ScaleMode::kMajor)},
                       {"transposition_semitones", shift},
                       {"same_melody", same},
                       {"changed_notes", same ? 0 : changed_notes},
                       {"first_pitches", first},
                       {"second_pitches", second},
                       {"second_start", round_seconds(second_start)},
                       {"notes", notes_json(all)}};
  return stimulus;
}

// ---- oddball --------------------------------------------------------------------------------
Stimulus make_oddball(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const int count = difficulty == kEasy ? 6 : difficulty == kMedium ? 8 : 10;
  const int tonic = rng.integer(55, 62);
  std::vector<int> pitches =
      degrees_to_midi(random_walk_degrees(rng, count, {-2, -1, 1, 2}, 7), tonic);
  const bool has_oddball = request.answer_class == 0;
  int odd_index = -1;
  if (has_oddball) {
    odd_index = rng.integer(2, count - 2);
    const int original = pitches[odd_index];
    // A chromatic neighbour outside the key, and not equal to a neighbouring note.
    std::vector<int> candidates;
    for (int delta : {-1, 1}) {
      const int pitch = original + delta;
      if (!in_scale(tonic, ScaleMode::kMajor, pitch) && pitch != pitches[odd_index - 1] &&
          pitch != pitches[odd_index + 1]) {
        candidates.push_back(pitch);
      }
    }
    if (candidates.empty())
      candidates.push_back(original + (in_scale(tonic, ScaleMode::kMajor, original + 1) ? -1 : 1));
    pitches[odd_index] = rng.pick(candidates);
  }
  // The tonic triad first, so the key is set before the melody.
  std::vector<Note> notes;
  for (int pitch : chord_pitches(tonic - 12, ChordQuality::kMajor)) {
    notes.push_back(Note{static_cast<double>(pitch), 0.1, 0.9, 0.8});
  }
  const double beat = difficulty == kHard ? 0.3 : 0.38;
  double time = 1.3;
  for (int i = 0; i < count; ++i) {
    // Easy: the wrong note is held for two beats.
    const double length = (difficulty == kEasy && i == odd_index) ? 2 * beat : beat;
    notes.push_back(Note{static_cast<double>(pitches[i]), time, length * 0.9, 1.0});
    time += length;
  }
  Stimulus stimulus;
  stimulus.audio = mono_buffer(render_notes(notes, melody_voice(), request.sample_rate, time + 0.2),
                               request.sample_rate);
  stimulus.question =
      "A major chord sets the key, then a melody plays. Does the melody contain a note that is "
      "outside that key?";
  stimulus.choices =
      has_oddball
          ? std::vector<std::string>{"Yes, one note is out of key", "No, every note is in the key"}
          : std::vector<std::string>{"No, every note is in the key", "Yes, one note is out of key"};
  stimulus.metadata = {{"key", key_name(tonic, ScaleMode::kMajor)},
                       {"tonic_midi", tonic},
                       {"melody_pitches", pitches},
                       {"out_of_key_index", odd_index},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

// ---- interval_direction ---------------------------------------------------------------------
const char* const kIntervalChoices[] = {"Up by a small interval (a major third or less)",
                                        "Up by a large interval (a fifth or more)",
                                        "Down by a small interval (a major third or less)",
                                        "Down by a large interval (a fifth or more)"};

Stimulus make_interval_direction(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool up = request.answer_class < 2;
  const bool large = request.answer_class % 2 == 1;
  // Smaller steps and larger leaps are easy to tell apart; a major third against a fifth is hard.
  std::vector<int> sizes;
  if (large) {
    sizes = difficulty == kEasy     ? std::vector<int>{10, 11, 12}
            : difficulty == kMedium ? std::vector<int>{8, 9}
                                    : std::vector<int>{7};
  } else {
    sizes = difficulty == kEasy     ? std::vector<int>{1, 2}
            : difficulty == kMedium ? std::vector<int>{3}
                                    : std::vector<int>{4};
  }
  const int semitones = rng.pick(sizes);
  const int first = up ? rng.integer(53, 62) : rng.integer(62, 71);
  const int second = first + (up ? semitones : -semitones);
  Voice voice = melody_voice();
  voice.envelope = Envelope{0.005, 0.35, 0.45, 0.05};
  const std::vector<Note> notes = melody_notes({double(first), double(second)}, 0.8, 0.1, 0.9);
  Stimulus stimulus;
  stimulus.audio =
      mono_buffer(render_notes(notes, voice, request.sample_rate, 1.9), request.sample_rate);
  stimulus.question =
      "Two notes are played in succession. Which describes the step from the "
      "first note to the second?";
  stimulus.choices.push_back(kIntervalChoices[request.answer_class]);
  for (int c = 0; c < 4; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(kIntervalChoices[c]);
  }
  stimulus.metadata = {{"first", note_name(first)},   {"second", note_name(second)},
                       {"first_midi", first},         {"second_midi", second},
                       {"semitones", second - first}, {"notes", notes_json(notes)}};
  return stimulus;
}

}  // namespace

std::vector<TaskDefinition> melody_tasks() {
  return {
      {{"melody_contour", "music", "Information Extraction", "Melodic Contour", 4, false,
        "a melody in a major key whose contour is an arch, an inverted arch, ascending or "
        "descending"},
       4,
       make_melody_contour},
      {{"transposition", "music", "Reasoning", "Melodic Transposition", 2, false,
        "two melodies; the second is the first transposed, or a different melody"},
       2,
       make_transposition},
      {{"oddball", "music", "Reasoning", "Out-of-key Note", 2, false,
        "a tonic chord then a melody that does or does not contain one out-of-key note"},
       2,
       make_oddball},
      {{"interval_direction", "music", "Information Extraction", "Melodic Interval", 4, false,
        "two notes; the interval goes up or down, by a third or less or by a fifth or more"},
       4,
       make_interval_direction},
  };
}

}  // namespace almkit::synth
