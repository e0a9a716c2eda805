// Keys, scales, chord spelling and note sequences of include/almkit/synth.h.
#include <algorithm>
#include <set>

#include "almkit/error.h"
#include "almkit/synth.h"

namespace almkit {
namespace {

int pitch_class(int midi) {
  return ((midi % 12) + 12) % 12;
}

// Semitone of each natural letter C D E F G A B.
constexpr int kNaturalPitch[7] = {0, 2, 4, 5, 7, 9, 11};
constexpr char kLetters[7] = {'C', 'D', 'E', 'F', 'G', 'A', 'B'};

std::string spell(int letter_index, int midi) {
  int accidental = pitch_class(midi) - kNaturalPitch[letter_index];
  if (accidental > 6) accidental -= 12;
  if (accidental < -6) accidental += 12;
  std::string name(1, kLetters[letter_index]);
  if (accidental > 0) name += std::string(static_cast<size_t>(accidental), '#');
  if (accidental < 0) name += std::string(static_cast<size_t>(-accidental), 'b');
  return name;
}

int letter_of(const std::string& name) {
  return static_cast<int>(std::find(kLetters, kLetters + 7, name[0]) - kLetters);
}

std::vector<int> quality_intervals(ChordQuality quality) {
  switch (quality) {
    case ChordQuality::kMajor:
      return {0, 4, 7};
    case ChordQuality::kMinor:
      return {0, 3, 7};
    case ChordQuality::kDiminished:
      return {0, 3, 6};
    case ChordQuality::kAugmented:
      return {0, 4, 8};
  }
  return {};
}

}  // namespace

std::vector<int> scale_intervals(ScaleMode mode) {
  switch (mode) {
    case ScaleMode::kMajor:
      return {0, 2, 4, 5, 7, 9, 11};
    case ScaleMode::kNaturalMinor:
      return {0, 2, 3, 5, 7, 8, 10};
    case ScaleMode::kHarmonicMinor:
      return {0, 2, 3, 5, 7, 8, 11};
  }
  return {};
}

int scale_degree_to_midi(int tonic_midi, ScaleMode mode, int degree) {
  const std::vector<int> intervals = scale_intervals(mode);
  const int octave = degree >= 0 ? degree / 7 : -((-degree + 6) / 7);
  const int step = degree - octave * 7;
  return tonic_midi + 12 * octave + intervals[static_cast<size_t>(step)];
}

bool in_scale(int tonic_midi, ScaleMode mode, int midi_pitch) {
  const std::vector<int> intervals = scale_intervals(mode);
  const int offset = pitch_class(midi_pitch - tonic_midi);
  return std::find(intervals.begin(), intervals.end(), offset) != intervals.end();
}

std::string key_name(int tonic_midi, ScaleMode mode) {
  // Tonic spellings of the keys with at most six accidentals (F# major rather than Gb major).
  static const char* kMajor[] = {"C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
  static const char* kMinor[] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};
  const int pc = pitch_class(tonic_midi);
  return mode == ScaleMode::kMajor ? std::string(kMajor[pc]) + " major"
                                   : std::string(kMinor[pc]) + " minor";
}

const char* chord_quality_name(ChordQuality quality) {
  switch (quality) {
    case ChordQuality::kMajor:
      return "major";
    case ChordQuality::kMinor:
      return "minor";
    case ChordQuality::kDiminished:
      return "diminished";
    case ChordQuality::kAugmented:
      return "augmented";
  }
  return "?";
}

std::vector<int> chord_pitches(int root_midi, ChordQuality quality) {
  std::vector<int> pitches;
  for (int interval : quality_intervals(quality)) pitches.push_back(root_midi + interval);
  return pitches;
}

std::vector<std::string> chord_spelling(int root_midi, ChordQuality quality, bool prefer_flats) {
  std::string root = note_name(root_midi, prefer_flats);
  root.erase(root.find_first_of("-0123456789"));
  const int root_letter = letter_of(root);
  std::vector<std::string> names;
  const std::vector<int> pitches = chord_pitches(root_midi, quality);
  for (size_t i = 0; i < pitches.size(); ++i) {
    names.push_back(spell((root_letter + 2 * static_cast<int>(i)) % 7, pitches[i]));
  }
  return names;
}

std::vector<std::string> diatonic_triad_spelling(int tonic_midi, ScaleMode mode, int degree) {
  const std::string key = key_name(tonic_midi, mode);
  const int tonic_letter = letter_of(key);
  std::vector<std::string> names;
  for (int step : {0, 2, 4}) {
    const int d = degree + step;
    const int letter = (((tonic_letter + d) % 7) + 7) % 7;
    names.push_back(spell(letter, scale_degree_to_midi(tonic_midi, mode, d)));
  }
  return names;
}

ChordQuality classify_triad(const std::vector<int>& midi_pitches) {
  std::set<int> classes;
  for (int pitch : midi_pitches) classes.insert(pitch_class(pitch));
  for (int root : classes) {
    std::set<int> relative;
    for (int pc : classes) relative.insert(pitch_class(pc - root));
    for (ChordQuality quality : {ChordQuality::kMajor, ChordQuality::kMinor,
                                 ChordQuality::kDiminished, ChordQuality::kAugmented}) {
      const std::vector<int> intervals = quality_intervals(quality);
      if (relative == std::set<int>(intervals.begin(), intervals.end())) return quality;
    }
  }
  std::string listed;
  for (int pitch : midi_pitches) listed += (listed.empty() ? "" : " ") + std::to_string(pitch);
  throw Error(ErrorCode::kInvalidArgument, "classify_triad: pitches {" + listed +
                                               "} are not a major, minor, diminished or "
                                               "augmented triad");
}

std::vector<Note> melody_notes(const std::vector<double>& midi_pitches, double beat_seconds,
                               double start_seconds, double legato) {
  std::vector<Note> notes;
  for (size_t i = 0; i < midi_pitches.size(); ++i) {
    notes.push_back(Note{midi_pitches[i], start_seconds + beat_seconds * static_cast<double>(i),
                         beat_seconds * legato, 1.0});
  }
  return notes;
}

std::vector<Note> rhythm_notes(const std::vector<double>& onset_beats, double beat_seconds,
                               double midi_pitch, double note_seconds, double start_seconds) {
  std::vector<Note> notes;
  for (double beat : onset_beats) {
    notes.push_back(Note{midi_pitch, start_seconds + beat * beat_seconds, note_seconds, 1.0});
  }
  return notes;
}

}  // namespace almkit
