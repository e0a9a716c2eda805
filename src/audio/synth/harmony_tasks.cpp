// Harmony tasks: chord quality, key modulation.
#include "audio/synth/suite_internal.h"

namespace almkit::synth {
namespace {

Voice chord_voice() {
  Voice voice;
  voice.waveform = Waveform::kTriangle;
  voice.envelope = Envelope{0.02, 0.2, 0.75, 0.08};
  voice.amplitude = 0.22;
  return voice;
}

// ---- chord_quality --------------------------------------------------------------------------
const ChordQuality kQualities[] = {ChordQuality::kMajor, ChordQuality::kMinor,
                                   ChordQuality::kDiminished, ChordQuality::kAugmented};
const char* const kQualityChoices[] = {"Major", "Minor", "Diminished", "Augmented"};

Stimulus make_chord_quality(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const ChordQuality quality = kQualities[request.answer_class];
  const int root = rng.integer(52, 62);
  std::vector<int> pitches = chord_pitches(root, quality);
  // Hard: an inversion (the root moved up an octave, or root and third).
  int inversion = 0;
  if (difficulty == kHard) {
    inversion = rng.integer(1, 2);
    for (int i = 0; i < inversion; ++i) pitches[i] += 12;
  }
  std::vector<Note> notes;
  double time = 0.1;
  if (difficulty == kEasy) {  // arpeggiated from the bass up, then together
    for (int pitch : pitches) {
      notes.push_back(Note{double(pitch), time, 0.42, 1.0});
      time += 0.45;
    }
    time += 0.15;
  }
  const double block = difficulty == kHard ? 1.2 : 1.5;
  for (int pitch : pitches) notes.push_back(Note{double(pitch), time, block, 1.0});
  time += block;
  // Major and augmented triads spelled from flat-side roots (Ab, Db), minor and diminished
  // from sharp-side ones (C#, G#), as their keys are usually written.
  const bool flats = quality == ChordQuality::kMajor || quality == ChordQuality::kAugmented;
  const std::vector<std::string> spelling = chord_spelling(root, quality, flats);
  Stimulus stimulus;
  stimulus.audio = mono_buffer(render_notes(notes, chord_voice(), request.sample_rate, time + 0.2),
                               request.sample_rate);
  stimulus.question = "What is the quality of the chord you hear?";
  stimulus.choices.push_back(kQualityChoices[request.answer_class]);
  for (int c = 0; c < 4; ++c) {
    if (c != request.answer_class) stimulus.choices.push_back(kQualityChoices[c]);
  }
  std::string spelled;
  for (const std::string& name : spelling) spelled += (spelled.empty() ? "" : " ") + name;
  stimulus.metadata = {{"root", spelling[0]},
                       {"quality", chord_quality_name(quality)},
                       {"spelling", spelled},
                       {"inversion", inversion},
                       {"arpeggiated_first", difficulty == kEasy},
                       {"pitches", pitches},
                       {"notes", notes_json(notes)}};
  return stimulus;
}

// ---- key_modulation -------------------------------------------------------------------------
// The diatonic triad on `degree` of the major key on `tonic`, root placed in [52, 64), with its
// root an octave below as the bass.
std::vector<int> diatonic_triad(int tonic, int degree) {
  int root = scale_degree_to_midi(tonic, ScaleMode::kMajor, degree);
  while (root < 52) root += 12;
  while (root >= 64) root -= 12;
  const int shift = root - scale_degree_to_midi(tonic, ScaleMode::kMajor, degree);
  std::vector<int> chord{root - 12, root};
  for (int step : {2, 4}) {
    chord.push_back(scale_degree_to_midi(tonic, ScaleMode::kMajor, degree + step) + shift);
  }
  return chord;
}

// "F#", "G#m", "A#dim": the diatonic triad on `degree`, spelled in its key.
std::string triad_name(int tonic, int degree) {
  const std::vector<std::string> names = diatonic_triad_spelling(tonic, ScaleMode::kMajor, degree);
  const std::vector<int> triad = {scale_degree_to_midi(tonic, ScaleMode::kMajor, degree),
                                  scale_degree_to_midi(tonic, ScaleMode::kMajor, degree + 2),
                                  scale_degree_to_midi(tonic, ScaleMode::kMajor, degree + 4)};
  const ChordQuality quality = classify_triad(triad);
  return names[0] + (quality == ChordQuality::kMajor   ? ""
                     : quality == ChordQuality::kMinor ? "m"
                                                       : "dim");
}

Stimulus make_key_modulation(const ItemRequest& request) {
  Rng& rng = *request.rng;
  const int difficulty = request.difficulty;
  const bool modulates = request.answer_class == 0;
  const int tonic = rng.integer(55, 66);
  // Distant keys are easy to hear (a tritone, a semitone up, a major third down); a whole step
  // is medium; the dominant or subdominant, one accidental away, is hard.
  const std::vector<int> distances = difficulty == kEasy     ? std::vector<int>{6, 1, 8}
                                     : difficulty == kMedium ? std::vector<int>{2, 10}
                                                             : std::vector<int>{7, 5};
  const int new_tonic = modulates ? tonic + rng.pick(distances) : tonic;
  std::vector<std::vector<int>> chords;
  nlohmann::ordered_json chord_names = nlohmann::ordered_json::array();
  for (int degree : {0, 3, 4, 0}) {
    chords.push_back(diatonic_triad(tonic, degree));
    chord_names.push_back(triad_name(tonic, degree));
  }
  // Staying: vi ii V I. Modulating: I IV V I in the new key (I, IV and V hold all seven notes
  // of the new scale, so its accidentals are heard, and V-I confirms it).
  const std::vector<int> second_half =
      modulates ? std::vector<int>{0, 3, 4, 0} : std::vector<int>{5, 1, 4, 0};
  for (int degree : second_half) {
    chords.push_back(diatonic_triad(new_tonic, degree));
    chord_names.push_back(triad_name(new_tonic, degree));
  }
  const double chord_seconds = difficulty == kHard ? 0.55 : 0.65;
  std::vector<Note> notes;
  for (size_t i = 0; i < chords.size(); ++i) {
    for (size_t k = 0; k < chords[i].size(); ++k) {
      notes.push_back(Note{double(chords[i][k]), 0.1 + chord_seconds * double(i),
                           chord_seconds * 0.95, k == 0 ? 0.9 : 1.0});
    }
  }
  Stimulus stimulus;
  stimulus.audio = mono_buffer(render_notes(notes, chord_voice(), request.sample_rate,
                                            0.3 + chord_seconds * double(chords.size())),
                               request.sample_rate);
  stimulus.question =
      "Listen to the chord progression. Does it change key (modulate) partway through?";
  stimulus.choices =
      modulates
          ? std::vector<std::string>{"Yes, it modulates to a new key", "No, it stays in one key"}
          : std::vector<std::string>{"No, it stays in one key", "Yes, it modulates to a new key"};
  stimulus.metadata = {{"first_key", key_name(tonic, ScaleMode::kMajor)},
                       {"second_key", key_name(new_tonic, ScaleMode::kMajor)},
                       {"first_tonic_midi", tonic},
                       {"second_tonic_midi", new_tonic},
                       {"modulates", modulates},
                       {"chord_names", chord_names},
                       {"chords", chords},
                       {"chord_seconds", chord_seconds}};
  return stimulus;
}

}  // namespace

std::vector<TaskDefinition> harmony_tasks() {
  return {
      {{"chord_quality", "music", "Information Extraction", "Chord Quality", 4, false,
        "one triad: major, minor, diminished or augmented (arpeggiated first when easy, "
        "inverted when hard)"},
       4,
       make_chord_quality},
      {{"key_modulation", "music", "Reasoning", "Key Modulation", 2, false,
        "eight chords: I IV V I then either vi ii V I or I IV V I in a new key"},
       2,
       make_key_modulation},
  };
}

}  // namespace almkit::synth
