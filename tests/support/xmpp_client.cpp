#include "tests/support/xmpp_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "tests/support/child_process.hpp"
#include "xmpp/namespaces.hpp"

namespace stoa::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// One turn of a libstrophe event loop: short, so that a wait notices its deadline promptly.
constexpr auto kSlice = 20ms;
/// Bound for flushing sent data and for an orderly close.
constexpr auto kFlushTimeout = 5s;
constexpr std::size_t kLogLines = 200;
constexpr std::size_t kLogLinesShown = 40;

void initialize_library() {
  static const bool initialized = [] {
    ignore_sigpipe();
    xmpp_initialize();
    return true;
  }();
  (void)initialized;
}

std::string stanza_text(xmpp_stanza_t* stanza) {
  char* buffer = nullptr;
  std::size_t length = 0;
  if (xmpp_stanza_to_text(stanza, &buffer, &length) != XMPP_EOK) {
    return {};
  }
  std::string text(buffer, length);
  xmpp_free(xmpp_stanza_get_context(stanza), buffer);
  return text;
}

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  return std::max(0ms,
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

}  // namespace

XmppClient::XmppClient() : logger_{&XmppClient::on_log, this} {
  initialize_library();
  ctx_ = xmpp_ctx_new(nullptr, &logger_);
}

XmppClient::~XmppClient() {
  release_connection();
  xmpp_ctx_free(ctx_);
}

void XmppClient::on_log(void* self, xmpp_log_level_t, const char* area, const char* message) {
  auto& client = *static_cast<XmppClient*>(self);
  const std::string_view text(message);
  // libstrophe hands user handlers nothing before the login completes, so a SASL failure and
  // its condition are only visible in its record of what it received.
  constexpr std::string_view kReceived = "RECV: ";
  if (text.starts_with(kReceived)) {
    const std::optional<xmpp::Element> element = parse_element(text.substr(kReceived.size()));
    if (element && element->is("failure", xmpp::ns::kSasl)) {
      client.sasl_failures_.push_back(error_condition(*element, xmpp::ns::kSasl));
    }
  }
  client.log_.push_back(std::string(area) + ": " + message);
  if (client.log_.size() > kLogLines) {
    client.log_.pop_front();
  }
}

void XmppClient::on_connection_event(xmpp_conn_t*, xmpp_conn_event_t event, int error,
                                     xmpp_stream_error_t* stream_error, void* self) {
  auto& client = *static_cast<XmppClient*>(self);
  if (event == XMPP_CONN_CONNECT) {
    client.state_ = State::connected;
    return;
  }
  if (event != XMPP_CONN_DISCONNECT && event != XMPP_CONN_FAIL) {
    return;
  }
  client.state_ = State::disconnected;
  client.socket_error_ = error;
  if (stream_error && stream_error->stanza) {
    const std::string text = stanza_text(stream_error->stanza);
    const std::optional<xmpp::Element> element = parse_element(text);
    client.stream_error_ =
        element ? error_condition(*element, xmpp::ns::kStreamErrors) : "unparsed: " + text;
  }
}

int XmppClient::on_stanza(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
  auto& client = *static_cast<XmppClient*>(self);
  // libstrophe's own exchanges (the bind result can arrive after login counts as done) are
  // not the test's business.
  const char* id = xmpp_stanza_get_id(stanza);
  if (id && std::string_view(id).starts_with("_xmpp_")) {
    return 1;
  }
  const std::string text = stanza_text(stanza);
  std::optional<xmpp::Element> element = parse_element(text);
  if (!element) {
    ADD_FAILURE() << "received a stanza that is not well-formed XML: " << text;
    return 1;
  }
  client.received_.push_back(std::move(*element));
  return 1;
}

void XmppClient::run_once(std::chrono::milliseconds wait) {
  xmpp_run_once(ctx_, static_cast<unsigned long>(wait.count()));
}

ConnectResult XmppClient::connect(const std::string& jid, const std::string& password,
                                  const ClientOptions& options) {
  release_connection();
  received_.clear();
  sasl_failures_.clear();
  stream_error_.clear();
  bound_jid_.clear();
  socket_error_ = 0;

  conn_ = xmpp_conn_new(ctx_);
  // Stream management is not what these tests exercise, and resumption would blur what the
  // server did. Self-signed test certificates are trusted (libstrophe refuses that flag
  // together with DISABLE_TLS).
  long flags = XMPP_CONN_FLAG_DISABLE_SM;
  switch (options.tls) {
    case TlsMode::starttls:
      flags |= XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_TRUST_TLS;
      break;
    case TlsMode::direct_tls:
      flags |= XMPP_CONN_FLAG_LEGACY_SSL | XMPP_CONN_FLAG_TRUST_TLS;
      break;
    case TlsMode::plaintext:
      flags |= XMPP_CONN_FLAG_DISABLE_TLS;
      break;
  }
  ConnectResult result;
  if (xmpp_conn_set_flags(conn_, flags) != XMPP_EOK) {
    result.error = "libstrophe refused the connection flags " + std::to_string(flags);
    return result;
  }
  xmpp_conn_set_jid(conn_, jid.c_str());
  xmpp_conn_set_pass(conn_, password.c_str());
  xmpp_handler_add(conn_, &XmppClient::on_stanza, nullptr, nullptr, nullptr, this);

  state_ = State::connecting;
  if (xmpp_connect_client(conn_, options.host.c_str(), options.port,
                          &XmppClient::on_connection_event, this) != XMPP_EOK) {
    state_ = State::disconnected;
    result.error = "libstrophe could not start connecting to " + options.host + ":" +
                   std::to_string(options.port);
    return result;
  }
  const Clock::time_point deadline = Clock::now() + options.timeout;
  while (state_ == State::connecting && Clock::now() < deadline) {
    run_once(std::min<std::chrono::milliseconds>(kSlice, remaining(deadline)));
  }
  if (state_ == State::connected) {
    const char* bound = xmpp_conn_get_bound_jid(conn_);
    bound_jid_ = bound ? bound : "";
    result.ok = true;
    return result;
  }
  if (state_ == State::connecting) {
    result.error = "login as " + jid + " did not complete within " +
                   std::to_string(options.timeout.count()) + " ms";
    disconnect();
  } else {
    result.error = "the connection ended before login as " + jid + " completed";
  }
  if (socket_error_ != 0) {
    result.error += "; socket error: " + std::string(std::strerror(socket_error_));
  }
  if (!stream_error_.empty()) {
    result.error += "; stream error: " + stream_error_;
  }
  for (const std::string& condition : sasl_failures_) {
    result.error += "; SASL failure: " + condition;
  }
  result.error += "\n" + describe();
  result.sasl_failures = sasl_failures_;
  result.stream_error = stream_error_;
  return result;
}

bool XmppClient::secured() const {
  return conn_ && xmpp_conn_is_secured(conn_);
}

void XmppClient::send(std::string_view xml) {
  if (!conn_ || state_ != State::connected) {
    log_.push_back("test: not sent, the connection is closed: " + std::string(xml));
    return;
  }
  xmpp_send_raw(conn_, xml.data(), xml.size());
  // libstrophe only writes from inside its event loop; flush now, or another client's wait
  // would run while this one's data still sits in its queue.
  const Clock::time_point deadline = Clock::now() + kFlushTimeout;
  while (state_ == State::connected && xmpp_conn_send_queue_len(conn_) > 0 &&
         Clock::now() < deadline) {
    run_once(1ms);
  }
}

void XmppClient::send(const xmpp::Element& stanza) {
  send(stanza.str(xmpp::ns::kClient));
}

std::string XmppClient::next_id() {
  return "t" + std::to_string(++next_id_);
}

std::optional<xmpp::Element> XmppClient::take(const StanzaPredicate& predicate) {
  const auto it = std::find_if(received_.begin(), received_.end(),
                               [&](const xmpp::Element& stanza) { return predicate(stanza); });
  if (it == received_.end()) {
    return std::nullopt;
  }
  xmpp::Element found = std::move(*it);
  received_.erase(it);
  return found;
}

std::optional<xmpp::Element> XmppClient::wait_for(const StanzaPredicate& predicate,
                                                  std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    if (std::optional<xmpp::Element> found = take(predicate)) {
      return found;
    }
    if (state_ != State::connected || Clock::now() >= deadline) {
      return std::nullopt;
    }
    run_once(std::min<std::chrono::milliseconds>(kSlice, remaining(deadline)));
  }
}

std::optional<xmpp::Element> XmppClient::iq(xmpp::Element request,
                                            std::chrono::milliseconds timeout) {
  if (!request.attr("id")) {
    request.set_attr("id", next_id());
  }
  const std::string id = *request.attr("id");
  send(request);
  return wait_for(
      [&id](const xmpp::Element& stanza) {
        const std::string type = stanza.attr_or("type");
        return stanza.name() == "iq" && stanza.attr_or("id") == id &&
               (type == "result" || type == "error");
      },
      timeout);
}

void XmppClient::acknowledge(const xmpp::Element& iq) {
  xmpp::Element reply("iq", std::string(xmpp::ns::kClient));
  reply.set_attr("type", "result");
  reply.set_attr("id", iq.attr_or("id"));
  if (const std::string* from = iq.attr("from")) {
    reply.set_attr("to", *from);
  }
  send(reply);
}

void XmppClient::send_message(const std::string& to, const std::string& body,
                              const std::string& type) {
  xmpp::Element message("message", std::string(xmpp::ns::kClient));
  message.set_attr("to", to);
  message.set_attr("type", type);
  message.set_attr("id", next_id());
  message.add_child("body", std::string(xmpp::ns::kClient)).set_text(body);
  send(message);
}

std::optional<xmpp::Element> XmppClient::expect_message_from(const std::string& from,
                                                             std::chrono::milliseconds timeout) {
  return wait_for(message_from(from), timeout);
}

bool XmppClient::wait_disconnected(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while ((state_ == State::connected || state_ == State::connecting) && Clock::now() < deadline) {
    run_once(std::min<std::chrono::milliseconds>(kSlice, remaining(deadline)));
  }
  return state_ == State::disconnected;
}

void XmppClient::disconnect() {
  if (conn_ && (state_ == State::connected || state_ == State::connecting)) {
    xmpp_disconnect(conn_);
    wait_disconnected(kFlushTimeout);
  }
}

void XmppClient::release_connection() {
  disconnect();
  if (conn_) {
    xmpp_conn_release(conn_);
    conn_ = nullptr;
  }
  state_ = State::idle;
}

std::string XmppClient::describe() const {
  std::string text = "queued stanzas (" + std::to_string(received_.size()) + "):\n";
  for (const xmpp::Element& stanza : received_) {
    text += "  " + stanza.str(xmpp::ns::kClient) + "\n";
  }
  text += "libstrophe log, last lines:\n";
  const std::size_t first = log_.size() > kLogLinesShown ? log_.size() - kLogLinesShown : 0;
  for (std::size_t i = first; i < log_.size(); ++i) {
    text += "  " + log_[i] + "\n";
  }
  return text;
}

}  // namespace stoa::test
