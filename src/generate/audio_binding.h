// Which audio frames take the place of which prompt placeholders. Each row of a batch is bound
// to its own clips only, so a request can never read its neighbour's audio, and a mismatch names
// the row at fault.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace almkit {

// The placeholder layout of one prompt row against its clips' frame counts: either one
// placeholder per clip (transformers <= 4.47, expanded here) or one per frame (>= 4.48 processors
// expand it). Throws kInvalidArgument naming `row_name` when neither fits.
enum class PlaceholderLayout { kNone, kOnePerClip, kOnePerFrame };
PlaceholderLayout check_row_audio(const int64_t* ids, int64_t length, int64_t audio_token_id,
                                  const std::vector<int64_t>& clip_frames, const std::string& row_name);

// clips_per_row from the placeholders when the caller did not say: rows take clips in order,
// each as many as its placeholders need (the layout of a reference file's batch).
std::vector<int64_t> infer_clips_per_row(const at::Tensor& ids, int64_t audio_token_id,
                                         const std::vector<int64_t>& clip_frames);

struct SplicedPrompt {
  at::Tensor embeddings;      // [B, T', hidden]
  at::Tensor attention_mask;  // [B, T'] int64
  at::Tensor audio_mask;      // [B, T'] int64
};

// Replaces each row's placeholders with its clips' frames (`audio` [clips, frames, hidden], real
// frames `clip_frames`); rows are re-padded to the longest, on the side the batch was padded.
SplicedPrompt splice_audio(const at::Tensor& ids, const at::Tensor& attention_mask, const at::Tensor& text_embeddings,
                           const at::Tensor& audio, const std::vector<int64_t>& clip_frames,
                           const std::vector<int64_t>& clips_per_row, int64_t audio_token_id);

}  // namespace almkit
