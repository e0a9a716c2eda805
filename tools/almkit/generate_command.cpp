// `almkit generate`: try a model by hand: audio clips + a question in, streamed text out (or
// token ids for checkpoints without a tokenizer).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/model.h"
#include "almkit/research.h"
#include "almkit/tokenizer.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct GenerateArgs {
  std::string model, prompt, prompt_ids;
  std::vector<std::string> audio;
  bool raw = false;
  std::string logprobs_out;  // JSON lines, one per generated token
  int top_logprobs = 5;
  std::string steer, steer_positions = "all";  // a vector from `almkit steer build`
  double alpha = 1.0;
  GenerateOptions generation;
  ModelOptions model_options;
};

std::vector<int32_t> parse_ids(const std::string& text) {
  std::vector<int32_t> ids;
  std::stringstream stream(text);
  std::string piece;
  while (stream >> piece) {
    try {
      ids.push_back(std::stoi(piece));
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument, "--prompt-ids: '" + piece + "' is not an integer");
    }
  }
  return ids;
}

void run(const GenerateArgs& args) {
  const auto load_start = std::chrono::steady_clock::now();
  const auto model = Model::load(args.model, args.model_options);
  Request request;
  for (const auto& path : args.audio) request.audio.push_back(load_audio(path));
  if (!args.prompt_ids.empty()) {
    request.prompt_ids = parse_ids(args.prompt_ids);
  } else if (model->has_tokenizer() && !args.raw && !model->tokenizer().chat_template().empty()) {
    nlohmann::json content = nlohmann::json::array();
    for (size_t i = 0; i < args.audio.size(); ++i) content.push_back({{"type", "audio"}, {"audio_url", args.audio[i]}});
    content.push_back({{"type", "text"}, {"text", args.prompt}});
    request.prompt = model->chat_prompt(nlohmann::json::array({{{"role", "user"}, {"content", content}}}).dump(), true);
  } else {
    request.prompt = args.prompt;
  }
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  GenerateOptions options = args.generation;
  if (!args.steer.empty()) {
    const research::SteeringVector vector = research::SteeringVector::load(args.steer);
    options.hooks = research::steering_hooks(vector, args.alpha, args.steer_positions);
    std::fprintf(stderr, "[steering: %s, layer %d, alpha %g, positions %s]\n", args.steer.c_str(), vector.layer,
                 args.alpha, args.steer_positions.c_str());
  }
  const bool stream_text = model->has_tokenizer();
  options.on_token = [&](size_t, int32_t token, const std::string& piece) {
    if (stream_text) {
      std::fputs(piece.c_str(), stdout);
    } else {
      std::printf("%d ", token);
    }
    std::fflush(stdout);
    return true;
  };
  std::vector<StepLogprobs> steps;
  std::FILE* logprobs_file = nullptr;
  if (!args.logprobs_out.empty()) {
    // Opened before generating, so that a bad path fails at once.
    logprobs_file = std::fopen(args.logprobs_out.c_str(), "w");
    if (logprobs_file == nullptr) {
      throw Error(ErrorCode::kIo, "--logprobs-out: cannot write " + args.logprobs_out);
    }
    options.logprobs = args.top_logprobs;
    options.on_logprobs = [&](size_t, const StepLogprobs& step) { steps.push_back(step); };
  }
  const auto start = std::chrono::steady_clock::now();
  const GenerateResult result = model->generate(request, options);
  if (logprobs_file != nullptr) {
    // Each token as the model saw it at its step: the researcher's view of its confidence.
    auto text_of = [&](int32_t id, nlohmann::json& entry) {
      if (model->has_tokenizer()) entry["text"] = model->tokenizer().decode({id}, false);
    };
    for (size_t i = 0; i < steps.size(); ++i) {
      nlohmann::json line = {{"index", i},
                             {"token", steps[i].token},
                             {"logprob", steps[i].logprob},
                             {"rank", steps[i].rank}};
      text_of(steps[i].token, line);
      nlohmann::json top = nlohmann::json::array();
      for (const TokenLogprob& other : steps[i].top) {
        nlohmann::json entry = {{"token", other.id}, {"logprob", other.logprob}};
        text_of(other.id, entry);
        top.push_back(std::move(entry));
      }
      line["top"] = std::move(top);
      std::fprintf(logprobs_file, "%s\n", line.dump().c_str());
    }
    const bool written = std::ferror(logprobs_file) == 0;
    if (std::fclose(logprobs_file) != 0 || !written) {
      throw Error(ErrorCode::kIo, "--logprobs-out: writing " + args.logprobs_out + " failed");
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\n");
  std::fprintf(stderr, "[%s: load %.2f s; %lld prompt positions, %zu new tokens in %.2f s (%.1f tok/s), stop: %s]\n",
               model->model_type().c_str(), load_seconds, static_cast<long long>(result.prompt_tokens),
               result.tokens.size(), seconds, result.tokens.size() / seconds, result.stop_reason.c_str());
}

void register_generate(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  auto* command = app.add_subcommand("generate", "generate text from audio and a prompt");
  command->add_option("--model", args->model, "HF checkpoint folder")->required();
  command->add_option("--audio", args->audio, "audio file (repeat for several clips)");
  command->add_option("--prompt", args->prompt, "the question; wrapped in the chat template unless --raw");
  command->add_option("--prompt-ids", args->prompt_ids, "prompt as space-separated token ids");
  command->add_flag("--raw", args->raw, "use --prompt as is, without the chat template");
  command->add_option("--max-new-tokens", args->generation.max_new_tokens, "tokens to generate (64)");
  command->add_option("--temperature", args->generation.temperature, "0 = greedy (default)");
  command->add_option("--top-k", args->generation.top_k, "sample from the k best (0 = off)");
  command->add_option("--top-p", args->generation.top_p, "nucleus sampling mass (1 = off)");
  command->add_option("--seed", args->generation.seed, "sampling seed");
  command->add_option("--logprobs-out", args->logprobs_out,
                      "write each generated token's log-probability, rank and alternatives "
                      "(JSON lines)");
  command->add_option("--top-logprobs", args->top_logprobs, "alternatives per token (5)")
      ->check(CLI::Range(0, 100));
  command->add_option("--steer", args->steer, "add a steering vector (almkit steer build) after its layer");
  command->add_option("--alpha", args->alpha, "scale of --steer (1)");
  command->add_option("--steer-positions", args->steer_positions, "all (default) or last");
  command->add_option("--dtype", args->model_options.dtype, "float32, bfloat16 or int8 (int8 Linear weights)");
  command->add_option("--device", args->model_options.device, "cpu, cuda, cuda:1 ...");
  command->add_option("--threads", args->model_options.num_threads, "intra-op threads (0 = libtorch default)");
  command->callback([args] { run(*args); });
}

ALMKIT_REGISTER_COMMAND(register_generate);

}  // namespace
}  // namespace almkit::cli
