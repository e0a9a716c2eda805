// `almkit tokenize`: text -> token ids (or ids -> text) with a checkpoint's tokenizer, as JSON.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "almkit/error.h"
#include "almkit/tokenizer.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct TokenizeArgs {
  std::string tokenizer, text, file;
  bool text_given = false;
  bool decode = false;
  bool json = false;
  bool no_special_tokens = false;
  bool skip_special_tokens = false;
};

std::vector<int32_t> parse_ids(const std::string& line) {
  std::string cleaned = line;
  for (char& c : cleaned) {
    if (c == '[' || c == ']' || c == ',') c = ' ';
  }
  std::istringstream in(cleaned);
  std::vector<int32_t> ids;
  std::string word;
  while (in >> word) {
    try {
      size_t used = 0;
      const long value = std::stol(word, &used);
      if (used != word.size()) throw std::invalid_argument(word);
      ids.push_back(static_cast<int32_t>(value));
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument, "--decode: '" + word + "' is not a token id");
    }
  }
  return ids;
}

// One input (a --text, or one line of --file) -> one output line.
std::string process(const Tokenizer& tokenizer, const TokenizeArgs& args,
                    const std::string& input) {
  if (args.decode) {
    const auto ids = parse_ids(input);
    const std::string text = tokenizer.decode(ids, args.skip_special_tokens);
    if (!args.json) return text;
    return nlohmann::json{{"ids", ids}, {"text", text}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  const auto ids = tokenizer.encode(input, !args.no_special_tokens);
  if (!args.json) return nlohmann::json(ids).dump();
  std::vector<std::string> tokens;
  for (int32_t id : ids) tokens.push_back(tokenizer.id_to_token(id));
  return nlohmann::json{{"text", input}, {"ids", ids}, {"tokens", tokens}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void run_tokenize(const TokenizeArgs& args) {
  if (args.text_given == !args.file.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "give exactly one of --text or --file");
  }
  const auto tokenizer = Tokenizer::from_folder(args.tokenizer);
  if (args.text_given) {
    std::printf("%s\n", process(*tokenizer, args, args.text).c_str());
    return;
  }
  std::ifstream file_stream;
  std::istream* in = &std::cin;
  if (args.file != "-") {
    file_stream.open(args.file, std::ios::binary);
    if (!file_stream)
      throw Error(ErrorCode::kFileNotFound, "cannot open --file '" + args.file + "'");
    in = &file_stream;
  }
  std::string line;
  size_t number = 0;
  while (std::getline(*in, line)) {
    ++number;
    try {
      std::printf("%s\n", process(*tokenizer, args, line).c_str());
    } catch (const Error& error) {
      throw Error(error.code(),
                  args.file + " line " + std::to_string(number) + ": " + error.what());
    }
  }
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  auto* command = app.add_subcommand(
      "tokenize",
      "text -> token ids (JSON), or ids -> text with --decode, using a checkpoint's tokenizer");
  command
      ->add_option("--tokenizer", args->tokenizer,
                   "checkpoint folder (tokenizer.json, vocab.json + merges.txt or tokenizer.model)")
      ->required();
  auto* text = command->add_option("--text", args->text, "the text (or ids with --decode)");
  command->add_option("--file", args->file,
                      "a file: one input per line, one output line each ('-' = stdin)");
  command->add_flag("--decode", args->decode,
                    "input is token ids ([1, 2, 3] or 1 2 3); print the text");
  command->add_flag("--json", args->json, "print a JSON object per input (text, ids, tokens)");
  command->add_flag("--no-special-tokens", args->no_special_tokens,
                    "encode without BOS/EOS of the post processor");
  command->add_flag("--skip-special-tokens", args->skip_special_tokens,
                    "decode without special tokens");
  command->callback([args, text] {
    args->text_given = text->count() > 0;
    run_tokenize(*args);
  });
}

ALMKIT_REGISTER_COMMAND(register_tokenize);

}  // namespace almkit::cli
