#pragma once

#include <asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "bench/parent_link.hpp"
#include "bench/session.hpp"
#include "bench/worker_context.hpp"

namespace stoa::bench {

/// The users [first, end) of one worker process, driven through the scenario's phases in step
/// with the other workers: connect, create rooms, join, steady load, drain, and optionally a
/// reconnect storm.
class Worker {
 public:
  Worker(WorkerContext& ctx, ParentLink& link, std::uint32_t first, std::uint32_t end,
         unsigned index, unsigned processes);

  /// Runs every phase, then sends the results to the parent.
  asio::awaitable<void> run();

 private:
  asio::awaitable<void> connect_all(JoinKind join_after);
  asio::awaitable<void> login_one(std::shared_ptr<Session> session, JoinKind join_after);
  asio::awaitable<void> join_all(bool owners);
  asio::awaitable<void> steady();
  asio::awaitable<void> drain();
  asio::awaitable<void> close_all();
  asio::awaitable<void> sleep(Clock::duration duration);
  /// Waits until `done()` or the phase deadline; false on timeout.
  template <typename Done>
  asio::awaitable<bool> wait_for(Done done, Clock::time_point deadline);
  Clock::time_point deadline() const;
  /// A bound session and one of its joined rooms with other occupants, at random; the session
  /// is null when a few tries found none.
  std::pair<Session*, std::size_t> pick_room();
  /// This worker's share of a rate or count given for all processes.
  double share(double total) const { return total / processes_; }

  WorkerContext& ctx_;
  ParentLink& link_;
  unsigned processes_;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::size_t logins_in_flight_ = 0;
  /// Where sleep() records how late it woke: set for the reconnect storm only.
  Histogram* storm_lag_ = nullptr;
  std::minstd_rand random_;
};

}  // namespace stoa::bench
