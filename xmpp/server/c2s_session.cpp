#include "xmpp/server/c2s_session.hpp"

#include <openssl/rand.h>

#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/use_awaitable.hpp>
#include <variant>

#include "xmpp/namespaces.hpp"
#include "xmpp/server/no_throw.hpp"
#include "xmpp/server/router.hpp"
#include "xmpp/server/stream_writer.hpp"
#include "xmpp/stanza_error.hpp"

namespace stoa::xmpp::server {
namespace {

// A closing stream gets this long to flush its error before the socket is cut.
constexpr std::chrono::seconds kCloseGrace{5};

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool is_stanza_name(std::string_view name) {
  return name == "message" || name == "presence" || name == "iq";
}

}  // namespace

C2sSession::C2sSession(ServerContext& server, Shard& shard, asio::ip::tcp::socket socket,
                       bool direct_tls)
    : server_(server),
      shard_(shard),
      transport_(std::move(socket)),
      direct_tls_(direct_tls),
      parser_(server.stream_limits),
      out_(shard.context(), server.config.send_queue_bytes),
      remote_address_(transport_.remote_address()),
      last_read_(std::chrono::steady_clock::now()),
      watchdog_timer_(shard.context()) {
  ++shard_.sessions;
}

C2sSession::~C2sSession() {
  --shard_.sessions;
  --server_.counters.open;
  if (counted_unauthenticated_) {
    server_.counters.unauthenticated.release();
  }
}

void C2sSession::start() {
  // Each coroutine's completion handler holds a reference: the session lives exactly as long
  // as one of them still runs.
  auto keep_alive = [self = shared_from_this()](const std::exception_ptr&) {};
  asio::co_spawn(shard_.context(), read_loop(), keep_alive);
  asio::co_spawn(shard_.context(), write_loop(), keep_alive);
  asio::co_spawn(shard_.context(), watchdog(), keep_alive);
}

void C2sSession::deliver(Element stanza) {
  asio::dispatch(shard_.executor(), [self = shared_from_this(), stanza = std::move(stanza)] {
    if (self->state_ == State::bound) {
      self->send(stanza);
    }
  });
}

void C2sSession::deliver_shared_on_shard(std::shared_ptr<const SharedStanza> stanza) {
  if (state_ == State::bound && !out_.push(std::move(stanza), escaped_jid_)) {
    disconnect_slow_reader();
  }
}

void C2sSession::deliver_serialized_on_shard(std::string stanzas) {
  if (state_ == State::bound && !out_.push(std::move(stanzas))) {
    disconnect_slow_reader();
  }
}

void C2sSession::close(StreamCondition condition, std::string text) {
  asio::dispatch(shard_.executor(),
                 [self = shared_from_this(), condition, text = std::move(text)]() mutable {
                   self->fail(condition, std::move(text));
                 });
}

asio::awaitable<void> C2sSession::read_loop() {
  if (direct_tls_) {
    if (auto ec = co_await transport_.start_tls(server_.tls)) {
      server_.log.debug("c2s", "TLS handshake failed address=", remote_address_,
                        " error=", ec.message());
      shutdown();
      co_return;
    }
  }
  while (state_ != State::closing) {
    auto [ec, data] = co_await transport_.read_some();
    if (ec) {
      break;
    }
    last_read_ = std::chrono::steady_clock::now();
    ping_outstanding_ = false;
    if (auto error = parser_.feed(data)) {
      fail(*error);
      break;
    }
    while (state_ != State::closing && !stream_restart_) {
      std::optional<StreamEvent> event = parser_.next();
      if (!event) {
        break;
      }
      if (auto* open = std::get_if<StreamOpen>(&*event)) {
        co_await on_stream_open(*open);
      } else if (auto* element = std::get_if<StreamElement>(&*event)) {
        co_await on_element(std::move(element->element));
      } else {
        close_after("</stream:stream>");
      }
    }
    stream_restart_ = false;
  }
  if (state_ != State::closing) {
    shutdown();
  }
}

asio::awaitable<void> C2sSession::write_loop() {
  co_await out_.run(transport_);
  shutdown();
}

asio::awaitable<void> C2sSession::watchdog() {
  using Clock = std::chrono::steady_clock;
  const auto& config = server_.config;
  const auto opened = Clock::now();
  Clock::time_point ping_sent;
  unsigned ping_serial = 0;
  for (;;) {
    auto now = Clock::now();
    Clock::time_point wake;
    if (closed_) {
      co_return;
    }
    if (state_ == State::closing) {
      watchdog_timer_.expires_after(kCloseGrace);
      co_await watchdog_timer_.async_wait(kNoThrow);
      transport_.close();
      co_return;
    }
    if (state_ != State::bound) {
      auto deadline = opened + std::chrono::seconds(config.auth_timeout_seconds);
      if (now >= deadline) {
        fail(StreamCondition::connection_timeout, "authentication took too long");
        continue;
      }
      wake = deadline;
    } else if (config.idle_ping_seconds == 0) {
      wake = now + std::chrono::hours(24);
    } else if (ping_outstanding_) {
      auto deadline = ping_sent + std::chrono::seconds(config.ping_timeout_seconds);
      if (now >= deadline) {
        fail(StreamCondition::connection_timeout, "no answer to ping");
        continue;
      }
      wake = deadline;
    } else {
      auto idle_deadline = last_read_ + std::chrono::seconds(config.idle_ping_seconds);
      if (now >= idle_deadline) {
        // XEP-0199 §4.2: a server-to-client ping finds dead connections behind NATs.
        Element ping("iq", std::string(ns::kClient));
        ping.set_attr("type", "get");
        ping.set_attr("id", "stoa-ping-" + std::to_string(++ping_serial));
        ping.set_attr("from", config.domain);
        ping.set_attr("to", jid_.str());
        ping.add_child("ping", std::string(ns::kPing));
        send(ping);
        ping_outstanding_ = true;
        ping_sent = now;
        continue;
      }
      wake = idle_deadline;
    }
    watchdog_timer_.expires_at(wake);
    co_await watchdog_timer_.async_wait(kNoThrow);
  }
}

asio::awaitable<void> C2sSession::on_stream_open(const StreamOpen& open) {
  const Element& header = open.header;
  if (!header_sent_) {
    send_stream_header();
  }
  if (open.content_xmlns != ns::kClient) {
    fail(StreamCondition::invalid_namespace,
         "the stream's default namespace must be jabber:client");
    co_return;
  }
  std::string to = header.attr_or("to");
  if (!to.empty()) {
    auto domain = nameprep(to);
    if (!domain || *domain != server_.config.domain) {
      fail(StreamCondition::host_unknown, "this server serves " + server_.config.domain);
      co_return;
    }
  }
  std::string version = header.attr_or("version");
  if (version.empty() || version[0] < '1') {
    fail(StreamCondition::unsupported_version, "XMPP 1.0 or later is required");
    co_return;
  }
  send_features();
}

void C2sSession::send_stream_header() {
  stream_id_ = random_hex(12);
  send_raw(stream_header(ns::kClient, server_.config.domain, stream_id_));
  header_sent_ = true;
}

void C2sSession::send_features() {
  Element features("features", std::string(ns::kStreams));
  if (state_ == State::connected) {
    bool encrypted = transport_.is_encrypted();
    if (!encrypted) {
      Element& starttls = features.add_child("starttls", std::string(ns::kTls));
      if (server_.config.require_tls) {
        starttls.add_child("required", std::string(ns::kTls));
      }
    }
    if (encrypted || !server_.config.require_tls) {
      Element& mechanisms = features.add_child("mechanisms", std::string(ns::kSasl));
      for (const std::string& name : sasl::offered_mechanisms(encrypted)) {
        mechanisms.add_child("mechanism", std::string(ns::kSasl)).set_text(name);
      }
    }
  } else {
    features.add_child("bind", std::string(ns::kBind));
    Element& session = features.add_child("session", std::string(ns::kSession));
    session.add_child("optional", std::string(ns::kSession));
    for (const Element& feature : server_.router.stream_features()) {
      features.add_child(feature.clone());
    }
  }
  send_raw(stream_features(features));
}

asio::awaitable<void> C2sSession::on_element(Element element) {
  if (element.xmlns() == ns::kTls && element.name() == "starttls") {
    if (state_ != State::connected || transport_.is_encrypted()) {
      close_after("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
      co_return;
    }
    co_await on_starttls();
    co_return;
  }
  if (element.xmlns() == ns::kSasl) {
    if (state_ != State::connected) {
      fail(StreamCondition::policy_violation, "already authenticated");
      co_return;
    }
    co_await on_sasl(element);
    co_return;
  }
  if (state_ == State::connected) {
    fail(StreamCondition::not_authorized, "authenticate first");
    co_return;
  }
  if (element.xmlns() != ns::kClient || !is_stanza_name(element.name())) {
    fail(StreamCondition::unsupported_stanza_type,
         "unsupported element {" + element.xmlns() + "}" + element.name());
    co_return;
  }
  if (state_ == State::authenticated) {
    if (element.name() == "iq" && element.attr_or("type") == "set" &&
        element.child("bind", ns::kBind)) {
      on_bind(element);
      co_return;
    }
    fail(StreamCondition::not_authorized, "bind a resource first");
    co_return;
  }
  co_await on_bound_stanza(std::move(element));
}

asio::awaitable<void> C2sSession::on_starttls() {
  send(Element("proceed", std::string(ns::kTls)));
  co_await out_.flush();
  if (auto ec = co_await transport_.start_tls(server_.tls)) {
    server_.log.debug("c2s", "STARTTLS handshake failed address=", remote_address_,
                      " error=", ec.message());
    shutdown();
    co_return;
  }
  parser_.reset();
  header_sent_ = false;
  stream_restart_ = true;
}

void C2sSession::sasl_failure(sasl::Failure failure, std::string text) {
  mechanism_.reset();
  Element element("failure", std::string(ns::kSasl));
  element.add_child(std::string(sasl::to_string(failure)), std::string(ns::kSasl));
  if (!text.empty()) {
    element.add_child("text", std::string(ns::kSasl)).set_text(text);
  }
  send(element);
}

asio::awaitable<void> C2sSession::on_sasl(const Element& element) {
  const bool encrypted = transport_.is_encrypted();
  if (!encrypted && server_.config.require_tls) {
    sasl_failure(sasl::Failure::encryption_required, "use STARTTLS first");
    co_return;
  }
  if (element.name() == "abort") {
    sasl_failure(sasl::Failure::aborted);
    co_return;
  }
  if (element.name() != "auth" && element.name() != "response") {
    fail(StreamCondition::unsupported_stanza_type, "unexpected SASL element " + element.name());
    co_return;
  }
  std::string text = element.text();
  std::optional<std::string> payload =
      text == "=" ? std::optional<std::string>("") : sasl::base64_decode(text);
  if (!payload) {
    sasl_failure(sasl::Failure::incorrect_encoding);
    co_return;
  }
  if (element.name() == "auth") {
    if (server_.auth_limiter.is_address_blocked(remote_address_)) {
      sasl_failure(sasl::Failure::not_authorized,
                   "too many failed authentication attempts; try again later");
      co_return;
    }
    mechanism_ = sasl::make_mechanism(element.attr_or("mechanism"), encrypted,
                                      server_.config.scram_iterations);
    if (!mechanism_) {
      sasl_failure(sasl::Failure::invalid_mechanism);
      co_return;
    }
    co_await run_sasl_step(mechanism_->start(*payload));
    co_return;
  }
  if (!mechanism_) {
    sasl_failure(sasl::Failure::malformed_request, "no authentication in progress");
    co_return;
  }
  co_await run_sasl_step(mechanism_->respond(*payload));
}

asio::awaitable<void> C2sSession::run_sasl_step(sasl::Step step) {
  while (step.kind == sasl::Step::Kind::need_credential) {
    std::optional<store::ScramCredential> credential;
    try {
      credential = co_await server_.accounts.credential(step.username, step.hash);
    } catch (const std::exception& e) {
      server_.log.error("c2s", "credential lookup failed: ", e.what());
      sasl_failure(sasl::Failure::temporary_auth_failure, "the account database is unavailable");
      co_return;
    }
    step = mechanism_->provide_credential(std::move(credential));
  }
  switch (step.kind) {
    case sasl::Step::Kind::challenge: {
      Element challenge("challenge", std::string(ns::kSasl));
      challenge.set_text(sasl::base64_encode(step.data));
      send(challenge);
      break;
    }
    case sasl::Step::Kind::failure:
      // Clients try each offered mechanism in turn after a wrong password: one guess, one count.
      if (!auth_failure_counted_) {
        auth_failure_counted_ = true;
        server_.auth_limiter.record_failure(remote_address_, step.username);
      }
      server_.log.info("c2s", "authentication failed address=", remote_address_,
                       " user=", step.username, " condition=", sasl::to_string(step.failure));
      sasl_failure(step.failure);
      break;
    case sasl::Step::Kind::success: {
      if (server_.auth_limiter.is_account_blocked(step.username)) {
        sasl_failure(sasl::Failure::not_authorized,
                     "too many failed authentication attempts; try again later");
        break;
      }
      mechanism_.reset();
      Element success("success", std::string(ns::kSasl));
      if (!step.data.empty()) {
        success.set_text(sasl::base64_encode(step.data));
      }
      send(success);
      username_ = step.username;
      state_ = State::authenticated;
      counted_unauthenticated_ = false;
      server_.counters.unauthenticated.release();
      server_.log.info("c2s", "authenticated user=", username_, " address=", remote_address_);
      parser_.reset();
      header_sent_ = false;
      stream_restart_ = true;
      break;
    }
    case sasl::Step::Kind::need_credential:
      break;
  }
}

void C2sSession::on_bind(const Element& iq) {
  std::string resource = iq.child("bind", ns::kBind)->child_text("resource", ns::kBind);
  if (resource.empty()) {
    resource = "stoa-" + random_hex(6);
  }
  std::optional<Jid> full = Jid::from_parts(username_, server_.config.domain, resource);
  if (!full) {
    send(make_error_reply(iq, {StanzaCondition::bad_request, "the resource is not valid"}));
    return;
  }
  auto self = shared_from_this();
  BindResult result = server_.registry.bind(self, *full);
  if (result.outcome == BindResult::Outcome::conflict) {
    send(make_error_reply(iq, {StanzaCondition::conflict, "the resource is in use"}));
    return;
  }
  if (result.outcome == BindResult::Outcome::too_many_resources) {
    send(make_error_reply(iq, {StanzaCondition::resource_constraint, ErrorType::wait,
                               "too many resources for this account"}));
    return;
  }
  if (result.replaced) {
    result.replaced->close(StreamCondition::conflict, "replaced by a new session");
  }
  jid_ = *full;
  append_escaped(escaped_jid_, jid_.str());
  state_ = State::bound;
  Element reply = make_iq_result(iq);
  reply.remove_attr("from");
  reply.remove_attr("to");
  reply.add_child("bind", std::string(ns::kBind))
      .add_child("jid", std::string(ns::kBind))
      .set_text(jid_.str());
  send(reply);
  server_.log.info("c2s", "bound jid=", jid_.str(), " shard=", shard_.index());
}

asio::awaitable<void> C2sSession::on_bound_stanza(Element stanza) {
  ++server_.counters.stanzas_in;
  // RFC 6120 §8.1.2.1: the server stamps the sender's full JID, whatever the client wrote.
  stanza.set_attr("from", jid_.str());
  if (const std::string* to = stanza.attr("to")) {
    if (!Jid::parse(*to)) {
      if (stanza.attr_or("type") != "error") {
        Element reply = make_error_reply(stanza, {StanzaCondition::jid_malformed});
        reply.remove_attr("from");
        send(reply);
      }
      co_return;
    }
  }
  if (stanza.name() == "iq") {
    std::string type = stanza.attr_or("type");
    bool request = type == "get" || type == "set";
    if (!stanza.attr("id") || (!request && type != "result" && type != "error") ||
        (request && stanza.children().size() != 1)) {
      if (type != "error") {
        send(make_error_reply(
            stanza, {StanzaCondition::bad_request, "an iq needs an id, a type and one payload"}));
      }
      co_return;
    }
    if (request && stanza.child("session", ns::kSession) && !stanza.attr("to")) {
      send(make_iq_result(stanza));
      co_return;
    }
  }
  co_await server_.router.route_from_client(std::move(stanza), shared_from_this());
}

void C2sSession::send(const Element& element) {
  std::string out;
  element.write(out, ns::kClient);
  send_raw(std::move(out));
}

void C2sSession::send_raw(std::string data) {
  if (state_ == State::closing) {
    return;
  }
  if (!out_.push(std::move(data))) {
    disconnect_slow_reader();
  }
}

void C2sSession::disconnect_slow_reader() {
  server_.log.warn("c2s", "send queue over ", server_.config.send_queue_bytes,
                   " bytes, disconnecting slow reader jid=", jid_.str(),
                   " address=", remote_address_);
  shutdown();
}

void C2sSession::close_after(std::string last) {
  send_raw(std::move(last));
  state_ = State::closing;
  out_.finish();
}

void C2sSession::fail(StreamCondition condition, std::string text) {
  if (state_ == State::closing) {
    return;
  }
  if (!header_sent_) {
    send_stream_header();
  }
  server_.log.info("c2s", "stream error ", to_string(condition), " address=", remote_address_,
                   " jid=", jid_.str(), text.empty() ? "" : " text=", text);
  close_after(stream_error(condition, text));
  // Unbinding now (not when the socket finally closes) makes the resource free at once.
  shutdown_bindings();
  watchdog_timer_.cancel();
}

void C2sSession::shutdown_bindings() {
  if (!jid_.empty() && !unbound_) {
    unbound_ = true;
    server_.router.on_session_closed(shared_from_this());
    server_.registry.unbind(shared_from_this(), jid_);
  }
}

void C2sSession::shutdown() {
  state_ = State::closing;
  closed_ = true;
  shutdown_bindings();
  transport_.close();
  out_.stop();
  watchdog_timer_.cancel();
}

}  // namespace stoa::xmpp::server
