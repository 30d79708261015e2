#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <string>
#include <string_view>

#include "bench/results.hpp"

namespace stoa::bench {

/// A worker's pipes to the parent process. Every worker reports "ready PHASE" and waits for
/// "go", so that all processes start each phase together (no post before every join is done);
/// at the end it sends its results on one line.
class ParentLink {
 public:
  ParentLink(asio::io_context& io, int to_parent, int from_parent);

  /// False when the parent is gone.
  asio::awaitable<bool> barrier(std::string_view phase);
  void send_results(const Results& results);

 private:
  void write_line(const std::string& line);

  int to_parent_;
  asio::posix::stream_descriptor from_parent_;
  std::string buffer_;
};

}  // namespace stoa::bench
