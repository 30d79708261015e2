#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace stoa::xmpp::server {

/// The longest time work for sessions already in waited before a worker got to it (an input
/// posted to a room, until the room took it from its inbox; stanzas posted to the sessions of a
/// worker, until it wrote them) since the last reading: how far behind the workers are with
/// what a login storm delays for everyone. Thread-safe; recording costs one atomic compare in
/// the common case.
class WorkDelayGauge {
 public:
  using Clock = std::chrono::steady_clock;

  void record(Clock::duration waited) {
    const std::int64_t ticks = waited.count();
    std::int64_t longest = longest_.load(std::memory_order_relaxed);
    while (ticks > longest &&
           !longest_.compare_exchange_weak(longest, ticks, std::memory_order_relaxed)) {
    }
  }

  /// The longest wait recorded since the previous call (zero if none), and starts over.
  Clock::duration take() {
    return Clock::duration(longest_.exchange(0, std::memory_order_relaxed));
  }

 private:
  std::atomic<std::int64_t> longest_{0};
};

}  // namespace stoa::xmpp::server
