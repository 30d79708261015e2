#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>

#include "common/log.hpp"

namespace stoa::xmpp::server {

/// Gives memory that glibc's allocator keeps after mass disconnects back to the system: every
/// `interval` it calls malloc_trim(0). After a reconnect storm of 19,000 users stoad held
/// 1.9 GB with no session left and 385 MB once trimmed (docs/performance.md); the worker
/// threads' arenas are not trimmed by free() alone. Runs on the main thread's executor, beside
/// the admin socket, so that no network worker pauses for it.
class MemoryTrim {
 public:
  /// A zero interval disables it.
  MemoryTrim(asio::any_io_executor executor, std::chrono::seconds interval, Logger& log);
  MemoryTrim(const MemoryTrim&) = delete;
  MemoryTrim& operator=(const MemoryTrim&) = delete;

  void start();
  void stop();

 private:
  void schedule();

  asio::steady_timer timer_;
  const std::chrono::seconds interval_;
  Logger& log_;
};

}  // namespace stoa::xmpp::server
