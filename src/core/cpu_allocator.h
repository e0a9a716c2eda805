// libtorch's CPU allocator, replaced by one that keeps large freed blocks for reuse. With the
// default one (posix_memalign / free), every activation and output of more than a few hundred KB
// is handed back to the kernel when freed and faulted in again, zeroed, page by page on the next
// call: a profile of the Whisper encoder spent 29 % of its time in page faults and 17 % zeroing
// fresh pages (issue 18). A model's calls allocate the same sizes over and over, so a free list
// per size removes both, without LD_PRELOAD or MALLOC_CONF.
#pragma once

#include <cstddef>
#include <cstdint>

namespace almkit {

// Installs the caching allocator as libtorch's CPU allocator (once per process; later calls do
// nothing). Tensors allocated before keep their own deleters. Every model load and reference check calls
// it, as does set_compute_threads; ALMKIT_CPU_ALLOCATOR=system in the environment opts out.
void install_caching_cpu_allocator();

struct CpuAllocatorStats {
  size_t cached_bytes = 0;       // free blocks kept for reuse
  size_t cache_limit_bytes = 0;  // a freed block that would pass this goes back to the system
  uint64_t reused = 0;           // large allocations answered from the cache
  uint64_t fresh = 0;            // large allocations that went to the system
};
CpuAllocatorStats cpu_allocator_stats();

// Hands every cached block back to the system (e.g. after closing a model).
void release_cached_cpu_memory();

}  // namespace almkit
