// What every benchmark plug inherits unless it says otherwise.
#include "bench/benchmarks/benchmark.h"

#include "almkit/error.h"
#include "bench/runner/hashing.h"

namespace almkit::bench {

std::string Benchmark::data_hash(const EvalOptions& options) const {
  return sha256_file(options.data_path);
}

void Benchmark::check_options(const EvalOptions& options) const {
  if (options.data_path.empty() && needs_data_file())
    throw Error(ErrorCode::kInvalidArgument, "--data is required for --bench " + name());
}

PromptTemplate Benchmark::default_prompt(const std::string& mode) const {
  if (mode == "loglik") return {name() + "-loglik", kLoglikPromptText};
  return {name() + "-generate", kLetterPromptText};
}

ParsedAnswer Benchmark::parse_answer(const EvalOptions& /*options*/, const BenchItem& item,
                                     const std::vector<std::string>& shown_choices,
                                     int answer_position, const std::string& response) const {
  if (shown_choices.empty()) return parse_open_answer(item, response);
  return parse_letter_answer(shown_choices, answer_position, response);
}

std::unique_ptr<RunProtocol> Benchmark::make_protocol(const EvalOptions& options,
                                                      const std::vector<BenchItem>&) const {
  if (!options.protocol.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--protocol " + options.protocol + " is not a protocol of --bench " + name());
  }
  return nullptr;
}

std::vector<BenchItem> limited_items(std::vector<BenchItem> items, const EvalOptions& options) {
  if (options.limit > 0 && items.size() > size_t(options.limit))
    items.resize(size_t(options.limit));
  if (items.empty()) throw Error(ErrorCode::kInvalidFormat, options.data_path + ": no items");
  return items;
}

}  // namespace almkit::bench
