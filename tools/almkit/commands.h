// Sub-commands of the almkit CLI. Each lives in its own file and registers itself with
// ALMKIT_REGISTER_COMMAND, so adding a command touches no other file.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace almkit::cli {

using CommandRegistrar = std::function<void(CLI::App&)>;

// All registrars, in registration order.
std::vector<CommandRegistrar>& command_registry();

struct RegisterCommand {
  explicit RegisterCommand(CommandRegistrar registrar) {
    command_registry().push_back(std::move(registrar));
  }
};

}  // namespace almkit::cli

#define ALMKIT_CLI_CONCAT_INNER(a, b) a##b
#define ALMKIT_CLI_CONCAT(a, b) ALMKIT_CLI_CONCAT_INNER(a, b)
// Registers `function` (void(CLI::App&)) as a sub-command of the almkit CLI.
#define ALMKIT_REGISTER_COMMAND(function) \
  static const ::almkit::cli::RegisterCommand ALMKIT_CLI_CONCAT(almkit_command_, __LINE__)(function)
