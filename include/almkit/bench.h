// Benchmark items and their loaders: MMAU, MMAR, STAR-Bench, MUSE (built-in manifest), ISA-Bench
// and almkit's own JSONL format (docs/formats.md). Loaders check what a run would trip over
// (duplicate ids, an answer that is not a choice, malformed lines) and name file, line and field.
//
//   almkit::bench::LoadOptions options;
//   options.audio_root = "/data/mmau";
//   auto items = almkit::bench::load_benchmark("mmau", "mmau-test-mini.json", options);
//   auto missing = almkit::bench::find_missing_audio(items);  // before the run, not halfway
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/export.h"

namespace almkit::bench {

// One multiple-choice (or open) question about one or more audio clips.
struct BenchItem {
  std::string id;
  std::vector<std::string> audio_paths;  // resolved against LoadOptions::audio_root
  std::string question;
  std::vector<std::string> choices;     // empty for open questions (ASR, captions)
  std::string answer;                   // the text of the correct choice (or the reference)
  std::vector<std::string> references;  // open items with several reference answers: all of
                                        // them (answer is the first); empty when there is one
  std::string task, category, sub_category, difficulty;
  std::string transcript;            // the speech's text where the data has it (--modality text)
  std::string metadata_json = "{}";  // every other field of the source record, as JSON
  std::string source;                // "file:line" the item came from, for messages
  // Multi-turn items (JSONL `messages`): the earlier turns as chat messages JSON, each of their
  // clips an {"type": "audio"} part; those clips come first in audio_paths (`history_clips` of
  // them). The question is asked as the last user turn, with the item's own clips.
  std::string history_json;
  int history_clips = 0;

  // Index of `answer` in `choices`, or -1.
  ALMKIT_API int answer_index() const;
};

struct LoadOptions {
  std::string audio_root;  // prefix for relative audio paths; empty keeps them as they are
};

// MMAU's JSON list (id, audio_id, question, choices, answer, dataset, task, split, category,
// sub-category, difficulty).
ALMKIT_API std::vector<BenchItem> load_mmau(const std::string& path, const LoadOptions& options);
// MMAR's JSON list: MMAU's fields plus `modality` (kept in task when task is absent) and
// `audio_path`.
ALMKIT_API std::vector<BenchItem> load_mmar(const std::string& path, const LoadOptions& options);
// STAR-Bench meta_info JSON: id, task, category, sub-category, question, options, answer,
// audio_paths (several clips).
ALMKIT_API std::vector<BenchItem> load_star(const std::string& path, const LoadOptions& options);
// MUSE's 200 trials (10 tasks x groups A/B), from the manifest built into almkit (facts taken
// from the official runners of the MUSE_music_benchmark repository). audio_root is a MUSE
// checkout (paths are "stimuli/...").
ALMKIT_API std::vector<BenchItem> load_muse(const LoadOptions& options);
// almkit's JSONL format (docs/formats.md).
ALMKIT_API std::vector<BenchItem> load_jsonl(const std::string& path, const LoadOptions& options);
// By name: mmau, mmar, star, muse (path ignored), jsonl.
ALMKIT_API std::vector<BenchItem> load_benchmark(const std::string& bench, const std::string& path,
                                                 const LoadOptions& options);

// One ISA-Bench data record: an audio clip, its reference(s) and the instruction variants.
struct IsaItem {
  std::string id;  // the audio path (ISA-Bench has no ids)
  std::string audio_path;
  std::string task;             // asr, emotion_recognition, gender_recognition, ...
  std::string reference;        // `text` (transcript or label)
  std::string emotion, gender;  // N-dimension records carry all three references
  std::string base_description, base_constrain;
  std::string variations_json = "{}";  // instructions.variations, as JSON
  std::string source;
};
// ISA-Bench data file: a list, or {"annotation": [...]}.
ALMKIT_API std::vector<IsaItem> load_isa(const std::string& path, const LoadOptions& options);

// Every audio file of `items` that does not exist, each once, in item order.
ALMKIT_API std::vector<std::string> find_missing_audio(const std::vector<BenchItem>& items);
// Throws kFileNotFound listing (up to 20 of) the missing files and their count.
ALMKIT_API void require_audio_present(const std::vector<BenchItem>& items);

}  // namespace almkit::bench
