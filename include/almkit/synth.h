// Procedural audio: band-limited tones with ADSR envelopes, notes, melodies in a key, chords,
// rhythms and stereo panning, and the perception suite built from them (almkit's bundled default
// benchmark: WAV stimuli plus an MMAU-format JSON whose ground truth is the synthesis parameters).
//
//   almkit::PerceptionSuiteOptions options;          // n = 200, seed = 0, 16 kHz, every task
//   options.output_dir = "perception";
//   options.seed = 7;
//   auto items = almkit::generate_perception_suite(options);
//   // perception/perception.json + perception/audio/<id>.wav; the same seed gives the same bytes.
//
// Pitch is equal-tempered with A4 = MIDI 69 = 440 Hz. Everything random comes from the seed
// through almkit's own generator (not <random>'s distributions, whose output differs between
// standard libraries), so a seed names the same suite everywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/export.h"

namespace almkit {

// ---------------------------------------------------------------------------------------------
// Signal generators
// ---------------------------------------------------------------------------------------------

// Square, sawtooth and triangle are summed from their Fourier series up to 0.45 * sample rate
// (no aliasing), each scaled so its ideal wave spans [-1, 1].
enum class Waveform { kSine, kSquare, kSawtooth, kTriangle, kNoise };
ALMKIT_API const char* waveform_name(Waveform waveform);

// Linear ADSR over a note of a given duration: rise to 1 in `attack`, fall to `sustain_level` in
// `decay`, hold, and fall to 0 over the last `release` seconds of the note (the note's length
// includes its release, so a note never rings past its duration).
struct Envelope {
  double attack_seconds = 0.01;
  double decay_seconds = 0.05;
  double sustain_level = 0.8;
  double release_seconds = 0.05;
};
// 3 ms attack, decays to silence in 0.6 s: a plucked string.
ALMKIT_API Envelope plucked_envelope();
// 250 ms swell to full level, held, 150 ms release: a bowed string.
ALMKIT_API Envelope bowed_envelope();
// Gain (0..1) of `envelope` at `time_seconds` into a note lasting `duration_seconds`.
ALMKIT_API double envelope_gain(const Envelope& envelope, double time_seconds,
                                double duration_seconds);

struct ToneOptions {
  double frequency_hz = 440.0;
  double duration_seconds = 0.5;
  double amplitude = 0.5;  // peak of the ideal waveform at full envelope
  Waveform waveform = Waveform::kSine;
  Envelope envelope;
  uint64_t noise_seed = 0;  // kNoise only
};
ALMKIT_API std::vector<float> synth_tone(const ToneOptions& options, int sample_rate);

// Equal temperament, A4 = MIDI 69 = 440 Hz.
ALMKIT_API double midi_to_hz(double midi_pitch);
ALMKIT_API double hz_to_midi(double frequency_hz);
// "C4", "F#3", "Bb4" (sharps for C# F# G#, flats for Eb Bb, Db Ab as spelled by `prefer_flats`).
ALMKIT_API std::string note_name(int midi_pitch, bool prefer_flats = false);

// A note of a score: MIDI pitch (fractional pitches allowed), onset and length in seconds, and a
// linear gain relative to the voice's amplitude.
struct Note {
  double midi_pitch = 69.0;
  double start_seconds = 0.0;
  double duration_seconds = 0.5;
  double gain = 1.0;
};
// How notes sound.
struct Voice {
  Waveform waveform = Waveform::kTriangle;
  Envelope envelope;
  double amplitude = 0.3;
  uint64_t noise_seed = 0;
};
// Adds the notes into `mono` (grown as needed) at `sample_rate`.
ALMKIT_API void add_notes(std::vector<float>& mono, const std::vector<Note>& notes,
                          const Voice& voice, int sample_rate);
// The notes alone, `total_seconds` long (0: until the last note ends).
ALMKIT_API std::vector<float> render_notes(const std::vector<Note>& notes, const Voice& voice,
                                           int sample_rate, double total_seconds = 0.0);

// ---------------------------------------------------------------------------------------------
// Keys, chords, melodies, rhythms
// ---------------------------------------------------------------------------------------------

enum class ScaleMode { kMajor, kNaturalMinor, kHarmonicMinor };
// Semitone offsets of the seven degrees of `mode` from its tonic.
ALMKIT_API std::vector<int> scale_intervals(ScaleMode mode);
// Degree 0 is the tonic, 7 the tonic an octave up, -1 the leading tone below.
ALMKIT_API int scale_degree_to_midi(int tonic_midi, ScaleMode mode, int degree);
ALMKIT_API bool in_scale(int tonic_midi, ScaleMode mode, int midi_pitch);
// "C major", "F# minor" (the tonic spelled as the key signature spells it).
ALMKIT_API std::string key_name(int tonic_midi, ScaleMode mode);

enum class ChordQuality { kMajor, kMinor, kDiminished, kAugmented };
ALMKIT_API const char* chord_quality_name(ChordQuality quality);  // "major", ...
// Root-position triad: root, third, fifth as MIDI pitches (major 0 4 7, minor 0 3 7,
// diminished 0 3 6, augmented 0 4 8).
ALMKIT_API std::vector<int> chord_pitches(int root_midi, ChordQuality quality);
// Spelled by stacking thirds on letter names: C minor {"C", "Eb", "G"}, B diminished
// {"B", "D", "F"}, Ab minor {"Ab", "Cb", "Eb"}, E augmented {"E", "G#", "B#"}.
ALMKIT_API std::vector<std::string> chord_spelling(int root_midi, ChordQuality quality,
                                                   bool prefer_flats = false);
// The diatonic triad on `degree` (0 is I, 4 is V) of a key, spelled with the key's own letters:
// in B major degree 4 is {"F#", "A#", "C#"}; in Eb major degree 1 is {"F", "Ab", "C"}.
ALMKIT_API std::vector<std::string> diatonic_triad_spelling(int tonic_midi, ScaleMode mode,
                                                            int degree);
// The quality of three pitches in any voicing or inversion; throws kInvalidArgument when they
// are not a major, minor, diminished or augmented triad.
ALMKIT_API ChordQuality classify_triad(const std::vector<int>& midi_pitches);

// A melody: one note per pitch, one every `beat_seconds` from `start_seconds`, each sounding for
// `legato` of its beat.
ALMKIT_API std::vector<Note> melody_notes(const std::vector<double>& midi_pitches,
                                          double beat_seconds, double start_seconds = 0.0,
                                          double legato = 0.9);
// A rhythm on one pitch: onsets in beats (0, 1, 1.5, ...) at `beat_seconds` per beat.
ALMKIT_API std::vector<Note> rhythm_notes(const std::vector<double>& onset_beats,
                                          double beat_seconds, double midi_pitch,
                                          double note_seconds, double start_seconds = 0.0);

// ---------------------------------------------------------------------------------------------
// Buffers: stereo panning and levels
// ---------------------------------------------------------------------------------------------

// Constant-power pan: -1 is hard left, 0 centre, +1 hard right. Returns 2 interleaved channels.
ALMKIT_API AudioBuffer pan_stereo(const std::vector<float>& mono, double pan, int sample_rate);
// Adds `source` into `target` starting at frame `offset_frames`, growing `target` as needed;
// channel counts must match (kShapeMismatch otherwise).
ALMKIT_API void mix_into(AudioBuffer& target, const AudioBuffer& source, int64_t offset_frames,
                         double gain = 1.0);
// Scales the buffer so its largest |sample| is `peak`; a silent buffer is kInvalidArgument.
ALMKIT_API void normalize_peak(AudioBuffer& audio, double peak);
ALMKIT_API double peak_level(const AudioBuffer& audio);
ALMKIT_API double rms_level(const AudioBuffer& audio);

// ---------------------------------------------------------------------------------------------
// The perception suite
// ---------------------------------------------------------------------------------------------

struct PerceptionSuiteOptions {
  int n = 200;        // items in all, shared out evenly across `tasks`
  uint64_t seed = 0;  // the same seed (and options) gives byte-identical files
  int sample_rate = 16000;
  std::vector<std::string> tasks;            // names from perception_task_names(); empty means all
  std::string output_dir;                    // receives perception.json and audio/<id>.wav
  std::string espeak_command = "espeak-ng";  // spoken tasks only
  // Called after each item is written (done counts from 1).
  std::function<void(int done, int total, const std::string& id)> progress;
};

// One item, in MMAU's fields plus where it came from.
struct PerceptionItem {
  std::string id;        // "<suite task>_<index>", e.g. "melody_contour_0003"
  std::string audio_id;  // "./audio/<id>.wav", relative to the output folder
  std::string question;
  std::vector<std::string> choices;
  std::string answer;  // the text of the correct choice
  std::string dataset = "almkit-perception";
  std::string task;  // MMAU's domain: "sound", "music" or "speech"
  std::string split = "perception";
  std::string category;      // "Information Extraction" or "Reasoning"
  std::string sub_category;  // per suite task, e.g. "Melodic Contour"
  std::string difficulty;    // "easy", "medium" or "hard", set by the task's parameters
  std::string suite_task;    // the suite's task name, e.g. "melody_contour"
  int answer_index = 0;      // position of `answer` in `choices`
  int channels = 1;          // 2 for the spatial tasks
  double duration_seconds = 0.0;
  std::string metadata_json;  // the synthesis parameters (the ground truth), a JSON object
};

struct PerceptionTaskInfo {
  std::string name;          // "melody_contour"
  std::string domain;        // "music"
  std::string category;      // "Information Extraction"
  std::string sub_category;  // "Melodic Contour"
  int num_choices = 0;
  bool needs_espeak = false;
  std::string description;  // one line
};
ALMKIT_API std::vector<PerceptionTaskInfo> perception_tasks();
ALMKIT_API std::vector<std::string> perception_task_names();

// Writes the suite into options.output_dir (created if needed) and returns its items, in the
// order of the JSON file: tasks interleaved round-robin, so any prefix is a balanced sample.
// Errors: kInvalidArgument (n <= 0, unknown task, sample rate outside 8000..192000, no output
// folder), kIo (the folder cannot be created or written), kNotFound (espeak-ng missing while a
// spoken task is asked for).
ALMKIT_API std::vector<PerceptionItem> generate_perception_suite(
    const PerceptionSuiteOptions& options);

// The items as the MMAU-format JSON array written to perception.json (2-space indent).
ALMKIT_API std::string perception_items_to_json(const std::vector<PerceptionItem>& items);

}  // namespace almkit
