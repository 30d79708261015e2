#include "compliance/component.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "compliance/protocol.hpp"
#include "compliance/stanza_parser.hpp"

namespace stoa::compliance {

namespace {

using namespace std::chrono_literals;

/// One turn of the event loop: short, so that acknowledgements and a stop request are noticed
/// promptly.
constexpr unsigned long kLoopSliceMs = 20;
constexpr std::chrono::milliseconds kFirstBackoff = 500ms;

void initialize_library() {
  static const bool initialized = [] {
    xmpp_initialize();
    return true;
  }();
  (void)initialized;
}

std::string stream_error_condition(const xmpp_stream_error_t* error) {
  if (error == nullptr || error->stanza == nullptr) {
    return "";
  }
  for (xmpp_stanza_t* child = xmpp_stanza_get_children(error->stanza); child != nullptr;
       child = xmpp_stanza_get_next(child)) {
    const char* name = xmpp_stanza_get_name(child);
    if (xmpp_stanza_is_tag(child) && name != nullptr && std::strcmp(name, "text") != 0) {
      return name;
    }
  }
  return "";
}

// libstrophe 0.12.2 resets the stream-management state of every connection that ends, but
// allocates that state only for client connections: a component connection that fails or
// closes dereferences a null pointer. Each component connection therefore gets an empty state
// before it connects. The struct is private to libstrophe; what is relied on is that its first
// member is the context (xmpp_conn_set_sm_state checks it), that all zeroes means "stream
// management unused", and that libstrophe frees it with the context's allocator, which is
// malloc/free for a context made without one. The block is larger than the struct has ever been.
void give_empty_stream_management_state(xmpp_ctx_t* ctx, xmpp_conn_t* conn) {
  constexpr std::size_t kBlockBytes = 512;
  void* block = std::calloc(1, kBlockBytes);
  if (block == nullptr) {
    throw std::bad_alloc();
  }
  std::memcpy(block, &ctx, sizeof ctx);
  if (xmpp_conn_set_sm_state(conn, static_cast<xmpp_sm_state_t*>(block)) != XMPP_EOK) {
    std::free(block);
  }
}

xmpp_stanza_t* payload_element(xmpp_ctx_t* ctx, const char* name) {
  xmpp_stanza_t* element = xmpp_stanza_new(ctx);
  xmpp_stanza_set_name(element, name);
  xmpp_stanza_set_ns(element, std::string(kComplianceNs).c_str());
  return element;
}

}  // namespace

Component::Component(const Config& config, EventWriter& writer, Logger& log)
    : config_(config), writer_(writer), log_(log), logger_{&Component::on_log, this} {
  initialize_library();
  ctx_ = xmpp_ctx_new(nullptr, &logger_);
}

Component::~Component() {
  if (conn_ != nullptr) {
    xmpp_conn_release(conn_);
  }
  xmpp_ctx_free(ctx_);
}

void Component::on_log(void* self, xmpp_log_level_t level, const char* area, const char* message) {
  auto& component = *static_cast<Component*>(self);
  // libstrophe's debug output holds every stanza, payloads included: debug level only.
  if (level == XMPP_LEVEL_ERROR) {
    component.log_.warn("libstrophe", area, ": ", message);
  } else {
    component.log_.debug("libstrophe", area, ": ", message);
  }
}

void Component::run(const volatile std::sig_atomic_t& stop) {
  next_lag_log_ = Clock::now() + std::chrono::seconds(config_.lag_log_seconds);
  while (stop == 0) {
    auto now = Clock::now();
    if (conn_ == nullptr && now >= next_attempt_) {
      connect();
    }
    xmpp_run_once(ctx_, kLoopSliceMs);
    if (ended_) {
      release_connection();
    }
    now = Clock::now();
    acknowledge_if_due(now);
    log_lag_if_due(now);
  }
  if (conn_ != nullptr && xmpp_conn_is_connected(conn_)) {
    // A last acknowledgement spares stoad from sending the stored events again.
    unacked_since_ = Clock::time_point{};
    acknowledge_if_due(Clock::now());
    xmpp_disconnect(conn_);
    for (int turn = 0; turn < 50 && !ended_; ++turn) {
      xmpp_run_once(ctx_, kLoopSliceMs);
    }
  }
}

void Component::connect() {
  conn_ = xmpp_conn_new(ctx_);
  give_empty_stream_management_state(ctx_, conn_);
  ended_ = false;
  connected_ = false;
  subscribed_ = false;
  xmpp_conn_set_jid(conn_, config_.name.c_str());
  xmpp_conn_set_pass(conn_, config_.secret.c_str());
  // TCP keepalive: a stoad that vanished without closing the connection is noticed.
  xmpp_conn_set_sockopt_callback(conn_, xmpp_sockopt_cb_keepalive);
  log_.debug("compliance", "connecting to ", config_.server_host, ":", config_.server_port);
  int result = xmpp_connect_component(conn_, config_.server_host.c_str(),
                                      static_cast<unsigned short>(config_.server_port),
                                      &Component::on_connection, this);
  if (result != XMPP_EOK) {
    log_.warn("compliance", "cannot connect to ", config_.server_host, ":", config_.server_port,
              " (libstrophe error ", result, ")");
    ended_ = true;
  }
}

void Component::on_connection(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                              xmpp_stream_error_t* stream_error, void* self) {
  auto& component = *static_cast<Component*>(self);
  if (event == XMPP_CONN_CONNECT) {
    component.connected_ = true;
    component.log_.info("compliance", "connected to ", component.config_.server_host, ":",
                        component.config_.server_port, " as ", component.config_.name);
    xmpp_handler_add(conn, &Component::on_message, nullptr, "message", nullptr, self);
    xmpp_handler_add(conn, &Component::on_iq_request, nullptr, "iq", nullptr, self);
    component.subscribe();
    return;
  }
  if (event == XMPP_CONN_RAW_CONNECT) {
    return;
  }
  std::string condition = stream_error_condition(stream_error);
  if (!condition.empty()) {
    // not-authorized: the name or the secret does not match stoad's [[component]] entry.
    component.log_.error("compliance", "stoad closed the stream: ", condition);
  } else {
    std::string cause = error != 0 ? std::string(": ") + std::strerror(error) : std::string();
    component.log_.warn(
        "compliance",
        component.connected_ ? "lost the connection to stoad at " : "cannot reach stoad at ",
        component.config_.server_host, ":", component.config_.server_port, cause);
  }
  component.ended_ = true;
}

void Component::subscribe() {
  std::int64_t after = writer_.stored_through();
  received_through_ = after;
  acked_ = after;
  unacked_since_.reset();
  xmpp_stanza_t* element = payload_element(ctx_, "subscribe");
  xmpp_stanza_set_attribute(element, "after", std::to_string(after).c_str());
  std::string id = "s" + std::to_string(next_id_++);
  xmpp_id_handler_add(conn_, &Component::on_subscribe_result, id.c_str(), this);
  send_iq(element, id);
  log_.debug("compliance", "subscribing after ", after);
}

int Component::on_subscribe_result(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
  auto& component = *static_cast<Component*>(self);
  const char* type = xmpp_stanza_get_type(stanza);
  if (type != nullptr && std::strcmp(type, "result") == 0) {
    if (auto subscribed = parse_subscribed(stanza)) {
      if (subscribed->acked > component.acked_) {
        // stoad's cursor is ahead of this database: it will never send those events again.
        component.log_.error("compliance", "stoad has events up to ", subscribed->acked,
                             " acknowledged but this database holds only up to ", component.acked_,
                             ": events ", component.acked_ + 1, "..", subscribed->acked,
                             " are not in it (was it restored from an older backup?)");
        component.writer_.skip_to(subscribed->acked);
        component.acked_ = subscribed->acked;
        component.received_through_ = std::max(component.received_through_, subscribed->acked);
      }
      component.subscribed_ = true;
      component.backoff_ = std::chrono::milliseconds(0);
      component.log_.info("compliance", "subscribed after ", component.acked_, "; outbox ",
                          subscribed->oldest ? std::to_string(*subscribed->oldest) : "empty", "..",
                          subscribed->last ? std::to_string(*subscribed->last) : "");
      return 0;
    }
    component.log_.error("compliance", "stoad answered the subscription without <subscribed/>");
  } else {
    component.log_.error("compliance",
                         "stoad refused the subscription: ", describe_iq_error(stanza));
  }
  xmpp_disconnect(component.conn_);
  return 0;
}

int Component::on_message(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
  auto& component = *static_cast<Component*>(self);
  ParsedEvents parsed = parse_events(stanza);
  for (const std::string& problem : parsed.problems) {
    component.log_.error("compliance", "refused an event from stoad: ", problem);
  }
  for (const Event& event : parsed.events) {
    component.received_through_ = std::max(component.received_through_, event.seq);
  }
  component.writer_.enqueue(std::move(parsed.events));
  return 1;
}

int Component::on_iq_request(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* self) {
  auto& component = *static_cast<Component*>(self);
  const char* type = xmpp_stanza_get_type(stanza);
  if (type == nullptr || (std::strcmp(type, "get") != 0 && std::strcmp(type, "set") != 0)) {
    return 1;
  }
  // RFC 6120 §8.2.3: every request gets an answer; this component offers no IQ service.
  xmpp_stanza_t* reply = xmpp_stanza_reply_error(stanza, "cancel", "service-unavailable", nullptr);
  if (reply != nullptr) {
    const char* to = xmpp_stanza_get_to(stanza);
    xmpp_stanza_set_from(reply, to != nullptr ? to : component.config_.name.c_str());
    xmpp_send(conn, reply);
    xmpp_stanza_release(reply);
  }
  return 1;
}

int Component::on_ack_result(xmpp_conn_t*, xmpp_stanza_t* stanza, void* self) {
  auto& component = *static_cast<Component*>(self);
  const char* type = xmpp_stanza_get_type(stanza);
  if (type == nullptr || std::strcmp(type, "result") != 0) {
    component.log_.warn("compliance",
                        "stoad refused an acknowledgement: ", describe_iq_error(stanza));
  }
  return 0;
}

void Component::acknowledge_if_due(Clock::time_point now) {
  if (!subscribed_ || ended_) {
    return;
  }
  // Only what stoad sent in this subscription: events stored from an earlier connection's
  // queue arrive again and are acknowledged then.
  std::int64_t position = std::min(writer_.stored_through(), received_through_);
  if (position <= acked_) {
    unacked_since_.reset();
    return;
  }
  if (!unacked_since_) {
    unacked_since_ = now;
  }
  bool enough = position - acked_ >= static_cast<std::int64_t>(config_.ack_batch_size);
  bool waited = now - *unacked_since_ >= std::chrono::milliseconds(config_.ack_interval_ms);
  if (!enough && !waited) {
    return;
  }
  xmpp_stanza_t* element = payload_element(ctx_, "ack");
  xmpp_stanza_set_attribute(element, "seq", std::to_string(position).c_str());
  std::string id = "a" + std::to_string(next_id_++);
  xmpp_id_handler_add(conn_, &Component::on_ack_result, id.c_str(), this);
  send_iq(element, id);
  acked_ = position;
  unacked_since_.reset();
}

void Component::log_lag_if_due(Clock::time_point now) {
  if (config_.lag_log_seconds == 0 || now < next_lag_log_) {
    return;
  }
  next_lag_log_ = now + std::chrono::seconds(config_.lag_log_seconds);
  std::int64_t stored = writer_.stored_through();
  std::string age = "none";
  if (std::int64_t newest = writer_.newest_stored_at_micros(); newest != 0) {
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() -
                  newest;
    age = std::to_string(micros / 1000) + "ms";
  }
  log_.info("compliance", "lag: received=", received_through_, " stored=", stored,
            " acked=", acked_, " behind=", std::max<std::int64_t>(0, received_through_ - stored),
            " queued=", writer_.queued(), " newest_stored_age=", age,
            subscribed_ ? "" : " (not subscribed)", writer_.failing() ? " (database failing)" : "");
}

void Component::send_iq(xmpp_stanza_t* payload, const std::string& id) {
  xmpp_stanza_t* iq = xmpp_iq_new(ctx_, "set", id.c_str());
  xmpp_stanza_set_from(iq, config_.name.c_str());
  xmpp_stanza_set_to(iq, config_.server_domain.c_str());
  xmpp_stanza_add_child(iq, payload);
  xmpp_stanza_release(payload);
  xmpp_send(conn_, iq);
  xmpp_stanza_release(iq);
}

void Component::release_connection() {
  xmpp_conn_release(conn_);
  conn_ = nullptr;
  ended_ = false;
  subscribed_ = false;
  schedule_reconnect();
}

void Component::schedule_reconnect() {
  auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(config_.reconnect_max_seconds));
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, limit);
  next_attempt_ = Clock::now() + backoff_;
  log_.info("compliance", "reconnecting in ", backoff_.count(), "ms");
}

}  // namespace stoa::compliance
