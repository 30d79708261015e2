#pragma once

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <system_error>
#include <tuple>

namespace stoa::xmpp::server {

/// A client connection: TCP, optionally upgraded to TLS (STARTTLS) or TLS from the first byte
/// (XEP-0368). One read and one write may be in flight at once, both on the owning shard.
class Transport {
 public:
  explicit Transport(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

  bool is_encrypted() const { return tls_ != nullptr; }
  std::string remote_address() const;

  /// Runs the server side of the TLS handshake; the transport is encrypted afterwards.
  asio::awaitable<std::error_code> start_tls(asio::ssl::context& context);
  asio::awaitable<std::tuple<std::error_code, std::size_t>> read_some(asio::mutable_buffer buffer);
  asio::awaitable<std::tuple<std::error_code, std::size_t>> write(asio::const_buffer buffer);
  /// Closes at once, cancelling pending operations.
  void close();

 private:
  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
};

}  // namespace stoa::xmpp::server
