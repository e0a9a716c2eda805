#include "models/random_checkpoint.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "almkit/error.h"

namespace almkit {

void RandomWriter::plan(const std::string& name, const std::vector<int64_t>& shape, Kind kind, float value) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  parameters_ += n;
  plans_.push_back({name, shape, kind, value});
}

void RandomWriter::normal(const std::string& name, const std::vector<int64_t>& shape, float std_dev) {
  plan(name, shape, Kind::kNormal, std_dev);
}

void RandomWriter::constant(const std::string& name, const std::vector<int64_t>& shape, float value) {
  plan(name, shape, Kind::kConstant, value);
}

void RandomWriter::sinusoids(const std::string& name, int64_t length, int64_t channels) {
  plan(name, {length, channels}, Kind::kSinusoids, 0.f);
}

void RandomWriter::write(const std::string& path) const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& p : plans_) {
    int64_t n = 1;
    for (int64_t d : p.shape) n *= d;
    const uint64_t bytes = static_cast<uint64_t>(n) * dtype_size(dtype_);
    header[p.name] = {{"dtype", dtype_name(dtype_)}, {"shape", p.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::kIo, "cannot write '" + path + "'");
  const uint64_t header_size = text.size();
  out.write(reinterpret_cast<const char*>(&header_size), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  std::mt19937_64 rng(seed_);
  std::vector<float> values;
  std::vector<uint16_t> half;
  for (const auto& p : plans_) {
    int64_t n = 1;
    for (int64_t d : p.shape) n *= d;
    values.assign(static_cast<size_t>(n), p.value);
    if (p.kind == Kind::kNormal) {
      std::normal_distribution<float> normal(0.f, p.value);
      for (auto& v : values) v = normal(rng);
    } else if (p.kind == Kind::kSinusoids) {
      const int64_t length = p.shape[0], channels = p.shape[1];
      const double increment = std::log(10000.0) / (channels / 2 - 1);
      for (int64_t t = 0; t < length; ++t) {
        for (int64_t c = 0; c < channels / 2; ++c) {
          const double angle = t * std::exp(-increment * c);
          values[t * channels + c] = static_cast<float>(std::sin(angle));
          values[t * channels + channels / 2 + c] = static_cast<float>(std::cos(angle));
        }
      }
    }
    if (dtype_ == DType::kF32) {
      out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
      continue;
    }
    half.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) {  // bfloat16, rounded to nearest even
      uint32_t bits;
      std::memcpy(&bits, &values[i], 4);
      half[i] = static_cast<uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    }
    out.write(reinterpret_cast<const char*>(half.data()), static_cast<std::streamsize>(half.size() * 2));
  }
  if (!out) throw Error(ErrorCode::kIo, "writing '" + path + "' failed (disk full?)");
}

}  // namespace almkit
