#include "runtime/reference_check.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <map>
#include <set>

#include "almkit/error.h"
#include "core/cpu_allocator.h"
#include "core/threads.h"
#include "almkit/safetensors.h"
#include "generate/pipeline.h"
#include "models/codecs/codec.h"
#include "models/codecs/codec_reference_check.h"
#include "models/config.h"
#include "models/registry.h"
#include "research/interventions_reference_check.h"
#include "runtime/reference_comparer.h"

namespace almkit {
namespace {

// Inputs the reference files feed the model; everything else is an output to reproduce.
const std::set<std::string> kInputs = {"input_features", "feature_attention_mask", "input_features_mask", "input_ids",
                                       "attention_mask", "mrope_position_ids", "decoder_input_ids", "waveform",
                                       "waveform_padded", "input_values", "waveform_lengths", "waveform_0", "waveform_1",
                                       "waveform_2", "waveform_3",
                                       // Ultravox's forward arguments (the ids carry the layout)
                                       "audio_values", "audio_lens", "audio_token_len",
                                       "audio_token_start_idx", "audio_batch_size",
                                       // a projector-only checkpoint's input
                                       "encoder_hidden_states"};

// The shared comparer plus the row layout of projected audio features.
class Checker : public ReferenceComparer {
 public:
  Checker(const SafetensorsFile& io, const ReferenceCheckOptions& options) : ReferenceComparer(io, options, kInputs) {}

  // A 2-D reference [rows, width] holding every clip's projected rows one after the other
  // (transformers >= 4.5x). Where it holds more rows per clip than the prompt reads (Audio
  // Flamingo 3's pooler output keeps min((L - 2) / 2 + 1, frames) rows of a clip of L mel
  // frames, the rest encoder outputs at padded positions), each clip's own rows are compared at
  // its block's start.
  void compare_rows(const std::string& name, const EncodedAudio& got, const at::Tensor& mel_frames,
                    int64_t encoder_frames) {
    const at::Tensor expected = reference(name);
    const at::Tensor lengths = got.output_lengths.to(at::kCPU).to(at::kLong);
    std::vector<int64_t> blocks;
    int64_t ours = 0, theirs = 0;
    for (int64_t c = 0; c < lengths.size(0); ++c) ours += lengths[c].item<int64_t>();
    if (expected.size(0) != ours && mel_frames.defined()) {
      for (int64_t c = 0; c < lengths.size(0); ++c) {
        blocks.push_back(std::min((mel_frames[c].item<int64_t>() - 2) / 2 + 1, encoder_frames));
        theirs += blocks.back();
      }
    }
    const bool padded_blocks = !blocks.empty() && theirs == expected.size(0);
    std::vector<at::Tensor> rows, keep;
    for (int64_t c = 0; c < lengths.size(0); ++c) {
      const int64_t n = lengths[c].item<int64_t>();
      rows.push_back(got.hidden[c].narrow(0, 0, n));
      if (padded_blocks) {
        at::Tensor block = at::zeros({blocks[c]}, at::TensorOptions().dtype(at::kLong));
        block.narrow(0, 0, std::min(n, blocks[c])).fill_(1);
        keep.push_back(block);
        if (blocks[c] > n) rows.push_back(at::zeros({blocks[c] - n, got.hidden.size(2)}, got.hidden.options()));
      }
    }
    const at::Tensor all = at::cat(rows, 0);
    compare(name, padded_blocks ? all.narrow(0, 0, expected.size(0)) : all, padded_blocks ? at::cat(keep, 0) : at::Tensor());
  }
};

// The clips of a reference file: `waveform` ([samples] or zero-padded rows [B, samples] with
// `waveform_lengths`) or `waveform_0`, `waveform_1`, ..., at 16 kHz.
std::vector<AudioBuffer> reference_waveforms(const Checker& check) {
  std::vector<at::Tensor> rows;
  if (check.has("waveform")) {
    const at::Tensor all = check.reference("waveform");
    for (int64_t r = 0; r < (all.dim() == 1 ? 1 : all.size(0)); ++r) {
      at::Tensor row = all.dim() == 1 ? all : all[r];
      if (check.has("waveform_lengths")) row = row.narrow(0, 0, check.reference("waveform_lengths")[r].item<int64_t>());
      rows.push_back(row);
    }
  }
  for (int i = 0; check.has("waveform_" + std::to_string(i)); ++i) rows.push_back(check.reference("waveform_" + std::to_string(i)));
  std::vector<AudioBuffer> clips;
  for (const at::Tensor& row : rows) {
    const at::Tensor samples = row.to(at::kFloat).contiguous();
    clips.push_back({16000, 1, std::vector<float>(samples.data_ptr<float>(), samples.data_ptr<float>() + samples.numel())});
  }
  return clips;
}

}  // namespace

bool ReferenceReport::ok() const {
  if (!unknown.empty() || rows.empty()) return false;
  return std::all_of(rows.begin(), rows.end(), [](const ReferenceRow& row) { return row.ok; });
}

ReferenceReport run_reference_check(const std::string& model_dir, const std::string& io_path,
                                    const ReferenceCheckOptions& options) {
  install_caching_cpu_allocator();
  const ComputeThreadsScope threads(options.threads);
  auto io = SafetensorsFile::open(io_path);
  // the research fixture (read-outs, steering, patching, gradients): src/research/
  if (is_interventions_file(*io)) return run_interventions_reference_check(model_dir, io_path, options);
  if (codecs::is_codec_model_type(ModelConfig::load(model_dir).model_type())) {
    Checker check(*io, options);
    for (const auto& item : codecs::compute_codec_reference_tensors(model_dir, *io)) {
      check.compare(item.name, item.tensor, at::Tensor(), item.allowed_flip_rate);
    }
    return check.finish();
  }
  WeightOptions weights;
  weights.int8_linear = options.int8_weights;
  Pipeline pipeline(load_model_parts(model_dir, weights));
  Checker check(*io, options);

  // A projector-only checkpoint (a Q-Former bridge): encoder states in, projected rows out; the
  // last internal layer's output is its `query_output`.
  if (check.has("encoder_hidden_states") && pipeline.parts().projector) {
    const at::Tensor states = check.reference("encoder_hidden_states");
    const EncodedAudio encoded{states, at::full({states.size(0)}, states.size(1), at::TensorOptions().dtype(at::kLong))};
    at::Tensor last_layer;
    LayerHook hook;
    hook.callback = [&](const std::string& stack, int, at::Tensor& hidden, const at::Tensor&) {
      if (stack == "projector") last_layer = hidden.clone();
    };
    const EncodedAudio projected = pipeline.project(encoded, &hook);
    if (check.has("projected")) check.compare("projected", projected.hidden);
    if (check.has("query_output") && last_layer.defined()) check.compare("query_output", last_layer);
  }

  // The checkpoint's own front end on the reference waveforms, against the features the
  // reference fed its model.
  const std::vector<AudioBuffer> waveforms = reference_waveforms(check);
  const std::string features_name = check.has("input_features") ? "input_features" : "audio_values";
  if (!waveforms.empty() && pipeline.parts().encoder && check.has(features_name)) {
    const FeatureBatch batch = pipeline.parts().encoder->features().extract(waveforms);
    const at::Tensor ours = at::from_blob(const_cast<float*>(batch.features.values.data()), batch.features.shape,
                                          at::TensorOptions().dtype(at::kFloat)).clone();
    check.compare(features_name, ours, at::Tensor(), 0.0, features_name + " (front end)");
  }

  EncodedAudio projected;
  bool have_audio = false;
  if (check.has(features_name)) {
    const at::Tensor features = check.reference(features_name);
    at::Tensor lengths;  // undefined: every frame is real (the encoder knows its layout)
    for (const char* mask : {"feature_attention_mask", "input_features_mask"}) {
      if (!check.has(mask)) continue;
      const at::Tensor frames = check.reference(mask);
      // the mask spans the frame axis: [B, bins, frames] (Whisper) or [B, frames, bins] (Gemma 3n)
      if (frames.dim() == 2 && features.dim() == 3 &&
          (frames.size(1) == features.size(2) || frames.size(1) == features.size(1))) {
        lengths = frames.sum(-1);
      }
    }
    if (check.has("audio_lens")) lengths = check.reference("audio_lens");
    const EncodedAudio encoded = pipeline.encode(features, lengths);
    const at::Tensor valid = encoded.frame_mask();
    for (const char* name : {"encoder_last_hidden_state", "audio_tower_last_hidden_state", "encoder_output",
                             "audio_encodings"}) {
      if (check.has(name)) check.compare(name, encoded.hidden, valid);
    }
    if (check.has("audio_mask")) check.compare("audio_mask", valid.logical_not().to(at::kLong));  // 1 = padding
    projected = pipeline.project(encoded);
    // A mask over the projected rows (Granite Speech's input_features_mask): each clip's own
    // count where a batch ran over its padded length.
    for (const char* mask : {"input_features_mask", "audio_features_mask"}) {
      if (!check.has(mask)) continue;
      const at::Tensor rows = check.reference(mask);
      if (rows.dim() == 2 && rows.size(0) == projected.hidden.size(0) && rows.size(1) == projected.hidden.size(1) &&
          (!lengths.defined() || rows.size(1) != features.size(2))) {
        projected.output_lengths = rows.sum(-1);
      }
    }
    for (const char* name : {"audio_features", "audio_embeds"}) {
      if (!check.has(name)) continue;
      if (check.reference(name).dim() == 3) {
        check.compare(name, projected.hidden, projected.frame_mask());
      } else {
        check.compare_rows(name, projected, lengths.defined() ? lengths : at::Tensor(), encoded.hidden.size(1));  // newer releases: every clip's rows one after the other
      }
    }
    have_audio = true;
  }

  const std::string ids_name = check.has("decoder_input_ids") ? "decoder_input_ids" : "input_ids";
  if (check.has(ids_name)) {
    const LanguageModel& lm = pipeline.language_model();
    for (const auto& [name, tensor] : lm.reference_tensors()) {
      if (check.has(name)) check.compare(name, tensor);
    }
    const at::Tensor ids = check.reference(ids_name);
    const at::Tensor mask = check.has("attention_mask") ? check.reference("attention_mask") : at::Tensor();
    nn::KvCache cache = lm.new_cache();
    const DecoderInput input = pipeline.prepare(ids, mask, have_audio ? &projected : nullptr, cache);
    const at::Tensor hidden = lm.forward(input, cache, nullptr);
    const at::Tensor real = input.attention_mask;
    if (check.has("logits")) check.compare("logits", lm.logits(hidden), real);
    if (check.has("decoder_last_hidden_state")) check.compare("decoder_last_hidden_state", hidden, real);
    if (check.has("merged_attention_mask")) check.compare("merged_attention_mask", input.attention_mask);
    if (check.has("position_ids")) check.compare("position_ids", input.positions);
    if (check.has("rope_deltas")) {
      // get_rope_index's continuation offset: the largest position + 1 - the row's real tokens.
      const at::Tensor largest = input.positions.dim() == 3 ? input.positions.amax({0, 2}) : input.positions.amax({1});
      check.compare("rope_deltas", (largest + 1 - input.attention_mask.sum(-1)).unsqueeze(1));
    }
    if (check.has("mrope_position_ids") && check.has("mrope_logits")) {
      // Hand-made distinct positions on the three rotary axes (the section split on its own).
      DecoderInput distinct = input;
      distinct.positions = check.reference("mrope_position_ids");
      nn::KvCache fresh = lm.new_cache();
      check.compare("mrope_logits", lm.logits(lm.forward(distinct, fresh, nullptr)), real);
    }
  }

  for (const std::string prefix : {"greedy", "generate"}) {
    if (!check.has(prefix + "_ids")) continue;
    const LanguageModel& lm = pipeline.language_model();
    const at::Tensor expected = check.reference(prefix + "_ids");
    const bool has_steps = check.has(prefix + "_step_logits");
    int64_t steps;
    if (has_steps) {
      steps = check.reference(prefix + "_step_logits").size(1);
    } else if (check.has("input_ids")) {
      steps = expected.size(1) - check.reference("input_ids").size(1);
    } else {
      throw Error(ErrorCode::kInvalidFormat, io_path + ": cannot tell the prompt of '" + prefix + "_ids'");
    }
    const at::Tensor prompt = expected.narrow(1, 0, expected.size(1) - steps);
    at::Tensor mask;
    if (check.has("attention_mask") && check.reference("attention_mask").size(1) == prompt.size(1)) {
      mask = check.reference("attention_mask");
    }
    nn::KvCache cache = lm.new_cache();
    const DecoderInput input = pipeline.prepare(prompt, mask, have_audio ? &projected : nullptr, cache);
    SamplingOptions sampling;
    sampling.max_new_tokens = steps;
    sampling.keep_step_logits = has_steps;
    sampling.stop_at_eos = false;  // the fixtures ran all steps (eos_token_id=None)
    const Generation generation = pipeline.generate(input, cache, sampling);
    // transformers pads finished rows with pad_token_id up to the longest row.
    const int64_t pad = pipeline.parts().generation.pad_token_id;
    at::Tensor got = at::full({prompt.size(0), steps}, pad, at::TensorOptions().dtype(at::kLong));
    for (int64_t r = 0; r < prompt.size(0); ++r) {
      for (size_t i = 0; i < generation.tokens[r].size(); ++i) got[r][i] = generation.tokens[r][i];
    }
    check.compare(prefix + "_ids", at::cat({prompt, got}, 1));
    if (has_steps) {
      const at::Tensor step_reference = check.reference(prefix + "_step_logits");
      if (generation.step_logits.size(1) == steps) {
        check.compare(prefix + "_step_logits", generation.step_logits);
      } else {  // stopped early at eos: compare the steps that ran
        check.compare(prefix + "_step_logits",
                      at::cat({generation.step_logits,
                               step_reference.narrow(1, generation.step_logits.size(1),
                                                     steps - generation.step_logits.size(1))}, 1));
      }
    }
  }
  return check.finish();
}

}  // namespace almkit
