// The runner's small model behind a real `almkit serve` on loopback, and the settings that send
// an in-process run's work to it instead: the tests that hold the OpenAI backend to the local one.
#pragma once

#include <memory>
#include <string>

#include "runner_fixture.h"
#include "serve/server.h"

namespace almkit::test {

// `almkit serve` with the runner's small model on a free loopback port.
inline std::unique_ptr<serve::Server> start_small_server() {
  serve::ServeOptions options;
  options.model_dir = test::runner_world().model;
  options.port = 0;
  options.served_model_name = "almkit-small";
  auto server = std::make_unique<serve::Server>(options);
  server->start();
  return server;
}

// The in-process run's settings, written to `out_dir` and sent to `server` instead.
inline bench::EvalOptions through_server(bench::EvalOptions options, const std::string& out_dir,
                                         const serve::Server& server) {
  options.out_dir = out_dir;
  options.model_dir.clear();
  options.backend = "openai";
  options.endpoints = {"http://127.0.0.1:" + std::to_string(server.port())};
  options.served_model = "almkit-small";
  return options;
}

}  // namespace almkit::test
