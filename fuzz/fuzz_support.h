// Shared pieces of the libFuzzer harnesses: a per-process scratch folder for the loaders that
// only read paths, and the rule that an input may fail only with the library's own errors.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace almkit::fuzz {

// A folder of this process under $TMPDIR (made once, left for the OS: libFuzzer exits
// through _exit, and every input overwrites the same few files).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/almkit-fuzz-" +
                       std::to_string(static_cast<long>(getpid()));
    std::string command = "mkdir -p '" + path + "'";
    if (std::system(command.c_str()) != 0) std::abort();
    return path;
  }();
  return dir;
}

// Writes `size` bytes to <scratch_dir>/<name> and returns the path.
inline std::string write_scratch(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = scratch_dir() + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) std::abort();
  if (size && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

inline std::string write_scratch(const std::string& name, const std::string& text) {
  return write_scratch(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace almkit::fuzz
