// `almkit chat`: a conversation rendered with a checkpoint's chat template, byte for byte as
// transformers' apply_chat_template renders it.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/chat_template.h"
#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct ChatArgs {
  std::string tokenizer, messages, template_file, context;
  bool add_generation_prompt = false;
  bool ids = false;
};

std::string read_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorCode::kFileNotFound, std::string("cannot open ") + what + " '" + path + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void run_chat(const ChatArgs& args) {
  const auto tokenizer = Tokenizer::from_folder(args.tokenizer);
  const std::string messages = read_text(args.messages, "--messages");
  std::string prompt;
  try {
    if (!args.template_file.empty()) {
      nlohmann::json extra =
          args.context.empty() ? nlohmann::json::object() : nlohmann::json::parse(args.context);
      for (const auto& [key, value] :
           {std::pair<const char*, std::string>{"bos_token", tokenizer->bos_token()},
            {"eos_token", tokenizer->eos_token()}}) {
        if (!value.empty() && !extra.contains(key)) extra[key] = value;
      }
      prompt = ChatTemplate(read_text(args.template_file, "--template"))
                   .render_messages(messages, args.add_generation_prompt, extra.dump());
    } else {
      prompt = apply_chat_template(*tokenizer, messages, args.add_generation_prompt, args.context);
    }
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("--context is not valid JSON: ") + error.what());
  } catch (const Error& error) {
    throw Error(error.code(), args.messages + ": " + error.what());
  }
  if (args.ids) {
    std::printf("%s\n", nlohmann::json(tokenizer->encode(prompt, false)).dump().c_str());
  } else {
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  }
}

}  // namespace

void register_chat(CLI::App& app) {
  auto args = std::make_shared<ChatArgs>();
  auto* command =
      app.add_subcommand("chat", "render a conversation with a checkpoint's chat template");
  command->add_option("--tokenizer", args->tokenizer, "checkpoint folder with the chat template")
      ->required();
  command
      ->add_option("--messages", args->messages,
                   "JSON file: a list of messages, or an object with messages (and tools, ...)")
      ->required();
  command->add_flag("--add-generation-prompt", args->add_generation_prompt,
                    "end with the assistant's turn opener");
  command->add_option("--template", args->template_file,
                      "use this Jinja file instead of the checkpoint's template");
  command->add_option("--context", args->context,
                      "extra variables as a JSON object, e.g. '{\"enable_thinking\": false}'");
  command->add_flag("--ids", args->ids, "print the prompt's token ids (JSON) instead of its text");
  command->callback([args] { run_chat(*args); });
}

ALMKIT_REGISTER_COMMAND(register_chat);

}  // namespace almkit::cli
