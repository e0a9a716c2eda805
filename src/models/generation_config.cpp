#include "models/generation_config.h"

#include <sys/stat.h>

#include "models/config.h"

namespace almkit {

void apply_generation_config(const std::string& folder, GenerationDefaults& defaults) {
  const std::string path = folder + "/generation_config.json";
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) return;
  const ModelConfig config = ModelConfig::load_file(path, folder);
  if (!config.ids("eos_token_id").empty()) defaults.eos_token_ids = config.ids("eos_token_id");
  defaults.pad_token_id = config.integer("pad_token_id", defaults.pad_token_id);
  defaults.bos_token_id = config.integer("bos_token_id", defaults.bos_token_id);
  defaults.decoder_start_token_id = config.integer("decoder_start_token_id", defaults.decoder_start_token_id);
}

}  // namespace almkit
