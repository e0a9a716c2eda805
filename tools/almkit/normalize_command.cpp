// `almkit normalize`: Whisper's text normalisers on text, one output line per input line.
#include <fstream>
#include <iostream>

#include "almkit/error.h"
#include "almkit/text_metrics.h"
#include "commands.h"

namespace almkit::cli {
namespace {

struct NormalizeArgs {
  std::string preset, file;
};

void run_normalize(const NormalizeArgs& args) {
  const auto normalizer = bench::text_normalizer_from_name(args.preset);
  std::ifstream file;
  if (!args.file.empty()) {
    file.open(args.file, std::ios::binary);
    if (!file) throw Error(ErrorCode::kFileNotFound, args.file + ": cannot open");
  }
  std::istream& in = args.file.empty() ? std::cin : file;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
    std::cout << bench::normalize_text(line, normalizer) << '\n';
  }
  std::cout.flush();
}

}  // namespace

void register_normalize(CLI::App& app) {
  auto args = std::make_shared<NormalizeArgs>();
  auto* command = app.add_subcommand(
      "normalize", "normalise text as openai/whisper's normalisers do (one line in, one line out)");
  command
      ->add_option("--preset", args->preset,
                   "whisper-en (EnglishTextNormalizer), whisper-basic (BasicTextNormalizer) or "
                   "whisper-basic-diacritics (BasicTextNormalizer(remove_diacritics=True))")
      ->required()
      ->check(CLI::IsMember({"whisper-en", "whisper-basic", "whisper-basic-diacritics"}));
  command->add_option("--file", args->file, "read lines from this file (default: stdin)");
  command->callback([args] { run_normalize(*args); });
}

ALMKIT_REGISTER_COMMAND(register_normalize);

}  // namespace almkit::cli
