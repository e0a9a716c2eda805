// Shared helpers for almkit's tests: fixture locations, temporary folders, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/error.h"

namespace almkit::test {

// tests/data/reference/hf-transformers-4.47.1 (the transformers ground truth); newer releases are
// its siblings (reference_dir() + "/../hf-transformers-4.57.6/...").
std::string reference_dir();
// Speech fetched by scripts/setup.sh (jfk.wav); LibriVox clips come from pocketsphinx-testdata.
std::string data_dir();
std::string librivox_dir();
// tests/data of this repository.
std::string test_data_dir();
// A fresh, empty folder under /tmp unique to the calling test.
std::string temp_dir();
void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr, interleaved
};
// Runs the almkit CLI built with the tests.
CommandResult run_cli(const std::string& arguments);
// Runs the CLI in a child process with its output in `log`; returns its peak resident set (kB)
// from the kernel's rusage and sets *exit_code.
int64_t cli_peak_rss_kb(const std::string& arguments, const std::string& log, int* exit_code);

float max_abs_diff(const float* a, const float* b, size_t n);

}  // namespace almkit::test

// Asserts that `statement` throws almkit::Error with `code` and a message containing `fragment`.
#define EXPECT_ALMKIT_ERROR(statement, expected_code, fragment)                                         \
  do {                                                                                          \
    try {                                                                                       \
      statement;                                                                                \
      ADD_FAILURE() << "expected almkit::Error(" #expected_code ") from: " #statement;                \
    } catch (const almkit::Error& error__) {                                                    \
      EXPECT_EQ(error__.code(), expected_code) << error__.what();                                \
      EXPECT_NE(std::string(error__.what()).find(fragment), std::string::npos)                  \
          << "message '" << error__.what() << "' lacks '" << fragment << "'";                   \
    }                                                                                           \
  } while (0)
