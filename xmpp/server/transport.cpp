#include "xmpp/server/transport.hpp"

#include "xmpp/server/no_throw.hpp"
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace stoa::xmpp::server {

std::string Transport::remote_address() const {
  std::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

asio::awaitable<std::error_code> Transport::start_tls(asio::ssl::context& context) {
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kNoThrow);
  co_return ec;
}

asio::awaitable<std::tuple<std::error_code, std::size_t>> Transport::read_some(
    asio::mutable_buffer buffer) {
  if (tls_) {
    co_return co_await tls_->async_read_some(buffer, kNoThrow);
  }
  co_return co_await socket_.async_read_some(buffer, kNoThrow);
}

asio::awaitable<std::tuple<std::error_code, std::size_t>> Transport::write(
    asio::const_buffer buffer) {
  if (tls_) {
    co_return co_await asio::async_write(*tls_, buffer, kNoThrow);
  }
  co_return co_await asio::async_write(socket_, buffer, kNoThrow);
}

void Transport::close() {
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace stoa::xmpp::server
