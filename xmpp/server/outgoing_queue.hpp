#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/server/transport.hpp"

namespace stoa::xmpp::server {

/// A stanza serialized once for many recipients, split where each recipient's 'to' goes:
/// head + escaped JID + tail.
struct SharedStanza {
  std::string head;
  std::string tail;
};

/// The sending side of a stream: a bounded queue of serialized XML and the coroutine that
/// writes it. Everything queued since the last write goes out in one write (one TLS record).
/// Used on the owning shard only, except queued_bytes().
class OutgoingQueue {
 public:
  /// `limit_bytes` (limits.send_queue_bytes) bounds what waits unwritten.
  OutgoingQueue(asio::io_context& context, std::size_t limit_bytes);

  /// Queues `data`; false, with nothing queued, when the queue would pass its limit (the
  /// reader is too slow and should be cut off) or the queue was stopped.
  bool push(std::string data);
  /// Queues `stanza` addressed to `to` (escaped, and alive as long as the queue) without
  /// copying it; false as for push().
  bool push(std::shared_ptr<const SharedStanza> stanza, std::string_view to);
  /// Writes what is queued until finish() was called and all is written, a write fails or
  /// stop() is called.
  asio::awaitable<void> run(Transport& transport);
  /// Waits until everything queued so far is written, or the queue stopped.
  asio::awaitable<void> flush();
  /// run() returns once what is queued now is written.
  void finish();
  /// run() and flush() return at once; what is queued is dropped.
  void stop();
  /// Bytes waiting to be written; safe from any thread.
  std::size_t queued_bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  /// Its own text, or a shared stanza with the recipient's JID in between.
  struct Piece {
    std::string own;
    std::shared_ptr<const SharedStanza> shared;
    std::string_view to;
  };

  /// Counts `size` more bytes queued; false when they do not fit or the queue is closed.
  bool admit(std::size_t size);

  std::vector<Piece> queue_;
  std::atomic<std::size_t> bytes_{0};
  std::size_t limit_;
  bool writing_ = false;
  bool finishing_ = false;
  bool stopped_ = false;
  asio::steady_timer write_signal_;
  asio::steady_timer flushed_signal_;
};

}  // namespace stoa::xmpp::server
