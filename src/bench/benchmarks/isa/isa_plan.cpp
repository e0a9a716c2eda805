#include "bench/benchmarks/isa/isa_plan.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "almkit/error.h"
#include "bench/datasets/record_file.h"
#include "bench/runner/run_record.h"

namespace almkit::bench {
namespace {

using ojson = nlohmann::ordered_json;

// The ISA-Bench data file with key order kept (the metric JSON lists variants in file order).
ojson read_isa_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, path + ": cannot open ISA-Bench data file");
  std::stringstream text;
  text << in.rdbuf();
  ojson document;
  try {
    document = ojson::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidFormat, path + ": malformed JSON: " + error.what());
  }
  if (document.is_object() && document.contains("annotation")) document = document["annotation"];
  if (!document.is_array()) {
    throw Error(ErrorCode::kInvalidFormat,
                path + ": expected a list or {\"annotation\": [...]} of ISA-Bench records");
  }
  return document;
}

std::string instruction_of(const ojson& object) {
  for (const char* key : {"inst", "instruction"}) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

// Walks a variation tree. Every instruction found is reported to `visit` with its path; the
// returned tree has ISA-Bench's result layout, with `response_of(path)` in each place:
// a string stays a string, a list stays a list (a one-string list inside a nested object becomes
// a string, as the D result files have it), an {"inst": ...} object loses `inst` and gains
// `response`.
using Visit = std::function<void(const std::string& path, const std::string& instruction)>;
using ResponseOf = std::function<std::string(const std::string& path)>;

ojson fill(const ojson& node, const std::string& path, bool nested, const std::string& where,
           const Visit& visit, const ResponseOf& response_of) {
  if (node.is_string()) {
    visit(path, node.get<std::string>());
    return response_of(path);
  }
  if (node.is_object()) {
    ojson out = ojson::object();
    for (const auto& [key, value] : node.items()) {
      // Children of a nested object (not of the variations root) collapse one-string lists.
      out[key] = fill(value, path.empty() ? key : path + "/" + key, !path.empty(), where, visit,
                      response_of);
    }
    return out;
  }
  if (!node.is_array()) {
    throw Error(ErrorCode::kInvalidFormat,
                where + ": instructions.variations/" + path + " is neither text, list nor object");
  }
  ojson out = ojson::array();
  for (size_t i = 0; i < node.size(); ++i) {
    const ojson& element = node[i];
    const std::string element_path = path + "/" + std::to_string(i);
    if (element.is_object() && !element.contains("inst") && !element.contains("instruction")) {
      throw Error(ErrorCode::kInvalidFormat, where + ": instructions.variations/" + element_path +
                                                 " has no instruction text ('inst')");
    }
    if (element.is_object()) {
      const std::string instruction = instruction_of(element);
      if (instruction.empty()) {
        throw Error(ErrorCode::kInvalidFormat,
                    where + ": instructions.variations/" + element_path + ": 'inst' must be text");
      }
      visit(element_path, instruction);
      ojson result = ojson::object();
      for (const auto& [key, value] : element.items()) {
        if (key != "inst" && key != "instruction") result[key] = value;
      }
      result["response"] = response_of(element_path);
      out.push_back(std::move(result));
    } else {
      out.push_back(fill(element, element_path, false, where, visit, response_of));
    }
  }
  if (nested && out.size() == 1 && out[0].is_string()) return out[0];
  return out;
}

ojson variations_of(const ojson& record, const std::string& where) {
  if (!record.is_object() || !record.contains("instructions") ||
      !record["instructions"].is_object() || !record["instructions"].contains("variations") ||
      !record["instructions"]["variations"].is_object()) {
    throw Error(ErrorCode::kInvalidFormat,
                where + ": required field 'instructions.variations' (an object) is missing");
  }
  return record["instructions"]["variations"];
}

std::string text_field(const ojson& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

double round2(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.2f", value);
  return std::strtod(text, nullptr);
}

const char* dimension_name(IsaDimension dimension) {
  return dimension == IsaDimension::kD ? "d" : dimension == IsaDimension::kF ? "f" : "n";
}

}  // namespace

std::vector<IsaVariant> isa_variants(const ojson& variations, const std::string& where) {
  std::vector<IsaVariant> variants;
  fill(
      variations, "", false, where,
      [&](const std::string& path, const std::string& instruction) {
        variants.push_back({path, instruction});
      },
      [](const std::string&) { return std::string(); });
  return variants;
}

IsaDimension isa_dimension_of(const ojson& variations) {
  if (variations.contains("single-stage") || variations.contains("multi-stage"))
    return IsaDimension::kN;
  for (const char* key : {"constrain", "prefix", "suffix", "wrap", "json"}) {
    if (variations.contains(key)) return IsaDimension::kF;
  }
  return IsaDimension::kD;
}

std::string isa_task_of(const std::string& record_task) {
  std::string task;
  for (char c : record_task) task += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (task.find("emotion") != std::string::npos || task == "ser") return "ser";
  if (task.find("gender") != std::string::npos || task == "gr") return "gr";
  if (task.find("translation") != std::string::npos || task == "s2tt" || task == "st")
    return "s2tt";
  if (task.find("caption") != std::string::npos || task == "aac") return "aac";
  if (task.find("asr") != std::string::npos || task.find("speech_recognition") != std::string::npos)
    return "asr";
  return "";
}

std::vector<BenchItem> isa_eval_items(const std::string& data_path, const LoadOptions& options,
                                      int limit) {
  // load_isa checks every record first (fields, line numbers in messages).
  const std::vector<IsaItem> isa_items = load_isa(data_path, options);
  const ojson records = read_isa_records(data_path);
  std::vector<BenchItem> items;
  for (size_t r = 0; r < isa_items.size(); ++r) {
    if (limit > 0 && r >= size_t(limit)) break;
    const IsaItem& isa = isa_items[r];
    for (const IsaVariant& variant :
         isa_variants(variations_of(records[r], isa.source), isa.source)) {
      BenchItem item;
      item.id = isa.id + "#" + variant.path;
      item.audio_paths = {isa.audio_path};
      item.question = variant.instruction;
      item.answer = isa.reference;
      item.task = isa.task;
      const size_t slash = variant.path.find('/');
      item.category = variant.path.substr(0, slash);
      item.sub_category = slash == std::string::npos ? "" : variant.path.substr(slash + 1);
      item.metadata_json = nlohmann::json({{"isa_record", r}, {"variant", variant.path}}).dump();
      item.source = isa.source;
      items.push_back(std::move(item));
    }
  }
  validate_items(items, false);
  return items;
}

ojson isa_axes(const ojson& metrics, IsaDimension dimension) {
  ojson axes = ojson::object();
  auto ifr = [&](const char* key) -> const ojson* {
    auto it = metrics.find(key);
    return it != metrics.end() && it->is_object() && it->contains("ifr") ? &(*it)["ifr"] : nullptr;
  };
  // A group axis: its own entry when the script wrote one, else the rounded mean of its parts.
  auto group = [&](const char* name, std::vector<const char*> parts) -> ojson {
    if (const ojson* own = ifr(name)) return *own;
    if (parts.empty()) return nullptr;
    double sum = 0.0;
    for (const char* part : parts) {
      const ojson* value = ifr(part);
      if (!value) return nullptr;
      sum += value->get<double>();
    }
    return round2(sum / double(parts.size()));
  };
  auto put = [&](const std::string& name, const ojson& value) {
    if (!value.is_null()) axes[name] = round2(value.get<double>());
  };
  if (dimension == IsaDimension::kD) {
    put("D-default", group("default", {}));
    put("D-case", group("case", {"lower_case", "upper_case"}));
    put("D-robust", group("robust", {"grammar_robust", "syntax_robust"}));
    put("D-semantic_equal",
        group("semantic_equal",
              {"semantic_equal_complex", "semantic_equal_neutral", "semantic_equal_simple"}));
    put("D-alter_symbol", group("alter_symbol", {}));
  } else if (dimension == IsaDimension::kF) {
    put("F-constrain", group("constrain", {}));
    put("F-case", group("case", {"lower_case", "upper_case"}));
    put("F-decoration", group("decoration", {"prefix", "suffix", "wrap"}));
    put("F-json", group("json", {}));
  } else if (metrics.contains("single-stage")) {
    const ojson& stage = metrics["single-stage"];
    for (const char* n : {"2", "3"}) {
      const std::string key = std::string(n) + "-TASK";
      if (!stage.contains(key) || stage[key].empty()) continue;
      double sum = 0.0;
      for (const auto& [task, cell] : stage[key].items()) sum += cell["ifr"].get<double>();
      axes["N-" + std::string(n) + "-task"] = round2(sum / double(stage[key].size()));
    }
  }
  return axes;
}

ojson write_isa_outputs(const std::string& out_dir, const ojson& run,
                        const std::vector<ojson>& records) {
  const std::string data_path = run.value("data_path", "");
  const int limit = run.value("limit", 0);
  std::map<std::string, std::string> responses;
  for (const auto& record : records) {
    if (record.value("variant", "audio") != "audio") continue;
    responses[record["id"].get<std::string>()] = record.value("response", "");
  }
  const ojson data = read_isa_records(data_path);
  ojson results = ojson::array();
  IsaDimension dimension = IsaDimension::kD;
  std::string task;
  int64_t missing = 0;
  for (size_t r = 0; r < data.size(); ++r) {
    if (limit > 0 && r >= size_t(limit)) break;
    const ojson& record = data[r];
    const std::string where = data_path + " record " + std::to_string(r);
    const std::string id = text_field(record, "path");
    const ojson variations = variations_of(record, where);
    if (r == 0) {
      dimension = isa_dimension_of(variations);
      task = isa_task_of(text_field(record, "task"));
    }
    const ojson filled = fill(
        variations, "", false, where, [](const std::string&, const std::string&) {},
        [&](const std::string& path) {
          auto found = responses.find(id + "#" + path);
          if (found == responses.end()) {
            ++missing;
            return std::string();
          }
          return found->second;
        });
    ojson result = ojson::object();
    if (dimension == IsaDimension::kN) {
      // compute_ifr_metrics.py reads the data records themselves, with a response per entry.
      result = record;
      result["instructions"]["variations"] = filled;
    } else {
      for (const auto& [key, value] : record.items()) {
        if (key != "instructions") result[key] = value;
      }
      const ojson& instructions = record["instructions"];
      result["base"] = {text_field(instructions, "base_description"),
                        text_field(instructions, "base_constrain")};
      result["variation_responses"] = filled;
    }
    results.push_back(std::move(result));
  }
  const std::string results_path = out_dir + "/isa_results.json";
  write_text_file(results_path, results.dump(2, ' ', false) + "\n");

  ojson official;
  official["dimension"] = dimension_name(dimension);
  official["task"] = dimension == IsaDimension::kN ? "asr+ser+gr" : task;
  official["results_file"] = "isa_results.json";
  official["responses_missing"] = missing;
  try {
    const std::string metric_text = isa_metric_json(results_path, dimension, task);
    write_text_file(out_dir + "/isa_metric.json", metric_text + "\n");
    official["metrics"] = ojson::parse(metric_text);
    official["axes"] = isa_axes(official["metrics"], dimension);
    official["note"] =
        "ISA-Bench's IFR area-ratio score needs all 11 axes, from D, F and N runs "
        "(isa_ifr_area_score in almkit/bench_scoring.h)";
  } catch (const Error& error) {
    // The responses are still written in ISA-Bench's layout for its own scripts.
    official["metrics"] = nullptr;
    official["error"] = error.what();
  }
  return official;
}

}  // namespace almkit::bench
