// MUSE's official protocol: Python's shuffle and librosa's trim reproduced exactly (values from
// /usr/bin/python3 3.11 and from the trim formula in numpy), the chat of a sequence as the runners
// build it (a fake backend records every prompt), and an end-to-end run on the small random model.
#include "bench/benchmarks/muse/muse_protocol.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <mutex>
#include <set>

#include "bench/runner/backend.h"
#include "bench/runner/unit.h"
#include "runner_fixture.h"
#include "through_server.h"

namespace almkit::bench {
namespace {

using json = nlohmann::json;

TEST(MuseProtocol, ShuffleMatchesPythonRandom) {
  // python3: x = list(range(10)); random.seed(s); random.shuffle(x)
  const std::vector<std::pair<uint64_t, std::vector<size_t>>> expected = {
      {1, {6, 8, 9, 7, 5, 3, 0, 4, 1, 2}},
      {2, {5, 9, 3, 4, 6, 7, 2, 8, 1, 0}},
      {3, {1, 5, 6, 0, 9, 4, 7, 2, 8, 3}},
      {0, {7, 8, 1, 5, 3, 4, 2, 0, 9, 6}},
      {12345, {8, 7, 3, 5, 1, 2, 9, 4, 0, 6}},
      {(uint64_t(1) << 40) + 7, {0, 5, 2, 3, 6, 1, 8, 4, 7, 9}},  // a two-word key
  };
  for (const auto& [seed, order] : expected) {
    EXPECT_EQ(PythonRandom(seed).shuffled_indices(10), order) << "seed " << seed;
  }
  EXPECT_EQ(PythonRandom(1).shuffled_indices(4), (std::vector<size_t>{3, 0, 2, 1}));
  EXPECT_EQ(PythonRandom(2).shuffled_indices(4), (std::vector<size_t>{1, 2, 3, 0}));
  EXPECT_EQ(PythonRandom(5).shuffled_indices(1), (std::vector<size_t>{0}));
  // random.seed(1); [random.getrandbits(32) for _ in range(3)]
  PythonRandom random(1);
  EXPECT_EQ(random.getrandbits(32), 577090037u);
  EXPECT_EQ(random.getrandbits(32), 2444712010u);
  EXPECT_EQ(random.getrandbits(32), 3639700191u);
}

std::vector<float> signal(size_t n,
                          const std::vector<std::tuple<size_t, size_t, float, double>>& parts) {
  std::vector<float> y(n, 0.0f);
  for (const auto& [begin, end, amplitude, omega] : parts) {
    for (size_t i = begin; i < end; ++i) y[i] = float(amplitude * std::sin(omega * double(i)));
  }
  return y;
}

TEST(MuseProtocol, TrimMatchesLibrosaFormula) {
  // numpy: centred frames of 2048 (zero padding), hop 512, 10 log10(max(1e-10, mean square))
  // minus the loudest frame's, kept where > -35 dB, from frame[first] * 512 to
  // min(n, (frame[last] + 1) * 512).
  auto check = [](const std::vector<float>& y, size_t start, size_t end) {
    const SampleRange range = trim_silence(y);
    EXPECT_EQ(range.start, start);
    EXPECT_EQ(range.end, end);
  };
  check(signal(20000, {{5000, 15000, 0.5f, 0.05}, {15000, 17000, 0.003f, 0.3}}), 4096, 16384);
  check(signal(20000, {{5000, 15000, 0.5f, 0.05}, {15000, 17000, 0.02f, 0.3}}), 4096, 17920);
  check(signal(3000, {{100, 2900, 0.1f, 0.2}}), 0, 3000);
  // All zeros: every frame equals the (floored) reference, 0 dB, so librosa keeps it all.
  check(std::vector<float>(5000, 0.0f), 0, 5000);
}

// Records every prompt and answers from a script.
class ScriptedBackend : public EvalBackend {
 public:
  std::vector<std::string> answers;
  mutable std::vector<std::string> prompts;
  mutable std::vector<std::vector<std::string>> clips;
  mutable size_t next = 0;
  std::string identity() const override { return "scripted"; }
  nlohmann::ordered_json describe() const override { return {{"kind", "scripted"}}; }
  int units_in_flight() const override { return 1; }
  int audio_parts(const std::string&) const override { return 1; }
  std::string prompt(const std::string& messages_json, const BenchItem&,
                     const std::vector<std::string>&) const override {
    return messages_json;
  }
  BackendAnswer generate(const UnitInput& unit) const override {
    prompts.push_back(unit.plan.prompt);
    clips.push_back(unit.item.audio_paths);
    BackendAnswer answer;
    answer.text = answers.at(next++);
    answer.stop_reason = "eos";
    return answer;
  }
  BackendAnswer score(const UnitInput&) const override { throw std::logic_error("unused"); }
};

std::vector<BenchItem> fake_chord_group() {
  // chord_quality / GroupA / 01..04, answers Major, Major, Minor, Minor.
  std::vector<BenchItem> items;
  for (int i = 0; i < 4; ++i) {
    BenchItem item;
    item.id = "chord_quality/GroupA/0" + std::to_string(i + 1);
    item.audio_paths = {"/m/trial" + std::to_string(i + 1) + ".wav"};
    item.choices = {"A. Major", "B. Minor"};
    item.answer = item.choices[i < 2 ? 0 : 1];
    item.task = "chord_quality";
    item.category = "GroupA";
    items.push_back(item);
  }
  return items;
}

std::string text_part(const std::string& text) {
  return nlohmann::ordered_json({{"type", "text"}, {"text", text}}).dump();
}
const std::string kAudio = R"({"type":"audio"})";
std::string turn(const std::string& role, const std::string& parts) {
  return R"({"role":")" + role + R"(","content":[)" + parts + "]}";
}

TEST(MuseProtocol, SysinstChatGrowsAsTheRunnersBuildIt) {
  const std::vector<BenchItem> items = fake_chord_group();
  const std::vector<MuseSequence> sequences = plan_muse_sequences(items, 2);
  ASSERT_EQ(sequences.size(), 2u);
  // random.seed(1) / (2); random.shuffle over the group's four trials.
  EXPECT_EQ(sequences[0].item_indices, (std::vector<size_t>{3, 0, 2, 1}));
  EXPECT_EQ(sequences[1].item_indices, (std::vector<size_t>{1, 2, 3, 0}));

  MuseRun run;
  run.sequences = sequences;
  for (const char* clip :
       {"/m/stimuli/Abmajor_Piano_120.wav", "/m/stimuli/Aminor_Guitar_120.wav", "/m/trial1.wav",
        "/m/trial2.wav", "/m/trial3.wav", "/m/trial4.wav"}) {
    run.trimmed[clip] = std::string(clip) + ".trimmed";
    run.trimmed_hash[clip] = "h";
  }
  EvalOptions options;
  options.bench = "muse";
  options.protocol = "muse-sysinst";
  options.audio_root = "/m";
  ScriptedBackend backend;
  backend.answers = {" Yes, I understand.\n", "B. Minor", "A. Major", "B. Minor", "nonsense"};
  UnitContext context{&options, &backend, &items};
  UnitPlan plan;
  plan.sequence = 0;
  const nlohmann::ordered_json result = run_muse_sequence(context, run, plan);

  const std::string system_text =
      sequences[0].wording->opening.at("SYSINST/GroupA").at(0).parts.at(0).text;
  EXPECT_EQ(system_text.substr(0, 72),
            "You are a participant in a psychological experiment on music perception.");
  EXPECT_NE(system_text.find("Minor chords often sound more somber, sad, or mysterious.\n"),
            std::string::npos);
  const std::string system = turn("system", text_part(system_text));
  const std::string fewshot =
      turn("user", text_part("Example 1: The following audio example is a Major chord. Listen "
                             "carefully:") +
                       "," + text_part("Audio example:") + "," + kAudio) +
      "," +
      turn("user", text_part("Example 2: The following audio example is a Minor chord. Listen "
                             "carefully:") +
                       "," + text_part("Audio example:") + "," + kAudio);
  const std::string confirm =
      turn("user", text_part("After examining the examples above, please respond with \"Yes, I "
                             "understand.\" if you understand the task, or \"No, I don't "
                             "understand.\" if you do not."));
  const std::string trial =
      turn("user", text_part("Here is the audio excerpt.") + "," + kAudio + "," +
                       text_part("Reply with exactly ONE of the following lines:\nA. Major\nOR\nB. "
                                 "Minor"));
  auto reply = [](const std::string& text) { return turn("assistant", text_part(text)); };
  ASSERT_EQ(backend.prompts.size(), 5u);
  EXPECT_EQ(backend.prompts[0], "[" + system + "," + fewshot + "," + confirm + "]");
  // The confirmation's answer (stripped) stays in the chat; the confirmation question does not.
  const std::string opening = system + "," + fewshot + "," + reply("Yes, I understand.");
  EXPECT_EQ(backend.prompts[1], "[" + opening + "," + trial + "]");
  EXPECT_EQ(backend.prompts[2],
            "[" + opening + "," + trial + "," + reply("B. Minor") + "," + trial + "]");
  EXPECT_EQ(backend.prompts[4], "[" + opening + "," + trial + "," + reply("B. Minor") + "," +
                                    trial + "," + reply("A. Major") + "," + trial + "," +
                                    reply("B. Minor") + "," + trial + "]");
  // Clips: the examples, then each trial in the shuffled order (trimmed copies).
  EXPECT_EQ(backend.clips[4],
            (std::vector<std::string>{"/m/stimuli/Abmajor_Piano_120.wav.trimmed",
                                      "/m/stimuli/Aminor_Guitar_120.wav.trimmed",
                                      "/m/trial4.wav.trimmed", "/m/trial1.wav.trimmed",
                                      "/m/trial3.wav.trimmed", "/m/trial2.wav.trimmed"}));
  EXPECT_EQ(result["confirmation"], "Yes, I understand.");
  ASSERT_EQ(result["trials"].size(), 4u);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"chord_quality/GroupA/04", true},   // Minor, answered B. Minor
      {"chord_quality/GroupA/01", true},   // Major, answered A. Major
      {"chord_quality/GroupA/03", true},   // Minor, answered B. Minor
      {"chord_quality/GroupA/02", false},  // unparsed
  };
  for (size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(result["trials"][k]["id"], expected[k].first);
    EXPECT_EQ(result["trials"][k]["correct"], expected[k].second);
    EXPECT_EQ(result["trials"][k]["trial_position"], k + 1);
    EXPECT_EQ(result["trials"][k]["protocol_seed"], 1);
  }
  EXPECT_FALSE(result.contains("error"));
}

TEST(MuseProtocol, CotOpeningHasWorkedAnswers) {
  const auto& wording = *plan_muse_sequences(fake_chord_group(), 1)[0].wording;
  EXPECT_EQ(wording.source, "Qwen2.5-Omni/chord_quality_Qwen2.5-Omni_runner.py");
  EXPECT_EQ(wording.cot_min_new_tokens, 40);
  const std::vector<MuseTurn> turns = muse_opening_turns(wording, true, "GroupA", "/m");
  ASSERT_EQ(turns.size(), 5u);  // system, (user, assistant) x 2
  EXPECT_EQ(turns[0].role, "system");
  EXPECT_NE(turns[0].parts[0].text.find("Diagnostic cue"), std::string::npos);
  const std::string cot_prompt = wording.trial.at("COT/GroupA").at(0).text;
  EXPECT_EQ(cot_prompt.substr(0, 74),
            "Analyze the music excerpt and identify the chord QUALITY (MAJOR vs MINOR).");
  EXPECT_EQ(turns[1].parts[0].text, cot_prompt);
  EXPECT_EQ(turns[1].parts[1].audio_path, "/m/stimuli/Abmajor_Piano_120.wav");
  EXPECT_EQ(turns[2].role, "assistant");
  EXPECT_EQ(turns[4].parts[0].text,
            "Step 1: Listen to the chord and then the arpeggiation; ignore register/voicing.\n"
            "Step 2: The chord tones include a MINOR third, indicating a minor triad.\nB. Minor");
}

TEST(MuseProtocol, EveryTaskHasBothModesAndGroups) {
  std::set<std::string> tasks;
  for (const auto& wording : muse_protocol_wordings()) {
    tasks.insert(wording.task);
    for (const std::string key : {"SYSINST/GroupA", "SYSINST/GroupB", "COT/GroupA", "COT/GroupB"}) {
      ASSERT_TRUE(wording.opening.count(key)) << wording.task << " " << key;
      EXPECT_EQ(wording.opening.at(key).at(0).role, "system");
      EXPECT_FALSE(wording.trial.at(key).empty());
    }
  }
  EXPECT_EQ(tasks.size(), 10u);
  // Keymod's examples depend on the group; progression matching and meter keep 4 trials.
  const auto find = [](const std::string& task) {
    for (const auto& w : muse_protocol_wordings())
      if (w.task == task) return &w;
    return static_cast<const MuseProtocolWording*>(nullptr);
  };
  EXPECT_NE(find("key_modulation")->opening.at("SYSINST/GroupA"),
            find("key_modulation")->opening.at("SYSINST/GroupB"));
  EXPECT_EQ(find("chord_progression_matching")->history_window, 4);
  EXPECT_EQ(find("meter_identification")->history_window, 4);
  EXPECT_EQ(find("chord_quality")->history_window, 0);
}

TEST(MuseProtocol, TranspositionCotNamesBothFiles) {
  BenchItem item;
  item.id = "transposition/GroupA/01";
  item.task = "transposition";
  item.category = "GroupA";
  item.audio_paths = {"/m/stimuli/M1_EbMaj_90.wav", "/m/stimuli/M1_GMaj_90.wav"};
  const auto sequences = plan_muse_sequences({item}, 1);
  const MuseTurn turn = muse_trial_turn(*sequences[0].wording, true, item);
  EXPECT_NE(
      turn.parts[0].text.find("Analyze the two audio files ('M1_EbMaj_90' and 'M1_GMaj_90') "),
      std::string::npos);
  EXPECT_EQ(turn.parts[0].text.find("{id"), std::string::npos);
  ASSERT_EQ(turn.parts.size(), 3u);
  EXPECT_EQ(turn.parts[1].audio_path, item.audio_paths[0]);
  EXPECT_EQ(turn.parts[2].audio_path, item.audio_paths[1]);
}

TEST(MuseProtocol, MeterKeepsOnlyTheLastFourTrials) {
  std::vector<BenchItem> items;
  MuseRun run;
  for (int i = 0; i < 6; ++i) {
    BenchItem item;
    item.id = "meter_identification/GroupA/0" + std::to_string(i + 1);
    item.audio_paths = {"/m/t" + std::to_string(i) + ".wav"};
    item.choices = {"A. Groups of 3", "B. Groups of 4", "C. Groups of 5"};
    item.answer = item.choices[0];
    item.task = "meter_identification";
    item.category = "GroupA";
    items.push_back(item);
    run.trimmed[item.audio_paths[0]] = item.audio_paths[0];
    run.trimmed_hash[item.audio_paths[0]] = "h";
  }
  run.sequences = plan_muse_sequences(items, 1);
  for (const auto& turn : muse_opening_turns(*run.sequences[0].wording, false, "GroupA", "/m")) {
    for (const auto& part : turn.parts) {
      if (part.audio)
        run.trimmed[part.audio_path] = part.audio_path, run.trimmed_hash[part.audio_path] = "h";
    }
  }
  EvalOptions options;
  options.bench = "muse";
  options.protocol = "muse-sysinst";
  options.audio_root = "/m";
  ScriptedBackend backend;
  for (int i = 0; i < 7; ++i) backend.answers.push_back("answer " + std::to_string(i));
  UnitContext context{&options, &backend, &items};
  UnitPlan plan;
  plan.sequence = 0;
  const auto result = run_muse_sequence(context, run, plan);
  ASSERT_EQ(backend.prompts.size(), 7u);
  // The sixth trial sees the examples (3 clips) and trials 2..5 (4 clips), then its own.
  EXPECT_EQ(backend.clips[6].size(), 3u + 4u + 1u);
  const std::string last = backend.prompts[6];
  EXPECT_EQ(last.find("answer 1"), std::string::npos);  // trial 1's answer has left the window
  for (int i = 2; i <= 5; ++i)
    EXPECT_NE(last.find("answer " + std::to_string(i)), std::string::npos);
  EXPECT_NE(last.find("answer 0"), std::string::npos);  // the confirmation always stays
}

// The last call of five recorded runner sequences (tests/data/bench/muse_protocol_recorded.json:
// the official runners executed with their model call replaced by a recorder; written by
// make_muse_protocol_recorded.py beside it) equals ours, message for message and clip for clip:
// wording, examples, confirmation, trial order, history (window).
TEST(MuseProtocol, LastCallEqualsTheRecordedRunnerChat) {
  const auto recorded =
      test::read_json(test::test_data_dir() + "/bench/muse_protocol_recorded.json");
  const std::vector<BenchItem> all = load_muse(LoadOptions{});
  for (const auto& record : recorded["cases"]) {
    const std::string task = record["task"], group = record["group"];
    std::vector<BenchItem> items;
    for (const auto& item : all) {
      if (item.task == task && item.category == group) items.push_back(item);
    }
    ASSERT_EQ(items.size(), 10u);
    MuseRun run;
    for (const auto& item : items) {
      for (const auto& clip : item.audio_paths)
        run.trimmed[clip] = clip, run.trimmed_hash[clip] = "h";
    }
    run.cot = record["mode"] == "COT";
    for (const auto& sequence : plan_muse_sequences(items, 3)) {
      if (sequence.seed == record["seed"].get<int>()) run.sequences.push_back(sequence);
    }
    std::string expected_chat = "[";
    std::vector<std::string> expected_clips;
    for (const auto& turn : record["last_call"]) {
      nlohmann::ordered_json content = nlohmann::ordered_json::array();
      for (const auto& part : turn["parts"]) {
        if (part.contains("clip")) {
          content.push_back({{"type", "audio"}});
          expected_clips.push_back(part["clip"]);
          run.trimmed[part["clip"]] = part["clip"];
          run.trimmed_hash[part["clip"]] = "h";
        } else {
          content.push_back({{"type", "text"}, {"text", part["text"]}});
        }
      }
      expected_chat +=
          std::string(expected_chat.size() > 1 ? "," : "") +
          nlohmann::ordered_json({{"role", turn["role"]}, {"content", content}}).dump();
    }
    expected_chat += "]";
    EvalOptions options;
    options.bench = "muse";
    options.protocol = run.cot ? "muse-cot" : "muse-sysinst";
    ScriptedBackend backend;
    for (int n = 1; n <= 11; ++n) backend.answers.push_back("A. reply " + std::to_string(n));
    UnitContext context{&options, &backend, &items};
    UnitPlan plan;
    plan.sequence = 0;
    const auto result = run_muse_sequence(context, run, plan);
    ASSERT_EQ(backend.prompts.size(), 11u) << task << " " << result.value("error", "");
    EXPECT_EQ(backend.prompts.back(), expected_chat)
        << task << " " << record["mode"] << " " << group;
    EXPECT_EQ(backend.clips.back(), expected_clips) << task;
  }
}

TEST(MuseProtocol, RefusesTasksWithoutWordingAndOtherBenches) {
  std::vector<BenchItem> items = fake_chord_group();
  for (auto& item : items) item.task = "unknown_task";
  EXPECT_ALMKIT_ERROR(plan_muse_sequences(items, 1), ErrorCode::kUnsupported, "unknown_task");
  EvalOptions options;
  options.bench = "mmau";
  options.protocol = "muse-cot";
  EXPECT_ALMKIT_ERROR(prepare_muse_run(options, items), ErrorCode::kInvalidArgument,
                      "--bench muse");
}

// instrument_identification / GroupA (the manifest's first ten trials) and its four examples, as
// short tones under a fake MUSE checkout.
std::string fake_instrument_checkout() {
  // this process's own folder: the shared test world is read-only, and temp_dir() is emptied
  // by the test's own later call
  static const std::string root = "/tmp/almkit-test-muse-root-" + std::to_string(::getpid());
  static const bool cleanup = (std::atexit([] { std::filesystem::remove_all(root); }), true);
  (void)cleanup;
  for (const std::string name :
       {"Abmajor_Piano_120", "Bmaj_Scale_InvArch_Piano", "Ebmin_Scale_Arch_Piano", "DMaj_Arp_Desc",
        "Eminor_Guitar_120", "Abmin_Arp_Asc_Bass", "Dbmin_Scale_InvArch_Bass", "Emin_Arp_Desc_Bass",
        "Beat_2_140", "Beat_4_140_34", "Emajor_Guitar_120", "GbMaj_Arp_Desc_Piano",
        "AbMaj_Arp_Asc_Bass", "Beat_11_140"}) {
    std::filesystem::create_directories(root + "/stimuli");
    test::write_tone(root + "/stimuli/" + name + ".wav", 0.4);
  }
  return root;
}

// The chat as request messages (system, user and assistant turns, clips as input_audio parts) to
// `almkit serve`: the same greedy answers as the in-process run, trial for trial.
TEST(MuseProtocol, ThroughServeEqualsTheInProcessRun) {
  const std::string root = fake_instrument_checkout();
  const std::string out_root = test::temp_dir();  // (a second call would empty it)
  auto options_for = [&](const std::string& out) {
    EvalOptions options = test::runner_options(out_root + "/" + out, 4);
    options.bench = "muse";
    options.data_path.clear();
    options.audio_root = root;
    options.protocol = "muse-sysinst";
    options.seeds = 1;
    options.max_new_tokens = 3;
    return options;
  };
  const EvalOptions local = options_for("local");
  ASSERT_TRUE(run_eval(local).complete);

  const auto server = test::start_small_server();
  const EvalOptions remote = test::through_server(local, out_root + "/remote", *server);
  const EvalOutcome outcome = run_eval(remote);
  server->stop();
  ASSERT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.failed, 0);
  const auto local_lines = test::read_results(local.out_dir);
  const auto remote_lines = test::read_results(remote.out_dir);
  ASSERT_EQ(local_lines.size(), 4u);
  ASSERT_EQ(remote_lines.size(), 4u);
  EXPECT_EQ(remote_lines[0]["confirmation"], local_lines[0]["confirmation"]);
  for (size_t k = 0; k < local_lines.size(); ++k) {
    EXPECT_EQ(remote_lines[k]["id"], local_lines[k]["id"]);
    EXPECT_EQ(remote_lines[k]["response"], local_lines[k]["response"]) << k;
  }
}

TEST(MuseProtocol, EndToEndPerSeedFiguresAndResume) {
  const std::string root = fake_instrument_checkout();
  EvalOptions options = test::runner_options(test::temp_dir() + "/muse-protocol", 10);
  options.bench = "muse";
  options.data_path.clear();
  options.audio_root = root;
  options.protocol = "muse-sysinst";
  options.seeds = 2;
  options.temperature = 1.0;
  options.top_p = 0.95;
  options.top_k = 40;
  options.max_new_tokens = 3;
  const EvalOutcome first = run_eval(options);
  EXPECT_EQ(first.units, 2);  // one per (group, seed)
  EXPECT_EQ(first.computed, 2);
  EXPECT_EQ(first.failed, 0);
  const auto results = test::read_results(options.out_dir);
  ASSERT_EQ(results.size(), 20u);
  EXPECT_EQ(results[0]["protocol_seed"], 1);
  EXPECT_EQ(results[10]["protocol_seed"], 2);
  // Seed 1 asks the group in python's random.seed(1) order: index 7 (0-based 6) first.
  EXPECT_EQ(results[0]["id"], "instrument_identification/GroupA/07");
  const auto summary = test::read_json(options.out_dir + "/summary.json");
  ASSERT_TRUE(summary.contains("protocol"));
  ASSERT_EQ(summary["protocol"]["per_seed"].size(), 2u);
  EXPECT_EQ(summary["protocol"]["per_seed"][0]["trials"], 10);
  const double a = summary["protocol"]["per_seed"][0]["accuracy"];
  const double b = summary["protocol"]["per_seed"][1]["accuracy"];
  EXPECT_NEAR(summary["protocol"]["mean"].get<double>(), (a + b) / 2, 1e-12);
  EXPECT_NEAR(summary["protocol"]["sd"].get<double>(), std::fabs(a - b) / std::sqrt(2.0), 1e-12);
  EXPECT_NE(test::read_file(options.out_dir + "/report.md").find("## MUSE protocol (muse-sysinst)"),
            std::string::npos);

  const EvalOutcome second = run_eval(options);
  EXPECT_EQ(second.reused, 2);
  EXPECT_EQ(second.computed, 0);
  const auto again = test::read_results(options.out_dir);
  ASSERT_EQ(again.size(), 20u);
  EXPECT_EQ(again[5]["response"], results[5]["response"]);
  EXPECT_TRUE(again[5]["from_cache"].get<bool>());
}

}  // namespace
}  // namespace almkit::bench
