#include "xmpp/server/outgoing_queue.hpp"

#include <vector>

#include "xmpp/server/no_throw.hpp"

namespace stoa::xmpp::server {
namespace {

// After a burst the write buffers keep their capacity for the next one, up to this many
// stanzas: beyond that an idle connection would hold the burst's bookkeeping for good.
constexpr std::size_t kKeptSlots = 16;

template <typename Vector>
void clear_and_trim(Vector& v) {
  v.clear();
  if (v.capacity() > kKeptSlots) {
    Vector().swap(v);
  }
}

}  // namespace

OutgoingQueue::OutgoingQueue(asio::io_context& context, std::size_t limit_bytes)
    : limit_(limit_bytes), write_signal_(context), flushed_signal_(context) {
  write_signal_.expires_at(std::chrono::steady_clock::time_point::max());
  flushed_signal_.expires_at(std::chrono::steady_clock::time_point::max());
}

bool OutgoingQueue::admit(std::size_t size) {
  if (stopped_ || finishing_ || bytes_.load() + size > limit_) {
    return false;
  }
  bytes_ += size;
  return true;
}

bool OutgoingQueue::push(std::string data) {
  if (!admit(data.size())) {
    return false;
  }
  queue_.push_back(Piece{std::move(data), nullptr, {}});
  write_signal_.cancel_one();
  return true;
}

bool OutgoingQueue::push(std::shared_ptr<const SharedStanza> stanza, std::string_view to) {
  if (!admit(stanza->head.size() + to.size() + stanza->tail.size())) {
    return false;
  }
  queue_.push_back(Piece{{}, std::move(stanza), to});
  write_signal_.cancel_one();
  return true;
}

asio::awaitable<void> OutgoingQueue::run(Transport& transport) {
  std::vector<asio::const_buffer> buffers;
  std::vector<Piece> batch;
  while (!stopped_) {
    if (queue_.empty()) {
      flushed_signal_.cancel();
      if (finishing_) {
        break;
      }
      co_await write_signal_.async_wait(kNoThrow);
      continue;
    }
    // Everything queued so far goes out in one write.
    batch.swap(queue_);
    bytes_ = 0;
    buffers.clear();
    for (const Piece& piece : batch) {
      if (piece.shared) {
        buffers.emplace_back(asio::buffer(piece.shared->head));
        buffers.emplace_back(asio::buffer(piece.to));
        buffers.emplace_back(asio::buffer(piece.shared->tail));
      } else {
        buffers.emplace_back(asio::buffer(piece.own));
      }
    }
    writing_ = true;
    auto [ec, written] = co_await transport.write(buffers);
    writing_ = false;
    clear_and_trim(batch);
    clear_and_trim(buffers);
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
  clear_and_trim(queue_);
  bytes_ = 0;
  write_signal_.cancel();
  flushed_signal_.cancel();
}

}  // namespace stoa::xmpp::server
