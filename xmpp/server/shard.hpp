#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <thread>

namespace stoa::xmpp::server {

/// One network worker: a thread running its own io_context. A connection lives on one shard for
/// its whole life, so its state is only ever touched by that thread; work for it from another
/// shard is posted to its context.
class Shard {
 public:
  explicit Shard(unsigned index) : index_(index) {}
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;
  ~Shard() { join(); }

  unsigned index() const { return index_; }
  asio::io_context& context() { return context_; }
  asio::io_context::executor_type executor() { return context_.get_executor(); }

  void start() {
    thread_ = std::thread([this] { context_.run(); });
  }
  /// Lets run() return once the queued work is done.
  void release() { guard_.reset(); }
  void stop() { context_.stop(); }
  void join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  /// Sessions currently owned by this shard (for status and balancing).
  std::atomic<unsigned> sessions{0};

 private:
  unsigned index_;
  asio::io_context context_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_{context_.get_executor()};
  std::thread thread_;
};

}  // namespace stoa::xmpp::server
