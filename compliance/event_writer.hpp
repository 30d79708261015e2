#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "compliance/event_store.hpp"

namespace stoa::compliance {

/// Writes received events on a thread of its own, so that the XMPP loop never waits for the
/// database: the loop queues events, this thread stores everything queued in one transaction
/// and publishes how far the stored sequence is complete, which the loop acknowledges.
/// When the database fails, the same batch is retried with backoff until it is stored.
class EventWriter {
 public:
  /// `stored_through` is the highest seq the database holds at start.
  EventWriter(EventStore& store, Logger& log, std::int64_t stored_through,
              std::chrono::seconds retry_max);
  /// Stops the thread; events still queued are dropped (stoad keeps them until acknowledged).
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  /// Queues events received from stoad, in sequence order.
  void enqueue(std::vector<Event> events);
  /// The highest seq N such that every event from the start position up to N is stored.
  std::int64_t stored_through() const { return stored_through_.load(); }
  /// Marks the events up to `seq` as settled without storing them: stoad will never send them
  /// (another copy of this database acknowledged them). Nothing happens when already past it.
  void skip_to(std::int64_t seq);
  /// When the newest stored event happened (microseconds since the epoch), 0 before any.
  std::int64_t newest_stored_at_micros() const { return newest_stored_at_.load(); }
  /// Events received but not yet stored.
  std::size_t queued() const;
  /// Whether the last write failed (the database is unreachable).
  bool failing() const { return failing_.load(); }

 private:
  void run();
  /// Stores one batch, retrying with backoff until it is stored or stop is requested.
  bool store_with_retry(const std::vector<Event>& batch);
  void advance(const std::vector<Event>& batch);

  EventStore& store_;
  Logger& log_;
  std::chrono::seconds retry_max_;
  std::atomic<std::int64_t> stored_through_;
  std::atomic<std::int64_t> newest_stored_at_{0};
  std::atomic<bool> failing_{false};
  /// The first seq beyond a hole already reported, so that a hole is logged once.
  std::int64_t reported_gap_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Event> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stoa::compliance
