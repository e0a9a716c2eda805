#include "almkit/version.h"

#include <dlfcn.h>
#include <torch/version.h>

#include <climits>
#include <cstdlib>

namespace almkit {

std::string version() {
  return std::to_string(ALMKIT_VERSION_MAJOR) + "." + std::to_string(ALMKIT_VERSION_MINOR) + "." +
         std::to_string(ALMKIT_VERSION_PATCH);
}

std::string active_blas() {
  // libtorch calls sgemm_ through the dynamic linker; whichever library provides it here is the
  // BLAS that decides fp32 matmul speed (reference BLAS vs OpenBLAS differ ~36x).
  void* symbol = dlsym(RTLD_DEFAULT, "sgemm_");
  if (symbol == nullptr) return "unknown (sgemm_ not loaded)";
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "unknown";
  char resolved[PATH_MAX];
  if (realpath(info.dli_fname, resolved) != nullptr) return resolved;
  return info.dli_fname;
}

std::string build_info() {
  std::string info = "almkit " + version();
#if defined(__clang__)
  info += ", clang " __clang_version__;
#elif defined(__GNUC__)
  info += ", gcc " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__);
#endif
#if defined(NDEBUG)
  info += ", release";
#else
  info += ", debug";
#endif
  info += ", libtorch " TORCH_VERSION;
  info += ", blas " + active_blas();
  return info;
}

}  // namespace almkit
