#include "serve/context.h"

#include <cstdio>

namespace almkit::serve {

std::string ServerContext::new_id(const std::string& prefix) {
  std::lock_guard<std::mutex> lock(random_mutex_);
  char hex[33];
  std::snprintf(hex, sizeof(hex), "%016llx%016llx", static_cast<unsigned long long>(random_()),
                static_cast<unsigned long long>(random_()));
  return prefix + std::string(hex, 24);
}

uint64_t ServerContext::random_seed() {
  std::lock_guard<std::mutex> lock(random_mutex_);
  return random_() | 1;  // never 0: 0 reads as "no seed given"
}

std::string dump_json(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace almkit::serve
