// The binding module almkit._almkit; python/almkit/__init__.py is the public face.
#include "almkit/version.h"
#include "bindings.h"

namespace almkit::python {

py::array_t<float> to_numpy(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  py::array_t<float> array(std::vector<py::ssize_t>(shape.begin(), shape.end()));
  std::copy(values.begin(), values.end(), array.mutable_data());
  return array;
}

py::array_t<int64_t> to_numpy(const std::vector<int64_t>& values,
                              const std::vector<int64_t>& shape) {
  py::array_t<int64_t> array(std::vector<py::ssize_t>(shape.begin(), shape.end()));
  std::copy(values.begin(), values.end(), array.mutable_data());
  return array;
}

py::array_t<int32_t> to_numpy(const std::vector<int32_t>& values) {
  py::array_t<int32_t> array(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), array.mutable_data());
  return array;
}

py::array_t<float> audio_to_numpy(const AudioBuffer& audio, bool keep_channels) {
  const int64_t frames = audio.num_frames();
  if (audio.channels == 1 && !keep_channels) return to_numpy(audio.samples, {frames});
  py::array_t<float> array(
      {static_cast<py::ssize_t>(audio.channels), static_cast<py::ssize_t>(frames)});
  float* out = array.mutable_data();
  for (int64_t f = 0; f < frames; ++f) {
    for (int c = 0; c < audio.channels; ++c)
      out[c * frames + f] = audio.samples[f * audio.channels + c];
  }
  return array;
}

AudioBuffer numpy_to_audio(const FloatArray& samples, int sample_rate, const std::string& what) {
  AudioBuffer audio;
  audio.sample_rate = sample_rate;
  if (samples.ndim() == 1) {
    audio.channels = 1;
    audio.samples.assign(samples.data(), samples.data() + samples.size());
  } else if (samples.ndim() == 2) {
    const int64_t channels = samples.shape(0), frames = samples.shape(1);
    audio.channels = static_cast<int>(channels);
    audio.samples.resize(static_cast<size_t>(channels * frames));
    const float* in = samples.data();
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t f = 0; f < frames; ++f) audio.samples[f * channels + c] = in[c * frames + f];
    }
  } else {
    throw Error(ErrorCode::kShapeMismatch,
                what + ": expected samples of shape [frames] or [channels, frames], got " +
                    std::to_string(samples.ndim()) + " dimensions");
  }
  validate_audio(audio, what);
  return audio;
}

std::string to_json_text(const py::handle& value) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  return py::module_::import("json").attr("dumps")(value).cast<std::string>();
}

py::object from_json_text(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

void register_errors(py::module_& m) {
  // almkit::Error -> the almkit.Error subclass of its code (python/almkit/_errors.py), carrying
  // the code and almkit's message.
  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const Error& error) {
      py::object make = py::module_::import("almkit._errors").attr("from_code");
      py::object exception = make(static_cast<int>(error.code()), error.what());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exception.ptr())), exception.ptr());
    }
  });
  m.def(
      "_raise_error",
      [](int code, const std::string& message) {
        throw Error(static_cast<ErrorCode>(code), message);
      },
      "Raises almkit's error of `code` (for tests of the error mapping).");
  m.def("error_code_name",
        [](int code) { return std::string(error_code_name(static_cast<ErrorCode>(code))); });
}

}  // namespace almkit::python

PYBIND11_MODULE(_almkit, m) {
  namespace py = pybind11;
  using namespace almkit::python;
  m.doc() = "almkit's C++ API for Python (use the `almkit` package, not this module directly).";
  register_errors(m);
  register_audio(m);
  register_features(m);
  register_tokenizer(m);
  register_model(m);
  register_codec(m);
  register_eval(m);
  register_scoring(m);
  register_log(m);
  m.def("version", &almkit::version, "almkit's version, e.g. '0.1.0'.");
  m.def("build_info", &almkit::build_info, "Compiler, build type, libtorch version and BLAS.");
}
