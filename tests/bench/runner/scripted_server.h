// Runs answered by a scripted OpenAI-compatible server (remote/mock_openai_server.h): the eval
// settings that send a run there, and the text a request carries.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "almkit/eval.h"
#include "remote/mock_openai_server.h"

namespace almkit::test {

inline bench::EvalOptions scripted_options(const MockOpenAiServer& server, const std::string& bench,
                                           const std::string& data, const std::string& out) {
  bench::EvalOptions options;
  options.bench = bench;
  options.data_path = data;
  options.out_dir = out;
  options.backend = "openai";
  options.endpoints = {server.url()};
  options.served_model = "mock-audio-llm";
  options.quiet = true;
  return options;
}

// The judge settings that send a finished run's answers to a scripted judge server.
inline bench::JudgeOptions scripted_judge(const MockOpenAiServer& server, const std::string& run_dir,
                                          const std::string& protocol) {
  bench::JudgeOptions options;
  options.run_dir = run_dir;
  options.protocol = protocol;
  options.endpoints = {server.url()};
  options.served_model = "judge-model";
  return options;
}

// The text of a chat request (every text part of every message).
inline std::string request_text(const nlohmann::json& request) {
  std::string text;
  for (const auto& message : request["messages"]) {
    if (message["content"].is_string())
      text += message["content"].get<std::string>();
    else
      for (const auto& part : message["content"])
        if (part.value("type", "") == "text") text += part["text"].get<std::string>();
  }
  return text;
}

}  // namespace almkit::test
