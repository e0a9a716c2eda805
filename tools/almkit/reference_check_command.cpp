// `almkit reference-check`: prove a checkpoint computes what transformers computed.
#include <cstdio>

#include "almkit/error.h"
#include "commands.h"
#include "runtime/reference_check.h"

namespace almkit::cli {
namespace {

struct ReferenceCheckArgs {
  std::string model, io;
  ReferenceCheckOptions options;
};

void run(const ReferenceCheckArgs& args) {
  const std::string io = args.io.empty() ? args.model + "/io.safetensors" : args.io;
  const ReferenceReport report = run_reference_check(args.model, io, args.options);
  std::printf("%-32s %-18s %12s %12s  %s\n", "tensor", "shape", "max|diff|", "tolerance", "ok");
  for (const auto& row : report.rows) {
    std::string shape = "[";
    for (size_t i = 0; i < row.shape.size(); ++i) shape += (i ? "," : "") + std::to_string(row.shape[i]);
    shape += "]";
    std::printf("%-32s %-18s %12.3e %12.3e  %s%s%s\n", row.name.c_str(), shape.c_str(), row.max_abs_diff,
                row.tolerance, row.ok ? "ok" : "FAIL", row.note.empty() ? "" : "  ", row.note.c_str());
  }
  for (const auto& name : report.unknown) {
    std::printf("%-32s %-18s %12s %12s  FAIL  not computed: almkit does not know this output\n", name.c_str(),
                "", "-", "-");
  }
  if (!args.options.dump_path.empty()) std::printf("computed tensors written to %s\n", args.options.dump_path.c_str());
  if (!report.ok()) throw Error(ErrorCode::kShapeMismatch, "reference check failed for '" + args.model + "'");
  std::printf("all %zu reference tensors match\n", report.rows.size());
}

void register_reference_check(CLI::App& app) {
  auto args = std::make_shared<ReferenceCheckArgs>();
  auto* command = app.add_subcommand("reference-check",
                                     "run a checkpoint on a transformers reference file and compare");
  command->add_option("--model", args->model, "HF checkpoint folder")->required();
  command->add_option("--io", args->io, "reference io.safetensors (default: MODEL/io.safetensors)");
  command->add_option("--rtol", args->options.relative_tolerance,
                      "tolerance = rtol x max(1, max|reference|) (default 1e-4)");
  command->add_option("--dump", args->options.dump_path, "write every computed tensor to this safetensors file");
  command->add_option("--threads", args->options.threads, "threads (default: libtorch's)");
  command->add_flag("--int8", args->options.int8_weights,
                    "quantise the Linear weights to int8 (an accuracy report against the float32 reference)");
  command->callback([args] { run(*args); });
}

ALMKIT_REGISTER_COMMAND(register_reference_check);

}  // namespace
}  // namespace almkit::cli
