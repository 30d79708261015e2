#pragma once

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

typedef struct ssl_st SSL;

namespace stoa::xmpp::server {

/// A client connection: TCP, optionally upgraded to TLS (STARTTLS) or TLS from the first byte
/// (XEP-0368). One read and one write may be in flight at once, both on the owning shard.
///
/// Built for many idle connections: it owns no read buffer (input lands in a buffer shared by
/// the thread's connections), and TLS runs OpenSSL directly on the socket, so that with
/// SSL_MODE_RELEASE_BUFFERS an idle TLS connection holds no record buffers at all.
/// (asio::ssl::stream keeps four 17 KiB buffers per connection for its whole life.)
class Transport {
 public:
  explicit Transport(asio::ip::tcp::socket socket);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  bool is_encrypted() const { return ssl_ != nullptr; }
  std::string remote_address() const;

  /// Runs the server side of the TLS handshake; the transport is encrypted afterwards.
  asio::awaitable<std::error_code> start_tls(asio::ssl::context& context);
  /// Waits for input and returns what arrived. The bytes live in a buffer shared by every
  /// connection of this thread: use them before the caller next suspends.
  asio::awaitable<std::tuple<std::error_code, std::string_view>> read_some();
  /// Writes all of `buffers`: gathering writes on TCP, TLS records of up to 16 KiB rather than
  /// one per buffer on TLS.
  asio::awaitable<std::tuple<std::error_code, std::size_t>> write(
      const std::vector<asio::const_buffer>& buffers);
  /// Closes at once, cancelling pending operations.
  void close();

 private:
  asio::awaitable<std::tuple<std::error_code, std::size_t>> write_plain(
      const std::vector<asio::const_buffer>& buffers);

  asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
};

}  // namespace stoa::xmpp::server
