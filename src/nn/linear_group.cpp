#include "nn/linear_group.h"

#include <algorithm>

namespace almkit::nn {

std::vector<at::Tensor> apply_to_same_input(const at::Tensor& x,
                                            std::initializer_list<const Linear*> linears) {
  if (linears.size() == 0) return {};
  const auto int8 = [](const Linear* linear) { return linear->int8 != nullptr; };
  if (std::all_of(linears.begin(), linears.end(), int8)) {
    std::vector<Int8LinearWeights> products;
    for (const Linear* linear : linears) products.push_back({*linear->int8, linear->bias});
    return int8_linear_same_input(x, products);
  }
  if (std::none_of(linears.begin(), linears.end(), int8)) {
    std::vector<LinearWeights> products;
    for (const Linear* linear : linears) products.push_back({linear->weight, linear->bias});
    return linear_same_input(x, products);
  }
  std::vector<at::Tensor> outputs;
  for (const Linear* linear : linears) outputs.push_back((*linear)(x));
  return outputs;
}

}  // namespace almkit::nn
