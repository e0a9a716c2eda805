// A program outside the tree that uses the installed almkit through find_package / pkg-config.
#include <almkit/features.h>
#include <almkit/version.h>

#include <cstdio>
#include <vector>

int main() {
  std::vector<float> clip(16000, 0.1f);
  const almkit::FeatureBatch batch = almkit::WhisperMel().compute(clip);
  std::printf("almkit %s: %lld frames\n", almkit::version().c_str(), static_cast<long long>(batch.features.shape[2]));
  return batch.features.shape[2] == 3000 ? 0 : 1;
}
