#pragma once

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "xmpp/server/admin_protocol.hpp"

namespace stoa::tools {

/// stoad cannot be reached on its admin socket, or went away in the middle of a reply.
class AdminUnreachable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// stoad answered something that is not the admin protocol, or a request cannot be encoded.
class AdminProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A blocking connection to stoad's admin socket: one request at a time, each answered in full.
class AdminClient {
 public:
  /// Connects; throws AdminUnreachable naming the socket and the reason.
  explicit AdminClient(std::string socket_path);

  /// Sends one request and waits for its complete reply. Throws AdminUnreachable when the
  /// connection fails, AdminProtocolError when the request is too large or the reply malformed.
  xmpp::server::AdminReply request(const std::vector<std::string>& fields);

 private:
  std::string socket_path_;
  asio::io_context io_;
  asio::local::stream_protocol::socket socket_;
  std::string buffer_;
};

}  // namespace stoa::tools
