// almkit.score: the benchmark scorers of include/almkit/bench_scoring.h (pure: text in, numbers
// out). Reports come back as dicts; records go in as dicts or as the benchmark's result file.
#include "almkit/bench_scoring.h"
#include "almkit/text_metrics.h"
#include "bindings.h"

namespace almkit::python {
namespace {

using namespace almkit::bench;

template <typename T>
T get_or(const py::dict& record, const char* key, T fallback) {
  return record.contains(key) && !record[key].is_none() ? record[key].cast<T>() : fallback;
}

py::dict cell_dict(const AccuracyCell& cell) {
  py::dict out;
  out["name"] = cell.name;
  out["correct"] = cell.correct;
  out["total"] = cell.total;
  out["percent"] = cell.percent();
  const Interval ci = cell.ci95();
  out["ci95"] = py::make_tuple(ci.low, ci.high);
  return out;
}

py::list cells(const std::vector<AccuracyCell>& list) {
  py::list out;
  for (const AccuracyCell& cell : list) out.append(cell_dict(cell));
  return out;
}

MmauRecord mmau_record(const py::dict& d, const MmauScoreOptions& options) {
  MmauRecord r;
  r.id = get_or<std::string>(d, "id", "");
  r.answer = get_or<std::string>(d, "answer", "");
  r.task = get_or<std::string>(d, "task", "");
  r.difficulty = get_or<std::string>(d, "difficulty", "");
  r.category = get_or<std::string>(d, "category", "");
  r.modality = get_or<std::string>(d, "modality", "");
  r.has_sub_category = d.contains("sub-category") || d.contains("sub_category");
  r.sub_category = d.contains("sub-category") ? get_or<std::string>(d, "sub-category", "")
                                              : get_or<std::string>(d, "sub_category", "");
  r.choices = get_or<std::vector<std::string>>(d, "choices", {});
  std::vector<std::string> keys;
  if (!options.prediction_key.empty()) {
    keys = {options.prediction_key};
  } else if (options.mmar) {
    keys = {"answer_prediction", "model_output", "model_prediction"};
  } else {
    keys = {"model_output", "model_prediction"};
  }
  for (const std::string& key : keys) {
    if (d.contains(key.c_str()) && !d[key.c_str()].is_none()) {
      r.has_output = true;
      r.output = d[key.c_str()].cast<std::string>();
      break;
    }
  }
  return r;
}

py::dict mmau_report(const MmauReport& report, bool mmar) {
  py::dict out;
  out["total"] = cell_dict(report.total);
  out["strict"] = cell_dict(report.strict);
  out["skipped"] = report.skipped;
  if (mmar) {
    out["by_modality"] = cells(report.by_task);
    out["by_category"] = cells(report.by_category);
  } else {
    out["by_task"] = cells(report.by_task);
    out["by_difficulty"] = cells(report.by_difficulty);
  }
  out["by_sub_category"] = cells(report.by_sub_category);
  py::list items;
  for (const MmauItemResult& item : report.items) {
    py::dict i;
    i["id"] = item.id;
    i["scored"] = item.scored;
    i["correct"] = item.correct;
    i["prediction"] = item.prediction;
    items.append(i);
  }
  out["items"] = items;
  out["official_printout"] = report.official_printout;
  return out;
}

py::dict star_cell(const StarCell& cell) {
  py::dict out;
  out["name"] = cell.name;
  out["aa"] = cell.aa;
  out["acr"] = cell.acr;
  out["total_runs"] = cell.total_runs;
  out["unique_samples"] = cell.unique_samples;
  out["n_subcategories"] = cell.n_subcategories;
  return out;
}

py::dict error_rate(const ErrorRate& rate) {
  py::dict out;
  out["rate"] = rate.rate();
  out["substitutions"] = rate.substitutions;
  out["deletions"] = rate.deletions;
  out["insertions"] = rate.insertions;
  out["reference_length"] = rate.reference_length;
  return out;
}

// Records given as the benchmark's result file (str / os.PathLike) or as an iterable of dicts.
template <typename Record, typename ReadFile, typename FromDict>
std::vector<Record> records_from(const py::object& records, ReadFile read_file, FromDict from_dict) {
  if (py::isinstance<py::str>(records) || py::hasattr(records, "__fspath__")) {
    return read_file(py::str(py::module_::import("os").attr("fspath")(records)).cast<std::string>());
  }
  std::vector<Record> list;
  for (const py::handle item : records) list.push_back(from_dict(item.cast<py::dict>()));
  return list;
}

StarRecord star_record(const py::dict& d) {
  StarRecord r;
  r.id = get_or<std::string>(d, "id", "");
  r.category = get_or<std::string>(d, "category", "");
  r.sub_category = d.contains("sub-category") ? get_or<std::string>(d, "sub-category", "")
                                              : get_or<std::string>(d, "sub_category", "");
  r.answer_letter = get_or<std::string>(d, "answer_letter", "");
  r.model_response = get_or<std::string>(d, "model_response", "");
  r.options = get_or<std::vector<std::string>>(d, "options", {});
  return r;
}

py::dict bleu_dict(const BleuScore& score) {
  py::dict out;
  out["score"] = score.score;
  out["precisions"] = std::vector<double>(score.precisions, score.precisions + 4);
  out["bp"] = score.bp;
  out["sys_len"] = score.sys_len;
  out["ref_len"] = score.ref_len;
  out["printout"] = sacrebleu_printout(score);
  return out;
}

}  // namespace

void register_scoring(py::module_& m) {
  py::module_ s = m.def_submodule("score", "Benchmark scorers (pure functions).");
  s.def("mmau_string_match", &mmau_string_match, py::arg("answer"), py::arg("prediction"),
        py::arg("choices"));
  s.def(
      "mmau",
      [](const py::object& records, bool mmar, const std::string& prediction_key) {
        MmauScoreOptions options;
        options.mmar = mmar;
        options.prediction_key = prediction_key;
        const std::vector<MmauRecord> list = records_from<MmauRecord>(
            records, [&](const std::string& path) { return read_mmau_predictions(path, options); },
            [&](const py::dict& d) { return mmau_record(d, options); });
        MmauReport report;
        {
          py::gil_scoped_release release;
          report = score_mmau(list, options);
        }
        return mmau_report(report, mmar);
      },
      py::arg("records"), py::arg("mmar") = false, py::arg("prediction_key") = "");
  s.def("star_parse", &star_parse_multi_choice_response, py::arg("response"), py::arg("options"));
  s.def(
      "star",
      [](const py::object& records, bool perception_macro) {
        const std::vector<StarRecord> list =
            records_from<StarRecord>(records, read_star_results, star_record);
        const StarReport report = score_star(list, perception_macro);
        py::dict out;
        out["total"] = star_cell(report.total);
        py::list categories, sub_categories;
        for (const StarCell& cell : report.by_category) categories.append(star_cell(cell));
        for (const StarCell& cell : report.by_sub_category) sub_categories.append(star_cell(cell));
        out["by_category"] = categories;
        out["by_sub_category"] = sub_categories;
        out["predictions"] = report.predictions;
        out["correct"] = report.correct;
        out["performance"] = from_json_text(report.performance_json);
        return out;
      },
      py::arg("records"), py::arg("perception_macro") = false);
  s.def("muse_parse", &muse_parse_final_answer, py::arg("task"), py::arg("response"));
  s.def("muse_choices", &muse_choices, py::arg("task"));
  s.def(
      "isa",
      [](const std::string& results_path, const std::string& dimension, const std::string& task) {
        IsaDimension d;
        if (dimension == "D" || dimension == "d")
          d = IsaDimension::kD;
        else if (dimension == "F" || dimension == "f")
          d = IsaDimension::kF;
        else if (dimension == "N" || dimension == "n")
          d = IsaDimension::kN;
        else
          throw Error(ErrorCode::kInvalidArgument,
                      "ISA-Bench dimension '" + dimension + "' (expected D, F or N)");
        return from_json_text(isa_metric_json(results_path, d, task));
      },
      py::arg("results_path"), py::arg("dimension"), py::arg("task") = "");
  s.def("radar_polygon_area", &radar_polygon_area, py::arg("values"), py::arg("max_value"));
  s.def("isa_ifr_area", &isa_ifr_area_score, py::arg("overall_ifr"));
  s.def("sacrebleu_tokenize", &sacrebleu_tokenize, py::arg("line"), py::arg("tokenize") = "13a");
  // The two BLEU layouts of the references: one binding shape.
  using Bleu = BleuScore (*)(const std::vector<std::string>&,
                             const std::vector<std::vector<std::string>>&, const std::string&);
  const struct {
    const char* name;
    Bleu score;
    const char* references;
    const char* doc;
  } bleus[] = {
      {"bleu", &corpus_bleu, "reference_sets",
       "sacrebleu.corpus_bleu: reference_sets[j][i] is the j-th reference of hypothesis i."},
      {"bleu_by_segment", &corpus_bleu_by_segment, "references",
       "sacrebleu.corpus_bleu with references[i] the references (any number) of hypothesis i."}};
  for (const auto& bleu : bleus) {
    s.def(
        bleu.name,
        [score = bleu.score](const std::vector<std::string>& hypotheses,
                             const std::vector<std::vector<std::string>>& references,
                             const std::string& tokenize) {
          return bleu_dict(score(hypotheses, references, tokenize));
        },
        py::arg("hypotheses"), py::arg(bleu.references), py::arg("tokenize") = "13a", bleu.doc);
  }
  s.def(
      "chrf",
      [](const std::vector<std::string>& hypotheses,
         const std::vector<std::vector<std::string>>& references, int word_order) {
        const ChrfScore score = corpus_chrf(hypotheses, references, word_order);
        py::dict out;
        out["score"] = score.score;
        out["char_order"] = score.char_order;
        out["word_order"] = score.word_order;
        out["beta"] = score.beta;
        out["statistics"] = score.statistics;
        out["printout"] = sacrebleu_printout(score);
        return out;
      },
      py::arg("hypotheses"), py::arg("references"), py::arg("word_order") = 0,
      "sacreBLEU's chrF (word_order 0) or chrF++ (2); references[i] are those of hypothesis i.");
  s.def(
      "normalize_text",
      [](const std::string& text, const std::string& normalizer) {
        return normalize_text(text, text_normalizer_from_name(normalizer));
      },
      py::arg("text"), py::arg("normalizer") = "whisper-en",
      "Whisper's normalisers: none, whisper-en, whisper-basic or whisper-basic-diacritics.");
  s.def("caption_tokens", &caption_tokens, py::arg("sentence"));
  s.def("cider_d", &cider_d, py::arg("candidates"), py::arg("references"));
  s.def("rouge_l", &rouge_l, py::arg("candidates"), py::arg("references"));
  s.def("option_letter", &parse_option_letter, py::arg("response"), py::arg("num_choices"),
        py::arg("choices") = std::vector<std::string>{}, "Index of the chosen option, or -1.");
  s.def("normalize_transcript", &normalize_transcript, py::arg("text"));
  using Rate = ErrorRate (*)(const std::vector<std::string>&, const std::vector<std::string>&);
  const struct {
    const char* name;
    Rate rate;
    const char* doc;
  } rates[] = {{"wer", &word_error_rate, "Corpus word error rate (jiwer) on normalised text."},
               {"cer", &character_error_rate, "Corpus character error rate (code points)."}};
  for (const auto& rate : rates) {
    s.def(
        rate.name,
        [compute = rate.rate](const std::vector<std::string>& r, const std::vector<std::string>& h) {
          return error_rate(compute(r, h));
        },
        py::arg("references"), py::arg("hypotheses"), rate.doc);
  }
  s.def(
      "wilson_interval",
      [](int64_t successes, int64_t total, double z) {
        const Interval i = wilson_interval(successes, total, z);
        return py::make_tuple(i.low, i.high);
      },
      py::arg("successes"), py::arg("total"), py::arg("z") = 1.959963984540054);
  s.def(
      "robustness",
      [](const py::iterable& answers) {
        std::vector<PresentationAnswer> list;
        for (const py::handle item : answers) {
          const py::dict d = item.cast<py::dict>();
          PresentationAnswer a;
          a.item_id = get_or<std::string>(d, "item_id", "");
          a.presentation = get_or<int>(d, "presentation", 0);
          a.chosen_choice = get_or<int>(d, "chosen_choice", -1);
          a.chosen_position = get_or<int>(d, "chosen_position", -1);
          a.correct = get_or<bool>(d, "correct", false);
          list.push_back(std::move(a));
        }
        const RobustnessReport r = robustness_metrics(list);
        py::dict out;
        out["accuracy_per_presentation"] = cells(r.accuracy_per_presentation);
        out["correctness_rate"] = r.correctness_rate;
        out["consistency_rate"] = r.consistency_rate;
        out["all_correct_rate"] = r.all_correct_rate;
        out["position_histogram"] = r.position_histogram;
        out["unparsed"] = r.unparsed;
        out["items"] = r.items;
        return out;
      },
      py::arg("answers"),
      "CoR / CR / ACR over choice permutations from dicts of PresentationAnswer fields.");
}

}  // namespace almkit::python
