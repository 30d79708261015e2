#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/stanza_match.hpp"
#include "tests/support/wait.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::test {

/// A plain TCP connection to the server that writes exactly the bytes it is given and parses
/// what comes back as an XMPP stream: for malformed input, negotiation before TLS and limits,
/// where a real client library would refuse to misbehave.
class RawStream {
 public:
  /// Connects to 127.0.0.1:`port`; check connected().
  explicit RawStream(std::uint16_t port);
  ~RawStream();
  RawStream(const RawStream&) = delete;
  RawStream& operator=(const RawStream&) = delete;

  bool connected() const { return connected_; }
  /// Why connecting or sending failed.
  const std::string& error() const { return error_; }

  /// Writes all of `bytes`; false when the connection refused them (it was closed).
  bool send(std::string_view bytes);
  /// Sends the stream header a client opens with, addressed to `domain`.
  bool open_stream(std::string_view domain = "localhost");

  /// Reads for up to `wait` and parses what arrived.
  void pump(std::chrono::milliseconds wait);
  /// Waits for a first-level element of the server's stream that matches, removing it from the
  /// queue; nullopt after `timeout` or once the connection ended without one.
  std::optional<xmpp::Element> wait_for(const StanzaPredicate& predicate,
                                        std::chrono::milliseconds timeout = kWaitTimeout);
  /// Waits for <stream:features/>.
  std::optional<xmpp::Element> wait_for_features(std::chrono::milliseconds timeout = kWaitTimeout);
  /// Waits for <stream:error/>.
  std::optional<xmpp::Element> wait_for_stream_error(
      std::chrono::milliseconds timeout = kWaitTimeout);
  /// Waits until the server closes the TCP connection; true once it has.
  bool wait_closed(std::chrono::milliseconds timeout = kWaitTimeout);

  /// The server closed the connection (EOF or reset).
  bool closed() const { return eof_; }
  /// The server opened its stream.
  bool header_received() const { return header_received_; }
  /// The server closed its stream with </stream:stream>.
  bool stream_closed() const { return stream_closed_; }
  /// The server's output could not be parsed as an XMPP stream (a server bug).
  const std::optional<xmpp::StreamCondition>& parse_error() const { return parse_error_; }
  /// Everything received, verbatim.
  const std::string& received() const { return received_; }
  /// Closes the connection from this side.
  void close();

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  bool header_received_ = false;
  bool stream_closed_ = false;
  std::string error_;
  std::string received_;
  xmpp::XmlStreamParser parser_;
  std::optional<xmpp::StreamCondition> parse_error_;
  std::deque<xmpp::Element> elements_;
};

}  // namespace stoa::test
