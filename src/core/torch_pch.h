// Precompiled header for the translation units that use libtorch (ATen only: the full
// torch/torch.h costs ~20 s per unit on 2 cores).
#pragma once
#include <ATen/ATen.h>
