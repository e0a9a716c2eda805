// Several servers of the same model share the work: each has a number of request slots (its
// concurrency), a request takes a slot at the endpoint with the lowest share of busy slots, so
// that the work splits in proportion to the slots; an endpoint that fails `breaker_failures`
// times in a row is set aside for `breaker_seconds` (then given one more chance).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace almkit::remote {

struct EndpointConfig {
  std::string base_url;  // ".../v1", no trailing slash
  int concurrency = 1;   // requests in flight there at most
};

struct BreakerPolicy {
  int failures = 5;        // consecutive failures that set an endpoint aside
  double seconds = 30.0;   // how long
};

struct EndpointStats {
  std::string base_url;
  int concurrency = 0;
  int64_t requests = 0;   // attempts sent
  int64_t successes = 0;
  int64_t failures = 0;   // retryable failures (5xx, 429, timeouts, broken answers)
  int64_t set_aside = 0;  // times the breaker opened
};

class EndpointPool {
 public:
  EndpointPool(std::vector<EndpointConfig> endpoints, BreakerPolicy breaker);

  // Blocks until a slot is free at an endpoint that is not set aside; returns its index.
  size_t acquire();
  // Gives the slot back; `healthy` false counts towards the endpoint's breaker.
  void release(size_t endpoint, bool healthy);

  const std::string& base_url(size_t endpoint) const { return endpoints_[endpoint].config.base_url; }
  size_t size() const { return endpoints_.size(); }
  int total_concurrency() const;
  std::vector<EndpointStats> stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Endpoint {
    EndpointConfig config;
    int in_flight = 0;
    int consecutive_failures = 0;
    Clock::time_point aside_until{};
    EndpointStats stats;
  };
  std::vector<Endpoint> endpoints_;
  BreakerPolicy breaker_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
};

}  // namespace almkit::remote
