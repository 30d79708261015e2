#include "tests/support/raw_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <variant>

#include "xmpp/namespaces.hpp"

namespace stoa::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kSlice = 20ms;
/// A server that stops reading must not hang the test in send().
constexpr timeval kSendTimeout{10, 0};
/// The server's output is parsed, not judged: the limits only guard the test process.
constexpr xmpp::StreamLimits kGenerousLimits{64 * 1024 * 1024, 256, 1024};

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  return std::max(0ms,
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

}  // namespace

RawStream::RawStream(std::uint16_t port) : parser_(kGenerousLimits) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return;
  }
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &kSendTimeout, sizeof kSendTimeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    error_ = "connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    close();
    return;
  }
  connected_ = true;
}

RawStream::~RawStream() {
  close();
}

void RawStream::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool RawStream::send(std::string_view bytes) {
  while (!bytes.empty()) {
    if (fd_ < 0) {
      error_ = "send on a closed connection";
      return false;
    }
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawStream::open_stream(std::string_view domain) {
  std::string header = "<?xml version='1.0'?><stream:stream to='";
  xmpp::append_escaped(header, domain);
  header +=
      "' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  return send(header);
}

void RawStream::pump(std::chrono::milliseconds wait) {
  if (fd_ < 0) {
    return;
  }
  pollfd readable{fd_, POLLIN, 0};
  if (::poll(&readable, 1, static_cast<int>(wait.count())) <= 0) {
    return;
  }
  std::array<char, 65536> buffer{};
  while (fd_ >= 0) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    }
    if (n <= 0) {
      // EOF or reset: either way the server has ended the connection.
      eof_ = true;
      close();
      return;
    }
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    received_.append(chunk);
    if (parse_error_) {
      continue;
    }
    parse_error_ = parser_.feed(chunk);
    while (std::optional<xmpp::StreamEvent> event = parser_.next()) {
      if (std::holds_alternative<xmpp::StreamOpen>(*event)) {
        header_received_ = true;
      } else if (auto* element = std::get_if<xmpp::StreamElement>(&*event)) {
        elements_.push_back(std::move(element->element));
      } else {
        stream_closed_ = true;
      }
    }
  }
}

std::optional<xmpp::Element> RawStream::wait_for(const StanzaPredicate& predicate,
                                                 std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    const auto it = std::find_if(elements_.begin(), elements_.end(),
                                 [&](const xmpp::Element& element) { return predicate(element); });
    if (it != elements_.end()) {
      xmpp::Element found = std::move(*it);
      elements_.erase(it);
      return found;
    }
    if (eof_ || fd_ < 0 || Clock::now() >= deadline) {
      return std::nullopt;
    }
    pump(std::min<std::chrono::milliseconds>(kSlice, remaining(deadline)));
  }
}

std::optional<xmpp::Element> RawStream::wait_for_features(std::chrono::milliseconds timeout) {
  return wait_for(
      [](const xmpp::Element& element) { return element.is("features", xmpp::ns::kStreams); },
      timeout);
}

std::optional<xmpp::Element> RawStream::wait_for_stream_error(std::chrono::milliseconds timeout) {
  return wait_for(
      [](const xmpp::Element& element) { return element.is("error", xmpp::ns::kStreams); },
      timeout);
}

bool RawStream::wait_closed(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!eof_ && fd_ >= 0 && Clock::now() < deadline) {
    pump(std::min<std::chrono::milliseconds>(kSlice, remaining(deadline)));
  }
  return eof_;
}

}  // namespace stoa::test
