// `almkit inspect`: one forward pass of a prompt and its audio, read out as safetensors
// (hidden states, attention, audio attention share, logit lens; names in
// include/almkit/research.h).
#include <cstdio>

#include "almkit/model.h"
#include "almkit/research.h"
#include "commands.h"
#include "research_cli.h"

namespace almkit::cli {
namespace {

struct InspectArgs {
  std::string model, prompt, prompt_ids, output, layers = "all", encoder_layers, heads,
                                                 attention_layers, ablate_heads, head_outputs;
  std::vector<std::string> audio;
  bool raw = false, attention = false, logit_lens = false;
  ModelOptions model_options;
};

void run(const InspectArgs& args) {
  const auto model = Model::load(args.model, args.model_options);
  const Request request =
      research_request(*model, args.audio, args.prompt, args.prompt_ids, args.raw);
  research::InspectOptions options;
  if (args.layers == "all") {
    options.all_layers = true;
  } else {
    options.decoder_layers = parse_int_list(args.layers, "--layers");
    options.encoder_layers = parse_int_list(args.encoder_layers, "--encoder-layers");
  }
  options.attention = args.attention;
  options.attention_layers = parse_int_list(args.attention_layers, "--attention-layers");
  options.heads = parse_int_list(args.heads, "--heads");
  options.logit_lens = args.logit_lens;
  options.head_output_layers = parse_int_list(args.head_outputs, "--head-outputs");
  if (!args.ablate_heads.empty()) options.ablate_heads = research::parse_head_scales(args.ablate_heads);
  const auto arrays = research::inspect(*model, request, options);
  research::save_arrays(args.output, arrays, {{"model", args.model}, {"prompt", request.prompt}});
  for (const auto& array : arrays) {
    std::string shape;
    for (int64_t d : array.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    std::fprintf(stderr, "%-28s [%s]\n", array.name.c_str(), shape.c_str());
  }
  std::fprintf(stderr, "wrote %zu arrays to %s\n", arrays.size(), args.output.c_str());
}

void register_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  auto* command = app.add_subcommand(
      "inspect", "read out hidden states, attention and the logit lens of one prompt");
  command->add_option("--model", args->model, "HF checkpoint folder")->required();
  command->add_option("--audio", args->audio, "audio file (repeat for several clips)");
  command->add_option("--prompt", args->prompt,
                      "the question; wrapped in the chat template unless --raw");
  command->add_option("--prompt-ids", args->prompt_ids, "prompt as space-separated token ids");
  command->add_flag("--raw", args->raw, "use --prompt as is, without the chat template");
  command->add_option(
      "--layers", args->layers,
      "decoder hidden_states indices, e.g. 0,4,8 (0 = embeddings; default all, both stacks)");
  command->add_option("--encoder-layers", args->encoder_layers,
                      "encoder hidden_states indices (with --layers)");
  command->add_flag("--attention", args->attention, "also attentions_L{i} [1, heads, S, S]");
  command->add_option("--attention-layers", args->attention_layers,
                      "decoder layers for --attention (default all)");
  command->add_option("--heads", args->heads, "heads for --attention (default all)");
  command->add_flag("--logit-lens", args->logit_lens, "also logit_lens [1, layers + 1, vocab]");
  command->add_option("--ablate-heads", args->ablate_heads,
                      "scale decoder heads before o_proj in this pass: LAYER:HEAD[*SCALE],... (default scale 0)");
  command->add_option("--head-outputs", args->head_outputs,
                      "decoder layers whose heads' outputs to save: head_outputs_L{i} [1, S, heads, head_dim]");
  command->add_option("-o,--output", args->output, "output .safetensors")->required();
  command->add_option("--dtype", args->model_options.dtype, "float32, bfloat16 or int8 (int8 Linear weights)");
  command->add_option("--threads", args->model_options.num_threads,
                      "intra-op threads (0 = libtorch default)");
  command->callback([args] { run(*args); });
}

ALMKIT_REGISTER_COMMAND(register_inspect);

}  // namespace
}  // namespace almkit::cli
