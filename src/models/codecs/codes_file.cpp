#include "models/codecs/codes_file.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "almkit/error.h"

namespace almkit::codecs {

CodesFile read_codes_file(const std::string& path) {
  CodesFile out;
  out.file = SafetensorsFile::open(path);
  out.metadata = out.file->metadata();
  if (!out.file->contains("audio_codes")) {
    throw Error(ErrorCode::kInvalidFormat, path + ": no audio_codes tensor (not a codes file?)");
  }
  const TensorView& view = out.file->tensor("audio_codes");
  if (view.dtype != DType::kI64)
    throw Error(ErrorCode::kInvalidFormat, path + ": audio_codes must be I64");
  if (reinterpret_cast<uintptr_t>(view.data) % alignof(int64_t) != 0) {  // an odd writer: copy
    out.encoded.codes =
        at::from_blob(const_cast<void*>(view.data), view.shape, at::kByte).clone().view(at::kLong);
  } else {
    // Read only: the codecs narrow and index the codes, never write them.
    out.encoded.codes = at::from_blob(const_cast<void*>(view.data), view.shape, at::kLong);
  }
  if (out.file->contains("audio_length")) {
    const TensorView& length = out.file->tensor("audio_length");
    if (length.dtype != DType::kI64 || length.numel() != 1) {
      throw Error(ErrorCode::kInvalidFormat, path + ": audio_length must be one I64");
    }
    std::memcpy(&out.encoded.audio_length, length.data, sizeof(int64_t));
  }
  if (out.file->contains("audio_scales")) {
    const TensorView& scales = out.file->tensor("audio_scales");
    if (scales.dtype != DType::kF32)
      throw Error(ErrorCode::kInvalidFormat, path + ": audio_scales must be F32");
    const at::Tensor all =
        at::from_blob(const_cast<void*>(scales.data), scales.shape, at::kFloat).clone();
    for (int64_t c = 0; c < all.size(0); ++c) out.encoded.scales.push_back(all[c].view({-1, 1}));
  }
  return out;
}

void write_codes_file(const std::string& path, const EncodedAudioCodes& encoded,
                      const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer;
  const at::Tensor codes = encoded.codes.to(at::kLong).contiguous();
  writer.add("audio_codes", DType::kI64, codes.sizes().vec(), codes.data_ptr(), codes.nbytes());
  writer.add_i64("audio_length", {1}, {encoded.audio_length});
  if (!encoded.scales.empty() && encoded.scales[0].defined()) {
    const at::Tensor scales =
        at::stack(encoded.scales).reshape({codes.size(0), codes.size(1)}).contiguous();
    writer.add("audio_scales", DType::kF32, scales.sizes().vec(), scales.data_ptr(),
               scales.nbytes());
  }
  for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
  writer.write(path);
}

CodesFileWriter::CodesFileWriter(const std::string& path, int64_t quantizers, int64_t frames,
                                 int64_t audio_length,
                                 const std::map<std::string, std::string>& metadata)
    : CodesFileWriter(path, CodesLayout{1, quantizers, frames, false}, audio_length, metadata) {}

CodesFileWriter::CodesFileWriter(const std::string& path, const CodesLayout& layout,
                                 int64_t audio_length,
                                 const std::map<std::string, std::string>& metadata)
    : path_(path), layout_(layout) {
  if (layout.chunks < 1 || layout.quantizers < 1 || layout.frames < 1) {
    throw Error(ErrorCode::kInternal, path + ": a codes layout of " +
                                          std::to_string(layout.chunks) + " x " +
                                          std::to_string(layout.quantizers) + " x " +
                                          std::to_string(layout.frames));
  }
  const uint64_t codes_bytes = static_cast<uint64_t>(layout.chunks) * layout.quantizers *
                               layout.frames * sizeof(int64_t);
  // The order write_codes_file (SafetensorsWriter) gives: codes, length, scales.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  header["audio_codes"] = {{"dtype", "I64"},
                           {"shape", {layout.chunks, 1, layout.quantizers, layout.frames}},
                           {"data_offsets", {uint64_t{0}, codes_bytes}}};
  header["audio_length"] = {
      {"dtype", "I64"}, {"shape", {1}}, {"data_offsets", {codes_bytes, codes_bytes + 8}}};
  const uint64_t scales_offset = codes_bytes + 8;
  const uint64_t scales_bytes = layout.scales ? layout.chunks * sizeof(float) : 0;
  if (layout.scales) {
    header["audio_scales"] = {{"dtype", "F32"},
                              {"shape", {layout.chunks, 1}},
                              {"data_offsets", {scales_offset, scales_offset + scales_bytes}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // tensor data 8-byte aligned, as SafetensorsWriter
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw Error(ErrorCode::kIo, "cannot write '" + path + "'");
  const uint64_t header_size = text.size();
  data_start_ = 8 + header_size;
  scales_start_ = data_start_ + scales_offset;
  bool ok = std::fwrite(&header_size, 8, 1, file_) == 1 &&
            std::fwrite(text.data(), 1, text.size(), file_) == text.size();
  // The audio_length first (after the codes) and the scales' end, so the file has its final
  // size from the start and every block is written in place.
  ok = ok && fseeko(file_, static_cast<off_t>(data_start_ + codes_bytes), SEEK_SET) == 0 &&
       std::fwrite(&audio_length, 8, 1, file_) == 1;
  const float zero = 0.f;
  if (layout.scales) {
    ok = ok &&
         fseeko(file_, static_cast<off_t>(scales_start_ + scales_bytes - 4), SEEK_SET) == 0 &&
         std::fwrite(&zero, 4, 1, file_) == 1;
  }
  if (!ok) throw Error(ErrorCode::kIo, "writing '" + path + "' failed (disk full?)");
}

CodesFileWriter::~CodesFileWriter() {
  if (file_) std::fclose(file_);
  if (!finished_) std::remove(path_.c_str());
}

void CodesFileWriter::append(const at::Tensor& block, const at::Tensor& scale) {
  const at::Tensor codes = (block.dim() == 3 ? block[0] : block).to(at::kLong).contiguous();
  const int64_t quantizers = layout_.quantizers, frames = layout_.frames;
  const int64_t chunk = written_ / frames, offset = written_ % frames;
  const int64_t n = codes.dim() == 2 ? codes.size(1) : -1;
  const bool fits = codes.dim() == 2 && codes.size(0) == quantizers && chunk < layout_.chunks &&
                    offset + n <= frames && (!layout_.scales || (offset == 0 && n == frames));
  if (!fits) {
    throw Error(ErrorCode::kInternal,
                path_ + ": a codes block of shape " + std::to_string(codes.size(0)) + " x " +
                    std::to_string(codes.size(-1)) + " does not fit " +
                    std::to_string(layout_.chunks) + " chunk(s) x " + std::to_string(quantizers) +
                    " quantizers x " + std::to_string(frames) + " frames (" +
                    std::to_string(written_) + " written)");
  }
  if (layout_.scales != (scale.defined() && scale.numel() == 1)) {
    throw Error(ErrorCode::kInternal, path_ + (layout_.scales ? ": every chunk needs its scale"
                                                              : ": the layout has no scales"));
  }
  // Row q of chunk c of [chunks, 1, quantizers, frames] starts at (c * quantizers + q) * frames.
  for (int64_t q = 0; q < quantizers; ++q) {
    const uint64_t at = data_start_ + (static_cast<uint64_t>(chunk * quantizers + q) * frames +
                                       offset) * sizeof(int64_t);
    if (fseeko(file_, static_cast<off_t>(at), SEEK_SET) != 0 ||
        std::fwrite(codes[q].data_ptr<int64_t>(), sizeof(int64_t), n, file_) !=
            static_cast<size_t>(n)) {
      throw Error(ErrorCode::kIo, "writing '" + path_ + "' failed (disk full?)");
    }
  }
  if (layout_.scales) {
    const float value = scale.to(at::kFloat).reshape({-1})[0].item<float>();
    if (fseeko(file_, static_cast<off_t>(scales_start_ + chunk * sizeof(float)), SEEK_SET) != 0 ||
        std::fwrite(&value, sizeof(float), 1, file_) != 1) {
      throw Error(ErrorCode::kIo, "writing '" + path_ + "' failed (disk full?)");
    }
  }
  written_ += n;
}

void CodesFileWriter::finish() {
  const int64_t promised = layout_.chunks * layout_.frames;
  if (written_ != promised) {
    throw Error(ErrorCode::kInternal, path_ + ": " + std::to_string(written_) +
                                          " code frames written of " + std::to_string(promised) +
                                          " promised");
  }
  const int status = std::fclose(file_);
  file_ = nullptr;
  if (status != 0) throw Error(ErrorCode::kIo, "writing '" + path_ + "' failed (disk full?)");
  finished_ = true;
}

}  // namespace almkit::codecs
