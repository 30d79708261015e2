#include "bench/parent_link.hpp"

#include <unistd.h>

#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>

namespace stoa::bench {

ParentLink::ParentLink(asio::io_context& io, int to_parent, int from_parent)
    : to_parent_(to_parent), from_parent_(io, from_parent) {}

void ParentLink::write_line(const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t written = ::write(to_parent_, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      return;  // the parent is gone; the next barrier notices
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
}

asio::awaitable<bool> ParentLink::barrier(std::string_view phase) {
  write_line("ready " + std::string(phase) + "\n");
  std::error_code ec;
  const std::size_t length =
      co_await asio::async_read_until(from_parent_, asio::dynamic_buffer(buffer_), '\n',
                                      asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return false;
  }
  const bool go = std::string_view(buffer_).substr(0, length) == "go\n";
  buffer_.erase(0, length);
  co_return go;
}

void ParentLink::send_results(const Results& results) {
  write_line("result " + results.serialize() + "\n");
}

}  // namespace stoa::bench
