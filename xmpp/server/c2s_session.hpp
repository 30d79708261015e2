#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "xmpp/jid.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/server/outgoing_queue.hpp"
#include "xmpp/server/server_context.hpp"
#include "xmpp/server/shard.hpp"
#include "xmpp/server/transport.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::xmpp::server {

/// A client-to-server stream (RFC 6120): STARTTLS or direct TLS, SASL, resource binding, then
/// stanzas in both directions. It lives on one shard; deliver() and close() may be called from
/// any thread and hop onto that shard.
class C2sSession : public std::enable_shared_from_this<C2sSession> {
 public:
  C2sSession(ServerContext& server, Shard& shard, asio::ip::tcp::socket socket, bool direct_tls);
  ~C2sSession();

  /// Starts the reader, writer and watchdog coroutines.
  void start();

  /// Queues a stanza for this client. Thread-safe.
  void deliver(Element stanza);
  /// Queues a stanza serialized once for many recipients, addressed to this session's JID.
  /// Only on this session's shard (fan-out batches per shard and calls this from there).
  void deliver_shared_on_shard(std::shared_ptr<const SharedStanza> stanza);
  /// Queues stanzas serialized and addressed to this session by the caller. Only on this
  /// session's shard.
  void deliver_serialized_on_shard(std::string stanzas);
  /// Sends a stream error and closes. Thread-safe.
  void close(StreamCondition condition, std::string text = {});

  /// The bound full JID; set once at bind and never changed afterwards.
  const Jid& jid() const { return jid_; }
  Shard& shard() { return shard_; }
  bool is_encrypted() const { return transport_.is_encrypted(); }

 private:
  enum class State { connected, authenticated, bound, closing };

  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> watchdog();

  asio::awaitable<void> on_stream_open(const StreamOpen& open);
  asio::awaitable<void> on_element(Element element);
  asio::awaitable<void> on_starttls();
  asio::awaitable<void> on_sasl(const Element& element);
  asio::awaitable<void> run_sasl_step(sasl::Step step);
  asio::awaitable<void> on_bound_stanza(Element stanza);
  void on_bind(const Element& iq);

  void send_stream_header();
  void send_features();
  void send(const Element& element);
  void send_raw(std::string data);
  /// The send queue refused more: the client does not read fast enough.
  void disconnect_slow_reader();
  /// Sends `last` and ends the stream once it is written.
  void close_after(std::string last);
  void fail(StreamCondition condition, std::string text = {});
  void sasl_failure(sasl::Failure failure, std::string text = {});
  void shutdown_bindings();
  void shutdown();

  ServerContext& server_;
  Shard& shard_;
  Transport transport_;
  bool direct_tls_;
  XmlStreamParser parser_;
  OutgoingQueue out_;
  State state_ = State::connected;
  bool header_sent_ = false;
  bool stream_restart_ = false;
  bool counted_unauthenticated_ = true;
  bool unbound_ = false;
  bool auth_failure_counted_ = false;
  bool closed_ = false;
  std::string stream_id_;
  std::string remote_address_;
  std::string username_;
  Jid jid_;
  std::string escaped_jid_;  ///< jid_ as a fan-out writes it into 'to'

  std::unique_ptr<sasl::Mechanism> mechanism_;

  std::chrono::steady_clock::time_point last_read_;
  bool ping_outstanding_ = false;
  asio::steady_timer watchdog_timer_;
};

}  // namespace stoa::xmpp::server
