// The front end's vector kernels: the FFT and the per-frame steps around it, working on blocks
// of kFrameLanes frames stored side by side ([sample][lane]: frame j of a block is lane j), so
// each step is a few vector operations per sample and frames stay independent of each other.
// Written once (fft_kernels.inc, frame_kernels.inc) and compiled once per instruction set; the
// best set the CPU runs is chosen at run time, so the library itself needs no -march flag.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace almkit {

constexpr int kFrameLanes = 4;  // one AVX2 register of doubles
// After the FFT, values are float (a power spectrum's sums of positive terms lose nothing that
// matters in float), and two blocks go side by side: kWideLanes frames, one register of floats.
constexpr int kWideLanes = 2 * kFrameLanes;

enum class SimdPath { kBaseline, kAvx2 };
// The fastest path this CPU runs, or kBaseline when the environment sets ALMKIT_SIMD=baseline.
SimdPath best_simd_path();
bool cpu_supports(SimdPath path);
const char* simd_path_name(SimdPath path);

struct FftPlan;

// Block buffers start on a cache line, so that no vector load straddles two lines, and are not
// zero-filled unless given a value: the kernels write every value before reading it, and a Kaldi
// call's ~200 KB of stream buffers per thread would otherwise be cleared for nothing.
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64)));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialised: left as it is for numbers
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};
template <typename T>
using BlockBuffer = std::vector<T, CacheLineAllocator<T>>;

// The non-zero weights of one filter: weights[offset .. offset + count) for FFT bins
// first_bin .. first_bin + count.
struct FilterRun {
  int first_bin, offset, count;
};

struct SimdKernels {
  // fft.h describes these two.
  void (*power_spectrum_x4)(const FftPlan& plan, double* frames, int length, float* power);
  void (*spectrum)(const FftPlan& plan, double* frames, double* spectrum);
  // block[i][lane] = sources[lane][i] for i < length; sums[lane] = the sum of those samples.
  void (*gather_frames)(const float* const* sources, int length, double* block, double* sums);
  // out[i][lane] = sources[lane][i] for i < rows, as double. Returns true when one of those
  // samples is Inf or NaN (find_non_finite then says which). Unless `sums` is null it also
  // writes the sums of every four rows: sums[q][lane] = out[4q][lane] + ... + out[4q+3][lane]
  // for q < rows / 4, so a window of whole tiles sums in a quarter of the additions, in an
  // order that does not depend on where the rows start.
  bool (*interleave_streams)(const float* const* sources, int64_t rows, double* out, double* sums);
  // sums[lane] = the sum of block[i][lane] over i < length.
  void (*sum_frames)(const double* block, int length, double* sums);
  // The steps between framing and the FFT in one pass over the first `length` samples of
  // `source` (which may be `block`), written to `block`: x = x - means[lane], then
  // y[i] = (x[i] - coefficient * x[i - 1]) * window[i] with x[-1] = x[0] (Kaldi's pre-emphasis;
  // coefficient 0 for none). Per lane it also returns the sums of squares of x (centred_energy)
  // and of y (windowed_energy), unless centred_energy is null.
  void (*condition_frames)(const double* source, double* block, int length, const double* means,
                           double coefficient, const double* window, double* centred_energy,
                           double* windowed_energy);
  // On kWideLanes frames: out[f][lane] = sum over run f of weights * power[bin][lane].
  void (*apply_filter_bank)(const FilterRun* runs, int num_filters, const float* weights,
                            const float* power, float* out);
  // The same for a bank where each bin feeds two neighbouring filters: run f lists the bins
  // whose lowest filter is f, with two weights each (weights[2 (offset + i)] for filter f,
  // the next one for filter f + 1), so out[f] = the first sums of run f + the second of run f - 1.
  void (*apply_filter_pairs)(const FilterRun* runs, int num_filters, const float* weights,
                             const float* power, float* out);
  // out[i] = scale * ln(max(values[i], floor)) (~1 ulp), for `count` values (a multiple of
  // kWideLanes); returns the largest out[i].
  float (*log)(const float* values, int count, float floor, float scale, float* out);
  // rows[lane][i] = block[i][lane] for i < count and lane < kWideLanes: values of kWideLanes
  // frames back to one row per frame.
  void (*block_to_rows)(const float* block, int count, float* const* rows);
  // Index of the first Inf or NaN sample, or -1.
  int64_t (*find_non_finite)(const float* samples, int64_t count);
};

// Throws kUnsupported if the CPU lacks the instructions of `path`.
const SimdKernels& simd_kernels(SimdPath path = best_simd_path());

}  // namespace almkit
