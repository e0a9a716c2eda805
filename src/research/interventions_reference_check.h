// `almkit reference-check --io interventions.safetensors`: reproduces the research fixture
// (read-outs, steering, patching, logit lens, input gradients; reference README,
// "Interventions") from the inputs of the io.safetensors beside it.
#pragma once

#include <string>

#include "runtime/reference_check.h"

namespace almkit {

class SafetensorsFile;

// True when `io` is an interventions file (it holds steer_vector or hidden_states_L0).
bool is_interventions_file(const SafetensorsFile& io);

ReferenceReport run_interventions_reference_check(const std::string& model_dir,
                                                  const std::string& io_path,
                                                  const ReferenceCheckOptions& options);

}  // namespace almkit
