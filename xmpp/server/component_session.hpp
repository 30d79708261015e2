#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "conf/config.hpp"
#include "xmpp/server/outgoing_queue.hpp"
#include "xmpp/server/server_context.hpp"
#include "xmpp/server/shard.hpp"
#include "xmpp/server/transport.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace stoa::xmpp::server {

class ComponentHub;

/// An external component's stream (XEP-0114, jabber:component:accept): the handshake, then
/// stanzas both ways. Stanzas it sends must come from its own domain; those to the server's
/// domain are answered by the ComponentHub (the compliance protocol among them), the rest are
/// routed. It lives on one shard; deliver() and close() may be called from any thread.
class ComponentSession : public std::enable_shared_from_this<ComponentSession> {
 public:
  ComponentSession(ServerContext& server, Shard& shard, asio::ip::tcp::socket socket,
                   ComponentHub& hub);
  ~ComponentSession();

  /// Starts the reader, writer and watchdog coroutines.
  void start();

  /// Queues a stanza for the component. Thread-safe.
  void deliver(Element stanza);
  /// Queues serialized stanzas, written in the order of the calls. Thread-safe.
  void deliver_serialized(std::string xml);
  /// Sends a stream error and closes. Thread-safe.
  void close(StreamCondition condition, std::string text = {});

  /// The configuration of the component; null until the handshake succeeded, then fixed.
  const conf::ComponentConfig* component() const { return component_; }
  /// Bytes queued for the component and not yet written; safe from any thread.
  std::size_t queued_bytes() const { return out_.queued_bytes(); }

 private:
  enum class State { connected, authenticated, closing };

  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> watchdog();

  void on_stream_open(const StreamOpen& open);
  void on_handshake(const Element& element);
  asio::awaitable<void> on_stanza(Element stanza);
  /// Whether `stanza` has the shape RFC 6120 asks for; answers it with an error when not.
  bool check_addressing(const Element& stanza);

  void send(const Element& element);
  void send_raw(std::string data);
  void fail(StreamCondition condition, std::string text = {});
  void shutdown();
  void release_authentication_slot();

  ServerContext& server_;
  Shard& shard_;
  ComponentHub& hub_;
  Transport transport_;
  XmlStreamParser parser_;
  OutgoingQueue out_;
  State state_ = State::connected;
  bool header_sent_ = false;
  bool counted_unauthenticated_ = true;
  bool closed_ = false;
  std::string stream_id_;
  std::string requested_name_;
  std::string remote_address_;
  const conf::ComponentConfig* component_ = nullptr;
  asio::steady_timer watchdog_timer_;
};

}  // namespace stoa::xmpp::server
