// Shared pieces of the libFuzzer harnesses: a per-process scratch folder for the loaders that
// only read paths, and the rule that an input may fail only with the library's own errors.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace almkit::fuzz {

// A folder of this process under $TMPDIR, removed when the process exits normally (a crashing
// run leaves it, with the last input, for a look).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/almkit-fuzz-" +
                       std::to_string(static_cast<long>(getpid()));
    if (std::system(("mkdir -p '" + path + "'").c_str()) != 0) std::abort();
    // The exit handler must not read `dir`, which is destroyed before it runs.
    static const std::string* const removal = new std::string("rm -rf '" + path + "'");
    std::atexit([] { (void)std::system(removal->c_str()); });
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
