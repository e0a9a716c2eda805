// The C API's private half: the structs behind its opaque handles and the one guard that turns
// every C++ exception into an almkit_status plus a thread-local message.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "almkit/almkit.h"
#include "almkit/audio.h"
#include "almkit/error.h"
#include "almkit/model.h"
#include "almkit/tokenizer.h"

struct almkit_audio {
  almkit::AudioBuffer buffer;
};

struct almkit_features {
  std::vector<float> data;
  int64_t num_bins = 0;
  int64_t num_frames = 0;
  int64_t valid_frames = 0;
  almkit_feature_layout layout = ALMKIT_LAYOUT_BINS_BY_FRAMES;
};

struct almkit_tokenizer {
  std::unique_ptr<almkit::Tokenizer> owned;  // null when borrowed from a model
  const almkit::Tokenizer* tokenizer = nullptr;
};

struct almkit_model {
  std::unique_ptr<almkit::Model> model;
  almkit_tokenizer tokenizer;  // borrowed view of model->tokenizer() (tokenizer == null: none)
  almkit::LayerHooks steering;  // almkit_model_set_steering: passed to every generate / score
};

struct almkit_generation {
  std::string text;
  std::vector<int32_t> tokens;
  almkit_stop_reason stop_reason = ALMKIT_STOP_EOS;
  int64_t prompt_positions = 0;
};

namespace almkit::capi {

// Records `message` as the calling thread's last error and returns `status`. Never throws.
almkit_status fail(almkit_status status, const char* function, const std::string& message) noexcept;
void clear_error() noexcept;

// Runs `body` (returning almkit_status); maps almkit::Error to its code, std::bad_alloc to
// ALMKIT_ERR_OUT_OF_MEMORY and anything else to ALMKIT_ERR_INTERNAL. Clears the error on success.
template <class Body>
almkit_status guarded(const char* function, Body&& body) noexcept {
  try {
    const almkit_status status = body();
    if (status == ALMKIT_OK) clear_error();
    return status;
  } catch (const almkit::Error& error) {
    return fail(static_cast<almkit_status>(error.code()), function, error.what());
  } catch (const std::bad_alloc&) {
    return fail(ALMKIT_ERR_OUT_OF_MEMORY, function, "out of memory");
  } catch (const std::exception& error) {
    return fail(ALMKIT_ERR_INTERNAL, function, error.what());
  } catch (...) {
    return fail(ALMKIT_ERR_INTERNAL, function, "unknown exception");
  }
}

// A versioned struct (almkit.h: `size_t struct_size` first) as this library knows it: the
// caller's struct_size bytes over `defaults`, so fields the caller's header did not have keep
// their defaults and nothing past the caller's struct is read. NULL gives `defaults`. Throws
// kInvalidArgument (inside guarded()) for a struct_size below sizeof(size_t).
template <class T>
T read_struct(const char* name, const T* given, T defaults) {
  if (given == nullptr) return defaults;
  if (given->struct_size < sizeof(size_t)) {
    throw almkit::Error(
        almkit::ErrorCode::kInvalidArgument,
        std::string(name) + "->struct_size is " + std::to_string(given->struct_size) +
            ": set it to the struct's sizeof (its default_params / init function does)");
  }
  std::memcpy(static_cast<void*>(&defaults), given, std::min(given->struct_size, sizeof(T)));
  defaults.struct_size = sizeof(T);
  return defaults;
}

// ALMKIT_ERR_INVALID_ARGUMENT naming the NULL parameter.
inline almkit_status null_argument(const char* function, const char* name) noexcept {
  return fail(ALMKIT_ERR_INVALID_ARGUMENT, function, std::string(name) + " is NULL");
}

// Copies the C request into a C++ Request, naming the first bad field.
almkit_status to_request(const char* fn, const almkit_request* given, almkit::Request& out);

// Writes `text` into a caller buffer by the header's caller-buffer rule.
almkit_status write_text(const char* function, const std::string& text, char* buffer,
                         size_t capacity, size_t* length);

}  // namespace almkit::capi

#define ALMKIT_CAPI_REQUIRE(function, pointer)                                        \
  do {                                                                                \
    if ((pointer) == nullptr) return almkit::capi::null_argument(function, #pointer); \
  } while (0)
