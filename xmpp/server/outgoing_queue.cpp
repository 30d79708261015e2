#include "xmpp/server/outgoing_queue.hpp"

#include <vector>

#include "xmpp/server/no_throw.hpp"

namespace stoa::xmpp::server {

OutgoingQueue::OutgoingQueue(asio::io_context& context, std::size_t limit_bytes)
    : limit_(limit_bytes), write_signal_(context), flushed_signal_(context) {
  write_signal_.expires_at(std::chrono::steady_clock::time_point::max());
  flushed_signal_.expires_at(std::chrono::steady_clock::time_point::max());
}

bool OutgoingQueue::push(std::string data) {
  if (stopped_ || finishing_ || bytes_.load() + data.size() > limit_) {
    return false;
  }
  bytes_ += data.size();
  queue_.push_back(std::move(data));
  write_signal_.cancel_one();
  return true;
}

asio::awaitable<void> OutgoingQueue::run(Transport& transport) {
  std::vector<asio::const_buffer> buffers;
  std::deque<std::string> batch;
  while (!stopped_) {
    if (queue_.empty()) {
      flushed_signal_.cancel();
      if (finishing_) {
        break;
      }
      co_await write_signal_.async_wait(kNoThrow);
      continue;
    }
    batch.swap(queue_);
    bytes_ = 0;
    buffers.clear();
    for (const std::string& piece : batch) {
      buffers.emplace_back(asio::buffer(piece));
    }
    std::string joined;
    if (transport.is_encrypted() && buffers.size() > 1) {
      // One TLS record instead of one per stanza.
      for (const std::string& piece : batch) {
        joined += piece;
      }
      buffers.assign(1, asio::buffer(joined));
    }
    writing_ = true;
    std::error_code ec;
    for (const auto& b : buffers) {
      auto [write_ec, written] = co_await transport.write(b);
      ec = write_ec;
      if (ec) {
        break;
      }
    }
    writing_ = false;
    batch.clear();
    if (ec) {
      stop();
    }
  }
  flushed_signal_.cancel();
}

asio::awaitable<void> OutgoingQueue::flush() {
  while ((!queue_.empty() || writing_) && !stopped_) {
    co_await flushed_signal_.async_wait(kNoThrow);
  }
}

void OutgoingQueue::finish() {
  finishing_ = true;
  write_signal_.cancel_one();
}

void OutgoingQueue::stop() {
  stopped_ = true;
  queue_.clear();
  bytes_ = 0;
  write_signal_.cancel();
  flushed_signal_.cancel();
}

}  // namespace stoa::xmpp::server
