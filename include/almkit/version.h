// Version and build information (what a run record stores to make results reproducible).
#pragma once

#include <string>

#include "almkit/export.h"

#define ALMKIT_VERSION_MAJOR 0
#define ALMKIT_VERSION_MINOR 1
#define ALMKIT_VERSION_PATCH 0

namespace almkit {

ALMKIT_API std::string version();
// One line: compiler, build type, libtorch version, BLAS library libtorch resolves at run time.
ALMKIT_API std::string build_info();
// The shared library that provides BLAS (cblas_sgemm) in this process, e.g.
// "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"; "unknown" if it cannot be told.
ALMKIT_API std::string active_blas();

}  // namespace almkit
