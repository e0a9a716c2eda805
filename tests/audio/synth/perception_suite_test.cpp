// The perception suite: files, determinism, levels, balance, and for every task a check that the
// recorded answer is what the audio actually contains, measured from the WAV.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "almkit/synth.h"
#include "audio/synth/signal_measure.h"
#include "test_support.h"

namespace almkit {
namespace {

using nlohmann::json;
constexpr int kItemsPerTask = 12;

struct Suite {
  std::string dir;
  std::vector<PerceptionItem> items;
  json file;
};

// One suite for the whole binary (12 items per task, seed 11), written once.
const Suite& suite() {
  static const Suite generated = [] {
    Suite s;
    s.dir = "/tmp/almkit-test-perception-" + std::to_string(::getpid());
    std::filesystem::remove_all(s.dir);
    PerceptionSuiteOptions options;
    options.n = kItemsPerTask * static_cast<int>(perception_task_names().size());
    options.seed = 11;
    options.output_dir = s.dir;
    s.items = generate_perception_suite(options);
    s.file = json::parse(test::read_file(s.dir + "/perception.json"));
    return s;
  }();
  return generated;
}

std::vector<const PerceptionItem*> items_of(const std::string& task) {
  std::vector<const PerceptionItem*> out;
  for (const PerceptionItem& item : suite().items) {
    if (item.suite_task == task) out.push_back(&item);
  }
  EXPECT_EQ(out.size(), static_cast<size_t>(kItemsPerTask)) << task;
  return out;
}

AudioBuffer load(const PerceptionItem& item) {
  AudioLoadOptions options;
  options.mono = false;
  return load_audio(suite().dir + "/" + item.audio_id.substr(2), options);
}

std::vector<float> mono(const PerceptionItem& item) {
  return load(item).mono();
}
json meta(const PerceptionItem& item) {
  return json::parse(item.metadata_json);
}

// Pitch (MIDI) measured in the middle of a note.
double measured_pitch(const std::vector<float>& x, double start, double duration) {
  const double f0 =
      test::estimate_f0(test::slice(x, 16000, start + 0.04, start + duration - 0.04), 16000);
  return f0 > 0 ? test::hz_to_midi_pitch(f0) : -1.0;
}

TEST(PerceptionSuite, WritesMmauFieldsAndEveryAudioFile) {
  const Suite& s = suite();
  ASSERT_TRUE(s.file.is_array());
  ASSERT_EQ(s.file.size(), s.items.size());
  std::set<std::string> ids;
  const std::vector<std::string> fields{"id",       "audio_id",     "question",  "choices",
                                        "answer",   "dataset",      "task",      "split",
                                        "category", "sub-category", "difficulty"};
  for (const json& entry : s.file) {
    for (const std::string& field : fields) EXPECT_TRUE(entry.contains(field)) << field;
    EXPECT_TRUE(ids.insert(entry["id"].get<std::string>()).second) << entry["id"];
    EXPECT_EQ(entry["dataset"], "almkit-perception");
    const auto choices = entry["choices"].get<std::vector<std::string>>();
    EXPECT_NE(std::find(choices.begin(), choices.end(), entry["answer"].get<std::string>()),
              choices.end());
    EXPECT_TRUE(std::set<std::string>({"sound", "music", "speech"}).count(entry["task"]));
    EXPECT_TRUE(std::set<std::string>({"easy", "medium", "hard"}).count(entry["difficulty"]));
    EXPECT_TRUE(test::file_exists(s.dir + "/" + entry["audio_id"].get<std::string>()));
  }
  for (const PerceptionItem& item : s.items) {
    EXPECT_EQ(item.choices[item.answer_index], item.answer);
  }
  // Round-robin order: the first 20 items are one of each task.
  std::set<std::string> first_tasks;
  for (size_t i = 0; i < perception_task_names().size(); ++i) {
    first_tasks.insert(s.items[i].suite_task);
  }
  EXPECT_EQ(first_tasks.size(), perception_task_names().size());
}

TEST(PerceptionSuite, EveryStimulusIsAudibleAndNeverClipped) {
  for (const PerceptionItem& item : suite().items) {
    const AudioBuffer audio = load(item);
    EXPECT_EQ(audio.sample_rate, 16000) << item.id;
    EXPECT_EQ(audio.channels, item.channels) << item.id;
    EXPECT_LE(peak_level(audio), 0.99) << item.id;
    EXPECT_GE(peak_level(audio), 0.5) << item.id;
    EXPECT_GE(rms_level(audio), 0.02) << item.id << ": RMS " << rms_level(audio);  // > -34 dBFS
    EXPECT_GT(audio.duration_seconds(), 0.5) << item.id;
    EXPECT_LT(audio.duration_seconds(), 12.0) << item.id;
  }
}

TEST(PerceptionSuite, SameSeedGivesByteIdenticalFiles) {
  // Spoken items included: espeak-ng's output is deterministic for a text, voice and rate.
  PerceptionSuiteOptions options;
  options.n = 60;
  options.seed = 99;
  const std::string base = test::temp_dir();
  options.output_dir = base + "/a";
  const auto a = generate_perception_suite(options);
  options.output_dir = base + "/b";
  generate_perception_suite(options);
  EXPECT_EQ(test::read_file(base + "/a/perception.json"),
            test::read_file(base + "/b/perception.json"));
  for (const PerceptionItem& item : a) {
    const std::string relative = item.audio_id.substr(2);
    EXPECT_EQ(test::read_file(base + "/a/" + relative), test::read_file(base + "/b/" + relative))
        << item.id;
  }
  // No stray files (espeak-ng's scratch WAVs are removed).
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(base + "/a")) {
    files += entry.is_regular_file();
  }
  EXPECT_EQ(files, a.size() + 1);
  options.seed = 100;
  options.output_dir = base + "/c";
  generate_perception_suite(options);
  EXPECT_NE(test::read_file(base + "/a/perception.json"),
            test::read_file(base + "/c/perception.json"));
}

TEST(PerceptionSuite, AnswersAreBalancedOverPositionsAndClasses) {
  for (const PerceptionTaskInfo& task : perception_tasks()) {
    std::map<int, int> positions;
    std::map<std::string, int> answers;
    for (const PerceptionItem* item : items_of(task.name)) {
      ++positions[item->answer_index];
      EXPECT_EQ(static_cast<int>(item->choices.size()), task.num_choices) << item->id;
      ++answers[item->answer];
    }
    ASSERT_EQ(static_cast<int>(positions.size()), task.num_choices) << task.name;
    for (const auto& [position, count] : positions) {
      EXPECT_GE(count, kItemsPerTask / task.num_choices) << task.name << " position " << position;
      EXPECT_LE(count, (kItemsPerTask + task.num_choices - 1) / task.num_choices) << task.name;
    }
    if (task.name == "spoken_word_order") continue;  // answers are words drawn at random
    int low = kItemsPerTask, high = 0;
    for (const auto& [answer, count] : answers) {
      low = std::min(low, count);
      high = std::max(high, count);
    }
    EXPECT_LE(high - low, 1) << task.name;
  }
}

TEST(PerceptionSuite, DomainsAndDifficultiesAreSpread) {
  std::map<std::string, int> difficulties, domains;
  for (const PerceptionItem& item : suite().items) {
    ++difficulties[item.difficulty];
    ++domains[item.task];
  }
  for (const char* level : {"easy", "medium", "hard"}) EXPECT_GT(difficulties[level], 50) << level;
  for (const char* domain : {"sound", "music", "speech"}) EXPECT_GT(domains[domain], 0) << domain;
}

// ---- ground truth, measured from the audio --------------------------------------------------

TEST(PerceptionTruth, PitchDirectionMatchesMeasuredPitches) {
  for (const PerceptionItem* item : items_of("pitch_direction")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    const double d = m["tone_seconds"];
    const double first = measured_pitch(x, m["first_start"], d);
    const double second = measured_pitch(x, m["second_start"], d);
    const double cents = 100.0 * (second - first);
    if (item->answer == "The second tone is higher")
      EXPECT_GT(cents, 80) << item->id;
    else if (item->answer == "The second tone is lower")
      EXPECT_LT(cents, -80) << item->id;
    else
      EXPECT_NEAR(cents, 0.0, 5.0) << item->id;
    EXPECT_NEAR(cents, m["difference_cents"].get<double>(), 10.0) << item->id;
  }
}

TEST(PerceptionTruth, MelodyContourMatchesMeasuredNotes) {
  for (const PerceptionItem* item : items_of("melody_contour")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    std::vector<double> pitches;
    for (const json& note : m["notes"]) {
      pitches.push_back(measured_pitch(x, note["start"], note["duration"]));
      EXPECT_NEAR(pitches.back(), note["midi"].get<double>(), 0.2) << item->id;
    }
    // The contour from the measured pitches: where the extreme note sits and which way it moves.
    std::vector<int> directions;
    for (size_t i = 1; i < pitches.size(); ++i)
      directions.push_back(pitches[i] > pitches[i - 1] ? 1 : -1);
    int changes = 0;
    for (size_t i = 1; i < directions.size(); ++i) changes += directions[i] != directions[i - 1];
    std::string contour;
    if (changes == 0)
      contour = directions[0] > 0 ? "Ascending" : "Descending";
    else if (changes == 1)
      contour =
          directions[0] > 0 ? "Arch (rises, then falls)" : "Inverted arch (falls, then rises)";
    EXPECT_EQ(contour, item->answer) << item->id;
  }
}

TEST(PerceptionTruth, IntervalDirectionMatchesMeasuredNotes) {
  for (const PerceptionItem* item : items_of("interval_direction")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    const double first = measured_pitch(x, m["notes"][0]["start"], m["notes"][0]["duration"]);
    const double second = measured_pitch(x, m["notes"][1]["start"], m["notes"][1]["duration"]);
    const double semitones = second - first;
    EXPECT_NEAR(semitones, m["semitones"].get<double>(), 0.2) << item->id;
    const bool up = semitones > 0, large = std::fabs(semitones) >= 6.5;
    EXPECT_EQ(item->answer.rfind(up ? "Up" : "Down", 0), 0u) << item->id << " " << semitones;
    EXPECT_NE(item->answer.find(large ? "large" : "small"), std::string::npos) << item->id;
  }
}

TEST(PerceptionTruth, TranspositionMatchesMeasuredIntervals) {
  for (const PerceptionItem* item : items_of("transposition")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    std::vector<double> pitches;
    for (const json& note : m["notes"]) {
      pitches.push_back(measured_pitch(x, note["start"], note["duration"]));
      EXPECT_NEAR(pitches.back(), note["midi"].get<double>(), 0.2) << item->id;
    }
    const size_t half = pitches.size() / 2;
    bool same_intervals = true;
    for (size_t i = 1; i < half; ++i) {
      const double a = pitches[i] - pitches[i - 1], b = pitches[half + i] - pitches[half + i - 1];
      same_intervals &= std::fabs(a - b) < 0.5;
    }
    EXPECT_GE(std::fabs(pitches[half] - pitches[0]), 1.5) << item->id << ": not transposed";
    EXPECT_EQ(same_intervals, item->answer == "The same melody, transposed") << item->id;
  }
}

TEST(PerceptionTruth, OddballMatchesMeasuredNotesAndKey) {
  for (const PerceptionItem* item : items_of("oddball")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    const int tonic = m["tonic_midi"];
    bool out_of_key = false;
    // The first three notes are the key chord, sounding together; then the melody.
    for (size_t i = 3; i < m["notes"].size(); ++i) {
      const json& note = m["notes"][i];
      const double pitch = measured_pitch(x, note["start"], note["duration"]);
      EXPECT_NEAR(pitch, note["midi"].get<double>(), 0.2) << item->id;
      out_of_key |= !in_scale(tonic, ScaleMode::kMajor, static_cast<int>(std::lround(pitch)));
    }
    EXPECT_EQ(out_of_key, item->answer == "Yes, one note is out of key") << item->id;
  }
}

TEST(PerceptionTruth, ChordQualityMatchesItsNotesAndSpectrum) {
  for (const PerceptionItem* item : items_of("chord_quality")) {
    const json m = meta(*item);
    const std::vector<int> pitches = m["pitches"];
    EXPECT_EQ(chord_quality_name(classify_triad(pitches)), m["quality"].get<std::string>());
    std::string answer = item->answer;
    answer[0] = static_cast<char>(std::tolower(answer[0]));
    EXPECT_EQ(answer, m["quality"].get<std::string>()) << item->id;
    // The three strongest semitones around the chord, in its final block, are its notes.
    const json& last = m["notes"].back();
    const std::vector<float> x =
        test::slice(mono(*item), 16000, last["start"].get<double>() + 0.1,
                    last["start"].get<double>() + last["duration"].get<double>() - 0.1);
    const int low = *std::min_element(pitches.begin(), pitches.end());
    const int high = *std::max_element(pitches.begin(), pitches.end());
    std::vector<std::pair<double, int>> strengths;
    for (int pitch = low - 3; pitch <= high + 3; ++pitch) {
      strengths.push_back({test::tone_magnitude(x, 16000, midi_to_hz(pitch)), pitch});
    }
    std::sort(strengths.rbegin(), strengths.rend());
    const std::set<int> strongest{strengths[0].second, strengths[1].second, strengths[2].second};
    EXPECT_EQ(strongest, std::set<int>(pitches.begin(), pitches.end())) << item->id;
  }
}

TEST(PerceptionTruth, KeyModulationChangesKeyOnlyWhenAnswered) {
  for (const PerceptionItem* item : items_of("key_modulation")) {
    const json m = meta(*item);
    const int first = m["first_tonic_midi"], second = m["second_tonic_midi"];
    const auto chords = m["chords"].get<std::vector<std::vector<int>>>();
    ASSERT_EQ(chords.size(), 8u);
    bool leaves_first_key = false;
    for (size_t i = 0; i < chords.size(); ++i) {
      for (int pitch : chords[i]) {
        if (i < 4)
          EXPECT_TRUE(in_scale(first, ScaleMode::kMajor, pitch)) << item->id;
        else
          EXPECT_TRUE(in_scale(second, ScaleMode::kMajor, pitch)) << item->id;
        leaves_first_key |= !in_scale(first, ScaleMode::kMajor, pitch);
      }
      const std::vector<int> upper(chords[i].begin() + 1, chords[i].end());
      classify_triad(upper);  // every chord is a real triad
    }
    // Both halves end on their key's tonic triad with the tonic in the bass: V-I cadences.
    EXPECT_EQ((chords[3][0] - first) % 12, 0);
    EXPECT_EQ(((chords[7][0] - second) % 12 + 12) % 12, 0);
    EXPECT_EQ(leaves_first_key, item->answer == "Yes, it modulates to a new key") << item->id;
    EXPECT_EQ(m["modulates"].get<bool>(), leaves_first_key);
  }
}

TEST(PerceptionTruth, EventCountMatchesDetectedOnsets) {
  for (const PerceptionItem* item : items_of("event_counting")) {
    const std::vector<double> onsets = test::detect_onsets(mono(*item), 16000);
    EXPECT_EQ(std::to_string(onsets.size()), item->answer) << item->id;
  }
}

TEST(PerceptionTruth, RhythmMatchingMatchesDetectedOnsets) {
  for (const PerceptionItem* item : items_of("rhythm_matching")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    const double eighth = m["eighth_seconds"], split = m["second_start"];
    const std::vector<double> onsets = test::detect_onsets(x, 16000);
    std::vector<int> first, second;
    for (double onset : onsets) {
      if (onset < split - 0.05)
        first.push_back(static_cast<int>(std::lround((onset - 0.1) / eighth)));
      else
        second.push_back(static_cast<int>(std::lround((onset - split) / eighth)));
    }
    EXPECT_EQ(first, m["first_slots"].get<std::vector<int>>()) << item->id;
    EXPECT_EQ(second, m["second_slots"].get<std::vector<int>>()) << item->id;
    EXPECT_EQ(first == second, item->answer == "The same rhythm") << item->id;
  }
}

TEST(PerceptionTruth, MeterMatchesMeasuredAccents) {
  for (const PerceptionItem* item : items_of("meter")) {
    const std::vector<float> x = mono(*item);
    const std::vector<double> onsets = test::detect_onsets(x, 16000, 0.1);
    std::vector<double> levels;
    for (double onset : onsets)
      levels.push_back(test::rms(test::slice(x, 16000, onset, onset + 0.03)));
    const double loudest = *std::max_element(levels.begin(), levels.end());
    std::vector<size_t> accents;
    for (size_t i = 0; i < levels.size(); ++i) {
      if (levels[i] > 0.8 * loudest) accents.push_back(i);
    }
    ASSERT_GE(accents.size(), 2u) << item->id;
    const size_t group = accents[1] - accents[0];
    for (size_t i = 1; i < accents.size(); ++i)
      EXPECT_EQ(accents[i] - accents[i - 1], group) << item->id;
    EXPECT_EQ("Groups of " + std::to_string(group) + " beats", item->answer) << item->id;
  }
}

TEST(PerceptionTruth, TempoComparisonMatchesMeasuredBeats) {
  for (const PerceptionItem* item : items_of("tempo_comparison")) {
    const json m = meta(*item);
    const double split = m["second_start"];
    const std::vector<double> onsets = test::detect_onsets(mono(*item), 16000);
    std::vector<double> first, second;
    for (double onset : onsets) (onset < split - 0.05 ? first : second).push_back(onset);
    ASSERT_GE(first.size(), 3u);
    ASSERT_GE(second.size(), 3u);
    const double first_period = (first.back() - first.front()) / (first.size() - 1);
    const double second_period = (second.back() - second.front()) / (second.size() - 1);
    const double ratio =
        std::max(first_period, second_period) / std::min(first_period, second_period);
    EXPECT_GE(ratio, 1.18) << item->id;  // tempi at least ~20 % apart
    EXPECT_NEAR(ratio, m["ratio"].get<double>(), 0.05) << item->id;
    EXPECT_EQ(first_period < second_period ? "The first excerpt" : "The second excerpt",
              item->answer)
        << item->id;
  }
}

TEST(PerceptionTruth, LoudnessComparisonMatchesMeasuredLevels) {
  for (const PerceptionItem* item : items_of("loudness_comparison")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    const double d = m["sound_seconds"];
    const double a =
        test::rms(test::slice(x, 16000, m["first_start"], m["first_start"].get<double>() + d));
    const double b =
        test::rms(test::slice(x, 16000, m["second_start"], m["second_start"].get<double>() + d));
    const double db = 20.0 * std::log10(a / b);
    EXPECT_GE(std::fabs(db), 5.9) << item->id;  // >= 6 dB
    EXPECT_NEAR(std::fabs(db), m["difference_db"].get<double>(), 0.3) << item->id;
    EXPECT_EQ(db > 0 ? "The first sound" : "The second sound", item->answer) << item->id;
  }
}

TEST(PerceptionTruth, DurationComparisonMatchesMeasuredLengths) {
  for (const PerceptionItem* item : items_of("duration_comparison")) {
    const json m = meta(*item);
    const std::vector<float> x = mono(*item);
    const double split = m["second_start"];
    const double a = test::active_seconds(test::slice(x, 16000, 0, split - 0.05), 16000);
    const double b = test::active_seconds(test::slice(x, 16000, split - 0.05, 100), 16000);
    EXPECT_GE(std::max(a, b) / std::min(a, b), 1.2) << item->id;
    EXPECT_EQ(a > b ? "The first tone" : "The second tone", item->answer) << item->id;
  }
}

TEST(PerceptionTruth, TimbreMatchesMeasuredSpectrum) {
  for (const PerceptionItem* item : items_of("timbre_waveform")) {
    const json m = meta(*item);
    const double start = m["start"], duration = m["duration"];
    const std::vector<float> x =
        test::slice(mono(*item), 16000, start + 0.1, start + duration - 0.1);
    std::string measured;
    const double f0 = test::estimate_f0(x, 16000);
    std::string detail;
    if (f0 == 0.0) {
      measured = "noise";
    } else {
      // Harmonic strengths at the measured pitch (checked against the recorded one first).
      const double f = m["frequency_hz"];
      EXPECT_NEAR(f0, f, 2.0) << item->id;
      const double h1 = test::tone_magnitude(x, 16000, f);
      const double h2 = test::tone_magnitude(x, 16000, 2 * f) / h1;
      const double h3 = test::tone_magnitude(x, 16000, 3 * f) / h1;
      detail =
          " f0 " + std::to_string(f0) + " h2 " + std::to_string(h2) + " h3 " + std::to_string(h3);
      if (h2 < 0.02 && h3 < 0.02) {
        measured = "sine";
      } else if (h2 < 0.05 && h3 > 0.25) {
        measured = "square";
      } else if (h2 > 0.4) {
        measured = "sawtooth";
      }
    }
    EXPECT_EQ(measured, m["waveform"].get<std::string>()) << item->id << detail;
    const std::map<std::string, std::string> named{{"sine", "A pure sine"},
                                                   {"square", "A square"},
                                                   {"sawtooth", "A sawtooth"},
                                                   {"noise", "White noise"}};
    if (named.count(measured)) {
      EXPECT_EQ(item->answer.rfind(named.at(measured), 0), 0u) << item->id;
    }
  }
}

TEST(PerceptionTruth, ArticulationMatchesMeasuredEnvelope) {
  for (const PerceptionItem* item : items_of("articulation")) {
    const json m = meta(*item);
    const json& note = m["notes"][0];
    const double start = note["start"], duration = note["duration"];
    // 20 ms frames span several periods, so the envelope does not ripple with the waveform.
    const std::vector<double> envelope =
        test::frame_rms(test::slice(mono(*item), 16000, start, start + duration), 16000, 0.02);
    const double loudest = *std::max_element(envelope.begin(), envelope.end());
    size_t rise = 0;
    while (envelope[rise] < 0.9 * loudest) ++rise;
    const double rise_seconds = rise * 0.02;
    const double late = envelope[envelope.size() * 3 / 4] / loudest;
    const bool plucked = rise_seconds < 0.03 && late < 0.6;
    const bool bowed = rise_seconds > 0.08 && late > 0.8;
    EXPECT_TRUE(plucked != bowed) << item->id << " rise " << rise_seconds << " late " << late;
    EXPECT_EQ(item->answer.rfind(plucked ? "Plucked" : "Bowed", 0), 0u) << item->id;
  }
}

TEST(PerceptionTruth, SpatialDirectionHasMoreEnergyOnTheAnsweredSide) {
  for (const PerceptionItem* item : items_of("spatial_direction")) {
    const AudioBuffer audio = load(*item);
    ASSERT_EQ(audio.channels, 2);
    const double left = test::rms(audio.channel(0)), right = test::rms(audio.channel(1));
    const double db = 20.0 * std::log10(std::max(left, 1e-9) / std::max(right, 1e-9));
    EXPECT_GE(std::fabs(db), 6.0) << item->id;
    EXPECT_EQ(db > 0 ? "From the left" : "From the right", item->answer) << item->id;
  }
}

TEST(PerceptionTruth, SpatialOnsetOrderMatchesChannelOnsets) {
  for (const PerceptionItem* item : items_of("spatial_onset_order")) {
    const AudioBuffer audio = load(*item);
    ASSERT_EQ(audio.channels, 2);
    const double left = test::detect_onsets(audio.channel(0), 16000, 0.3)[0];
    const double right = test::detect_onsets(audio.channel(1), 16000, 0.3)[0];
    EXPECT_GE(std::fabs(left - right), 0.12) << item->id;
    EXPECT_EQ(left < right ? "On the left" : "On the right", item->answer) << item->id;
  }
}

TEST(PerceptionTruth, TemporalOrderAnswerIsTheEventAtTheAskedPosition) {
  for (const PerceptionItem* item : items_of("temporal_order")) {
    const json m = meta(*item);
    const auto events = m["events"].get<std::vector<std::string>>();
    EXPECT_EQ(std::set<std::string>(events.begin(), events.end()).size(), events.size());
    const bool first = m["asked"] == "first";
    EXPECT_NE(item->question.find(first ? "first?" : "last?"), std::string::npos);
    EXPECT_EQ(first ? events.front() : events.back(), item->answer) << item->id;
    // The answered event really sounds at its onset: the events are distinct in level over time.
    const std::vector<double> onsets = test::detect_onsets(mono(*item), 16000, 0.1, 0.1);
    EXPECT_NEAR(onsets.front(), m["onsets"][0].get<double>(), 0.02) << item->id;
  }
}

TEST(PerceptionTruth, SpokenDigitCountMatchesSpeechSegments) {
  for (const PerceptionItem* item : items_of("spoken_digit_count")) {
    const json m = meta(*item);
    EXPECT_EQ(std::to_string(m["count"].get<int>()), item->answer);
    // Words are separated by >= 100 ms of near-silence (commas plus espeak-ng's word gap).
    const std::vector<double> words = test::detect_onsets(mono(*item), 16000, 0.05, 0.1, 0.01);
    EXPECT_EQ(std::to_string(words.size()), item->answer) << item->id << " " << m["text"];
  }
}

TEST(PerceptionTruth, SpokenWordOrderAnswerIsTheWordAtTheAskedPosition) {
  for (const PerceptionItem* item : items_of("spoken_word_order")) {
    const json m = meta(*item);
    const auto words = m["words"].get<std::vector<std::string>>();
    EXPECT_EQ(m["asked"] == "first" ? words.front() : words.back(), item->answer) << item->id;
    for (const std::string& word : words) {
      EXPECT_NE(std::find(item->choices.begin(), item->choices.end(), word), item->choices.end());
    }
    const std::vector<double> segments = test::detect_onsets(mono(*item), 16000, 0.05, 0.1, 0.01);
    EXPECT_EQ(segments.size(), words.size()) << item->id << " " << m["text"];
  }
}

// ---- options and errors ---------------------------------------------------------------------

TEST(PerceptionSuite, BadOptionsGiveClearErrors) {
  PerceptionSuiteOptions options;
  options.output_dir = test::temp_dir();
  options.n = 0;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "n must be at least 1, got 0");
  options.n = -3;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument, "got -3");
  options.n = 4;
  options.tasks = {"melody_contour", "kazoo_detection"};
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "unknown task 'kazoo_detection'");
  options.tasks = {"meter", "meter"};
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "listed twice");
  options.tasks = {"meter"};
  options.sample_rate = 100;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument, "100");
  options.sample_rate = 16000;
  // A path under a regular file cannot be created.
  const std::string file = options.output_dir + "/plain-file";
  test::write_file(file, "x");
  options.output_dir = file + "/suite";
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kIo, file + "/suite");
  options.output_dir = "";
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kInvalidArgument,
                      "no output folder");
  options.output_dir = test::temp_dir();
  options.tasks = {"spoken_digit_count"};
  options.espeak_command = "/nonexistent/espeak-ng";
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kNotFound,
                      "/nonexistent/espeak-ng");
}

TEST(PerceptionSuite, UnwritableFolderIsAnIoError) {
  if (::geteuid() == 0) {
    // root writes anywhere; /proc refuses everyone.
    PerceptionSuiteOptions options;
    options.n = 1;
    options.output_dir = "/proc/almkit-perception";
    EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kIo,
                        "/proc/almkit-perception");
    return;
  }
  const std::string dir = test::temp_dir() + "/locked";
  std::filesystem::create_directories(dir + "/audio");
  std::filesystem::permissions(
      dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  PerceptionSuiteOptions options;
  options.n = 1;
  options.output_dir = dir;
  EXPECT_ALMKIT_ERROR(generate_perception_suite(options), ErrorCode::kIo, "not writable");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
}

TEST(PerceptionSuite, TaskSubsetSampleRateAndProgress) {
  PerceptionSuiteOptions options;
  options.output_dir = test::temp_dir();
  options.n = 7;
  options.sample_rate = 22050;
  options.tasks = {"spatial_direction", "chord_quality"};
  int calls = 0;
  options.progress = [&](int done, int total, const std::string&) {
    ++calls;
    EXPECT_EQ(done, calls);
    EXPECT_EQ(total, 7);
  };
  const auto items = generate_perception_suite(options);
  EXPECT_EQ(calls, 7);
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0].suite_task, "spatial_direction");  // 4 of the first task, 3 of the second
  EXPECT_EQ(items[1].suite_task, "chord_quality");
  EXPECT_EQ(items[6].suite_task, "spatial_direction");
  EXPECT_EQ(load_audio(options.output_dir + "/audio/chord_quality_0000.wav").sample_rate, 22050);
  AudioLoadOptions stereo;
  stereo.mono = false;
  EXPECT_EQ(load_audio(options.output_dir + "/audio/spatial_direction_0000.wav", stereo).channels,
            2);
}

TEST(PerceptionSuite, SynthCommandWritesTheSuiteAndSummarises) {
  const std::string dir = test::temp_dir();
  const auto result = test::run_cli("synth --suite perception --n 20 --seed 3 -o " + dir);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("20/20 items"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("perception suite: 20 items, 20 tasks"), std::string::npos)
      << result.output;
  const json file = json::parse(test::read_file(dir + "/perception.json"));
  EXPECT_EQ(file.size(), 20u);
  const auto bad_n = test::run_cli("synth --n 0 -o " + dir);
  EXPECT_NE(bad_n.exit_code, 0);
  EXPECT_NE(bad_n.output.find("n must be at least 1"), std::string::npos) << bad_n.output;
  const auto bad_task = test::run_cli("synth --n 3 --tasks meter,nope -o " + dir);
  EXPECT_NE(bad_task.exit_code, 0);
  EXPECT_NE(bad_task.output.find("unknown task 'nope'"), std::string::npos) << bad_task.output;
  const auto bad_suite = test::run_cli("synth --suite mmau -o " + dir);
  EXPECT_NE(bad_suite.exit_code, 0);
  EXPECT_NE(bad_suite.output.find("unknown --suite 'mmau'"), std::string::npos);
  const auto listing = test::run_cli("synth --list-tasks");
  EXPECT_EQ(listing.exit_code, 0);
  EXPECT_NE(listing.output.find("key_modulation"), std::string::npos);
}

}  // namespace
}  // namespace almkit
