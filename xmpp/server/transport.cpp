#include "xmpp/server/transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <asio/ssl/error.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <optional>
#include <tuple>

#include "xmpp/server/no_throw.hpp"

namespace stoa::xmpp::server {
namespace {

// A read takes at most this much: expat copies each chunk into a buffer of its own, which
// grows to the largest chunk it was given.
constexpr std::size_t kReadBytes = 4096;

// Input is handed to the parser before the reader suspends again, so one buffer per thread
// serves all of that thread's connections.
thread_local std::array<char, kReadBytes> read_buffer;

// asio's limit on the buffers of one gathering write (asio::detail::max_iov_len).
constexpr std::size_t kMostGathered = 64;

bool would_block(const std::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

struct TlsNext {
  std::optional<asio::socket_base::wait_type> wait;
  std::error_code error;
};

// What an OpenSSL call that returned `result` (<= 0) asks for: a socket state to wait for, or
// the error that ended the connection. Called at once, while errno and OpenSSL's error queue
// still describe that call.
TlsNext tls_next(SSL* ssl, int result) {
  const int saved_errno = errno;
  const int ssl_error = SSL_get_error(ssl, result);
  switch (ssl_error) {
    case SSL_ERROR_WANT_READ:
      return {asio::socket_base::wait_read, {}};
    case SSL_ERROR_WANT_WRITE:
      return {asio::socket_base::wait_write, {}};
    case SSL_ERROR_ZERO_RETURN:
      return {std::nullopt, asio::error::eof};
    default:
      break;
  }
  if (unsigned long code = ERR_get_error()) {
    return {std::nullopt, std::error_code(static_cast<int>(code), asio::error::get_ssl_category())};
  }
  if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) {
    return {std::nullopt, std::error_code(saved_errno, std::system_category())};
  }
  return {std::nullopt, asio::error::eof};  // the peer closed without close_notify
}

// Waits for the socket state an OpenSSL call asked for; the error that ends the operation, if
// any.
asio::awaitable<std::error_code> wait_for(asio::ip::tcp::socket& socket, TlsNext next) {
  std::error_code ec = next.error;
  if (next.wait) {
    std::tie(ec) = co_await socket.async_wait(*next.wait, kNoThrow);
  }
  // A closed socket's descriptor number may already belong to another connection.
  if (!ec && !socket.is_open()) {
    ec = asio::error::bad_descriptor;
  }
  co_return ec;
}

}  // namespace

Transport::Transport(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  // Reads and TLS calls are attempted first and waited for only when they would block.
  std::error_code ignored;
  socket_.non_blocking(true, ignored);
}

Transport::~Transport() {
  SSL_free(ssl_);
}

std::string Transport::remote_address() const {
  std::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

asio::awaitable<std::error_code> Transport::start_tls(asio::ssl::context& context) {
  ssl_ = SSL_new(context.native_handle());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
    co_return asio::error::no_memory;
  }
  SSL_set_accept_state(ssl_);
  for (;;) {
    ERR_clear_error();
    errno = 0;
    int result = SSL_do_handshake(ssl_);
    if (result == 1) {
      co_return std::error_code();
    }
    TlsNext tls = tls_next(ssl_, result);
    if (auto ec = co_await wait_for(socket_, tls)) {
      co_return ec;
    }
  }
}

asio::awaitable<std::tuple<std::error_code, std::string_view>> Transport::read_some() {
  for (;;) {
    std::error_code ec;
    if (ssl_) {
      if (!socket_.is_open()) {
        co_return std::tuple(asio::error::bad_descriptor, std::string_view());
      }
      ERR_clear_error();
      errno = 0;
      std::size_t n = 0;
      int result = SSL_read_ex(ssl_, read_buffer.data(), read_buffer.size(), &n);
      if (result == 1) {
        co_return std::tuple(ec, std::string_view(read_buffer.data(), n));
      }
      TlsNext tls = tls_next(ssl_, result);
      ec = co_await wait_for(socket_, tls);
    } else {
      std::size_t n = socket_.read_some(asio::buffer(read_buffer), ec);
      if (!ec) {
        co_return std::tuple(ec, std::string_view(read_buffer.data(), n));
      }
      if (would_block(ec)) {
        std::tie(ec) = co_await socket_.async_wait(asio::socket_base::wait_read, kNoThrow);
      }
    }
    if (ec) {
      co_return std::tuple(ec, std::string_view());
    }
  }
}

asio::awaitable<std::tuple<std::error_code, std::size_t>> Transport::write(
    const std::vector<asio::const_buffer>& buffers) {
  // OpenSSL takes one piece per record, and asio hands a sendmsg at most kMostGathered pieces
  // then waits for the worker again for the next ones. A longer list (a large room's occupant
  // list is thousands of small pieces) is joined first, so that every turn writes as much as
  // the socket takes: in the lync-node storm, unjoined, such writes took up to 2 s.
  std::string joined;
  std::vector<asio::const_buffer> whole_list;
  const std::vector<asio::const_buffer>* pieces = &buffers;
  if (buffers.size() > (ssl_ ? 1 : kMostGathered)) {
    joined.reserve(asio::buffer_size(buffers));
    for (const asio::const_buffer& piece : buffers) {
      joined.append(static_cast<const char*>(piece.data()), piece.size());
    }
    whole_list.push_back(asio::buffer(joined));
    pieces = &whole_list;
  }
  if (!ssl_) {
    co_return co_await write_plain(*pieces);
  }
  const asio::const_buffer whole = pieces->empty() ? asio::const_buffer() : pieces->front();
  const char* next = static_cast<const char*>(whole.data());
  std::size_t left = whole.size();
  while (left > 0) {
    if (!socket_.is_open()) {
      co_return std::tuple(asio::error::bad_descriptor, whole.size() - left);
    }
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    // A write that has to wait is retried with the same bytes, as OpenSSL requires.
    int result = SSL_write_ex(ssl_, next, left, &written);
    if (result == 1) {
      next += written;
      left -= written;
      continue;
    }
    TlsNext tls = tls_next(ssl_, result);
    if (auto ec = co_await wait_for(socket_, tls)) {
      co_return std::tuple(ec, whole.size() - left);
    }
  }
  co_return std::tuple(std::error_code(), whole.size());
}

asio::awaitable<std::tuple<std::error_code, std::size_t>> Transport::write_plain(
    const std::vector<asio::const_buffer>& buffers) {
  // Tried at once: a peer that keeps up takes it all, and the write then costs one sendmsg,
  // not an asynchronous operation that copies the buffer list (half the fan-out's mallocs).
  const std::size_t total = asio::buffer_size(buffers);
  std::error_code ec;
  std::size_t written = socket_.write_some(buffers, ec);
  if (!ec && written == total) {
    co_return std::tuple(ec, total);
  }
  if (ec && !would_block(ec)) {
    co_return std::tuple(ec, std::size_t{0});
  }
  if (ec) {
    written = 0;
  }
  std::vector<asio::const_buffer> rest;
  std::size_t skip = written;
  for (const asio::const_buffer& piece : buffers) {
    if (skip >= piece.size()) {
      skip -= piece.size();
      continue;
    }
    rest.push_back(piece + skip);
    skip = 0;
  }
  auto [rest_ec, rest_written] = co_await asio::async_write(socket_, rest, kNoThrow);
  co_return std::tuple(rest_ec, written + rest_written);
}

void Transport::close() {
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace stoa::xmpp::server
