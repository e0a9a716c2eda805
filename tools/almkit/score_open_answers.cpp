#include "score_open_answers.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "bench/datasets/record_file.h"

namespace almkit::cli {
namespace {

using ojson = nlohmann::ordered_json;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorCode::kIo, path + ": cannot write");
  out << text;
}

// One JSONL line per item: its id, then what `fill` adds. Nothing when `path` is empty.
void write_items(const std::string& path, const std::vector<std::string>& ids,
                 const std::function<void(size_t, ojson&)>& fill) {
  if (path.empty()) return;
  std::string lines;
  for (size_t i = 0; i < ids.size(); ++i) {
    ojson line;
    line["id"] = ids[i];
    fill(i, line);
    lines += line.dump() + "\n";
  }
  write_text(path, lines);
}

ojson error_json(const bench::ErrorRate& rate) {
  ojson out;
  out["rate"] = rate.rate();
  out["hits"] = rate.hits;
  out["substitutions"] = rate.substitutions;
  out["deletions"] = rate.deletions;
  out["insertions"] = rate.insertions;
  out["reference_length"] = rate.reference_length;
  return out;
}

// `reference`: a string, or a non-empty list of strings.
std::vector<std::string> references_of(const bench::SourceRecord& record) {
  const auto found = record.value.find("reference");
  if (found != record.value.end() && found->is_array()) {
    auto list = bench::record_string_list(record, "reference", true);
    if (list.empty()) {
      throw Error(ErrorCode::kInvalidFormat, record.where + ": field 'reference' is an empty list");
    }
    return list;
  }
  return {bench::record_string(record, "reference", true)};
}

}  // namespace

void score_asr(const OpenAnswerScoreArgs& args) {
  const auto normalizer = bench::text_normalizer_from_name(args.normalizer);
  std::vector<std::string> ids, references, hypotheses;
  for (const auto& record : bench::read_any_records(args.input)) {
    ids.push_back(bench::record_string(record, "id", true));
    references.push_back(
        bench::normalize_text(bench::record_string(record, "reference", true), normalizer));
    hypotheses.push_back(
        bench::normalize_text(bench::record_string(record, "hypothesis", false), normalizer));
  }
  const auto wer = bench::word_error_rate(references, hypotheses);
  const auto cer = bench::character_error_rate(references, hypotheses);
  std::printf("ASR over %zu items (normaliser %s; jiwer's corpus rates)\n", ids.size(),
              args.normalizer.c_str());
  for (const auto& [name, rate] : {std::pair{"WER", wer}, std::pair{"CER", cer}}) {
    std::printf("  %s %.4f%%  (S %lld, D %lld, I %lld, hits %lld, reference %lld)\n", name,
                rate.rate() * 100.0, static_cast<long long>(rate.substitutions),
                static_cast<long long>(rate.deletions), static_cast<long long>(rate.insertions),
                static_cast<long long>(rate.hits), static_cast<long long>(rate.reference_length));
  }
  if (!args.summary_out.empty()) {
    ojson summary;
    summary["benchmark"] = "asr";
    summary["normalizer"] = args.normalizer;
    summary["items"] = ids.size();
    summary["wer"] = error_json(wer);
    summary["cer"] = error_json(cer);
    write_text(args.summary_out, summary.dump(2) + "\n");
  }
  write_items(args.items_out, ids, [&](size_t i, ojson& line) {
    line["reference"] = references[i];
    line["hypothesis"] = hypotheses[i];
    line["wer"] = error_json(bench::word_error_rate({references[i]}, {hypotheses[i]}));
    line["cer"] = error_json(bench::character_error_rate({references[i]}, {hypotheses[i]}));
  });
}

void score_ast(const OpenAnswerScoreArgs& args) {
  std::vector<std::string> ids, hypotheses;
  std::vector<std::vector<std::string>> references;
  for (const auto& record : bench::read_any_records(args.input)) {
    ids.push_back(bench::record_string(record, "id", true));
    references.push_back(references_of(record));
    hypotheses.push_back(bench::record_string(record, "hypothesis", false));
  }
  const auto bleu = bench::corpus_bleu_by_segment(hypotheses, references, args.tokenize);
  const auto chrf = bench::corpus_chrf(hypotheses, references, 0);
  const auto chrf_plus = bench::corpus_chrf(hypotheses, references, 2);
  std::printf("%s\n%s\n%s\n", bench::sacrebleu_printout(bleu).c_str(),
              bench::sacrebleu_printout(chrf).c_str(),
              bench::sacrebleu_printout(chrf_plus).c_str());
  if (!args.summary_out.empty()) {
    ojson summary;
    summary["benchmark"] = "ast";
    summary["items"] = ids.size();
    summary["tokenize"] = args.tokenize;
    ojson b;
    b["score"] = bleu.score;
    b["counts"] = std::vector<int64_t>(bleu.counts, bleu.counts + 4);
    b["totals"] = std::vector<int64_t>(bleu.totals, bleu.totals + 4);
    b["precisions"] = std::vector<double>(bleu.precisions, bleu.precisions + 4);
    b["bp"] = bleu.bp;
    b["sys_len"] = bleu.sys_len;
    b["ref_len"] = bleu.ref_len;
    summary["bleu"] = b;
    summary["chrf"] = chrf.score;
    summary["chrf++"] = chrf_plus.score;
    write_text(args.summary_out, summary.dump(2) + "\n");
  }
  write_items(args.items_out, ids, [&](size_t i, ojson& line) {
    line["chrf"] = bench::corpus_chrf({hypotheses[i]}, {references[i]}, 0).score;
    line["chrf++"] = bench::corpus_chrf({hypotheses[i]}, {references[i]}, 2).score;
  });
}

}  // namespace almkit::cli
