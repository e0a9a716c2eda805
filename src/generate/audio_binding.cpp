#include "generate/audio_binding.h"

#include <algorithm>
#include <numeric>

#include "almkit/error.h"

namespace almkit {

PlaceholderLayout check_row_audio(const int64_t* ids, int64_t length, int64_t audio_token_id,
                                  const std::vector<int64_t>& clip_frames, const std::string& row_name) {
  const int64_t placeholders = std::count(ids, ids + length, audio_token_id);
  const auto clips = static_cast<int64_t>(clip_frames.size());
  const int64_t frames = std::accumulate(clip_frames.begin(), clip_frames.end(), int64_t{0});
  if (placeholders == 0 && clips == 0) return PlaceholderLayout::kNone;
  if (clips > 0 && placeholders == clips) return PlaceholderLayout::kOnePerClip;
  if (clips > 0 && placeholders == frames) return PlaceholderLayout::kOnePerFrame;
  throw Error(ErrorCode::kInvalidArgument,
              row_name + ": its prompt has " + std::to_string(placeholders) + " audio placeholder(s) (id " +
                  std::to_string(audio_token_id) + ") for its " + std::to_string(clips) + " clip(s) of " +
                  std::to_string(frames) + " frames: expected one per clip or one per frame");
}

std::vector<int64_t> infer_clips_per_row(const at::Tensor& ids, int64_t audio_token_id,
                                         const std::vector<int64_t>& clip_frames) {
  const at::Tensor cpu = ids.to(at::kCPU).to(at::kLong).contiguous();
  const int64_t rows = cpu.size(0), width = cpu.size(1);
  const auto* id = cpu.data_ptr<int64_t>();
  const bool one_per_clip = std::count(id, id + rows * width, audio_token_id) == static_cast<int64_t>(clip_frames.size());
  std::vector<int64_t> per_row(rows, 0);
  size_t next = 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t placeholders = std::count(id + r * width, id + (r + 1) * width, audio_token_id);
    while (placeholders > 0 && next < clip_frames.size()) {
      placeholders -= one_per_clip ? 1 : clip_frames[next];
      ++per_row[r];
      ++next;
    }
  }
  return per_row;
}

SplicedPrompt splice_audio(const at::Tensor& ids, const at::Tensor& attention_mask, const at::Tensor& text_embeddings,
                           const at::Tensor& audio, const std::vector<int64_t>& clip_frames,
                           const std::vector<int64_t>& clips_per_row, int64_t audio_token_id) {
  const at::Tensor ids_cpu = ids.to(at::kCPU).to(at::kLong).contiguous();
  const at::Tensor mask_cpu = attention_mask.to(at::kCPU).to(at::kLong).contiguous();
  const int64_t rows = ids.size(0), width = ids.size(1);
  const auto* id = ids_cpu.data_ptr<int64_t>();
  const auto* mask = mask_cpu.data_ptr<int64_t>();
  if (static_cast<int64_t>(clips_per_row.size()) != rows) {
    throw Error(ErrorCode::kInternal, "splice_audio: clips_per_row has " + std::to_string(clips_per_row.size()) +
                                          " rows for a batch of " + std::to_string(rows));
  }
  if (std::accumulate(clips_per_row.begin(), clips_per_row.end(), int64_t{0}) != static_cast<int64_t>(clip_frames.size())) {
    throw Error(ErrorCode::kInvalidArgument, "the batch's rows claim a different number of clips than were given (" +
                                                 std::to_string(clip_frames.size()) + ")");
  }
  // Right padding when any row ends in padding, as transformers decides it.
  bool right_padded = false;
  for (int64_t r = 0; r < rows; ++r) right_padded |= mask[r * width + width - 1] == 0;
  const at::ScalarType dtype = text_embeddings.scalar_type();
  std::vector<std::vector<at::Tensor>> pieces(rows);
  std::vector<std::vector<int64_t>> row_masks(rows), row_audio(rows);
  int64_t first_clip = 0, longest = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<int64_t> frames(clip_frames.begin() + first_clip,
                                      clip_frames.begin() + first_clip + clips_per_row[r]);
    const PlaceholderLayout layout =
        check_row_audio(id + r * width, width, audio_token_id, frames, "batch row " + std::to_string(r));
    int64_t clip = first_clip, frame_in_clip = 0, text_start = 0;
    auto flush_text = [&](int64_t end) {  // text tokens [text_start, end) as one piece
      if (end > text_start) pieces[r].push_back(text_embeddings[r].narrow(0, text_start, end - text_start));
      for (int64_t t = text_start; t < end; ++t) {
        row_masks[r].push_back(mask[r * width + t]);
        row_audio[r].push_back(0);
      }
    };
    for (int64_t t = 0; t < width; ++t) {
      if (id[r * width + t] != audio_token_id) continue;
      flush_text(t);
      text_start = t + 1;
      const int64_t n = layout == PlaceholderLayout::kOnePerClip ? clip_frames[clip] : 1;
      pieces[r].push_back(audio[clip].narrow(0, frame_in_clip, n).to(dtype));
      row_masks[r].insert(row_masks[r].end(), n, 1);
      row_audio[r].insert(row_audio[r].end(), n, 1);
      frame_in_clip += n;
      if (frame_in_clip == clip_frames[clip]) {
        ++clip;
        frame_in_clip = 0;
      }
    }
    flush_text(width);
    first_clip += clips_per_row[r];
    longest = std::max<int64_t>(longest, static_cast<int64_t>(row_masks[r].size()));
  }
  std::vector<at::Tensor> embedded_rows;
  std::vector<int64_t> merged_mask, merged_audio;
  for (int64_t r = 0; r < rows; ++r) {
    at::Tensor row = at::cat(pieces[r], 0);
    const int64_t pad = longest - row.size(0);
    if (pad > 0) {
      const at::Tensor zeros = at::zeros({pad, row.size(1)}, row.options());
      row = right_padded ? at::cat({row, zeros}, 0) : at::cat({zeros, row}, 0);
      row_masks[r].insert(right_padded ? row_masks[r].end() : row_masks[r].begin(), pad, 0);
      row_audio[r].insert(right_padded ? row_audio[r].end() : row_audio[r].begin(), pad, 0);
    }
    embedded_rows.push_back(row);
    merged_mask.insert(merged_mask.end(), row_masks[r].begin(), row_masks[r].end());
    merged_audio.insert(merged_audio.end(), row_audio[r].begin(), row_audio[r].end());
  }
  const auto options = at::TensorOptions().dtype(at::kLong);
  return {at::stack(embedded_rows, 0), at::tensor(merged_mask, options).view({rows, longest}).to(ids.device()),
          at::tensor(merged_audio, options).view({rows, longest}).to(ids.device())};
}

}  // namespace almkit
