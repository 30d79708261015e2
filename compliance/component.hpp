#pragma once

#include <strophe.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "compliance/config.hpp"
#include "compliance/event_writer.hpp"

namespace stoa::compliance {

/// The XEP-0114 side: connects to stoad with libstrophe, subscribes after the highest stored
/// seq, hands received events to the writer and acknowledges what it has stored. Reconnects
/// with backoff whenever the connection fails. Everything here runs on the calling thread.
class Component {
 public:
  Component(const Config& config, EventWriter& writer, Logger& log);
  ~Component();
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  /// Runs until `stop` becomes non-zero (set from a signal handler).
  void run(const volatile std::sig_atomic_t& stop);

 private:
  using Clock = std::chrono::steady_clock;

  static void on_log(void* self, xmpp_log_level_t level, const char* area, const char* message);
  static void on_connection(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                            xmpp_stream_error_t* stream_error, void* self);
  static int on_message(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* self);
  static int on_subscribe_result(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* self);
  static int on_iq_request(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* self);
  static int on_ack_result(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* self);

  void connect();
  void subscribe();
  /// Drops a connection that failed or ended, and schedules the next attempt.
  void release_connection();
  void schedule_reconnect();
  /// Sends an acknowledgement when enough is stored or it has waited long enough.
  void acknowledge_if_due(Clock::time_point now);
  void log_lag_if_due(Clock::time_point now);
  void send_iq(xmpp_stanza_t* payload, const std::string& id);

  const Config& config_;
  EventWriter& writer_;
  Logger& log_;
  xmpp_log_t logger_;
  xmpp_ctx_t* ctx_ = nullptr;
  xmpp_conn_t* conn_ = nullptr;
  /// The connection ended (from a libstrophe callback); released by the loop.
  bool ended_ = false;
  /// The stream of the current connection was opened (the handshake succeeded).
  bool connected_ = false;
  bool subscribed_ = false;
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  std::uint64_t next_id_ = 1;
  /// The highest seq received in the current subscription: never acknowledge beyond it.
  std::int64_t received_through_ = 0;
  std::int64_t acked_ = 0;
  /// When stored_through first went past acked_: the start of the acknowledgement interval.
  std::optional<Clock::time_point> unacked_since_;
  Clock::time_point next_lag_log_{};
};

}  // namespace stoa::compliance
