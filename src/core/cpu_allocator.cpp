#include "core/cpu_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace almkit {
namespace {

// Blocks below this go straight back to malloc's own heap, which keeps small blocks itself.
constexpr size_t kMinCachedBytes = size_t{64} << 10;
// Each block starts with a header holding its rounded size; the data after it keeps libtorch's
// 64-byte alignment.
constexpr size_t kHeaderBytes = 64;

// Sizes are rounded up to 1/8 of their power of two (at most 12.5 % slack), so a prompt or clip
// a little longer than the last reuses its blocks instead of adding new ones.
size_t rounded_size(size_t bytes) {
  if (bytes < kMinCachedBytes) return (bytes + 63) / 64 * 64;
  size_t power = size_t{1} << (63 - __builtin_clzll(bytes));
  const size_t step = std::max<size_t>(power / 8, 4096);
  return (bytes + step - 1) / step * step;
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  CachingCpuAllocator() {
    // Free blocks kept: an eighth of RAM, at most 2 GiB (the Whisper-large-v3 tower's working
    // set is ~0.5 GB; weights are memory-mapped, not allocated here). Kept small because a 7B
    // bf16 model already fills ~16 GB of a 24 GB machine.
    struct sysinfo info {};
    const size_t ram =
        sysinfo(&info) == 0 ? size_t{info.totalram} * info.mem_unit : size_t{8} << 30;
    limit_ = std::min<size_t>(ram / 8, size_t{2} << 30);
  }

  c10::DataPtr allocate(size_t bytes) const override {
    void* data = bytes == 0 ? nullptr : acquire(rounded_size(bytes));
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  CpuAllocatorStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {cached_, limit_, reused_, fresh_};
  }

  void release_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_) {
      for (void* block : blocks) std::free(static_cast<char*>(block) - kHeaderBytes);
    }
    free_.clear();
    cached_ = 0;
  }

  static CachingCpuAllocator& instance() {
    static CachingCpuAllocator* allocator = new CachingCpuAllocator();  // never destroyed: tensors
    return *allocator;                                                  // may outlive statics
  }

 private:
  void* acquire(size_t size) const {
    if (size >= kMinCachedBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* data = it->second.back();
        it->second.pop_back();
        cached_ -= size;
        ++reused_;
        return data;
      }
      ++fresh_;
    }
    void* base = nullptr;
    if (posix_memalign(&base, 64, size + kHeaderBytes) != 0) throw std::bad_alloc();
    *static_cast<size_t*>(base) = size;
    return static_cast<char*>(base) + kHeaderBytes;
  }

  static void release(void* data) {
    if (!data) return;
    void* base = static_cast<char*>(data) - kHeaderBytes;
    const size_t size = *static_cast<size_t*>(base);
    if (size >= kMinCachedBytes) {
      CachingCpuAllocator& self = instance();
      std::lock_guard<std::mutex> lock(self.mutex_);
      if (self.cached_ + size <= self.limit_) {
        self.free_[size].push_back(data);
        self.cached_ += size;
        return;
      }
    }
    std::free(base);
  }

  mutable std::mutex mutex_;
  mutable std::map<size_t, std::vector<void*>> free_;
  mutable size_t cached_ = 0;
  size_t limit_ = 0;
  mutable uint64_t reused_ = 0, fresh_ = 0;
};

}  // namespace

void install_caching_cpu_allocator() {
  static const bool installed = [] {
    // ALMKIT_CPU_ALLOCATOR=system keeps libtorch's own allocator: for memory checkers (a cache
    // hides a use after free from ASan) and for measuring what the cache saves
    const char* choice = std::getenv("ALMKIT_CPU_ALLOCATOR");
    if (choice && std::string(choice) == "system") return false;
    // priority 1: above libtorch's default (0), so a later default registration cannot undo it
    c10::SetCPUAllocator(&CachingCpuAllocator::instance(), 1);
    return true;
  }();
  (void)installed;
}

CpuAllocatorStats cpu_allocator_stats() {
  return CachingCpuAllocator::instance().stats();
}

void release_cached_cpu_memory() {
  CachingCpuAllocator::instance().release_all();
}

}  // namespace almkit
