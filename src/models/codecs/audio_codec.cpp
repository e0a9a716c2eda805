// include/almkit/codec.h over the codec models of this folder: buffers in and out, tensors
// inside.
#include "almkit/codec.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "almkit/error.h"
#include "core/threads.h"
#include "models/codecs/codec.h"

namespace almkit {

struct AudioCodec::Impl {
  std::unique_ptr<codecs::Codec> codec;
  AudioCodecOptions options;
  at::Device device = at::kCPU;
  std::string type;
};

AudioCodec::AudioCodec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioCodec::~AudioCodec() = default;

std::unique_ptr<AudioCodec> AudioCodec::load(const std::string& folder, const AudioCodecOptions& options) {
  if (options.num_threads < 0) throw Error(ErrorCode::kInvalidArgument, "codec num_threads must be >= 0");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  try {
    impl->device = at::Device(options.device);
  } catch (const std::exception&) {
    throw Error(ErrorCode::kInvalidArgument, "device '" + options.device + "' is not a libtorch device");
  }
  const ComputeThreadsScope threads(options.num_threads);
  WeightOptions weights;
  weights.device = impl->device;
  codecs::CodecOptions codec_options;
  codec_options.causal_attention = options.causal_attention;
  impl->codec = codecs::load_codec(folder, weights, codec_options);
  impl->type = impl->codec->model_type();
  return std::unique_ptr<AudioCodec>(new AudioCodec(std::move(impl)));
}

const std::string& AudioCodec::model_type() const { return impl_->type; }
int AudioCodec::sample_rate() const { return static_cast<int>(impl_->codec->sampling_rate()); }
int AudioCodec::channels() const { return static_cast<int>(impl_->codec->channels()); }
int64_t AudioCodec::codebook_size() const { return impl_->codec->codebook_size(); }
int AudioCodec::max_quantizers() const { return static_cast<int>(impl_->codec->max_quantizers()); }
double AudioCodec::frame_rate() const { return impl_->codec->frame_rate(); }
std::vector<double> AudioCodec::bandwidths() const { return impl_->codec->bandwidths(); }
double AudioCodec::default_bandwidth() const { return impl_->codec->default_bandwidth(); }

AudioCodes AudioCodec::encode(const AudioBuffer& audio, double bandwidth) const {
  if (!(bandwidth >= 0.0)) {
    throw Error(ErrorCode::kInvalidArgument, "bandwidth must be >= 0 (0: the codec's default)");
  }
  const ComputeThreadsScope threads(impl_->options.num_threads);
  c10::InferenceMode inference;
  const double kbps = bandwidth > 0 ? bandwidth : default_bandwidth();
  const at::Tensor input = codecs::codec_input(*impl_->codec, audio, "codec input").to(impl_->device);
  const codecs::EncodedAudioCodes encoded = impl_->codec->encode(input, kbps);
  const at::Tensor codes = encoded.codes.to(at::kCPU, at::kLong).contiguous();  // [chunks, 1, n_q, frames]
  AudioCodes out;
  out.chunks = codes.size(0);
  out.quantizers = codes.size(2);
  out.frames = codes.size(3);
  out.codes.assign(codes.data_ptr<int64_t>(), codes.data_ptr<int64_t>() + codes.numel());
  for (const at::Tensor& scale : encoded.scales) {
    if (scale.defined()) out.scales.push_back(scale.to(at::kCPU, at::kFloat).reshape({-1})[0].item<float>());
  }
  out.audio_length = encoded.audio_length;
  out.sample_rate = sample_rate();
  out.bandwidth = kbps;
  return out;
}

AudioBuffer AudioCodec::decode(const AudioCodes& codes) const {
  if (codes.sample_rate != sample_rate()) {
    throw Error(ErrorCode::kInvalidArgument, "the codes come from a " + std::to_string(codes.sample_rate) +
                                                 " Hz codec; this " + impl_->type + " codec runs at " +
                                                 std::to_string(sample_rate()) + " Hz");
  }
  if (codes.chunks < 1 || codes.quantizers < 1 || codes.frames < 1 ||
      static_cast<int64_t>(codes.codes.size()) != codes.chunks * codes.quantizers * codes.frames) {
    throw Error(ErrorCode::kShapeMismatch,
                "codes hold " + std::to_string(codes.codes.size()) + " values for [chunks " +
                    std::to_string(codes.chunks) + ", quantizers " + std::to_string(codes.quantizers) + ", frames " +
                    std::to_string(codes.frames) + "] (each at least 1)");
  }
  if (!codes.scales.empty() && static_cast<int64_t>(codes.scales.size()) != codes.chunks) {
    throw Error(ErrorCode::kShapeMismatch, std::to_string(codes.scales.size()) + " scales for " +
                                               std::to_string(codes.chunks) + " chunks (one each, or none)");
  }
  if (codes.audio_length < 0) {
    throw Error(ErrorCode::kInvalidArgument, "audio_length is " + std::to_string(codes.audio_length) +
                                                 " (0: the full decoded length)");
  }
  const ComputeThreadsScope threads(impl_->options.num_threads);
  c10::InferenceMode inference;
  codecs::EncodedAudioCodes encoded;
  // the codec checks the codebook range and quantizer count, naming the bad code
  encoded.codes = at::from_blob(const_cast<int64_t*>(codes.codes.data()),
                                {codes.chunks, 1, codes.quantizers, codes.frames}, at::kLong)
                      .to(impl_->device, at::kLong, false, /*copy=*/true);
  for (float scale : codes.scales) {
    encoded.scales.push_back(at::full({1, 1}, scale, at::TensorOptions().dtype(at::kFloat).device(impl_->device)));
  }
  encoded.audio_length = codes.audio_length;
  // [1, channels, samples] -> interleaved frames
  const at::Tensor audio = impl_->codec->decode(encoded)[0].to(at::kCPU, at::kFloat).t().contiguous();
  AudioBuffer out;
  out.sample_rate = sample_rate();
  out.channels = static_cast<int>(audio.size(1));
  out.samples.assign(audio.data_ptr<float>(), audio.data_ptr<float>() + audio.numel());
  return out;
}

}  // namespace almkit
