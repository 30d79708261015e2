#pragma once

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace stoa::xmpp::server {

/// Completion token for awaited operations whose errors are expected (disconnects, cancelled
/// timers): they come back as an error_code in a tuple instead of an exception.
inline constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace stoa::xmpp::server
