#include "xmpp/server/component_session.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/server/component_hub.hpp"
#include "xmpp/server/no_throw.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/stream_writer.hpp"
#include "xmpp/stanza_error.hpp"

namespace stoa::xmpp::server {
namespace {

// A closing stream gets this long to flush its error before the socket is cut.
constexpr std::chrono::seconds kCloseGrace{5};

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

std::string random_stream_id() {
  unsigned char raw[12];
  RAND_bytes(raw, sizeof raw);
  return hex(raw, sizeof raw);
}

/// XEP-0114 §3: the handshake is the hex SHA-1 of the stream id followed by the secret.
std::string expected_handshake(const std::string& stream_id, const std::string& secret) {
  std::string input = stream_id + secret;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return hex(digest, sizeof digest);
}

bool same_secret_digest(std::string given, const std::string& expected) {
  for (char& c : given) {
    c = c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

bool is_stanza_name(std::string_view name) {
  return name == "message" || name == "presence" || name == "iq";
}

}  // namespace

ComponentSession::ComponentSession(ServerContext& server, Shard& shard,
                                   asio::ip::tcp::socket socket, ComponentHub& hub)
    : server_(server),
      shard_(shard),
      hub_(hub),
      transport_(std::move(socket)),
      parser_(server.stream_limits),
      out_(shard.context(), server.config.send_queue_bytes),
      remote_address_(transport_.remote_address()),
      watchdog_timer_(shard.context()) {
  ++shard_.sessions;
}

ComponentSession::~ComponentSession() {
  --shard_.sessions;
  --server_.counters.open;
  release_authentication_slot();
}

void ComponentSession::start() {
  // Each coroutine's completion handler holds a reference: the session lives exactly as long
  // as one of them still runs.
  auto keep_alive = [self = shared_from_this()](const std::exception_ptr&) {};
  asio::co_spawn(shard_.context(), read_loop(), keep_alive);
  asio::co_spawn(shard_.context(), write_loop(), keep_alive);
  asio::co_spawn(shard_.context(), watchdog(), keep_alive);
}

void ComponentSession::deliver(Element stanza) {
  asio::dispatch(shard_.executor(), [self = shared_from_this(), stanza = std::move(stanza)] {
    if (self->state_ == State::authenticated) {
      self->send(stanza);
    }
  });
}

void ComponentSession::deliver_serialized(std::string xml) {
  // Posted, never run inline: the compliance streamer calls this under its lock.
  asio::post(shard_.executor(), [self = shared_from_this(), xml = std::move(xml)]() mutable {
    if (self->state_ == State::authenticated) {
      self->send_raw(std::move(xml));
    }
  });
}

void ComponentSession::close(StreamCondition condition, std::string text) {
  asio::dispatch(shard_.executor(),
                 [self = shared_from_this(), condition, text = std::move(text)]() mutable {
                   self->fail(condition, std::move(text));
                 });
}

asio::awaitable<void> ComponentSession::read_loop() {
  while (state_ != State::closing) {
    auto [ec, data] = co_await transport_.read_some();
    if (ec) {
      break;
    }
    if (auto error = parser_.feed(data)) {
      fail(*error);
      break;
    }
    while (state_ != State::closing) {
      std::optional<StreamEvent> event = parser_.next();
      if (!event) {
        break;
      }
      if (auto* open = std::get_if<StreamOpen>(&*event)) {
        on_stream_open(*open);
      } else if (auto* element = std::get_if<StreamElement>(&*event)) {
        if (state_ == State::connected) {
          on_handshake(element->element);
        } else {
          co_await on_stanza(std::move(element->element));
        }
      } else {
        send_raw("</stream:stream>");
        state_ = State::closing;
        out_.finish();
      }
    }
  }
  if (state_ != State::closing) {
    shutdown();
  }
}

asio::awaitable<void> ComponentSession::write_loop() {
  co_await out_.run(transport_);
  shutdown();
}

asio::awaitable<void> ComponentSession::watchdog() {
  watchdog_timer_.expires_after(std::chrono::seconds(server_.config.auth_timeout_seconds));
  co_await watchdog_timer_.async_wait(kNoThrow);
  if (state_ == State::connected && !closed_) {
    fail(StreamCondition::connection_timeout, "no handshake in time");
  }
  while (!closed_ && state_ != State::closing) {
    watchdog_timer_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await watchdog_timer_.async_wait(kNoThrow);
  }
  if (!closed_) {
    watchdog_timer_.expires_after(kCloseGrace);
    co_await watchdog_timer_.async_wait(kNoThrow);
    transport_.close();
  }
}

void ComponentSession::on_stream_open(const StreamOpen& open) {
  if (header_sent_) {
    fail(StreamCondition::policy_violation, "the stream is already open");
    return;
  }
  requested_name_ = open.header.attr_or("to");
  stream_id_ = random_stream_id();
  send_raw(stream_header(ns::kComponent, requested_name_, stream_id_));
  header_sent_ = true;
  if (open.content_xmlns != ns::kComponent) {
    fail(StreamCondition::invalid_namespace,
         "the stream's default namespace must be jabber:component:accept");
  }
}

void ComponentSession::on_handshake(const Element& element) {
  if (!element.is("handshake", ns::kComponent)) {
    fail(StreamCondition::not_authorized, "send the handshake first");
    return;
  }
  std::optional<std::string> name = nameprep(requested_name_);
  const conf::ComponentConfig* component = name ? hub_.find(*name) : nullptr;
  // An unknown name and a wrong secret get the same answer, so that names cannot be probed.
  if (component == nullptr ||
      !same_secret_digest(element.text(), expected_handshake(stream_id_, component->secret))) {
    server_.log.warn("component", "handshake refused name=", requested_name_,
                     " address=", remote_address_);
    fail(StreamCondition::not_authorized, "wrong name or secret");
    return;
  }
  component_ = component;
  state_ = State::authenticated;
  release_authentication_slot();
  send(Element("handshake", std::string(ns::kClient)));
  watchdog_timer_.cancel();
  hub_.attach(shared_from_this());
  server_.log.info("component", "connected name=", component_->name, " address=", remote_address_,
                   " shard=", shard_.index());
}

asio::awaitable<void> ComponentSession::on_stanza(Element stanza) {
  if (stanza.xmlns() != ns::kComponent || !is_stanza_name(stanza.name())) {
    fail(StreamCondition::unsupported_stanza_type,
         "unsupported element {" + stanza.xmlns() + "}" + stanza.name());
    co_return;
  }
  ++server_.counters.stanzas_in;
  stanza.replace_namespace(ns::kComponent, ns::kClient);
  std::optional<Jid> from = Jid::parse(stanza.attr_or("from"));
  if (!from || from->domain() != component_->name) {
    fail(StreamCondition::invalid_from, "stanzas must come from " + component_->name);
    co_return;
  }
  if (!check_addressing(stanza)) {
    co_return;
  }
  if (stanza.attr_or("to") == server_.config.domain) {
    if (stanza.name() == "iq") {
      co_await hub_.server_iq(std::move(stanza), shared_from_this());
    }
    co_return;  // messages and presence to the server itself have nowhere to go
  }
  co_await server_.router.route(std::move(stanza));
}

bool ComponentSession::check_addressing(const Element& stanza) {
  std::string type = stanza.attr_or("type");
  std::optional<Jid> to = Jid::parse(stanza.attr_or("to"));
  std::optional<StanzaError> error;
  if (!to) {
    error = StanzaError(StanzaCondition::jid_malformed, "a component's stanza needs a valid 'to'");
  } else if (stanza.name() == "iq") {
    bool request = type == "get" || type == "set";
    if (!stanza.attr("id") || (!request && type != "result" && type != "error") ||
        (request && stanza.children().size() != 1)) {
      error =
          StanzaError(StanzaCondition::bad_request, "an iq needs an id, a type and one payload");
    }
  }
  if (!error) {
    return true;
  }
  if (type != "error") {
    Element reply = make_error_reply(stanza, *error);
    if (!to) {
      reply.remove_attr("from");
    }
    send(reply);
  }
  return false;
}

void ComponentSession::send(const Element& element) {
  // Written as if in jabber:client, stanzas carry no xmlns and so take the stream's
  // jabber:component:accept.
  std::string out;
  element.write(out, ns::kClient);
  send_raw(std::move(out));
}

void ComponentSession::send_raw(std::string data) {
  if (state_ == State::closing) {
    return;
  }
  if (!out_.push(std::move(data))) {
    server_.log.warn("component", "send queue over ", server_.config.send_queue_bytes,
                     " bytes, disconnecting slow component name=",
                     component_ ? component_->name : requested_name_);
    shutdown();
  }
}

void ComponentSession::fail(StreamCondition condition, std::string text) {
  if (state_ == State::closing) {
    return;
  }
  if (!header_sent_) {
    header_sent_ = true;
    send_raw(stream_header(ns::kComponent, requested_name_, random_stream_id()));
  }
  server_.log.info("component", "stream error ", to_string(condition),
                   " name=", component_ ? component_->name : requested_name_,
                   " address=", remote_address_, text.empty() ? "" : " text=", text);
  send_raw(stream_error(condition, text));
  state_ = State::closing;
  out_.finish();
  if (component_) {
    hub_.detach(*this);
  }
  watchdog_timer_.cancel();
}

void ComponentSession::shutdown() {
  if (closed_) {
    return;
  }
  state_ = State::closing;
  closed_ = true;
  if (component_) {
    hub_.detach(*this);
  }
  transport_.close();
  out_.stop();
  watchdog_timer_.cancel();
}

void ComponentSession::release_authentication_slot() {
  if (counted_unauthenticated_) {
    counted_unauthenticated_ = false;
    server_.counters.unauthenticated.release();
  }
}

}  // namespace stoa::xmpp::server
