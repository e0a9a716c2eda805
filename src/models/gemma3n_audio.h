// The audio path of Gemma 3n (Gemma3nForConditionalGeneration): its own log-mel front end
// (Gemma3nAudioFeatureExtractor: 32 ms frames with HTK pre-emphasis, magnitude spectrum, HTK mel
// 125-7600 Hz, natural log), the USM conformer encoder (Gemma3nAudioEncoder: two strided
// convolutions with cumulative group norm, conformer blocks with chunked local attention and
// soft-capped logits, every conf_reduction_factor-th frame kept) and the audio embedder
// (Gemma3nMultimodalEmbedder on soft tokens) as the projector. The Gemma 3n text LM (AltUp,
// Laurel, per-layer inputs) is not implemented: the parts have no language model.
#pragma once

#include "models/config.h"
#include "models/model_parts.h"

namespace almkit {

// config: a Gemma3nConfig (model_type "gemma3n": audio_config, text_config; the vision tower and
// the text LM's tensors are ignored), or a folder holding only the audio path: top-level
// "audio_config" (model_type "gemma3n_audio") and "text_hidden_size".
ModelParts build_gemma3n_audio(const ModelConfig& config, WeightStore& weights);

}  // namespace almkit
