// MUSE's official protocol (`almkit eval --bench muse --protocol muse-sysinst|muse-cot`): per
// (group, seed) one chat that opens with the task's system instruction, few-shot turns with the
// task's example stimuli and a confirmation answered by the model, then asks the group's trials
// in the order Python's `random.seed(seed); random.shuffle` gives, each with the whole chat so far.
// The growing chat makes a trial depend on the ones before it, so a sequence is one runner unit.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/bench.h"
#include "almkit/eval.h"

namespace almkit::bench {

// Python's `random` module (CPython's Mersenne Twister), as far as seed(int) and shuffle go.
class PythonRandom {
 public:
  explicit PythonRandom(uint64_t seed);  // random.seed(seed) for a non-negative int
  uint32_t next_uint32();                // genrand_uint32
  uint32_t getrandbits(int bits);        // 1 <= bits <= 32
  uint32_t randbelow(uint32_t n);        // _randbelow_with_getrandbits
  // random.shuffle's permutation of 0..n-1 (the list [0, 1, ..., n-1] after the shuffle).
  std::vector<size_t> shuffled_indices(size_t n);

 private:
  uint32_t state_[624];
  int index_ = 624;
};

// librosa.effects.trim(y, top_db, frame_length, hop_length) with ref = max: frame RMS over
// zero-padded centred frames; returns [start, end) of the samples kept (start == end: all silent).
struct SampleRange {
  size_t start = 0, end = 0;
};
SampleRange trim_silence(const std::vector<float>& samples, double top_db = 35.0,
                         int frame_length = 2048, int hop_length = 512);

// One part of a chat turn: text, or a clip (a path relative to a MUSE checkout, or
// kTrialClip1 / kTrialClip2 for the trial's own clips).
struct MusePart {
  bool audio = false;
  std::string text;
  std::string audio_path;
};
struct MuseTurn {
  std::string role;
  std::vector<MusePart> parts;
};
inline bool operator==(const MusePart& a, const MusePart& b) {
  return a.audio == b.audio && a.text == b.text && a.audio_path == b.audio_path;
}
inline bool operator==(const MuseTurn& a, const MuseTurn& b) {
  return a.role == b.role && a.parts == b.parts;
}
inline bool operator!=(const MuseTurn& a, const MuseTurn& b) {
  return !(a == b);
}
inline const char* const kTrialClip1 = "{trial_clip_1}";
inline const char* const kTrialClip2 = "{trial_clip_2}";

struct MuseProtocolWording {
  std::string task, source;    // MUSE's task name; the runner file the wording comes from
  int cot_min_new_tokens = 0;  // the runners' min_new_tokens under COT (min_tokens remotely)
  int history_window = 0;      // 0: the whole chat; K: only the last K trials stay (KEEP_LAST_K)
  // By "SYSINST/GroupA", "COT/GroupB", ...: the opening turns (system first) and a trial's turn.
  std::map<std::string, std::vector<MuseTurn>> opening;
  std::map<std::string, std::vector<MusePart>> trial;
};
// Every task's wording (muse_protocol_wording.cpp), parsed once.
const std::vector<MuseProtocolWording>& muse_protocol_wordings();
const char* muse_protocol_wording_json();
// The runners' confirmation turn (the same in every task).
extern const char* const kMuseConfirmation;
// Their generation length.
constexpr int kMuseMaxNewTokens = 8192;

// One unit: a group of one task asked in the order of one seed.
struct MuseSequence {
  std::string task, group;
  int seed = 1;        // random.seed(seed): 1, 2, 3 ...
  int seed_index = 0;  // 0-based, the records' "presentation"
  const MuseProtocolWording* wording = nullptr;
  std::vector<size_t> item_indices;  // into the run's items, in the order asked
};

// The sequences of a run: for each (task, group) of `items` (in item order) and each seed 1..seeds,
// its trials shuffled as the runners do. Throws kUnsupported for a task without wording.
std::vector<MuseSequence> plan_muse_sequences(const std::vector<BenchItem>& items, int seeds);

// The opening of a sequence's chat (system instruction and few-shot turns, example stimuli
// resolved against audio_root) and a trial's user turn (the item's own clips).
std::vector<MuseTurn> muse_opening_turns(const MuseProtocolWording& wording, bool cot,
                                         const std::string& group, const std::string& audio_root);
MuseTurn muse_trial_turn(const MuseProtocolWording& wording, bool cot, const BenchItem& item);
MuseTurn muse_confirmation_turn();

// Chat messages JSON for the backend's prompt(): each clip becomes `audio_parts(path)` audio parts
// ({"type": "audio"}), every content a list of parts as the runners send it. The clips, in order,
// are appended to `clips`.
template <typename AudioParts>
nlohmann::ordered_json muse_messages(const std::vector<MuseTurn>& turns, AudioParts&& audio_parts,
                                     std::vector<std::string>& clips) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const MuseTurn& turn : turns) {
    nlohmann::ordered_json content = nlohmann::ordered_json::array();
    for (const MusePart& part : turn.parts) {
      if (!part.audio) {
        content.push_back({{"type", "text"}, {"text", part.text}});
        continue;
      }
      for (int i = audio_parts(part.audio_path); i > 0; --i) content.push_back({{"type", "audio"}});
      clips.push_back(part.audio_path);
    }
    messages.push_back({{"role", turn.role}, {"content", content}});
  }
  return messages;
}

struct UnitPlan;
struct UnitContext;
class EvalBackend;
struct ParsedAnswer;

// MUSE's answer rule: the canonical answer found in the response as the official runners find it
// (muse_parse_final_answer); correct when it is the item's answer.
ParsedAnswer parse_muse_answer(const BenchItem& item, const std::vector<std::string>& shown_choices,
                               const std::string& response);

// What the runner needs for a protocol run: the sequences, and every clip they use trimmed as the
// runners do (16 kHz mono, trim_silence at 35 dB) into out_dir/muse-audio/ (source -> trimmed
// file, with the trimmed file's SHA-256).
struct MuseRun {
  bool cot = false;
  std::vector<MuseSequence> sequences;
  std::map<std::string, std::string> trimmed, trimmed_hash;
};
// Throws kInvalidArgument (options), kUnsupported (a task without wording), kFileNotFound (every
// missing example stimulus listed) before any model call.
MuseRun prepare_muse_run(const EvalOptions& options, const std::vector<BenchItem>& items);
// One UnitPlan per sequence (unit = sequence index, item_index = its first trial, sequence set).
std::vector<UnitPlan> muse_unit_plans(const MuseRun& run, const EvalOptions& options,
                                      const std::vector<BenchItem>& items,
                                      const std::string& model_hash);
// Asks the whole sequence; the record holds "confirmation" and "trials" (one results.jsonl record
// each, parsed by the MUSE scorer); "error" (and "error_kind") when a call failed, with the trials
// not asked recorded as failed too.
nlohmann::ordered_json run_muse_sequence(const UnitContext& context, const MuseRun& run,
                                         const UnitPlan& plan);
// summary.json's "protocol": per-seed accuracy, mean and sample standard deviation across seeds,
// overall and per task (records carrying "protocol_seed").
nlohmann::ordered_json muse_protocol_summary(const std::vector<nlohmann::ordered_json>& records);

}  // namespace almkit::bench
