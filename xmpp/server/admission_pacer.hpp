#pragma once

#include <chrono>

namespace stoa::xmpp::server {

/// Decides how fast waiting connections are admitted, from how far behind the workers are.
///
/// A session that logs in starts work at once (a client rejoins its rooms: two dozen joins,
/// each answered with every occupant's presence). When thousands log in together, as after an
/// outage, that work queues, and every join and message of everyone already in waits seconds.
/// So admissions are paced the way TCP paces a connection: a burst starts slowly and speeds up
/// while the workers keep up (the longest wait of any work stays under half the target); the
/// rate drops by 30% each tick the wait exceeds the target, then grows by a small step. Sessions
/// already in keep their latency and a storm drains at the rate the workers sustain; new
/// connections wait, connected and unserved, in the meantime. Pure logic, driven by the
/// admission loop once per tick.
class AdmissionPacer {
 public:
  using Clock = std::chrono::steady_clock;

  /// `target` zero turns pacing off: every waiting connection is admitted at once.
  explicit AdmissionPacer(Clock::duration target) : target_(target) {}

  /// Whether a connection may be admitted now.
  bool may_admit() const { return !enabled() || tokens_ >= 1.0; }
  /// A connection was admitted.
  void admitted() {
    if (enabled()) {
      tokens_ -= 1.0;
    }
  }
  /// Ends a tick: `longest_delay` is the longest any work waited during it, `still_waiting`
  /// whether connections are left waiting.
  void end_tick(Clock::duration longest_delay, bool still_waiting);
  /// Admissions allowed per tick.
  double rate() const { return rate_; }
  bool enabled() const { return target_ != Clock::duration::zero(); }
  /// Whether the workers fell behind during the current burst (and the rate was cut).
  bool slowed() const { return !starting_; }

  /// Where a burst starts, in admissions per tick: low, because what the admitted sessions do
  /// shows in the delay only a few ticks later.
  static constexpr double kFirst = 1.0;
  /// Pacing never goes below this, so that a server kept busy by its own sessions still lets
  /// new ones in.
  static constexpr double kSlowest = 0.05;
  static constexpr double kFastest = 10000;
  /// Growth per tick after the first slowdown of a burst.
  static constexpr double kStep = 0.02;

 private:
  const Clock::duration target_;
  double rate_ = kFirst;
  double tokens_ = kFirst;
  /// Growing by a quarter per tick, until the first tick behind.
  bool starting_ = true;
};

}  // namespace stoa::xmpp::server
