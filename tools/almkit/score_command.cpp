// `almkit score`: rescore existing model outputs (anyone's) with the benchmarks' official rules.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/bench_scoring.h"
#include "almkit/error.h"
#include "bench/benchmarks/benchmark.h"
#include "bench/benchmarks/mmau_pro_scoring.h"
#include "bench/datasets/record_file.h"
#include "commands.h"
#include "score_open_answers.h"

namespace almkit::cli {
namespace {

using bench::AccuracyCell;
using ojson = nlohmann::ordered_json;

struct ScoreArgs {
  std::string bench, input, json_out, items_out, dim, task, prediction_key;
  std::string normalizer = "none", tokenize = "13a";
  std::vector<std::string> embed_endpoints;  // MMAU-Pro's NV-Embed-v2 server(s)
  std::string embed_model, embed_cache, api_key_env, open_judge;
  bool star_macro = false;
  uint64_t seed = 0;
};

ojson cell_json(const AccuracyCell& cell) {
  const auto ci = cell.ci95();
  ojson out;
  out["name"] = cell.name;
  out["correct"] = cell.correct;
  out["total"] = cell.total;
  out["accuracy"] = cell.total ? double(cell.correct) / double(cell.total) : 0.0;
  out["ci95"] = {ci.low, ci.high};
  return out;
}

ojson cells_json(const std::vector<AccuracyCell>& cells) {
  ojson out = ojson::array();
  for (const auto& cell : cells) out.push_back(cell_json(cell));
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorCode::kIo, path + ": cannot write");
  out << text;
}

void print_ci_line(const AccuracyCell& cell) {
  const auto ci = cell.ci95();
  std::printf("  %-40s %6.2f%%  [%6.2f, %6.2f]  (%lld/%lld)\n", cell.name.c_str(), cell.percent(),
              ci.low * 100.0, ci.high * 100.0, static_cast<long long>(cell.correct),
              static_cast<long long>(cell.total));
}

void score_mmau(const ScoreArgs& args, bool mmar) {
  bench::MmauScoreOptions options;
  options.mmar = mmar;
  options.prediction_key = args.prediction_key;
  const auto records = bench::read_mmau_predictions(args.input, options);
  const auto report = bench::score_mmau(records, options);
  std::fputs(report.official_printout.c_str(), stdout);
  std::printf("\nalmkit: 95%% Wilson intervals\n");
  for (const auto* group :
       {&report.by_task, &report.by_category, &report.by_difficulty, &report.by_sub_category}) {
    for (const auto& cell : *group) print_ci_line(cell);
  }
  print_ci_line(report.total);
  std::printf(
      "almkit strict accuracy (items without an output count as wrong): %.2f%% over %lld "
      "samples (%lld without output)\n",
      report.strict.percent(), static_cast<long long>(report.strict.total),
      static_cast<long long>(report.skipped));
  if (!args.json_out.empty()) {
    ojson summary;
    summary["benchmark"] = mmar ? "mmar" : "mmau";
    summary["official"] = cell_json(report.total);
    summary["strict"] = cell_json(report.strict);
    summary["skipped_without_output"] = report.skipped;
    summary[mmar ? "by_modality" : "by_task"] = cells_json(report.by_task);
    if (mmar) summary["by_category"] = cells_json(report.by_category);
    if (!mmar) summary["by_difficulty"] = cells_json(report.by_difficulty);
    summary["by_sub_category"] = cells_json(report.by_sub_category);
    write_text(args.json_out, summary.dump(2) + "\n");
  }
  if (!args.items_out.empty()) {
    std::string lines;
    for (const auto& item : report.items) {
      ojson line;
      line["id"] = item.id;
      line["parsed"] = item.scored ? ojson(item.prediction) : ojson(nullptr);
      line["correct"] = item.scored ? ojson(item.correct) : ojson(nullptr);
      lines += line.dump() + "\n";
    }
    write_text(args.items_out, lines);
  }
}

void score_star(const ScoreArgs& args) {
  const auto records = bench::read_star_results(args.input);
  const auto report = bench::score_star(records, args.star_macro);
  std::printf("%s\n", report.performance_json.c_str());
  if (!args.json_out.empty()) write_text(args.json_out, report.performance_json);
  if (!args.items_out.empty()) {
    std::string lines;
    for (size_t i = 0; i < records.size(); ++i) {
      ojson line;
      line["id"] = records[i].id;
      line["parsed"] = report.predictions[i];
      line["correct"] = static_cast<bool>(report.correct[i]);
      lines += line.dump() + "\n";
    }
    write_text(args.items_out, lines);
  }
}

void score_muse(const ScoreArgs& args) {
  std::vector<AccuracyCell> by_task;
  AccuracyCell total{"total", 0, 0};
  std::string lines;
  for (const auto& source : bench::read_any_records(args.input)) {
    const std::string id = bench::record_string(source, "id", true);
    const std::string task = bench::record_string(source, "task", true);
    const std::string answer = bench::record_string(source, "answer", true);
    const std::string output = bench::record_string(source, "model_output", false);
    const auto canonical = bench::muse_choices(task);
    bool known = false;
    for (const auto& choice : canonical) known = known || choice == answer;
    if (!known) {
      throw Error(ErrorCode::kInvalidFormat, source.where + ": field 'answer' is '" + answer +
                                                 "', not one of MUSE's canonical answers for " +
                                                 task);
    }
    const std::string parsed = bench::muse_parse_final_answer(task, output);
    const bool correct = !parsed.empty() && parsed == answer;
    AccuracyCell* cell = nullptr;
    for (auto& c : by_task) cell = c.name == task ? &c : cell;
    if (!cell) {
      by_task.push_back({task, 0, 0});
      cell = &by_task.back();
    }
    cell->correct += correct;
    ++cell->total;
    total.correct += correct;
    ++total.total;
    ojson line;
    line["id"] = id;
    line["parsed"] = parsed;
    line["correct"] = correct;
    lines += line.dump() + "\n";
  }
  std::printf("MUSE accuracy (official runners' answer matching; 95%% Wilson intervals)\n");
  for (const auto& cell : by_task) print_ci_line(cell);
  print_ci_line(total);
  if (!args.json_out.empty()) {
    ojson summary;
    summary["benchmark"] = "muse";
    summary["total"] = cell_json(total);
    summary["by_task"] = cells_json(by_task);
    write_text(args.json_out, summary.dump(2) + "\n");
  }
  if (!args.items_out.empty()) write_text(args.items_out, lines);
}

void score_isa(const ScoreArgs& args) {
  std::string dim = args.dim, task = args.task;
  // ISA-Bench's layout: <dir>/<d|f|n>/<model>_<task>_results.json
  const std::string& path = args.input;
  if (dim.empty()) {
    for (const char* d : {"d", "f", "n"}) {
      if (path.find(std::string("/") + d + "/") != std::string::npos) dim = d;
    }
  }
  if (task.empty()) {
    for (const char* t : {"asr", "ser", "gr", "s2tt", "aac"}) {
      if (path.find(std::string("_") + t + "_results") != std::string::npos) task = t;
    }
  }
  if (dim.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--dim d|f|n is needed (it could not be read from the path " + path + ")");
  }
  if (dim != "n" && task.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "--task asr|ser|gr|s2tt|aac is needed for --dim " + dim);
  }
  const auto dimension = dim == "d"   ? bench::IsaDimension::kD
                         : dim == "f" ? bench::IsaDimension::kF
                                      : bench::IsaDimension::kN;
  const std::string metrics = bench::isa_metric_json(path, dimension, task);
  std::printf("%s\n", metrics.c_str());
  if (!args.json_out.empty()) write_text(args.json_out, metrics + "\n");
}

void run_score(const ScoreArgs& args) {
  if (args.bench == "mmau" || args.bench == "mmar") return score_mmau(args, args.bench == "mmar");
  if (args.bench == "star") return score_star(args);
  if (args.bench == "muse") return score_muse(args);
  if (args.bench == "isa") return score_isa(args);
  if (args.bench == "asr" || args.bench == "ast") {
    OpenAnswerScoreArgs open{args.input, args.json_out, args.items_out, args.normalizer, args.tokenize};
    return args.bench == "asr" ? score_asr(open) : score_ast(open);
  }
  // The plugs' own scorers (src/bench/benchmarks/): VoiceBench, AIR-Bench, MMSU, SAKURA; MMAU-Pro
  // with its embedding server.
  ojson summary;
  std::vector<ojson> items;
  if (args.bench == "mmau-pro") {
    std::unique_ptr<bench::TextEmbedder> embedder;
    if (!args.embed_endpoints.empty() || !args.embed_model.empty()) {
      bench::EmbedderOptions embed;
      embed.endpoints = args.embed_endpoints;
      embed.served_model = args.embed_model;
      embed.api_key_env = args.api_key_env;
      embed.cache_path = args.embed_cache.empty() ? args.input + ".embeddings.sqlite" : args.embed_cache;
      embedder = bench::make_endpoint_embedder(embed);
    }
    bench::score_mmau_pro_file(args.input, args.prediction_key, embedder.get(), summary, items,
                               args.open_judge);
  } else if (!bench::find_benchmark(args.bench).score_file(args.input, args.seed, summary, items)) {
    throw Error(ErrorCode::kInvalidArgument, "--bench " + args.bench + " has no scorer for outputs");
  }
  std::printf("%s\n", summary.dump(2).c_str());
  if (!args.json_out.empty()) write_text(args.json_out, summary.dump(2) + "\n");
  if (!args.items_out.empty()) {
    std::string lines;
    for (const auto& item : items) lines += item.dump() + "\n";
    write_text(args.items_out, lines);
  }
}

}  // namespace

void register_score(CLI::App& app) {
  auto args = std::make_shared<ScoreArgs>();
  auto* command = app.add_subcommand(
      "score", "rescore existing model outputs with a benchmark's official rule");
  command->add_option("--bench", args->bench,
                      "mmau, mmar, muse, star, isa, asr, ast, voicebench, air-bench, mmsu, sakura or "
                      "mmau-pro")
      ->required();
  command->add_option("--input", args->input, "outputs in the benchmark's own format")->required();
  command->add_option("--json,--summary", args->json_out,
                      "write the figures as JSON (ISA: the metric JSON its scripts write)");
  command->add_option("--items", args->items_out,
                      "write one JSONL line per item (id, parsed, correct; ASR: its WER/CER "
                      "counts; AST: sentence chrF and chrF++)");
  command->add_option("--prediction-key", args->prediction_key,
                      "MMAU/MMAR/MMAU-Pro: the field holding the model output");
  command->add_option("--dim", args->dim, "ISA-Bench dimension d, f or n (default: from the path)");
  command->add_option("--task", args->task,
                      "ISA-Bench task asr, ser, gr, s2tt or aac (default: from the path)");
  command->add_option("--normalizer", args->normalizer,
                      "ASR: normalise reference and hypothesis first (none, whisper-en, "
                      "whisper-basic, whisper-basic-diacritics)")
      ->check(CLI::IsMember({"none", "whisper-en", "whisper-basic", "whisper-basic-diacritics"}));
  command->add_option("--tokenize", args->tokenize, "AST: sacreBLEU's BLEU tokenizer (13a, zh, intl, none)")
      ->check(CLI::IsMember({"13a", "zh", "intl", "none"}));
  command->add_flag("--star-perception", args->star_macro,
                    "STAR: PerceptionDataset's rule (category/total = mean over sub-categories)");
  command->add_option("--embed-endpoint", args->embed_endpoints,
                      "MMAU-Pro: OpenAI-compatible /embeddings server of NV-Embed-v2 (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command->add_option("--embed-model", args->embed_model, "MMAU-Pro: the embedding model's name");
  command->add_option("--embed-cache", args->embed_cache,
                      "MMAU-Pro: SQLite file of the vectors (default INPUT.embeddings.sqlite)");
  command->add_option("--open-judge", args->open_judge,
                      "MMAU-Pro: judge-mmau-pro-open.jsonl of `almkit judge` (default: the one "
                      "beside a run's results.jsonl)");
  command->add_option("--api-key-env", args->api_key_env,
                      "MMAU-Pro: variable holding the embedding server's API key");
  command->add_option("--seed", args->seed,
                      "VoiceBench: seed of the official rule's random letters (default 0)");
  command->callback([args] { run_score(*args); });
}

ALMKIT_REGISTER_COMMAND(register_score);

}  // namespace almkit::cli
