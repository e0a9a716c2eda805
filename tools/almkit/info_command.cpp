// `almkit info`: version and build facts, including the BLAS that decides fp32 speed.
#include <cstdio>

#include "almkit/version.h"
#include "commands.h"

namespace almkit::cli {

void register_info(CLI::App& app) {
  auto* command = app.add_subcommand("info", "print version, build and BLAS information");
  command->callback([] { std::printf("%s\n", build_info().c_str()); });
}

ALMKIT_REGISTER_COMMAND(register_info);

}  // namespace almkit::cli
