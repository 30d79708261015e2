#pragma once

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <utility>

namespace stoa::test {

/// Runs one coroutine to completion on a private io_context on this thread; rethrows what it
/// threw.
template <typename T>
T run_awaitable(asio::awaitable<T> awaitable) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(awaitable), asio::use_future);
  io.run();
  return result.get();
}

}  // namespace stoa::test
