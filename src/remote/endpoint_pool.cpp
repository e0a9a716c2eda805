#include "remote/endpoint_pool.h"

#include "almkit/error.h"
#include "core/log.h"

namespace almkit::remote {

EndpointPool::EndpointPool(std::vector<EndpointConfig> endpoints, BreakerPolicy breaker)
    : breaker_(breaker) {
  if (endpoints.empty()) throw Error(ErrorCode::kInvalidArgument, "no --endpoint given");
  for (auto& config : endpoints) {
    if (config.concurrency < 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "endpoint " + config.base_url + ": concurrency must be >= 1");
    }
    Endpoint endpoint;
    endpoint.stats.base_url = config.base_url;
    endpoint.stats.concurrency = config.concurrency;
    endpoint.config = std::move(config);
    endpoints_.push_back(std::move(endpoint));
  }
}

int EndpointPool::total_concurrency() const {
  int total = 0;
  for (const auto& endpoint : endpoints_) total += endpoint.config.concurrency;
  return total;
}

size_t EndpointPool::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto now = Clock::now();
    size_t best = endpoints_.size();
    double best_load = 2.0;
    Clock::time_point next_back = Clock::time_point::max();
    for (size_t e = 0; e < endpoints_.size(); ++e) {
      const Endpoint& endpoint = endpoints_[e];
      if (endpoint.in_flight >= endpoint.config.concurrency) continue;
      if (now < endpoint.aside_until) {
        next_back = std::min(next_back, endpoint.aside_until);
        continue;
      }
      const double load = double(endpoint.in_flight) / endpoint.config.concurrency;
      if (load < best_load) {
        best_load = load;
        best = e;
      }
    }
    if (best < endpoints_.size()) {
      ++endpoints_[best].in_flight;
      ++endpoints_[best].stats.requests;
      return best;
    }
    if (next_back != Clock::time_point::max()) {
      slot_freed_.wait_until(lock, next_back);
    } else {
      slot_freed_.wait(lock);
    }
  }
}

void EndpointPool::release(size_t index, bool healthy) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    Endpoint& endpoint = endpoints_[index];
    --endpoint.in_flight;
    if (healthy) {
      endpoint.consecutive_failures = 0;
      ++endpoint.stats.successes;
    } else {
      ++endpoint.stats.failures;
      if (++endpoint.consecutive_failures >= breaker_.failures) {
        endpoint.aside_until =
            Clock::now() + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(breaker_.seconds));
        // One more failure after the pause sets it aside again at once.
        endpoint.consecutive_failures = breaker_.failures - 1;
        ++endpoint.stats.set_aside;
        logger().warn("eval: endpoint {} failed {} times in a row: set aside for {:.1f} s",
                      endpoint.config.base_url, breaker_.failures, breaker_.seconds);
      }
    }
  }
  slot_freed_.notify_all();
}

std::vector<EndpointStats> EndpointPool::stats() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<EndpointStats> out;
  for (const auto& endpoint : endpoints_) out.push_back(endpoint.stats);
  return out;
}

}  // namespace almkit::remote
