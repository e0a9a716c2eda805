// `almkit steer build`: a steering vector from data, the mean difference of one decoder layer's
// output between two sets of prompts (each a JSON line {"prompt": ..., "audio": path or [paths]}),
// saved with its layer and provenance for `almkit generate --steer`.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/error.h"
#include "almkit/model.h"
#include "almkit/research.h"
#include "commands.h"
#include "research_cli.h"

namespace almkit::cli {
namespace {

struct SteerArgs {
  std::string model, positive, negative, output, pooling = "last";
  int layer = 0;
  bool raw = false;
  ModelOptions model_options;
};

std::vector<Request> read_prompts(const Model& model, const std::string& path, bool raw) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kFileNotFound, "cannot read " + path);
  const auto slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::vector<Request> requests;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json item;
    try {
      item = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& error) {
      throw Error(ErrorCode::kInvalidFormat,
                  path + ":" + std::to_string(number) + ": " + error.what());
    }
    std::vector<std::string> audio;
    if (item.contains("audio")) {
      for (const auto& entry :
           item["audio"].is_array() ? item["audio"] : nlohmann::json::array({item["audio"]})) {
        const std::string file = entry.get<std::string>();
        audio.push_back(!file.empty() && file[0] == '/' ? file : folder + file);
      }
    }
    std::string ids;
    if (item.contains("prompt_ids")) {
      for (const auto& id : item["prompt_ids"]) ids += std::to_string(id.get<int>()) + " ";
    }
    requests.push_back(research_request(model, audio, item.value("prompt", ""), ids, raw));
  }
  if (requests.empty()) throw Error(ErrorCode::kInvalidArgument, path + " holds no prompts");
  return requests;
}

void run(const SteerArgs& args) {
  const auto model = Model::load(args.model, args.model_options);
  const auto positive = read_prompts(*model, args.positive, args.raw);
  const auto negative = read_prompts(*model, args.negative, args.raw);
  research::SteeringVector vector =
      research::build_steering_vector(*model, positive, negative, args.layer, args.pooling);
  nlohmann::json provenance = nlohmann::json::parse(vector.provenance);
  provenance["positive_file"] = args.positive;
  provenance["negative_file"] = args.negative;
  vector.provenance = provenance.dump();
  vector.save(args.output);
  std::fprintf(stderr,
               "steering vector: layer %d, %zu values, norm %.4g (%zu positive, %zu negative "
               "prompts) -> %s\n",
               vector.layer, vector.values.size(), provenance["norm"].get<double>(),
               positive.size(), negative.size(), args.output.c_str());
}

void register_steer(CLI::App& app) {
  auto args = std::make_shared<SteerArgs>();
  auto* steer = app.add_subcommand("steer", "steering vectors (see docs/research.md)");
  steer->require_subcommand(1);
  auto* build =
      steer->add_subcommand("build", "mean difference of a layer's output between two prompt sets");
  build->add_option("--model", args->model, "HF checkpoint folder")->required();
  build->add_option("--positive", args->positive, "JSON lines: {\"prompt\": ..., \"audio\": ...}")
      ->required();
  build->add_option("--negative", args->negative, "JSON lines, as --positive")->required();
  build->add_option("--layer", args->layer, "decoder layer whose output is read (0-based)")
      ->required();
  build->add_option("--pooling", args->pooling, "last (last prompt position, default) or mean");
  build->add_flag("--raw", args->raw, "prompts as is, without the chat template");
  build->add_option("-o,--output", args->output, "output .safetensors")->required();
  build->add_option("--threads", args->model_options.num_threads,
                    "intra-op threads (0 = libtorch default)");
  build->callback([args] { run(*args); });
}

ALMKIT_REGISTER_COMMAND(register_steer);

}  // namespace
}  // namespace almkit::cli
