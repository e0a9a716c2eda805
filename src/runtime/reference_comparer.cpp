#include "runtime/reference_comparer.h"

#include <algorithm>
#include <cmath>

#include "almkit/error.h"
#include "io/weight_store.h"

namespace almkit {

at::Tensor read_reference(const SafetensorsFile& file, const std::string& name) {
  const TensorView& view = file.tensor(name);
  if (view.dtype == DType::kBool || view.dtype == DType::kU8) {  // masks: compared as int64 0 / 1
    return at::from_blob(const_cast<void*>(view.data), view.shape, at::TensorOptions().dtype(at::kByte)).to(at::kLong);
  }
  if (view.dtype != DType::kI64 && view.dtype != DType::kF32) {
    throw Error(ErrorCode::kUnsupported, file.path() + ": reference tensor '" + name + "' must be F32, I64 or BOOL");
  }
  const at::ScalarType type = view.dtype == DType::kI64 ? at::kLong : at::kFloat;
  return at::from_blob(const_cast<void*>(view.data), view.shape, at::TensorOptions().dtype(type)).clone();
}

void ReferenceComparer::compare(const std::string& name, const at::Tensor& got, const at::Tensor& row_mask,
                                double allowed_flip_rate, const std::string& reported_name) {
  add_row(name, got, row_mask, allowed_flip_rate, reported_name, false);
}

void ReferenceComparer::compare_gradient(const std::string& name, const at::Tensor& got) {
  add_row(name, got, at::Tensor(), 0.0, "", true);
}

void ReferenceComparer::add_row(const std::string& name, const at::Tensor& got, const at::Tensor& row_mask,
                                double allowed_flip_rate, const std::string& reported_name, bool gradient) {
  if (!has(name)) return;
  ReferenceRow row;
  row.name = reported_name.empty() ? name : reported_name;
  const at::Tensor expected = reference(name);
  row.shape = expected.sizes().vec();
  computed_[row.name] = got.detach().to(at::kCPU).contiguous();
  if (got.sizes() != expected.sizes()) {
    row.note = "shape " + shape_text(got.sizes()) + " vs reference " + shape_text(expected.sizes());
    row.max_abs_diff = INFINITY;
    report_.rows.push_back(row);
    return;
  }
  const bool exact = expected.scalar_type() == at::kLong;
  at::Tensor diff = (got.detach().to(at::kCPU).to(at::kDouble) - expected.to(at::kDouble)).abs();
  at::Tensor scale = expected.to(at::kDouble).abs();
  if (row_mask.defined()) {
    const at::Tensor keep = row_mask.to(at::kCPU).to(at::kBool);
    diff = diff.index({keep});
    scale = scale.index({keep});
    row.note = "compared " + std::to_string(keep.sum().item<int64_t>()) + " of " + std::to_string(keep.numel()) +
               " rows (the rest is padding)";
  }
  row.max_abs_diff = diff.numel() ? diff.max().item<double>() : 0.0;
  const double magnitude = scale.numel() ? scale.max().item<double>() : 0.0;
  row.tolerance = exact ? 0.0 : options_.relative_tolerance * (gradient ? magnitude : std::max(1.0, magnitude));
  if (gradient) row.note += std::string(row.note.empty() ? "" : "; ") + "gradient: tolerance 1e-4 x max |reference|";
  row.ok = row.max_abs_diff <= row.tolerance;
  if (exact && allowed_flip_rate > 0.0 && diff.numel() > 0) {
    const int64_t flipped = diff.ne(0).sum().item<int64_t>();
    const double rate = static_cast<double>(flipped) / static_cast<double>(diff.numel());
    row.note = "flip rate " + std::to_string(flipped) + "/" + std::to_string(diff.numel()) + " (allowed " +
               std::to_string(allowed_flip_rate * 100).substr(0, 4) + "%)";
    row.ok = rate <= allowed_flip_rate;
  }
  report_.rows.push_back(row);
}

ReferenceReport ReferenceComparer::finish() {
  std::set<std::string> seen;
  for (const auto& row : report_.rows) seen.insert(row.name);
  for (const auto& name : io_.names()) {
    if (!inputs_.count(name) && !seen.count(name)) report_.unknown.push_back(name);
  }
  if (!options_.dump_path.empty()) {
    SafetensorsWriter writer;  // add() copies the bytes: the float copies may go right away
    for (const auto& [name, tensor] : computed_) {
      if (tensor.scalar_type() == at::kLong) {
        writer.add(name, DType::kI64, tensor.sizes().vec(), tensor.data_ptr(), tensor.nbytes());
      } else {
        const at::Tensor f = tensor.to(at::kFloat).contiguous();
        writer.add(name, DType::kF32, f.sizes().vec(), f.data_ptr(), f.nbytes());
      }
    }
    writer.write(options_.dump_path);
  }
  return report_;
}

}  // namespace almkit
