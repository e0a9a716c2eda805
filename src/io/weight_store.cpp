#include "io/weight_store.h"

#include <sys/mman.h>
#include <algorithm>
#include <unistd.h>

#include "almkit/error.h"

namespace almkit {
namespace {

at::ScalarType to_scalar_type(DType dtype) {
  switch (dtype) {
    case DType::kF64: return at::kDouble;
    case DType::kF32: return at::kFloat;
    case DType::kF16: return at::kHalf;
    case DType::kBF16: return at::kBFloat16;
    case DType::kI64: return at::kLong;
    case DType::kI32: return at::kInt;
    case DType::kI16: return at::kShort;
    case DType::kI8: return at::kChar;
    case DType::kU8: return at::kByte;
    case DType::kBool: return at::kBool;
  }
  return at::kFloat;
}

}  // namespace

std::string shape_text(at::IntArrayRef shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

WeightStore::WeightStore(SafetensorsCheckpoint checkpoint, WeightOptions options)
    : WeightStore(std::optional<SafetensorsCheckpoint>(std::move(checkpoint)), options) {}

WeightStore WeightStore::recording(WeightOptions options) { return WeightStore(std::nullopt, options); }

at::Tensor WeightStore::take(const std::string& name, const std::vector<int64_t>& shape, WeightInit init) {
  const at::Tensor tensor = file_view(name, shape, init);
  if (!checkpoint_) return tensor;  // a placeholder, already as asked
  if (at::isFloatingType(tensor.scalar_type())) {
    return tensor.to(options_.device, tensor.dim() == 2 ? options_.dtype : options_.activation_dtype());
  }
  return tensor.to(options_.device);
}

at::Tensor WeightStore::take_as_stored(const std::string& name, const std::vector<int64_t>& shape) {
  const at::Tensor tensor = file_view(name, shape, WeightInit::kNormal);
  return checkpoint_ ? tensor.to(options_.device) : tensor;
}

at::Tensor WeightStore::file_view(const std::string& name, const std::vector<int64_t>& shape, WeightInit init) {
  if (!checkpoint_) {
    if (!taken_.insert(name).second) {
      throw Error(ErrorCode::kInternal, "architecture takes tensor '" + name + "' twice");
    }
    recorded_.push_back({name, shape, init});
    // A broadcast zero: shapes are right for the builder's checks, and a 7B model costs nothing.
    const at::ScalarType dtype = shape.size() == 2 ? options_.dtype : options_.activation_dtype();
    return at::zeros({1}, at::TensorOptions().dtype(dtype).device(options_.device))
        .expand(shape.empty() ? std::vector<int64_t>{1} : shape);
  }
  if (!checkpoint_->contains(name)) {
    throw Error(ErrorCode::kNotFound,
                "checkpoint '" + checkpoint_->folder() + "' is missing tensor '" + name + "'");
  }
  const TensorView& view = checkpoint_->tensor(name);
  if (view.shape != shape) {
    throw Error(ErrorCode::kShapeMismatch, "tensor '" + name + "' in '" + checkpoint_->folder() +
                                               "' has shape " + shape_text(view.shape) +
                                               ", the config implies " + shape_text(shape));
  }
  taken_.insert(name);
  // The deleter keeps the mapped file alive for as long as the view is in use.
  auto file = checkpoint_->file_of(name);
  at::Tensor tensor = at::from_blob(
      const_cast<void*>(view.data), view.shape, [file](void*) {},
      at::TensorOptions().dtype(to_scalar_type(view.dtype)));
  if (reinterpret_cast<uintptr_t>(view.data) % at::elementSize(tensor.scalar_type()) != 0) {
    tensor = tensor.clone();  // misaligned data: kernels expect natural alignment
  }
  return tensor;
}

void WeightStore::release(const std::string& name, size_t offset, size_t bytes) const {
  if (!checkpoint_ || !checkpoint_->contains(name)) return;
  // Whole pages inside the range only: the tensor's neighbours may still be in use. The mapping
  // is read-only and private, so dropping pages loses nothing.
  const TensorView& view = checkpoint_->tensor(name);
  if (offset >= view.nbytes) return;
  bytes = std::min(bytes, view.nbytes - offset);
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<uintptr_t>(view.data) + offset + page - 1) / page * page;
  const auto end = (reinterpret_cast<uintptr_t>(view.data) + offset + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void WeightStore::ignore_prefix(const std::string& prefix) {
  if (!checkpoint_) return;
  for (const auto& name : checkpoint_->names()) {
    if (name.compare(0, prefix.size(), prefix) == 0) taken_.insert(name);
  }
}

void WeightStore::check_all_used() const {
  if (!checkpoint_) return;
  std::vector<std::string> unused;
  for (const auto& name : checkpoint_->names()) {
    if (!taken_.count(name)) unused.push_back(name);
  }
  if (unused.empty()) return;
  std::string list;
  for (size_t i = 0; i < unused.size() && i < 10; ++i) list += (i ? ", " : "") + unused[i];
  if (unused.size() > 10) list += ", ... (" + std::to_string(unused.size()) + " in all)";
  throw Error(ErrorCode::kInvalidFormat, "checkpoint '" + checkpoint_->folder() +
                                             "' holds tensors this architecture does not use: " + list);
}

}  // namespace almkit
