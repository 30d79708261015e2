#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>

namespace stoa::xmpp::server {

/// Streams that have not authenticated yet, counted against `limits.max_unauthenticated`.
/// While every slot is taken, accepted connections wait unserved instead of being refused; the
/// server's admission loop waits here for a slot to free up. Sessions release their slot from
/// any shard; slots are taken and waited for on the acceptor's executor.
class UnauthenticatedSlots {
 public:
  UnauthenticatedSlots(unsigned limit, asio::any_io_executor acceptor);
  UnauthenticatedSlots(const UnauthenticatedSlots&) = delete;
  UnauthenticatedSlots& operator=(const UnauthenticatedSlots&) = delete;

  unsigned count() const { return count_.load(); }
  bool is_full() const { return count_.load() >= limit_; }
  bool is_closed() const { return closed_.load(); }

  /// Counts a newly admitted stream, when not is_full(). On the acceptor's executor only.
  void take() { ++count_; }
  /// Frees a stream's slot once it authenticated or closed; from any thread. Wakes the waiter
  /// when the slots were full.
  void release();
  /// Completes after a release from full or a wake(), or at once when closed. On the
  /// acceptor's executor only: checking is_full() and waiting with no suspension between them
  /// means no release can be missed.
  asio::awaitable<void> wait_for_release();
  /// Wakes the waiter (a connection arrived); from any thread.
  void wake();
  /// Wakes the waiter for good (shutdown) and stops further wake-ups, which would be posted to
  /// an executor about to be destroyed; from any thread, before the acceptor's executor stops.
  void close();

 private:
  const unsigned limit_;
  asio::any_io_executor acceptor_;
  std::atomic<unsigned> count_{0};
  std::atomic<bool> closed_{false};
  /// Never expires: the waiter waits on it, and cancelling it wakes it.
  asio::steady_timer release_signal_;
};

}  // namespace stoa::xmpp::server
