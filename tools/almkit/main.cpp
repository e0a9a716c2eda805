// The almkit command-line tool. Errors print one line naming what is wrong and exit non-zero.
#include <cstdio>

#include "almkit/error.h"
#include "almkit/log.h"
#include "almkit/version.h"
#include "commands.h"

namespace almkit::cli {
std::vector<CommandRegistrar>& command_registry() {
  static std::vector<CommandRegistrar> registry;
  return registry;
}
}  // namespace almkit::cli

int main(int argc, char** argv) {
  CLI::App app{"almkit: run and evaluate audio-language models"};
  app.set_version_flag("--version", almkit::version());
  app.require_subcommand(1);
  bool verbose = false;
  std::string log_level;
  app.add_flag("-v,--verbose", verbose, "log debug messages to stderr");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->envname("ALMKIT_LOG_LEVEL");
  app.parse_complete_callback([&] {
    if (!log_level.empty()) almkit::set_log_level(almkit::parse_log_level(log_level));
    if (verbose) almkit::set_log_level(almkit::LogLevel::kDebug);
  });
  for (const auto& registrar : almkit::cli::command_registry()) registrar(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  } catch (const almkit::Error& error) {
    std::fprintf(stderr, "almkit: error (%s): %s\n", almkit::error_code_name(error.code()),
                 error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "almkit: error: %s\n", error.what());
    return 1;
  }
  return 0;
}
