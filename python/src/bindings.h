// Shared pieces of the Python binding (module `almkit._almkit`): numpy <-> almkit conversions,
// the error translation and the registration function of each area (one .cpp per area).
// Only include/almkit/*.h is used here (no torch), so each file compiles in a few seconds.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "almkit/audio.h"
#include "almkit/error.h"

namespace almkit::python {

namespace py = pybind11;

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

void register_errors(py::module_& m);
void register_audio(py::module_& m);
void register_features(py::module_& m);
void register_tokenizer(py::module_& m);
void register_model(py::module_& m);
void register_codec(py::module_& m);
void register_eval(py::module_& m);
void register_scoring(py::module_& m);
void register_log(py::module_& m);

// A Python callable that may be copied and dropped on threads without the GIL (the model copies
// its options into worker threads): the reference is only touched with the GIL held.
struct PythonCallable {
  py::object function;
  explicit PythonCallable(py::object f) : function(std::move(f)) {}
  ~PythonCallable() {
    if (!Py_IsInitialized()) {
      function.release();  // the interpreter is gone: leak rather than crash
      return;
    }
    py::gil_scoped_acquire acquire;
    function = py::object();
  }
};

// A numpy array of `shape` owning a copy of `values`.
py::array_t<float> to_numpy(const std::vector<float>& values, const std::vector<int64_t>& shape);
py::array_t<int64_t> to_numpy(const std::vector<int64_t>& values,
                              const std::vector<int64_t>& shape);
py::array_t<int32_t> to_numpy(const std::vector<int32_t>& values);

// Samples as a numpy array: 1-D [frames] for one channel, else [channels, frames] (torchaudio's
// layout), from an interleaved buffer.
py::array_t<float> audio_to_numpy(const AudioBuffer& audio, bool keep_channels);
// An AudioBuffer from a 1-D [frames] or 2-D [channels, frames] float array at `sample_rate`.
AudioBuffer numpy_to_audio(const FloatArray& samples, int sample_rate, const std::string& what);

// Python objects to JSON text through the json module ("str" passes through unchanged).
std::string to_json_text(const py::handle& value);
// JSON text to Python objects (json.loads).
py::object from_json_text(const std::string& text);

}  // namespace almkit::python
