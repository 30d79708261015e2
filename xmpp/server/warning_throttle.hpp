#pragma once

#include <chrono>

namespace stoa::xmpp::server {

/// Lets a warning that can recur once per connection reach the log at most once per interval;
/// the line that goes out says how many occurrences it stands for. Not thread-safe: one
/// throttle per thread that warns.
class WarningThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WarningThrottle(Clock::duration interval) : interval_(interval) {}

  /// Records an occurrence at `now`. Returns how many occurrences the warning due now stands
  /// for (this one and those held back since the last), or 0 when none is due.
  unsigned record(Clock::time_point now) {
    ++held_back_;
    if (now < next_due_) {
      return 0;
    }
    next_due_ = now + interval_;
    unsigned occurrences = held_back_;
    held_back_ = 0;
    return occurrences;
  }

 private:
  Clock::duration interval_;
  Clock::time_point next_due_{};
  unsigned held_back_ = 0;
};

}  // namespace stoa::xmpp::server
