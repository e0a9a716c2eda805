// MUSE's official protocol: Python's shuffle and librosa's trim reproduced exactly (values from
// /usr/bin/python3 3.11 and from the trim formula in numpy), the chat of a sequence as the runners
// build it (a fake backend records every prompt), and an end-to-end run on the small random model.
#include "bench/runner/muse_protocol.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <mutex>

#include "bench/runner/backend.h"
#include "bench/runner/unit.h"
#include "runner_fixture.h"

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

std::vector<float> signal(size_t n, const std::vector<std::tuple<size_t, size_t, float, double>>& parts) {
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
  for (const std::string& clip : {"/m/stimuli/Abmajor_Piano_120.wav",
                                  "/m/stimuli/Aminor_Guitar_120.wav", "/m/trial1.wav",
                                  "/m/trial2.wav", "/m/trial3.wav", "/m/trial4.wav"}) {
    run.trimmed[clip] = clip + ".trimmed";
    run.trimmed_hash[clip] = "h";
  }
  EvalOptions options;
  options.bench = "muse";
  options.protocol = "muse-sysinst";
  options.audio_root = "/m";
  ScriptedBackend backend;
  backend.answers = {" Yes, I understand.\n", "B. Minor", "A. Major", "B. Minor", "nonsense"};
  UnitContext context{&options, &backend, &items, &run};
  UnitPlan plan;
  plan.sequence = 0;
  const nlohmann::ordered_json result = run_muse_sequence(context, run, plan);

  const std::string system =
      turn("system", text_part(sequences[0].wording->system_sysinst));
  const std::string fewshot =
      turn("user", text_part("Example 1: The following audio example is a Major chord. Listen "
                             "carefully:") + "," + text_part("Audio example:") + "," + kAudio) +
      "," +
      turn("user", text_part("Example 2: The following audio example is a Minor chord. Listen "
                             "carefully:") + "," + text_part("Audio example:") + "," + kAudio);
  const std::string confirm = turn(
      "user", text_part("After examining the examples above, please respond with \"Yes, I "
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
  const std::vector<MuseTurn> turns = muse_opening_turns(wording, true, "/m");
  ASSERT_EQ(turns.size(), 5u);  // system, (user, assistant) x 2
  EXPECT_EQ(turns[0].parts[0].text, wording.system_cot);
  EXPECT_EQ(turns[1].parts[0].text, wording.trial_cot[0].text);  // COT_PROMPT_TEMPLATE
  EXPECT_EQ(turns[1].parts[1].audio_path, "/m/stimuli/Abmajor_Piano_120.wav");
  EXPECT_EQ(turns[2].role, "assistant");
  EXPECT_EQ(turns[4].parts[0].text.substr(turns[4].parts[0].text.size() - 8), "B. Minor");
}

TEST(MuseProtocol, RefusesTasksWithoutWordingAndOtherBenches) {
  std::vector<BenchItem> items = fake_chord_group();
  for (auto& item : items) item.task = "syncopation";
  EXPECT_ALMKIT_ERROR(plan_muse_sequences(items, 1), ErrorCode::kUnsupported, "syncopation");
  EvalOptions options;
  options.bench = "mmau";
  options.protocol = "muse-cot";
  EXPECT_ALMKIT_ERROR(prepare_muse_run(options, items), ErrorCode::kInvalidArgument, "--bench muse");
}

TEST(MuseProtocol, EndToEndPerSeedFiguresAndResume) {
  // instrument_identification / GroupA (the manifest's first ten trials) and its four examples.
  const std::string root = test::runner_world().dir + "/muse-root";
  for (const std::string name :
       {"Abmajor_Piano_120", "Bmaj_Scale_InvArch_Piano", "Ebmin_Scale_Arch_Piano", "DMaj_Arp_Desc",
        "Eminor_Guitar_120", "Abmin_Arp_Asc_Bass", "Dbmin_Scale_InvArch_Bass", "Emin_Arp_Desc_Bass",
        "Beat_2_140", "Beat_4_140_34", "Emajor_Guitar_120", "GbMaj_Arp_Desc_Piano",
        "AbMaj_Arp_Asc_Bass", "Beat_11_140"}) {
    std::filesystem::create_directories(root + "/stimuli");
    test::write_tone(root + "/stimuli/" + name + ".wav", 0.4);
  }
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
