// Content hashes for the run record and the result cache: SHA-256 of text and files, and a
// fingerprint of a checkpoint folder that is cheap for a 7B model (it never reads all weights).
#pragma once

#include <nettle/sha2.h>

#include <cstdint>
#include <string>

namespace almkit::bench {

// SHA-256 from nettle (Debian's nettle-dev), which picks the CPU's SHA instructions itself.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(const std::string& text) { update(text.data(), text.size()); }
  // Feeds the length first, so that ("ab", "c") and ("a", "bc") hash differently.
  void update_field(const std::string& text);
  std::string hex_digest();  // 64 lower-case hex digits; the object is spent afterwards

 private:
  sha256_ctx context_;
};

std::string sha256_hex(const std::string& text);
// Throws kFileNotFound / kIo naming the file.
std::string sha256_file(const std::string& path);

// A hash of what makes a checkpoint's answers: config.json, generation_config.json,
// preprocessor_config.json, the tokenizer files (chat template included), and for every
// *.safetensors file its size, its JSON header and 16 evenly spaced 4 KiB samples of its data
// (different weights of the same shapes give a different hash, a 7B folder is read in
// milliseconds).
std::string model_fingerprint(const std::string& folder);

}  // namespace almkit::bench
