// almkit.Codec: neural audio codecs (EnCodec, DAC, Mimi) through the C API
// (include/almkit/almkit.h), which is how the shared library offers them without private headers.
#include <pybind11/stl/filesystem.h>

#include "almkit/almkit.h"
#include "bindings.h"

namespace almkit::python {
namespace {

void check(almkit_status status) {
  if (status == ALMKIT_OK) return;
  // Codes 1..9 are almkit::ErrorCode; out-of-memory and buffer sizes are internal here.
  const int code = status >= 1 && status <= 9 ? static_cast<int>(status)
                                              : static_cast<int>(ErrorCode::kInternal);
  throw Error(static_cast<ErrorCode>(code), almkit_last_error());
}

struct AudioHandle {
  almkit_audio* audio = nullptr;
  ~AudioHandle() { almkit_audio_free(audio); }
};

py::array_t<float> audio_handle_to_numpy(const almkit_audio* audio) {
  AudioBuffer buffer;
  buffer.sample_rate = almkit_audio_sample_rate(audio);
  buffer.channels = almkit_audio_channels(audio);
  const float* samples = almkit_audio_samples(audio);
  buffer.samples.assign(samples, samples + almkit_audio_num_frames(audio) * buffer.channels);
  return audio_to_numpy(buffer, false);
}

// Codes of one clip: [chunks, quantizers, frames] int64, with what decode needs.
class Codes {
 public:
  explicit Codes(almkit_codes* codes) : codes_(codes) {}
  ~Codes() { almkit_codes_free(codes_); }
  Codes(const Codes&) = delete;
  Codes& operator=(const Codes&) = delete;
  py::array_t<int64_t> array() const {
    const int64_t chunks = almkit_codes_num_chunks(codes_),
                  quantizers = almkit_codes_num_quantizers(codes_),
                  frames = almkit_codes_num_frames(codes_);
    const int64_t* data = almkit_codes_data(codes_);
    return to_numpy(std::vector<int64_t>(data, data + chunks * quantizers * frames),
                    {chunks, quantizers, frames});
  }
  int sample_rate() const { return almkit_codes_sample_rate(codes_); }
  int64_t audio_length() const { return almkit_codes_audio_length(codes_); }
  double bandwidth() const { return almkit_codes_bandwidth(codes_); }
  const almkit_codes* handle() const { return codes_; }

 private:
  almkit_codes* codes_;
};

class Codec {
 public:
  Codec(const std::filesystem::path& path, const std::string& device) {
    const std::string folder = path.string();
    almkit_codec_params params = almkit_codec_default_params();
    params.device = device.c_str();
    py::gil_scoped_release release;
    check(almkit_codec_load(folder.c_str(), &params, &codec_));
  }
  ~Codec() { almkit_codec_free(codec_); }
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  std::string type() const { return almkit_codec_type(codec_); }
  int sample_rate() const { return almkit_codec_sample_rate(codec_); }
  int channels() const { return almkit_codec_channels(codec_); }
  int codebook_size() const { return almkit_codec_codebook_size(codec_); }
  int max_quantizers() const { return almkit_codec_max_quantizers(codec_); }
  double frame_rate() const { return almkit_codec_frame_rate(codec_); }
  std::vector<double> bandwidths() const {
    size_t count = 0;
    const double* values = almkit_codec_bandwidths(codec_, &count);
    return std::vector<double>(values, values + count);
  }

  std::unique_ptr<Codes> encode(const FloatArray& samples, double bandwidth) const {
    const AudioBuffer buffer = numpy_to_audio(samples, sample_rate(), "codec input");
    almkit_codec_encode_params params = almkit_codec_encode_default_params();
    params.bandwidth = bandwidth;
    almkit_codes* codes = nullptr;
    {
      py::gil_scoped_release release;
      AudioHandle audio;
      check(almkit_audio_from_samples(buffer.samples.data(), buffer.num_frames(), buffer.channels,
                                      buffer.sample_rate, &audio.audio));
      check(almkit_codec_encode(codec_, audio.audio, &params, &codes));
    }
    return std::make_unique<Codes>(codes);
  }

  py::array_t<float> decode(const Codes& codes) const {
    AudioHandle audio;
    {
      py::gil_scoped_release release;
      check(almkit_codec_decode(codec_, codes.handle(), &audio.audio));
    }
    return audio_handle_to_numpy(audio.audio);
  }

  py::array_t<float> decode_codes(
      const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& codes,
      int64_t audio_length) const {
    if (codes.ndim() != 2) {
      throw Error(ErrorCode::kShapeMismatch,
                  "codes must be [quantizers, frames] (one chunk), got " +
                      std::to_string(codes.ndim()) + " dimensions");
    }
    AudioHandle audio;
    {
      py::gil_scoped_release release;
      check(almkit_codec_decode_codes(codec_, codes.data(), static_cast<int32_t>(codes.shape(0)),
                                      codes.shape(1), audio_length, &audio.audio));
    }
    return audio_handle_to_numpy(audio.audio);
  }

 private:
  almkit_codec* codec_ = nullptr;
};

}  // namespace

void register_codec(py::module_& m) {
  py::class_<Codes>(m, "Codes", "The codes of one encoded clip.")
      .def_property_readonly("codes", &Codes::array, "int64 [chunks, quantizers, frames]")
      .def_property_readonly("sample_rate", &Codes::sample_rate)
      .def_property_readonly("audio_length", &Codes::audio_length, "samples of the encoded clip")
      .def_property_readonly("bandwidth", &Codes::bandwidth, "kbps");
  py::class_<Codec>(
      m, "Codec",
      "A neural audio codec (EnCodec, DAC, Mimi) loaded from a checkpoint folder. Immutable: "
      "encode and decode may run from several threads.")
      .def(py::init<const std::filesystem::path&, const std::string&>(), py::arg("path"),
           py::arg("device") = "cpu")
      .def_property_readonly("type", &Codec::type)
      .def_property_readonly("sample_rate", &Codec::sample_rate)
      .def_property_readonly("channels", &Codec::channels)
      .def_property_readonly("codebook_size", &Codec::codebook_size)
      .def_property_readonly("max_quantizers", &Codec::max_quantizers)
      .def_property_readonly("frame_rate", &Codec::frame_rate, "code frames per second")
      .def_property_readonly("bandwidths", &Codec::bandwidths,
                             "supported bandwidths in kbps, ascending")
      .def("encode", &Codec::encode, py::arg("samples"), py::arg("bandwidth") = 0.0,
           "Samples at the codec's rate ([frames] or [channels, frames]) -> Codes. bandwidth 0: "
           "the codec's default.")
      .def("decode", &Codec::decode, py::arg("codes"),
           "Codes from encode() -> samples at the codec's rate.")
      .def("decode_codes", &Codec::decode_codes, py::arg("codes"), py::arg("audio_length") = 0,
           "Caller codes int [quantizers, frames] (one chunk, no scales) -> samples; audio_length "
           "> 0 trims.");
}

}  // namespace almkit::python
