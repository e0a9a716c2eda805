// SHA-256 (nettle) and the file / checkpoint fingerprints built on it.
#include "bench/runner/hashing.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "almkit/error.h"

namespace almkit::bench {

Sha256::Sha256() { sha256_init(&context_); }

void Sha256::update(const void* data, size_t size) {
  sha256_update(&context_, size, static_cast<const uint8_t*>(data));
}

void Sha256::update_field(const std::string& text) {
  const std::string length = std::to_string(text.size()) + ":";
  update(length);
  update(text);
}

std::string Sha256::hex_digest() {
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context_, sizeof(digest), digest);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest) {
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
  }
  return out;
}

std::string sha256_hex(const std::string& text) {
  Sha256 hash;
  hash.update(text);
  return hash.hex_digest();
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(std::filesystem::exists(path) ? ErrorCode::kIo : ErrorCode::kFileNotFound,
                path + ": cannot be read");
  }
  Sha256 hash;
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    hash.update(chunk.data(), static_cast<size_t>(in.gcount()));
  }
  return hash.hex_digest();
}

std::string model_fingerprint(const std::string& folder) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(folder)) {
    throw Error(ErrorCode::kFileNotFound, folder + ": not a checkpoint folder");
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  Sha256 hash;
  for (const auto& name : names) {
    const std::string path = folder + "/" + name;
    const bool small_text = name == "config.json" || name == "generation_config.json" ||
                            name == "preprocessor_config.json" || name == "tokenizer.json" ||
                            name == "tokenizer_config.json" || name == "vocab.json" ||
                            name == "merges.txt" || name == "tokenizer.model" ||
                            name == "chat_template.json" || name == "chat_template.jinja" ||
                            name == "special_tokens_map.json" || name == "added_tokens.json";
    if (small_text) {
      hash.update_field(name);
      hash.update_field(sha256_file(path));
      continue;
    }
    if (name.size() < 12 || name.compare(name.size() - 12, 12, ".safetensors") != 0) continue;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::kIo, path + ": cannot be read");
    const uint64_t size = fs::file_size(path);
    uint8_t length_bytes[8] = {};
    in.read(reinterpret_cast<char*>(length_bytes), 8);
    uint64_t header_length = 0;
    for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | length_bytes[i];
    if (!in || header_length > size - 8) {
      throw Error(ErrorCode::kInvalidFormat, path + ": not a safetensors file (bad header length)");
    }
    std::string header(header_length, '\0');
    in.read(header.data(), static_cast<std::streamsize>(header_length));
    hash.update_field(name);
    hash.update_field(std::to_string(size));
    hash.update_field(header);
    const uint64_t data_begin = 8 + header_length, data_size = size - data_begin;
    std::vector<char> sample(4096);
    for (int i = 0; i < 16 && data_size > 0; ++i) {
      const uint64_t offset = data_begin + data_size * uint64_t(i) / 16;
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(sample.data(), static_cast<std::streamsize>(sample.size()));
      hash.update(sample.data(), static_cast<size_t>(in.gcount()));
      in.clear();
    }
  }
  return hash.hex_digest();
}

}  // namespace almkit::bench
