// The remote tests' benchmark: one perception item per tone task (no speech synthesis), made
// once per test process; reading a run folder back.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "almkit/synth.h"
#include "test_support.h"

namespace almkit::test {

struct RemoteSuite {
  std::string dir, data;
  size_t items = 0;
};

inline const RemoteSuite& remote_suite() {
  static const RemoteSuite suite = [] {
    RemoteSuite s;
    s.dir = "/tmp/almkit-test-remote-" + std::to_string(::getpid());
    std::filesystem::remove_all(s.dir);
    PerceptionSuiteOptions options;
    for (const auto& task : perception_task_names()) {
      if (task.find("spoken") == std::string::npos && task.find("speech") == std::string::npos)
        options.tasks.push_back(task);
    }
    options.tasks.resize(std::min<size_t>(options.tasks.size(), 8));
    options.n = static_cast<int>(options.tasks.size());
    options.seed = 11;
    options.output_dir = s.dir + "/perception";
    s.items = generate_perception_suite(options).size();
    s.data = options.output_dir + "/perception.json";
    static std::string to_remove;
    to_remove = s.dir;
    std::atexit([] { std::filesystem::remove_all(to_remove); });
    return s;
  }();
  return suite;
}

inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_file(path));
}

// The text parts of a chat request's messages, joined.
inline std::string request_text(const nlohmann::json& request) {
  std::string text;
  for (const auto& message : request.value("messages", nlohmann::json::array())) {
    if (message["content"].is_string()) text += message["content"].get<std::string>();
    if (!message["content"].is_array()) continue;
    for (const auto& part : message["content"]) {
      if (part.value("type", "") == "text") text += part["text"].get<std::string>();
    }
  }
  return text;
}

}  // namespace almkit::test
