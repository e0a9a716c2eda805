// Whisper log-mel and Kaldi fbank (include/almkit/features.h): the option structs with their own
// field names, the extractor classes, and one-call helpers the Python layer builds on.
#include "almkit/features.h"

#include <pybind11/stl/filesystem.h>

#include "bindings.h"

namespace almkit::python {
namespace {

py::array_t<float> tensor_to_numpy(const FeatureTensor& tensor) {
  return to_numpy(tensor.values, tensor.shape);
}

// (features [batch, bins, frames] or [batch, frames, bins], attention_mask [batch, frames]).
py::tuple batch_to_numpy(const FeatureBatch& batch) {
  const int64_t items = batch.features.shape.empty() ? 0 : batch.features.shape[0];
  const int64_t frames = items > 0 ? static_cast<int64_t>(batch.attention_mask.size()) / items : 0;
  return py::make_tuple(tensor_to_numpy(batch.features),
                        to_numpy(batch.attention_mask, {items, frames}));
}

std::vector<std::vector<float>> clips_from(const std::vector<FloatArray>& clips) {
  std::vector<std::vector<float>> out;
  for (const FloatArray& clip : clips) {
    if (clip.ndim() != 1)
      throw Error(ErrorCode::kShapeMismatch, "each clip must be 1-D mono samples");
    out.emplace_back(clip.data(), clip.data() + clip.size());
  }
  return out;
}

}  // namespace

void register_features(py::module_& m) {
  py::class_<WhisperMelOptions>(
      m, "WhisperMelOptions",
      "WhisperFeatureExtractor's preprocessor_config.json fields, one for one.")
      .def(py::init<>())
      .def_readwrite("feature_size", &WhisperMelOptions::feature_size)
      .def_readwrite("sampling_rate", &WhisperMelOptions::sampling_rate)
      .def_readwrite("n_fft", &WhisperMelOptions::n_fft)
      .def_readwrite("hop_length", &WhisperMelOptions::hop_length)
      .def_readwrite("chunk_length", &WhisperMelOptions::chunk_length)
      .def_readwrite("pad_to_chunk", &WhisperMelOptions::pad_to_chunk)
      .def_readwrite("num_threads", &WhisperMelOptions::num_threads);

  py::class_<WhisperMel>(
      m, "WhisperMel",
      "Whisper log-mel spectrogram exactly as transformers' WhisperFeatureExtractor.")
      .def(py::init<const WhisperMelOptions&>(), py::arg("options"))
      .def_property_readonly("options", &WhisperMel::options)
      .def("num_frames", &WhisperMel::num_frames, py::arg("num_samples"))
      .def(
          "compute",
          [](const WhisperMel& mel, const FloatArray& samples) {
            if (samples.ndim() != 1)
              throw Error(ErrorCode::kShapeMismatch, "whisper_mel expects 1-D mono samples");
            FeatureBatch batch;
            {
              py::gil_scoped_release release;
              batch = mel.compute(samples.data(), samples.size());
            }
            return batch_to_numpy(batch);
          },
          py::arg("samples"),
          "One clip -> (features [1, bins, frames], attention_mask [1, frames]).")
      .def(
          "compute_batch",
          [](const WhisperMel& mel, const std::vector<FloatArray>& clips) {
            const auto vectors = clips_from(clips);
            FeatureBatch batch;
            {
              py::gil_scoped_release release;
              batch = mel.compute_batch(vectors);
            }
            return batch_to_numpy(batch);
          },
          py::arg("clips"), "Several clips (unpadded form: zero-padded to the longest).")
      .def_property_readonly("mel_filters", [](const WhisperMel& mel) {
        const int64_t bins = mel.options().feature_size;
        const auto& filters = mel.mel_filters();
        return to_numpy(filters, {static_cast<int64_t>(filters.size()) / bins, bins});
      });

  py::class_<KaldiFbankOptions> options(
      m, "KaldiFbankOptions",
      "torchaudio.compliance.kaldi.fbank's keyword arguments, one for one.");
  options.def(py::init<>())
      .def_readwrite("blackman_coeff", &KaldiFbankOptions::blackman_coeff)
      .def_readwrite("channel", &KaldiFbankOptions::channel)
      .def_readwrite("dither", &KaldiFbankOptions::dither)
      .def_readwrite("energy_floor", &KaldiFbankOptions::energy_floor)
      .def_readwrite("frame_length", &KaldiFbankOptions::frame_length)
      .def_readwrite("frame_shift", &KaldiFbankOptions::frame_shift)
      .def_readwrite("high_freq", &KaldiFbankOptions::high_freq)
      .def_readwrite("htk_compat", &KaldiFbankOptions::htk_compat)
      .def_readwrite("low_freq", &KaldiFbankOptions::low_freq)
      .def_readwrite("min_duration", &KaldiFbankOptions::min_duration)
      .def_readwrite("num_mel_bins", &KaldiFbankOptions::num_mel_bins)
      .def_readwrite("preemphasis_coefficient", &KaldiFbankOptions::preemphasis_coefficient)
      .def_readwrite("raw_energy", &KaldiFbankOptions::raw_energy)
      .def_readwrite("remove_dc_offset", &KaldiFbankOptions::remove_dc_offset)
      .def_readwrite("round_to_power_of_two", &KaldiFbankOptions::round_to_power_of_two)
      .def_readwrite("sample_frequency", &KaldiFbankOptions::sample_frequency)
      .def_readwrite("snip_edges", &KaldiFbankOptions::snip_edges)
      .def_readwrite("subtract_mean", &KaldiFbankOptions::subtract_mean)
      .def_readwrite("use_energy", &KaldiFbankOptions::use_energy)
      .def_readwrite("use_log_fbank", &KaldiFbankOptions::use_log_fbank)
      .def_readwrite("use_power", &KaldiFbankOptions::use_power)
      .def_readwrite("vtln_high", &KaldiFbankOptions::vtln_high)
      .def_readwrite("vtln_low", &KaldiFbankOptions::vtln_low)
      .def_readwrite("vtln_warp", &KaldiFbankOptions::vtln_warp)
      .def_readwrite("window_type", &KaldiFbankOptions::window_type)
      .def_readwrite("dither_seed", &KaldiFbankOptions::dither_seed)
      .def_readwrite("num_threads", &KaldiFbankOptions::num_threads);

  py::class_<KaldiFbank>(m, "KaldiFbank",
                         "Kaldi filterbank features as torchaudio.compliance.kaldi.fbank.")
      .def(py::init<const KaldiFbankOptions&>(), py::arg("options"))
      .def_property_readonly("options", &KaldiFbank::options)
      .def("num_frames", &KaldiFbank::num_frames, py::arg("num_samples"))
      .def_property_readonly("num_features", &KaldiFbank::num_features)
      .def(
          "compute",
          [](const KaldiFbank& fbank, const FloatArray& samples) {
            if (samples.ndim() != 1)
              throw Error(ErrorCode::kShapeMismatch, "kaldi_fbank expects 1-D mono samples here");
            FeatureTensor tensor;
            {
              py::gil_scoped_release release;
              tensor = fbank.compute(samples.data(), samples.size());
            }
            return tensor_to_numpy(tensor);
          },
          py::arg("samples"), "Mono samples (scale as given) -> [frames, features].");

  py::class_<FeatureExtractor>(m, "FeatureExtractor",
                               "The features a checkpoint's preprocessor_config.json asks for.")
      .def_property_readonly("kind", &FeatureExtractor::kind)
      .def_property_readonly("sampling_rate", &FeatureExtractor::sampling_rate)
      .def_property_readonly("max_seconds", &FeatureExtractor::max_seconds,
                             "the longest clip the model's processor takes")
      .def(
          "extract",
          [](const FeatureExtractor& extractor, const std::vector<FloatArray>& clips,
             int sample_rate) {
            std::vector<AudioBuffer> buffers;
            for (const FloatArray& clip : clips)
              buffers.push_back(numpy_to_audio(clip, sample_rate, "clip"));
            FeatureBatch batch;
            {
              py::gil_scoped_release release;
              batch = extractor.extract(buffers);
            }
            return batch_to_numpy(batch);
          },
          py::arg("clips"), py::arg("sample_rate"));
  m.def(
      "load_feature_extractor",
      [](const std::filesystem::path& path) { return load_feature_extractor(path.string()); },
      py::arg("path"), "The extractor of <folder>/preprocessor_config.json (or that file's path).");
}

}  // namespace almkit::python
