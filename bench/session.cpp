// A session's connection: TCP, TLS, SASL, bind, and the reader that runs once bound.

#include "bench/session.hpp"

#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <random>

#include "bench/scram_client.hpp"
#include "bench/stanza_text.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/sasl.hpp"

namespace stoa::bench {

using xmpp::Element;
namespace ns = xmpp::ns;

Session::Connection::Connection(WorkerContext& ctx)
    : stream(ctx.io, ctx.tls),
      framer(xmpp::StreamLimits{}.max_stanza_bytes),
      parser(xmpp::StreamLimits{}) {}

Session::Session(WorkerContext& ctx, std::uint32_t user)
    : ctx_(ctx), user_(user), name_(ctx.user_name(user)) {
  for (std::uint32_t room : ctx.plan.rooms_of(user)) {
    slots_.push_back(Slot{room});
  }
}

asio::awaitable<bool> Session::login() {
  thread_local std::minstd_rand jitter(std::random_device{}());
  for (unsigned attempt_number = 0;; ++attempt_number) {
    if (co_await attempt()) {
      co_return true;
    }
    if (attempt_number >= ctx_.scenario.connect_retries) {
      ctx_.results.error("login-gave-up");
      co_return false;
    }
    // Back off with jitter, as real clients do, so that retries do not come back as one wave.
    const auto pause = std::chrono::milliseconds(250 * (attempt_number + 1) + jitter() % 500);
    asio::steady_timer timer(ctx_.io, pause);
    std::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<bool> Session::attempt() {
  auto connection = std::make_shared<Connection>(ctx_);
  connection_ = connection;
  std::error_code ec;
  co_await connection->stream.next_layer().async_connect(
      ctx_.endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ctx_.results.error("connect-" + ec.message());
    co_return false;
  }
  ++ctx_.connections;
  connection->stream.next_layer().set_option(asio::ip::tcp::no_delay(true));
  bool ok = false;
  if (ctx_.options.tls == TlsMode::direct) {
    ok = co_await start_tls();
  } else {
    open_stream();
    ok = true;
  }
  std::optional<Element> features;
  if (ok) {
    features = co_await next_element(connection_, "features");
    ok = features.has_value();
  }
  if (ok && ctx_.options.tls == TlsMode::starttls) {
    if (features->child("starttls", ns::kTls) == nullptr) {
      ctx_.results.error("starttls-not-offered");
      ok = false;
    } else {
      send(stanza_text::kStartTls);
      std::optional<Element> proceed = co_await next_element(connection_, "starttls");
      ok = proceed && proceed->name() == "proceed";
      if (proceed && !ok) {
        ctx_.results.error("starttls-refused");
      }
      if (ok) {
        restart_stream(*connection);
        ok = co_await start_tls();
      }
      if (ok) {
        features = co_await next_element(connection_, "features");
        ok = features.has_value();
      }
    }
  }
  ok = ok && co_await authenticate(*features);
  ok = ok && co_await bind();
  if (!ok) {
    --ctx_.connections;
    std::error_code ignored;
    connection->stream.next_layer().close(ignored);
    co_return false;
  }
  connection->bound = true;
  ++ctx_.bound_sessions;
  send(stanza_text::kInitialPresence);
  auto self = shared_from_this();
  asio::co_spawn(ctx_.io, self->read_loop(connection), asio::detached);
  co_return true;
}

asio::awaitable<bool> Session::start_tls() {
  Connection& connection = *connection_;
  SSL_set_tlsext_host_name(connection.stream.native_handle(), ctx_.options.domain.c_str());
  std::error_code ec;
  co_await connection.stream.async_handshake(asio::ssl::stream_base::client,
                                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ctx_.results.error("tls-handshake");
    co_return false;
  }
  connection.tls = true;
  open_stream();
  co_return true;
}

void Session::open_stream() {
  std::string header =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' to='";
  xmpp::append_escaped(header, ctx_.options.domain);
  header += "'>";
  send(header);
}

asio::awaitable<std::optional<std::string_view>> Session::next_stanza(
    std::shared_ptr<Connection> connection, std::string_view phase) {
  for (;;) {
    if (std::optional<StanzaFramer::Frame> frame = connection->framer.next()) {
      switch (frame->kind) {
        case StanzaFramer::FrameKind::stream_open:
          // The parser learns the stream's namespaces, for the stanzas it will be given.
          if (connection->parser.feed(frame->text)) {
            ctx_.results.error(std::string(phase) + "-bad-xml");
            co_return std::nullopt;
          }
          while (connection->parser.next()) {
          }
          continue;
        case StanzaFramer::FrameKind::stream_close:
          if (!connection->closing) {
            ctx_.results.error(std::string(phase) + "-stream-closed");
          }
          co_return std::nullopt;
        case StanzaFramer::FrameKind::stanza:
          co_return frame->text;
      }
    }
    if (connection->framer.failed()) {
      ctx_.results.error(std::string(phase) + "-bad-xml");
      co_return std::nullopt;
    }
    std::error_code ec;
    std::size_t size = 0;
    auto buffer = asio::buffer(connection->buffer);
    if (connection->tls) {
      size = co_await connection->stream.async_read_some(
          buffer, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      size = co_await connection->stream.next_layer().async_read_some(
          buffer, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      if (!connection->closing) {
        ctx_.results.error(std::string(phase) + "-connection-lost");
      }
      co_return std::nullopt;
    }
    connection->framer.feed(std::string_view(connection->buffer.data(), size));
    std::vector<char>& storage = connection->buffer;
    if (size == storage.size() && size < kLargestRead) {
      storage.resize(size * 2);
    } else if (size < kSmallestRead && storage.size() > kSmallestRead) {
      storage.resize(kSmallestRead);
      storage.shrink_to_fit();
    }
  }
}

asio::awaitable<std::optional<Element>> Session::next_element(
    std::shared_ptr<Connection> connection, std::string_view phase) {
  const std::optional<std::string_view> stanza = co_await next_stanza(connection, phase);
  if (!stanza) {
    co_return std::nullopt;
  }
  co_return parse_stanza(*connection, *stanza, phase);
}

std::optional<Element> Session::parse_stanza(Connection& connection, std::string_view stanza,
                                             std::string_view phase) {
  std::optional<xmpp::StreamEvent> event;
  if (!connection.parser.feed(stanza)) {
    event = connection.parser.next();
  }
  if (!event || !std::holds_alternative<xmpp::StreamElement>(*event)) {
    ctx_.results.error(std::string(phase) + "-bad-xml");
    return std::nullopt;
  }
  Element element = std::move(std::get<xmpp::StreamElement>(*event).element);
  if (element.is("error", ns::kStreams)) {
    std::string condition = "unknown";
    for (const Element* child : element.children()) {
      if (child->xmlns() == ns::kStreamErrors) {
        condition = child->name();
        break;
      }
    }
    ctx_.results.error("stream-error-" + condition);
    return std::nullopt;
  }
  return element;
}

void Session::restart_stream(Connection& connection) {
  connection.framer.reset();
  connection.parser.reset();
}

asio::awaitable<bool> Session::authenticate(const Element& features) {
  std::string_view mechanism = "SCRAM-SHA-1";
  xmpp::sasl::ScramHash hash = xmpp::sasl::ScramHash::sha1;
  if (ctx_.options.auth == AuthMode::plain) {
    mechanism = "PLAIN";
  } else if (ctx_.options.auth == AuthMode::scram_sha256) {
    mechanism = "SCRAM-SHA-256";
    hash = xmpp::sasl::ScramHash::sha256;
  }
  bool offered = false;
  if (const Element* mechanisms = features.child("mechanisms", ns::kSasl)) {
    for (const Element* offer : mechanisms->children("mechanism", ns::kSasl)) {
      offered = offered || offer->text() == mechanism;
    }
  }
  if (!offered) {
    ctx_.results.error("auth-mechanism-not-offered");
    co_return false;
  }
  std::optional<ScramClient> scram;
  std::string initial;
  if (ctx_.options.auth == AuthMode::plain) {
    initial = std::string(1, '\0') + name_ + std::string(1, '\0') + ctx_.options.password;
  } else {
    scram.emplace(hash, name_, ctx_.options.password, ctx_.scram_keys);
    initial = scram->client_first();
  }
  send(stanza_text::sasl_auth(mechanism, xmpp::sasl::base64_encode(initial)));
  bool verified = !scram.has_value();
  for (;;) {
    std::optional<Element> reply = co_await next_element(connection_, "auth");
    if (!reply) {
      co_return false;
    }
    const std::optional<std::string> data = xmpp::sasl::base64_decode(reply->text());
    if (reply->name() == "failure") {
      const std::vector<const Element*> conditions = reply->children();
      ctx_.results.error("auth-" +
                         (conditions.empty() ? std::string("failure") : conditions[0]->name()));
      co_return false;
    }
    if (!data) {
      ctx_.results.error("auth-bad-base64");
      co_return false;
    }
    if (reply->name() == "challenge" && scram && !verified && data->starts_with("r=")) {
      std::optional<std::string> final_message = scram->client_final(*data);
      if (!final_message) {
        ctx_.results.error("auth-bad-challenge");
        co_return false;
      }
      send(stanza_text::sasl_response(xmpp::sasl::base64_encode(*final_message)));
      continue;
    }
    if (scram && !verified && !data->empty()) {
      verified = scram->verify(*data);
      if (!verified) {
        ctx_.results.error("auth-server-signature");
        co_return false;
      }
    }
    if (reply->name() == "challenge") {
      send(stanza_text::sasl_response(""));
      continue;
    }
    if (reply->name() != "success" || !verified) {
      ctx_.results.error("auth-unexpected-" + reply->name());
      co_return false;
    }
    break;
  }
  restart_stream(*connection_);
  open_stream();
  std::optional<Element> features_after = co_await next_element(connection_, "features-after-auth");
  if (!features_after) {
    co_return false;
  }
  if (features_after->child("bind", ns::kBind) == nullptr) {
    ctx_.results.error("bind-not-offered");
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Session::bind() {
  send(stanza_text::kBind);
  for (;;) {
    std::optional<Element> reply = co_await next_element(connection_, "bind");
    if (!reply) {
      co_return false;
    }
    if (reply->name() == "iq" && reply->attr_or("id") == "bind") {
      if (reply->attr_or("type") != "result") {
        ctx_.results.error("bind-" + stanza_text::error_condition(*reply));
        co_return false;
      }
      co_return true;
    }
  }
}

asio::awaitable<void> Session::read_loop(std::shared_ptr<Connection> connection) {
  while (connection == connection_) {
    const std::optional<std::string_view> stanza = co_await next_stanza(connection, "stream");
    if (!stanza) {
      break;
    }
    if (!handle_text(*stanza)) {
      std::optional<Element> element = parse_stanza(*connection, *stanza, "stream");
      if (!element) {
        break;  // a stream error is no stanza received
      }
      handle(*element);
    }
    if (ctx_.counting_stanzas) {
      ++ctx_.results.stanzas_received;
    }
  }
  on_disconnected(*connection);
}

void Session::on_disconnected(Connection& connection) {
  --ctx_.connections;
  if (!connection.bound) {
    return;
  }
  connection.bound = false;
  --ctx_.bound_sessions;
  if (!connection.closing) {
    ctx_.results.error("disconnected");
  }
  for (Slot& slot : slots_) {
    if (slot.state == SlotState::joining || slot.state == SlotState::configuring ||
        slot.state == SlotState::leaving) {
      --ctx_.pending;
      ctx_.results.error("join-disconnected");
    }
    slot.state = SlotState::idle;
  }
  std::error_code ignored;
  connection.stream.next_layer().close(ignored);
}

void Session::send(std::string_view text) {
  connection_->out += text;
  flush(connection_);
}

void Session::flush(const std::shared_ptr<Connection>& connection) {
  if (connection->writing || connection->out.empty()) {
    return;
  }
  connection->writing = true;
  std::swap(connection->out, connection->in_flight);
  auto done = [self = shared_from_this(), connection](std::error_code ec, std::size_t) {
    connection->writing = false;
    connection->in_flight.clear();
    if (!ec) {
      self->flush(connection);
    }
  };
  if (connection->tls) {
    asio::async_write(connection->stream, asio::buffer(connection->in_flight), std::move(done));
  } else {
    asio::async_write(connection->stream.next_layer(), asio::buffer(connection->in_flight),
                      std::move(done));
  }
}

void Session::close() {
  if (!bound()) {
    return;
  }
  connection_->closing = true;
  send(stanza_text::kCloseStream);
}

}  // namespace stoa::bench
