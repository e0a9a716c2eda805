// Helpers for the tokenizer tests: where the fetched vocabularies are, the reference vectors,
// and the long text both the JS generator and these tests build from the corpus.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace almkit::test {

// .cache/tokenizers/<name> (or $ALMKIT_TOKENIZER_DIR/<name>); fails the test, with the fix
// (run scripts/setup.sh), when the folder is missing.
std::string tokenizer_dir(const std::string& name);
nlohmann::json read_reference(const std::string& file);  // tests/data/tokenizer/<file>
std::vector<std::string> read_corpus();
// tests/tokenizer_reference/corpus.mjs long_text(): corpus strings picked by xorshift32(seed).
std::string make_long_text(const std::vector<std::string>& corpus, uint32_t seed, size_t min_bytes);
std::string fnv1a64_hex(const std::vector<int32_t>& ids);
std::string fnv1a64_hex(const std::string& bytes);

}  // namespace almkit::test
