#include "xmpp/server/memory_trim.hpp"

#include <malloc.h>

namespace stoa::xmpp::server {

MemoryTrim::MemoryTrim(asio::any_io_executor executor, std::chrono::seconds interval, Logger& log)
    : timer_(std::move(executor)), interval_(interval), log_(log) {}

void MemoryTrim::start() {
  if (interval_.count() > 0) {
    schedule();
  }
}

void MemoryTrim::stop() {
  timer_.cancel();
}

void MemoryTrim::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const std::error_code& cancelled) {
    if (cancelled) {
      return;
    }
    const auto started = std::chrono::steady_clock::now();
    const bool released = malloc_trim(0) != 0;
    log_.debug("memory", "malloc_trim ", released ? "returned memory" : "found nothing to return",
               " in ",
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count(),
               " ms");
    schedule();
  });
}

}  // namespace stoa::xmpp::server
