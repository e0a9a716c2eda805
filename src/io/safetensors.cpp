#include "almkit/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "almkit/error.h"
#include "io/json_file.h"

namespace almkit {
namespace {

// Headers of real checkpoints are a few MB at most; a larger value means a corrupt file.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      uint32_t m = mantissa;
      do {
        ++e;
        m <<= 1;
      } while ((m & 0x400u) == 0);
      bits = sign | ((127 - 15 - e) << 23) | ((m & 0x3ffu) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

}  // namespace

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF64: case DType::kI64: return 8;
    case DType::kF32: case DType::kI32: return 4;
    case DType::kF16: case DType::kBF16: case DType::kI16: return 2;
    case DType::kI8: case DType::kU8: case DType::kBool: return 1;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF64: return "F64";
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kI64: return "I64";
    case DType::kI32: return "I32";
    case DType::kI16: return "I16";
    case DType::kI8: return "I8";
    case DType::kU8: return "U8";
    case DType::kBool: return "BOOL";
  }
  return "?";
}

DType parse_dtype(const std::string& name) {
  for (DType d : {DType::kF64, DType::kF32, DType::kF16, DType::kBF16, DType::kI64, DType::kI32,
                  DType::kI16, DType::kI8, DType::kU8, DType::kBool}) {
    if (name == dtype_name(d)) return d;
  }
  throw Error(ErrorCode::kUnsupported,
              "unsupported dtype '" + name + "' (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  auto fail = [&](const std::string& what) {
    throw Error(ErrorCode::kInvalidFormat, "safetensors file '" + path + "': " + what);
  };
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    throw Error(ErrorCode::kFileNotFound, "safetensors file '" + path + "' does not exist");
  }
  if (S_ISDIR(status.st_mode)) {
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is a directory, not a safetensors file");
  }
  const auto size = static_cast<uint64_t>(status.st_size);
  if (size < 8) fail("only " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  void* mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping == MAP_FAILED) throw Error(ErrorCode::kIo, "cannot map '" + path + "': " + std::strerror(errno));
  file->mapping_ = mapping;
  file->mapping_size_ = size;

  const auto* bytes = static_cast<const uint8_t*>(mapping);
  uint64_t header_size = 0;
  std::memcpy(&header_size, bytes, 8);  // little-endian on every platform almkit supports
  if (header_size > kMaxHeaderBytes || 8 + header_size > size) {
    fail("header length " + std::to_string(header_size) + " does not fit in the " +
         std::to_string(size) + "-byte file (truncated or not safetensors)");
  }
  const std::string header_text(reinterpret_cast<const char*>(bytes + 8), header_size);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& error) {  // parse_error, or out_of_range for 1e999
    fail(std::string("header is not valid JSON: ") + error.what());
  }
  if (!header.is_object()) fail("header is not a JSON object");
  const uint64_t data_size = size - 8 - header_size;
  const uint8_t* data = bytes + 8 + header_size;
  struct Span {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Span> spans;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      if (!it->is_object()) fail("__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) fail("__metadata__ value '" + m.key() + "' is not a string");
        file->metadata_[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const auto& entry = *it;
    auto bad = [&](const std::string& what) { fail("tensor '" + name + "': " + what); };
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      bad("entry needs dtype, shape and data_offsets");
    }
    if (!entry["dtype"].is_string()) bad("dtype is not a string");
    TensorView view;
    view.name = name;
    try {
      view.dtype = parse_dtype(entry["dtype"].get<std::string>());
    } catch (const Error& error) {
      bad(error.what());
    }
    if (!entry["shape"].is_array()) bad("shape is not an array");
    uint64_t numel = 1;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) bad("shape has a negative or non-integer dimension");
      view.shape.push_back(d.get<int64_t>());
      if (view.shape.back() > 0 && numel > (uint64_t(1) << 62) / view.shape.back()) bad("shape is absurdly large");
      numel *= static_cast<uint64_t>(view.shape.back());
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      bad("data_offsets must be two non-negative integers");
    }
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
          "] lie outside the " + std::to_string(data_size) + " data bytes (file truncated?)");
    }
    // numel is below 2^62, but numel * 8 can pass 2^64: wrapped to 0, [2^62] F32 would match an
    // empty span.
    uint64_t expected = 0;
    if (__builtin_mul_overflow(numel, uint64_t{dtype_size(view.dtype)}, &expected)) {
      bad("shape has " + std::to_string(numel) + " elements, more bytes than 64 bits count");
    }
    if (end - begin != expected) {
      bad("holds " + std::to_string(end - begin) + " bytes but " + dtype_name(view.dtype) +
          " with this shape needs " + std::to_string(expected));
    }
    view.data = data + begin;
    view.nbytes = static_cast<size_t>(end - begin);
    spans.push_back({begin, end, name});
    file->names_.push_back(name);
    file->index_.emplace(name, std::move(view));
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].begin < spans[i - 1].end) {
      fail("tensors '" + spans[i - 1].name + "' and '" + spans[i].name + "' overlap");
    }
  }
  // File order, as the offsets give it: what a person expects from a listing.
  std::sort(file->names_.begin(), file->names_.end(), [&](const std::string& a, const std::string& b) {
    return file->index_.at(a).data < file->index_.at(b).data;
  });
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
}

const TensorView& SafetensorsFile::tensor(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) {
    throw Error(ErrorCode::kNotFound, "tensor '" + name + "' is not in '" + path_ + "'");
  }
  return it->second;
}

std::vector<float> SafetensorsFile::to_float(const std::string& name) const {
  const TensorView& view = tensor(name);
  const auto n = static_cast<size_t>(view.numel());
  std::vector<float> out(n);
  const auto* raw = static_cast<const uint8_t*>(view.data);
  for (size_t i = 0; i < n; ++i) {
    switch (view.dtype) {
      case DType::kF32: { float v; std::memcpy(&v, raw + 4 * i, 4); out[i] = v; break; }
      case DType::kF64: { double v; std::memcpy(&v, raw + 8 * i, 8); out[i] = static_cast<float>(v); break; }
      case DType::kF16: { uint16_t v; std::memcpy(&v, raw + 2 * i, 2); out[i] = half_to_float(v); break; }
      case DType::kBF16: {
        uint16_t v; std::memcpy(&v, raw + 2 * i, 2);
        const uint32_t bits = static_cast<uint32_t>(v) << 16;
        std::memcpy(&out[i], &bits, 4);
        break;
      }
      case DType::kI64: { int64_t v; std::memcpy(&v, raw + 8 * i, 8); out[i] = static_cast<float>(v); break; }
      case DType::kI32: { int32_t v; std::memcpy(&v, raw + 4 * i, 4); out[i] = static_cast<float>(v); break; }
      case DType::kI16: { int16_t v; std::memcpy(&v, raw + 2 * i, 2); out[i] = static_cast<float>(v); break; }
      case DType::kI8: out[i] = static_cast<float>(static_cast<int8_t>(raw[i])); break;
      case DType::kU8: case DType::kBool: out[i] = static_cast<float>(raw[i]); break;
    }
  }
  return out;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_folder(const std::string& folder) {
  SafetensorsCheckpoint checkpoint;
  checkpoint.folder_ = folder;
  const std::string single = folder + "/model.safetensors";
  const std::string index = folder + "/model.safetensors.index.json";
  struct stat status {};
  if (stat(folder.c_str(), &status) != 0) {
    throw Error(ErrorCode::kFileNotFound, "checkpoint folder '" + folder + "' does not exist");
  }
  if (stat(index.c_str(), &status) == 0) {
    const nlohmann::json map = read_json_file(index);
    if (!map.contains("weight_map") || !map["weight_map"].is_object()) {
      throw Error(ErrorCode::kInvalidFormat, "'" + index + "' has no weight_map object");
    }
    std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
    for (auto it = map["weight_map"].begin(); it != map["weight_map"].end(); ++it) {
      if (!it->is_string()) {
        throw Error(ErrorCode::kInvalidFormat, "'" + index + "': weight_map['" + it.key() + "'] is not a file name");
      }
      const std::string shard = it->get<std::string>();
      // The hub writes plain file names: '..', a '/' or a NUL (which would cut the path short)
      // could reach files outside the folder. A plain name may still be a symlink: hub cache
      // snapshots link every file into ../../blobs/.
      if (shard.empty() || shard == "." || shard == ".." ||
          shard.find_first_of(std::string("/\0", 2)) != std::string::npos) {
        throw Error(ErrorCode::kInvalidFormat, "'" + index + "': weight_map['" + it.key() +
                                                   "'] is " + it->dump() +
                                                   ", not a file name inside the folder");
      }
      if (!shards.count(shard)) shards[shard] = SafetensorsFile::open(folder + "/" + shard);
      if (!shards[shard]->contains(it.key())) {
        throw Error(ErrorCode::kInvalidFormat, "'" + index + "' places tensor '" + it.key() +
                                                   "' in '" + shard + "', which does not hold it");
      }
      checkpoint.where_[it.key()] = shards[shard];
      checkpoint.names_.push_back(it.key());
    }
    return checkpoint;
  }
  if (stat(single.c_str(), &status) != 0) {
    throw Error(ErrorCode::kFileNotFound, "checkpoint folder '" + folder +
                                              "' has neither model.safetensors nor "
                                              "model.safetensors.index.json");
  }
  auto file = SafetensorsFile::open(single);
  for (const auto& name : file->names()) {
    checkpoint.where_[name] = file;
    checkpoint.names_.push_back(name);
  }
  return checkpoint;
}

const TensorView& SafetensorsCheckpoint::tensor(const std::string& name) const {
  return file_of(name)->tensor(name);
}

std::shared_ptr<SafetensorsFile> SafetensorsCheckpoint::file_of(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) {
    throw Error(ErrorCode::kNotFound, "checkpoint '" + folder_ + "' has no tensor '" + name + "'");
  }
  return it->second;
}

void SafetensorsWriter::add(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                            const void* data, size_t nbytes) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  if (numel < 0 || static_cast<size_t>(numel) * dtype_size(dtype) != nbytes) {
    throw Error(ErrorCode::kShapeMismatch, "safetensors writer: tensor '" + name + "' has " +
                                               std::to_string(nbytes) + " bytes, its shape needs " +
                                               std::to_string(numel * dtype_size(dtype)));
  }
  for (const auto& entry : entries_) {
    if (entry.name == name) throw Error(ErrorCode::kInvalidArgument, "safetensors writer: duplicate tensor '" + name + "'");
  }
  const auto* bytes = static_cast<const uint8_t*>(data);
  entries_.push_back({name, dtype, shape, std::vector<uint8_t>(bytes, bytes + nbytes)});
}

void SafetensorsWriter::add_f32(const std::string& name, const std::vector<int64_t>& shape,
                                const std::vector<float>& values) {
  add(name, DType::kF32, shape, values.data(), values.size() * sizeof(float));
}

void SafetensorsWriter::add_i64(const std::string& name, const std::vector<int64_t>& shape,
                                const std::vector<int64_t>& values) {
  add(name, DType::kI64, shape, values.data(), values.size() * sizeof(int64_t));
}

void SafetensorsWriter::write(const std::string& path) const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& entry : entries_) {
    header[entry.name] = {{"dtype", dtype_name(entry.dtype)},
                          {"shape", entry.shape},
                          {"data_offsets", {offset, offset + entry.bytes.size()}}};
    offset += entry.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps tensor data 8-byte aligned
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::kIo, "cannot write '" + path + "'");
  const uint64_t header_size = text.size();
  out.write(reinterpret_cast<const char*>(&header_size), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& entry : entries_) {
    out.write(reinterpret_cast<const char*>(entry.bytes.data()), static_cast<std::streamsize>(entry.bytes.size()));
  }
  if (!out) throw Error(ErrorCode::kIo, "writing '" + path + "' failed (disk full?)");
}

}  // namespace almkit
