# The library sources that include no torch header and build with clang, for the builds that
# only need them: the fuzz harnesses (fuzz/) and the sanitizer test builds (tests/sanitize/).
# src/features is left out: its kernels use GCC's vector builtins, which clang does not have.
set(_src ${PROJECT_SOURCE_DIR}/src)
file(GLOB ALMKIT_TORCH_FREE_SOURCES CONFIGURE_DEPENDS
  ${_src}/io/tokenizer/*.cpp ${_src}/io/chat_template/*.cpp ${_src}/audio/*.cpp
  ${_src}/bench/datasets/*.cpp ${_src}/bench/scoring/*.cpp ${_src}/bench/metrics/*.cpp
  ${_src}/bench/jieba/*.cpp ${_src}/bench/*.cpp)
list(APPEND ALMKIT_TORCH_FREE_SOURCES
  ${_src}/core/error.cpp ${_src}/core/spin_pool.cpp ${_src}/io/json_file.cpp
  ${_src}/io/safetensors.cpp ${_src}/models/config.cpp
  ${_src}/serve/requests.cpp ${_src}/serve/audio_parts.cpp ${_src}/serve/json_fields.cpp
  ${_src}/serve/api_error.cpp ${_src}/serve/auth.cpp ${_src}/serve/stop_strings.cpp
  ${_src}/bench/runner/answer_parsing.cpp)
set(ALMKIT_TORCH_FREE_DEPS nlohmann_json::nlohmann_json PkgConfig::SNDFILE PkgConfig::SOXR
  PkgConfig::PCRE2 PkgConfig::UTF8PROC Threads::Threads)
