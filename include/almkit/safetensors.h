// Reading and writing the safetensors format (Hugging Face weights, almkit's feature and codec
// files). Reading memory-maps the file and validates it fully before any tensor is handed out;
// tensors are views into the mapping, which lives as long as any shared_ptr to the file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "almkit/export.h"

namespace almkit {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

ALMKIT_API size_t dtype_size(DType dtype);
ALMKIT_API const char* dtype_name(DType dtype);  // the safetensors spelling: "F32", "BF16", ...
// Throws Error(kUnsupported) naming the string.
ALMKIT_API DType parse_dtype(const std::string& name);

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const void* data = nullptr;  // inside the mapping; may be unaligned only if the file is odd
  size_t nbytes = 0;
  int64_t numel() const;
};

class ALMKIT_API SafetensorsFile {
 public:
  // Throws Error naming the file and, where it applies, the tensor: kFileNotFound,
  // kInvalidFormat (short file, header length beyond the file, malformed JSON, unknown dtype,
  // offsets outside the data or overlapping, byte count != dtype size x shape).
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& names() const { return names_; }  // in file order
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // Throws Error(kNotFound) naming the tensor and the file.
  const TensorView& tensor(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Copies a tensor out as float32 (F32/F16/BF16/F64/integers converted).
  std::vector<float> to_float(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::vector<std::string> names_;
  std::map<std::string, TensorView> index_;
  std::map<std::string, std::string> metadata_;
};

// All weights of an HF checkpoint folder: `model.safetensors`, or the shards listed in
// `model.safetensors.index.json` (the names transformers reads; each shard a plain file name
// inside the folder).
class ALMKIT_API SafetensorsCheckpoint {
 public:
  static SafetensorsCheckpoint open_folder(const std::string& folder);
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return where_.count(name) != 0; }
  const TensorView& tensor(const std::string& name) const;
  // The file holding `name` (keep it alive to keep a view valid).
  std::shared_ptr<SafetensorsFile> file_of(const std::string& name) const;
  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
  std::vector<std::string> names_;
  std::map<std::string, std::shared_ptr<SafetensorsFile>> where_;
};

// Collects tensors, then writes one safetensors file (header padded to 8 bytes, tensors in the
// order added).
class ALMKIT_API SafetensorsWriter {
 public:
  void add(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
           const void* data, size_t nbytes);
  void add_f32(const std::string& name, const std::vector<int64_t>& shape,
               const std::vector<float>& values);
  void add_i64(const std::string& name, const std::vector<int64_t>& shape,
               const std::vector<int64_t>& values);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  void write(const std::string& path) const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace almkit
