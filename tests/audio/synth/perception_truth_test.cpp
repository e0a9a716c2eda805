// For every perception task, the recorded answer is what the audio contains, measured from the
// WAV alone.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "audio/synth/perception_fixture.h"

namespace almkit {
namespace {

using nlohmann::json;
using test::items_of;
using test::kItemsPerTask;
using test::load;
using test::measured_pitch;
using test::meta;
using test::mono;
using test::Suite;
using test::suite;

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

}  // namespace
}  // namespace almkit
