// The codes file of `almkit codec`: safetensors with `audio_codes` [chunks, batch, quantizers,
// frames] I64, `audio_length` [1] I64, optional `audio_scales` [chunks, batch] F32, and metadata
// (model_type, bandwidth_kbps, causal_attention). `chunks` > 1 only for models that chunk their
// input themselves (48 kHz EnCodec: one entry per model chunk, as transformers' audio_codes and
// audio_scales). CodesFileWriter streams the codes of a long encode to disk as they come (the
// header is written first: the layout is known from the input's length), so a file written that
// way is byte for byte the one write_codes_file writes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "almkit/safetensors.h"
#include "models/codecs/codec.h"
#include "models/codecs/codec_chunking.h"

namespace almkit::codecs {

struct CodesFile {
  EncodedAudioCodes encoded;  // codes are a view into the mapped file (no copy)
  std::map<std::string, std::string> metadata;
  std::shared_ptr<SafetensorsFile> file;  // keeps the mapping alive
};
// Throws kInvalidFormat naming the file when audio_codes is missing or not I64.
CodesFile read_codes_file(const std::string& path);

// Writes a whole EncodedAudioCodes at once.
void write_codes_file(const std::string& path, const EncodedAudioCodes& encoded,
                      const std::map<std::string, std::string>& metadata);

// Codes [chunks, 1, quantizers, frames] appended in time order, a few frames at a time (never
// across a chunk's end); with scales, one whole chunk and its scale per append.
class CodesFileWriter {
 public:
  CodesFileWriter(const std::string& path, const CodesLayout& layout, int64_t audio_length,
                  const std::map<std::string, std::string>& metadata);
  // One chunk without scales.
  CodesFileWriter(const std::string& path, int64_t quantizers, int64_t frames, int64_t audio_length,
                  const std::map<std::string, std::string>& metadata);
  // Removes the unfinished file unless finish() succeeded.
  ~CodesFileWriter();
  CodesFileWriter(const CodesFileWriter&) = delete;
  CodesFileWriter& operator=(const CodesFileWriter&) = delete;

  // codes [1, quantizers, n] or [quantizers, n], integral; `scale` [1, 1] (or one value) when
  // the layout has scales.
  void append(const at::Tensor& codes, const at::Tensor& scale = at::Tensor());
  // Checks that every promised frame came (kInternal otherwise) and closes the file.
  void finish();

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  CodesLayout layout_;
  int64_t written_ = 0;  // frames over all chunks, in time order
  uint64_t data_start_ = 0, scales_start_ = 0;
  bool finished_ = false;
};

}  // namespace almkit::codecs
