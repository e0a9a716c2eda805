// almkit.Codec: neural audio codecs (EnCodec, DAC, Mimi) through include/almkit/codec.h.
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <memory>

#include "almkit/codec.h"
#include "bindings.h"

namespace almkit::python {
namespace {

// Codes of one clip: [chunks, quantizers, frames] int64, with what decode needs.
struct Codes {
  AudioCodes codes;
  py::array_t<int64_t> array() const {
    return to_numpy(codes.codes, {codes.chunks, codes.quantizers, codes.frames});
  }
};

class Codec {
 public:
  Codec(const std::filesystem::path& path, const std::string& device, int threads) {
    AudioCodecOptions options;
    options.device = device;
    options.num_threads = threads;
    py::gil_scoped_release release;
    codec_ = AudioCodec::load(path.string(), options);
  }

  const AudioCodec& get() const { return *codec_; }

  std::unique_ptr<Codes> encode(const FloatArray& samples, double bandwidth) const {
    const AudioBuffer buffer = numpy_to_audio(samples, codec_->sample_rate(), "codec input");
    auto codes = std::make_unique<Codes>();
    py::gil_scoped_release release;
    codes->codes = codec_->encode(buffer, bandwidth);
    return codes;
  }

  py::array_t<float> decode(const Codes& codes) const { return decode_codes_of(codes.codes); }

  py::array_t<float> decode_codes(
      const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& codes,
      int64_t audio_length) const {
    if (codes.ndim() != 2) {
      throw Error(ErrorCode::kShapeMismatch,
                  "codes must be [quantizers, frames] (one chunk), got " +
                      std::to_string(codes.ndim()) + " dimensions");
    }
    AudioCodes caller;
    caller.codes.assign(codes.data(), codes.data() + codes.size());
    caller.quantizers = codes.shape(0);
    caller.frames = codes.shape(1);
    caller.audio_length = audio_length;
    caller.sample_rate = codec_->sample_rate();
    return decode_codes_of(caller);
  }

 private:
  py::array_t<float> decode_codes_of(const AudioCodes& codes) const {
    AudioBuffer audio;
    {
      py::gil_scoped_release release;
      audio = codec_->decode(codes);
    }
    for (float& sample : audio.samples) sample = std::clamp(sample, -1.f, 1.f);  // as the C API
    return audio_to_numpy(audio, false);
  }

  std::unique_ptr<AudioCodec> codec_;
};

}  // namespace

void register_codec(py::module_& m) {
  py::class_<Codes>(m, "Codes", "The codes of one encoded clip.")
      .def_property_readonly("codes", &Codes::array, "int64 [chunks, quantizers, frames]")
      .def_property_readonly("sample_rate", [](const Codes& c) { return c.codes.sample_rate; })
      .def_property_readonly("audio_length", [](const Codes& c) { return c.codes.audio_length; },
                             "samples of the encoded clip")
      .def_property_readonly("bandwidth", [](const Codes& c) { return c.codes.bandwidth; }, "kbps");
  py::class_<Codec>(
      m, "Codec",
      "A neural audio codec (EnCodec, DAC, Mimi) loaded from a checkpoint folder. Immutable: "
      "encode and decode may run from several threads. threads: this codec's intra-op threads "
      "(0: the calling thread's setting).")
      .def(py::init<const std::filesystem::path&, const std::string&, int>(), py::arg("path"),
           py::arg("device") = "cpu", py::arg("threads") = 0)
      .def_property_readonly("type", [](const Codec& c) { return c.get().model_type(); })
      .def_property_readonly("sample_rate", [](const Codec& c) { return c.get().sample_rate(); })
      .def_property_readonly("channels", [](const Codec& c) { return c.get().channels(); })
      .def_property_readonly("codebook_size", [](const Codec& c) { return c.get().codebook_size(); })
      .def_property_readonly("max_quantizers", [](const Codec& c) { return c.get().max_quantizers(); })
      .def_property_readonly("frame_rate", [](const Codec& c) { return c.get().frame_rate(); },
                             "code frames per second")
      .def_property_readonly("bandwidths", [](const Codec& c) { return c.get().bandwidths(); },
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
