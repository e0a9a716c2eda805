// almkit.load_audio, resample, write_wav, encode_wav (include/almkit/audio.h).
#include "bindings.h"

namespace almkit::python {

void register_audio(py::module_& m) {
  m.def(
      "load_audio",
      [](const std::string& path, int sample_rate, bool mono, double offset, double duration) {
        AudioLoadOptions options;
        options.target_sample_rate = sample_rate;
        options.mono = mono;
        options.offset_seconds = offset;
        options.duration_seconds = duration;
        AudioBuffer audio;
        {
          py::gil_scoped_release release;
          audio = load_audio(path, options);
        }
        return py::make_tuple(audio_to_numpy(audio, !mono), audio.sample_rate);
      },
      py::arg("path"), py::arg("sample_rate"), py::arg("mono"), py::arg("offset"),
      py::arg("duration"));
  m.def(
      "load_audio_bytes",
      [](const py::bytes& data, int sample_rate, bool mono, double offset, double duration,
         const std::string& name) {
        AudioLoadOptions options;
        options.target_sample_rate = sample_rate;
        options.mono = mono;
        options.offset_seconds = offset;
        options.duration_seconds = duration;
        const std::string bytes = data;
        AudioBuffer audio;
        {
          py::gil_scoped_release release;
          audio = load_audio_from_memory(bytes.data(), bytes.size(), options, name);
        }
        return py::make_tuple(audio_to_numpy(audio, !mono), audio.sample_rate);
      },
      py::arg("data"), py::arg("sample_rate"), py::arg("mono"), py::arg("offset"),
      py::arg("duration"), py::arg("name"));
  m.def(
      "resample",
      [](const FloatArray& samples, int sample_rate, int target_sample_rate) {
        const AudioBuffer audio = numpy_to_audio(samples, sample_rate, "resample input");
        AudioBuffer out;
        {
          py::gil_scoped_release release;
          out = resample(audio, target_sample_rate);
        }
        return audio_to_numpy(out, samples.ndim() == 2);
      },
      py::arg("samples"), py::arg("sample_rate"), py::arg("target_sample_rate"));
  m.def(
      "write_wav",
      [](const std::string& path, const FloatArray& samples, int sample_rate, bool float32) {
        const AudioBuffer audio = numpy_to_audio(samples, sample_rate, path);
        py::gil_scoped_release release;
        write_wav(path, audio, float32 ? WavEncoding::kFloat32 : WavEncoding::kPcm16);
      },
      py::arg("path"), py::arg("samples"), py::arg("sample_rate"), py::arg("float32"));
  m.def(
      "encode_wav",
      [](const FloatArray& samples, int sample_rate, bool float32) {
        const AudioBuffer audio = numpy_to_audio(samples, sample_rate, "encode_wav input");
        const std::vector<uint8_t> bytes =
            encode_wav(audio, float32 ? WavEncoding::kFloat32 : WavEncoding::kPcm16);
        return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      },
      py::arg("samples"), py::arg("sample_rate"), py::arg("float32"));
}

}  // namespace almkit::python
