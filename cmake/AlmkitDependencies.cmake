# Every dependency comes from Debian's apt (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 CONFIG QUIET)
find_package(Torch REQUIRED)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
# Unicode-aware regular expressions (PCRE2, UTF + UCP) and Unicode properties / case mapping
# (utf8proc): shared by the tokenizers and the benchmark scorers.
if(NOT TARGET PkgConfig::PCRE2)
  pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
endif()
if(NOT TARGET PkgConfig::UTF8PROC)
  pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
endif()
# tokenizer.model files are parsed by almkit itself (src/io/tokenizer/sentencepiece_model.*):
# Debian's libsentencepiece carries its own protobuf 3.14 symbols, which crash a process that
# also loads libtorch's protobuf 3.21, so almkit does not link it.
# The benchmark runner's result cache (resumable runs, shards).
if(NOT TARGET PkgConfig::SQLITE3)
  pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
endif()
# HTTP server and client (almkit serve, the OpenAI-compatible eval backend): Debian's compiled
# cpp-httplib. Its pkg-config Cflags carry the OPENSSL/ZLIB/BROTLI defines the library was built
# with; every TU that includes httplib.h must see them or the class layouts differ.
if(NOT TARGET PkgConfig::HTTPLIB)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()
# The eval backend's HTTP client is libcurl (src/remote): a total-request timeout (cpp-httplib's
# are per read), keep-alive per worker, and the proxy / HTTPS settings clusters already have.
if(NOT TARGET PkgConfig::CURL)
  pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
endif()
# SHA-256 of the run record and result cache (src/bench/runner/hashing.cpp): nettle, small and
# maintained, with its own CPU dispatch (SHA extensions) instead of hand-written intrinsics.
if(NOT TARGET PkgConfig::NETTLE)
  pkg_check_modules(NETTLE REQUIRED IMPORTED_TARGET nettle)
endif()
find_package(OpenMP)
