#pragma once

#include <strophe.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/stanza_match.hpp"
#include "tests/support/wait.hpp"
#include "xmpp/xml_element.hpp"

namespace stoa::test {

/// How the client secures the stream.
enum class TlsMode {
  starttls,    ///< STARTTLS, and fail if the server does not offer it
  direct_tls,  ///< TLS from the first byte (XEP-0368)
  plaintext,   ///< never TLS
};

/// Where and how to connect.
struct ClientOptions {
  std::uint16_t port = 0;
  TlsMode tls = TlsMode::starttls;
  std::string host = "127.0.0.1";
  std::chrono::milliseconds timeout = kWaitTimeout;  ///< for the whole login
};

/// The outcome of a login attempt.
struct ConnectResult {
  bool ok = false;
  std::string error;                       ///< why it failed, in words
  std::vector<std::string> sasl_failures;  ///< condition of each SASL <failure/>, in order
  std::string stream_error;                ///< condition of the stream error, if one came

  explicit operator bool() const { return ok; }
};

/// A synchronous XMPP client for tests on libstrophe. Each client has its own libstrophe
/// context, driven only from inside its calls (no threads): send() flushes before it returns and
/// every wait runs the event loop until the condition holds or the bound passes. Every stanza
/// received after login is queued, so none is missed between waits; waits take the first
/// queued stanza that matches and leave the others.
class XmppClient {
 public:
  XmppClient();
  ~XmppClient();
  XmppClient(const XmppClient&) = delete;
  XmppClient& operator=(const XmppClient&) = delete;

  /// Logs in as `jid` (a full JID requests that resource; a bare one lets the server pick) and
  /// binds a resource. Any previous connection is closed first.
  ConnectResult connect(const std::string& jid, const std::string& password,
                        const ClientOptions& options);
  /// Whether the session is up.
  bool connected() const { return state_ == State::connected; }
  /// The full JID the server bound.
  const std::string& bound_jid() const { return bound_jid_; }
  /// Whether the stream is encrypted.
  bool secured() const;

  /// Sends raw XML as it is and flushes it to the socket.
  void send(std::string_view xml);
  /// Sends a stanza (its namespace is taken as jabber:client) and flushes it.
  void send(const xmpp::Element& stanza);
  /// A fresh stanza id, unique within this client.
  std::string next_id();

  /// Runs the event loop until a received stanza matches, removing it from the queue; nullopt
  /// once `timeout` has passed or the connection is gone without a match.
  std::optional<xmpp::Element> wait_for(const StanzaPredicate& predicate,
                                        std::chrono::milliseconds timeout = kWaitTimeout);
  /// Sends an <iq/> (given an id when it has none) and waits for its result or error.
  std::optional<xmpp::Element> iq(xmpp::Element request,
                                  std::chrono::milliseconds timeout = kWaitTimeout);
  /// Answers a server's <iq type='set'/> (a roster push) with an empty result.
  void acknowledge(const xmpp::Element& iq);
  /// Sends a <message/> with a body.
  void send_message(const std::string& to, const std::string& body,
                    const std::string& type = "chat");
  /// Waits for a <message/> from `from` (any resource when `from` is bare).
  std::optional<xmpp::Element> expect_message_from(
      const std::string& from, std::chrono::milliseconds timeout = kWaitTimeout);
  /// Waits for the connection to end (the server closing it); true once it has.
  bool wait_disconnected(std::chrono::milliseconds timeout = kWaitTimeout);
  /// The condition of the stream error that ended the connection, "" if none.
  const std::string& stream_error() const { return stream_error_; }
  /// Closes the stream and waits (bounded) for the connection to end.
  void disconnect();

  /// The queued stanzas and the recent libstrophe log, for failure messages.
  std::string describe() const;

 private:
  enum class State { idle, connecting, connected, disconnected };

  static void on_connection_event(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                                  xmpp_stream_error_t* stream_error, void* self);
  static int on_stanza(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* self);
  static void on_log(void* self, xmpp_log_level_t level, const char* area, const char* message);
  void run_once(std::chrono::milliseconds wait);
  void release_connection();
  std::optional<xmpp::Element> take(const StanzaPredicate& predicate);

  xmpp_log_t logger_;
  xmpp_ctx_t* ctx_ = nullptr;
  xmpp_conn_t* conn_ = nullptr;
  State state_ = State::idle;
  std::string bound_jid_;
  std::string stream_error_;
  int socket_error_ = 0;
  std::deque<xmpp::Element> received_;
  std::vector<std::string> sasl_failures_;
  std::deque<std::string> log_;  // the last lines libstrophe logged
  unsigned long next_id_ = 0;
};

}  // namespace stoa::test
