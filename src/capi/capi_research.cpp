// almkit.h: research tools for C callers, a steering vector held by the model handle (applied by
// almkit_generate / almkit_score_*) and the read-outs of almkit::research::inspect.
#include "almkit/research.h"
#include "capi/capi_internal.h"

struct almkit_readout {
  std::vector<almkit::research::NamedArray> arrays;  // integer arrays converted to values
};

using almkit::capi::fail;
using almkit::capi::guarded;

namespace {

almkit_status set_steering(const char* fn, almkit_model* model, const almkit::research::SteeringVector& vector,
                           const almkit_steering_params& p) {
  const std::string positions = p.positions != nullptr ? p.positions : "all";
  if (positions != "all" && positions != "last") {
    return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "positions '" + positions + "': expected all or last");
  }
  model->steering = almkit::research::steering_hooks(vector, p.alpha, positions);
  return ALMKIT_OK;
}

}  // namespace

extern "C" {

almkit_steering_params almkit_steering_default_params(void) {
  almkit_steering_params p{};
  p.struct_size = sizeof p;
  p.layer = 0;
  p.alpha = 1.0;
  p.positions = "all";
  return p;
}

almkit_status almkit_model_set_steering(almkit_model* model, const float* vector, size_t num_values,
                                        const almkit_steering_params* params) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, model);
    ALMKIT_CAPI_REQUIRE(fn, vector);
    if (num_values == 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "num_values is 0");
    const almkit_steering_params p =
        almkit::capi::read_struct("params", params, almkit_steering_default_params());
    if (p.layer < 0) return fail(ALMKIT_ERR_INVALID_ARGUMENT, fn, "layer " + std::to_string(p.layer) + " is negative");
    almkit::research::SteeringVector steering;
    steering.layer = p.layer;
    steering.values.assign(vector, vector + num_values);
    return set_steering(fn, model, steering, p);
  });
}

almkit_status almkit_model_load_steering(almkit_model* model, const char* path, const almkit_steering_params* params) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, model);
    ALMKIT_CAPI_REQUIRE(fn, path);
    const almkit_steering_params p =
        almkit::capi::read_struct("params", params, almkit_steering_default_params());
    return set_steering(fn, model, almkit::research::SteeringVector::load(path), p);
  });
}

void almkit_model_clear_steering(almkit_model* model) {
  if (model != nullptr) model->steering = almkit::LayerHooks();
}

almkit_inspect_params almkit_inspect_default_params(void) {
  almkit_inspect_params p{};
  p.struct_size = sizeof p;
  return p;
}

almkit_status almkit_inspect(const almkit_model* model, const almkit_request* request,
                             const almkit_inspect_params* params, almkit_readout** out) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    ALMKIT_CAPI_REQUIRE(fn, model);
    const almkit_inspect_params p = almkit::capi::read_struct("params", params, almkit_inspect_default_params());
    if ((p.num_decoder_layers > 0 && p.decoder_layers == nullptr) ||
        (p.num_encoder_layers > 0 && p.encoder_layers == nullptr)) {
      return almkit::capi::null_argument(fn, "params->decoder_layers / encoder_layers (with a count > 0)");
    }
    almkit::Request cpp_request;
    if (const almkit_status s = almkit::capi::to_request(fn, request, cpp_request); s != ALMKIT_OK) return s;
    almkit::research::InspectOptions options;
    options.decoder_layers.assign(p.decoder_layers, p.decoder_layers + p.num_decoder_layers);
    options.encoder_layers.assign(p.encoder_layers, p.encoder_layers + p.num_encoder_layers);
    options.all_layers = p.all_layers;
    options.attention = p.attention;
    options.logit_lens = p.logit_lens;
    auto readout = std::make_unique<almkit_readout>();
    readout->arrays = almkit::research::inspect(*model->model, cpp_request, options);
    for (auto& array : readout->arrays) {
      if (array.values.empty() && !array.integers.empty()) {
        array.values.assign(array.integers.begin(), array.integers.end());
        array.integers.clear();
      }
    }
    *out = readout.release();
    return ALMKIT_OK;
  });
}

size_t almkit_readout_count(const almkit_readout* readout) {
  return readout != nullptr ? readout->arrays.size() : 0;
}

const char* almkit_readout_name(const almkit_readout* readout, size_t index) {
  if (readout == nullptr || index >= readout->arrays.size()) return nullptr;
  return readout->arrays[index].name.c_str();
}

almkit_status almkit_readout_array(const almkit_readout* readout, const char* name, const float** values,
                                   size_t* num_values, const int64_t** shape, size_t* rank) {
  const char* const fn = __func__;
  return guarded(fn, [&] {
    ALMKIT_CAPI_REQUIRE(fn, readout);
    ALMKIT_CAPI_REQUIRE(fn, name);
    ALMKIT_CAPI_REQUIRE(fn, values);
    ALMKIT_CAPI_REQUIRE(fn, num_values);
    ALMKIT_CAPI_REQUIRE(fn, shape);
    ALMKIT_CAPI_REQUIRE(fn, rank);
    for (const auto& array : readout->arrays) {
      if (array.name != name) continue;
      *values = array.values.data();
      *num_values = array.values.size();
      *shape = array.shape.data();
      *rank = array.shape.size();
      return ALMKIT_OK;
    }
    return fail(ALMKIT_ERR_NOT_FOUND, fn, std::string("the readout has no array '") + name + "'");
  });
}

void almkit_readout_free(almkit_readout* readout) {
  delete readout;
}

}  // extern "C"
